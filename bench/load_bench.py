"""Load: the real server on 127.0.0.1 under a read mix (term, lookup, search, annotate) at 64 connections, with a
writer editing terms meanwhile. Reports throughput, p50/p95/p99 latency per kind of request and overall, and the
error count, which must be zero (the exit status is 1 otherwise).

    .venv/bin/python -m bench.load_bench                       # 60 s, 1 worker, SQLite, asyncio and wrk
    .venv/bin/python -m bench.load_bench --seconds 10          # quick
    .venv/bin/python -m bench.load_bench --workers 2 --postgres postgresql://postgres@127.0.0.1:5432/test

Every run builds a fresh database (a SQLite file in a temp dir, or with --postgres a schema of its own that is
dropped afterwards), runs `glossary migrate`, `glossary seed` and `glossary keys create --scope editor`, and starts
`uvicorn app.main:create_app --factory` on a free port of 127.0.0.1; the server is stopped at the end in any case.

Load generators (--generator), each in a process of its own:
- asyncio: 64 asyncio tasks (uvloop), each with one keep-alive connection and a minimal HTTP/1.1 client over
  asyncio streams (prebuilt request bytes, status line, Content-Length or chunked body); it times every request,
  so it gives latencies per kind of request.
- httpx: the same tasks with one httpx.AsyncClient each (one AsyncClient with a 64-connection pool managed a
  fifth of the throughput, measured once); httpx costs several ms of client CPU per request on the 2-core
  benchmark machine, so it competes with the server for the cores. Kept to show what the client costs.
- wrk: the same request sequence from a generated Lua script (kinds told apart by the X-Request-ID the server
  echoes); the cheapest client, but its latency percentiles are for the mix as a whole. wrk is a separate
  program: `apt-get update && apt-get install -y wrk` (Debian/Ubuntu); without it, --generator wrk/both/all
  stops and says so.
- both (default): asyncio, then wrk; all: asyncio, httpx, wrk. Each runs --seconds, on the same server.

The writer runs in this process all along: every --write-interval seconds it GETs a term and PATCHes its `note`
(JSON merge patch, If-Match with the ETag, an editor key), going round the same terms the readers read. A 412
(the ETag went stale between its GET and PATCH, possible with several workers) is expected and counted apart;
anything else that is not 2xx is an error. At the end every edited term is read again over fresh connections:
a read that does not show the last edit counts as an error too.

Errors: any response that is not 2xx (except the writer's 412), any exception or timeout (10 s).
CPU: the server's and the load generator's CPU time over each phase are reported as cores used; on a small
machine the generator competes with the server for them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
SOURCES = Path(__file__).resolve().parents[2] / "shared" / "sources"
REPORT = SOURCES / "kunshan-2024-government-work-report.zh.txt"
PARAGRAPH_START = "（六）聚力防风险守底线"  # 1.7 KB; carries “1+22+3”大安全工作体系, “应急365”综合管理平台, 精微网格 …
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
TIMEOUT = 10.0

# GET /v1/terms/{key}: slugs, Simplified, Traditional (tw, hk, phrase forms), aliases, width/numeral variants.
TERM_KEYS = [
    "六服六进",
    "六服六進",
    "liu-fu-liu-jin",
    "数据得地",
    "數據得地",
    "資料得地",
    "shu-ju-de-di",
    "Ⅱ型大城市",
    "II型大城市",
    "“1+22+3”大安全工作体系",
    "“应急365”综合管理平台",
    "优化营商环境“25条”",
    "昆如意",
    "智改数转",
    "新质生产力",
    "精网微格",
]
# POST /v1/lookup: batches of about 20 keys, one of which matches nothing (null in the answer).
LOOKUP_BATCHES = [
    [*TERM_KEYS, "精微网格", "xin-zhi-sheng-chan-li", "zhi-gai-shu-zhuan", "不存在的词"],
    [
        "kun-ru-yi",
        "ying-ji-365-zong-he-guan-li-ping-tai",
        "1-22-3-da-an-quan-gong-zuo-ti-xi",
        "you-hua-ying-shang-huan-jing-25-tiao",
        "ii-xing-da-cheng-shi",
        "jing-wei-wang-ge",
        "“應急365”綜合管理平台",
        "優化營商環境“25條”",
        "新質生產力",
        "智改數轉",
        "１＋２２＋３大安全工作体系",
        "“1+22+3”大安全工作體系",
        "數據得地",
        "六服六進",
        "崑如意",
        "精網微格",
        "Ⅱ型大城市",
        "liu-fu-liu-jin",
        "shu-ju-de-di",
        "no-such-term",
    ],
]
# GET /v1/search?q=: pinyin (toneless, tone marks, no spaces, initials), English, Chinese fragments, Traditional.
SEARCH_QUERIES = [
    "shujudedi",
    "liu fu liu jin",
    "xīn zhì shēng chǎn lì",
    "lflj",
    "sjdd",
    "new quality productive forces",
    "business environment",
    "emergency",
    "网格",
    "营商环境",
    "數據得地",
    "安全工作",
]
# The writer goes round these (the terms the readers read most).
WRITER_SLUGS = [
    "liu-fu-liu-jin",
    "shu-ju-de-di",
    "ii-xing-da-cheng-shi",
    "1-22-3-da-an-quan-gong-zuo-ti-xi",
    "ying-ji-365-zong-he-guan-li-ping-tai",
    "you-hua-ying-shang-huan-jing-25-tiao",
    "kun-ru-yi",
    "zhi-gai-shu-zhuan",
    "xin-zhi-sheng-chan-li",
    "jing-wei-wang-ge",
]
# The read mix, per 10 requests: 4 term, 3 search, 2 lookup, 1 annotate.
PATTERN = ["term", "search", "term", "lookup", "search", "term", "annotate", "search", "term", "lookup"]
KINDS = ["term", "lookup", "search", "annotate"]


@dataclass(frozen=True)
class Req:
    kind: str
    method: str
    path: str
    body: bytes | None = None


def paragraphs() -> list[str]:
    """The report's paragraph, as written (Simplified) and as a Taiwan reader would have it (s2twp)."""
    if not REPORT.is_file():
        raise SystemExit(f"the source report is not at {REPORT}")
    text = next(
        (line.strip() for line in REPORT.read_text("utf-8").splitlines() if line.startswith(PARAGRAPH_START)), ""
    )
    if not 1000 <= len(text.encode()) <= 2500:
        raise SystemExit(f"the paragraph starting {PARAGRAPH_START} is not in {REPORT} (or not 1–2.5 KB)")
    from app.core.script import convert

    return [text, convert(text, "s2twp")]


def schedule(texts: list[str], length: int = 200) -> list[Req]:
    """The request sequence both generators go round (each connection from its own offset)."""
    variants: dict[str, list[Req]] = {
        "term": [Req("term", "GET", "/v1/terms/" + quote(key, safe="")) for key in TERM_KEYS],
        "lookup": [Req("lookup", "POST", "/v1/lookup", _json({"keys": keys})) for keys in LOOKUP_BATCHES],
        "search": [Req("search", "GET", "/v1/search?limit=10&q=" + quote(q, safe="")) for q in SEARCH_QUERIES],
        "annotate": [Req("annotate", "POST", "/v1/annotate", _json({"text": text})) for text in texts],
    }
    used: Counter[str] = Counter()
    out = []
    for i in range(length):
        kind = PATTERN[i % len(PATTERN)]
        out.append(variants[kind][used[kind] % len(variants[kind])])
        used[kind] += 1
    return out


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


# --- Database and server ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(postgres: str | None, workdir: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file in workdir, or a new schema of the PostgreSQL server (dropped after)."""
    if postgres is None:
        yield f"sqlite:///{workdir / 'load.db'}"
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from app.db import make_engine

    url = make_url(postgres)
    if url.host not in LOCAL_HOSTS:
        raise SystemExit(f"--postgres must be a server on 127.0.0.1, not {url.host}")
    schema = f"load_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    env.pop("RATE_LIMIT_PER_MINUTE", None)  # the API as served without a rate limit
    return env


def prepare(env: dict[str, str]) -> str:
    """migrate, seed, and an editor key (the last line `glossary keys create` prints)."""
    cli = [sys.executable, "-m", "app.cli"]
    for args in (["migrate"], ["seed"]):
        subprocess.run([*cli, *args], cwd=ROOT, env=env, check=True, timeout=300, stdout=subprocess.DEVNULL)
    created = subprocess.run(
        [*cli, "keys", "create", "--name", "load", "--scope", "editor"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return created.stdout.strip().splitlines()[-1].strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(env: dict[str, str], workers: int, log: Path) -> Iterator[tuple[str, int]]:
    """uvicorn in a process group of its own; yields its base URL and group id, and stops it whatever happens."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_healthy(base, proc, workers, log)
        yield base, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def wait_healthy(base: str, proc: subprocess.Popen[bytes], workers: int, log: Path, limit: float = 120) -> None:
    """Every worker has logged its startup (glossary loaded, indexes built) and /healthz answers 200."""
    deadline = time.monotonic() + limit
    in_a_row = 0
    while in_a_row < 3 or log.read_text("utf-8", "replace").count("Application startup complete") < workers:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}:\n{log.read_text('utf-8', 'replace')[-3000:]}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the server was not healthy within {limit:.0f} s; its log is {log}")
        try:
            ok = httpx.get(base + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            ok = False
        in_a_row = in_a_row + 1 if ok else 0
        time.sleep(0.05 if ok else 0.2)


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- The writer ------------------------------------------------------------------------------------------------


@dataclass
class WriterStats:
    edits: int = 0
    stale: int = 0  # 412: expected now and then
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)  # GET + PATCH
    last_note: dict[str, str] = field(default_factory=dict)


class Writer(threading.Thread):
    def __init__(self, base: str, key: str, interval: float) -> None:
        super().__init__(name="writer", daemon=True)
        self.base, self.key, self.interval = base, key, interval
        self.stop = threading.Event()
        self.stats = WriterStats()

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=TIMEOUT) as client:
            i = 0
            while not self.stop.wait(self.interval):
                slug = WRITER_SLUGS[i % len(WRITER_SLUGS)]
                note = f"load bench edit {i} at {time.time():.3f}"
                i += 1
                started = time.perf_counter()
                try:
                    got = client.get(f"/v1/terms/{slug}")
                    if got.status_code != 200:
                        self.stats.errors.append(f"GET {slug}: {got.status_code} {got.text[:200]}")
                        continue
                    patched = client.patch(
                        f"/v1/terms/{slug}",
                        content=_json({"note": note}),
                        headers={"If-Match": got.headers["etag"], "Content-Type": "application/merge-patch+json"},
                    )
                except (httpx.HTTPError, KeyError) as exc:
                    self.stats.errors.append(f"{slug}: {type(exc).__name__}: {exc}")
                    continue
                if patched.status_code == 200:
                    self.stats.edits += 1
                    self.stats.last_note[slug] = note
                    self.stats.latencies_ms.append((time.perf_counter() - started) * 1000)
                elif patched.status_code == 412:
                    self.stats.stale += 1
                else:
                    self.stats.errors.append(f"PATCH {slug}: {patched.status_code} {patched.text[:200]}")


def check_edits_visible(base: str, last_note: dict[str, str], reads: int, settle: float = 2.0) -> list[str]:
    """Every edited term, read `reads` times over new connections (any worker) `settle` s after the last edit,
    shows the last note written."""
    time.sleep(settle)
    problems = []
    for slug, note in last_note.items():
        for _ in range(reads):
            try:
                seen = httpx.get(f"{base}/v1/terms/{slug}", timeout=TIMEOUT).json().get("note")
            except (httpx.HTTPError, ValueError) as exc:
                problems.append(f"read back {slug}: {type(exc).__name__}: {exc}")
                break
            if seen != note:
                problems.append(f"read back {slug}: note {seen!r}, last written {note!r}")
                break
    return problems


# --- The Python generators (a process of their own) -----------------------------------------------------------


class RawConnection:
    """A minimal HTTP/1.1 keep-alive client over asyncio streams: prebuilt request bytes, status and body back.
    Far cheaper per request than httpx, so that the generator, not the server, is less often what is measured."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, payload: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if not chunked:
            return status, await self.reader.readexactly(length)
        body = bytearray()
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += await self.reader.readexactly(size + 2)
        await self.reader.readuntil(b"\r\n")
        return status, bytes(body)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _payload(req: Req, port: int) -> bytes:
    head = f"{req.method} {req.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Request-ID: {req.kind}\r\n"
    if req.body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(req.body)}\r\n"
    return head.encode() + b"\r\n" + (req.body or b"")


async def _generate(client: str, base: str, requests: list[Req], connections: int, seconds: float) -> dict[str, Any]:
    kinds = list(dict.fromkeys(req.kind for req in requests))
    latencies: dict[str, list[float]] = {kind: [] for kind in kinds}
    statuses: dict[str, Counter[int]] = {kind: Counter() for kind in kinds}
    exceptions: dict[str, Counter[str]] = {kind: Counter() for kind in kinds}
    samples: list[str] = []
    url = httpx.URL(base)
    port = url.port or 80
    payloads = [_payload(req, port) for req in requests]
    json_headers = {"Content-Type": "application/json"}
    # Clients are made before the clock starts (an httpx client builds an SSL context: tens of ms of CPU each).
    # One connection per task: one httpx AsyncClient with a 64-connection pool spent its time on pool
    # bookkeeping at this concurrency.
    raws = [RawConnection(url.host, port) for _ in range(connections)]
    https = [
        httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=1), timeout=TIMEOUT)
        for _ in range(connections if client == "httpx" else 0)
    ]
    started = time.perf_counter()
    deadline = started + seconds

    async def worker(n: int) -> None:
        k = n * 7
        raw = raws[n]
        while time.perf_counter() < deadline:
            i = k % len(requests)
            req = requests[i]
            k += 1
            sent = time.perf_counter()
            try:
                if client == "asyncio":
                    async with asyncio.timeout(TIMEOUT):
                        status, body = await raw.send(payloads[i])
                else:
                    response = await https[n].request(
                        req.method, req.path, content=req.body, headers=json_headers if req.body else None
                    )
                    status, body = response.status_code, response.content
            except (OSError, TimeoutError, ValueError, EOFError, asyncio.LimitOverrunError, httpx.HTTPError) as exc:
                raw.close()
                exceptions[req.kind][type(exc).__name__] += 1
                if len(samples) < 10:
                    samples.append(f"{req.method} {req.path[:60]}: {type(exc).__name__}: {exc}")
                continue
            latencies[req.kind].append((time.perf_counter() - sent) * 1000)
            statuses[req.kind][status] += 1
            if not 200 <= status < 300 and len(samples) < 10:
                samples.append(f"{req.method} {req.path[:60]}: {status} {body[:200].decode('utf-8', 'replace')}")

    try:
        await asyncio.gather(*(worker(n) for n in range(connections)))
    finally:
        for raw in raws:
            raw.close()
        for http in https:
            await http.aclose()
    elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "latencies_ms": latencies,
        "statuses": {k: {str(s): n for s, n in v.items()} for k, v in statuses.items()},
        "exceptions": {k: dict(v) for k, v in exceptions.items()},
        "samples": samples,
    }


def generator_main(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text("utf-8"))
    requests = [
        Req(r["kind"], r["method"], r["path"], r["body"].encode() if r["body"] else None) for r in config["requests"]
    ]
    work = _generate(config["client"], config["base"], requests, config["connections"], config["seconds"])
    try:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            result = runner.run(work)
    except ImportError:
        result = asyncio.run(work)
    Path(config["out"]).write_text(json.dumps(result), "utf-8")


def run_python(
    client: str, base: str, requests: list[Req], connections: int, seconds: float, workdir: Path
) -> dict[str, Any]:
    config, out = workdir / "generator.json", workdir / "generator-result.json"
    config.write_text(
        json.dumps(
            {
                "client": client,
                "base": base,
                "connections": connections,
                "seconds": seconds,
                "out": str(out),
                "requests": [
                    {"kind": r.kind, "method": r.method, "path": r.path, "body": r.body.decode() if r.body else None}
                    for r in requests
                ],
            }
        ),
        "utf-8",
    )
    subprocess.run(
        [sys.executable, "-m", "bench.load_bench", "--generator-config", str(config)],
        cwd=ROOT,
        check=True,
        timeout=seconds + 4 * TIMEOUT + 30,
    )
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return result


# --- The wrk generator ---------------------------------------------------------------------------------------------

_LUA = r"""
local specs = {
%(specs)s
}
local requests = {}
local counter = 0
offset = offset or 0
responses = {}
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7)
  table.insert(threads, thread)
end

function init(args)
  for i, s in ipairs(specs) do
    local headers = {["X-Request-ID"] = s[1]}
    if s[4] then headers["Content-Type"] = "application/json" end
    requests[i] = wrk.format(s[2], s[3], headers, s[4])
  end
  counter = offset
end

function request()
  counter = counter %% #requests + 1
  return requests[counter]
end

function response(status, headers, body)
  local key = (headers["x-request-id"] or headers["X-Request-ID"] or "?") .. " " .. status
  responses[key] = (responses[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("responses")) do merged[key] = (merged[key] or 0) + n end
  end
  local parts = {}
  for key, n in pairs(merged) do table.insert(parts, string.format("%%q:%%d", key, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%%d,"duration_us":%%d,' ..
    '"errors":{"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d},' ..
    '"latency_us":{"p50":%%d,"p95":%%d,"p99":%%d,"max":%%d,"mean":%%.1f},"responses":{%%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ",")))
end
"""


def _lua_string(data: str) -> str:
    level = "=" * 3
    assert f"]{level}]" not in data
    return f"[{level}[{data}]{level}]"


def wrk_script(requests: list[Req]) -> str:
    specs = ",\n".join(
        "{{{}, {}, {}, {}}}".format(
            _lua_string(r.kind),
            _lua_string(r.method),
            _lua_string(r.path),
            _lua_string(r.body.decode()) if r.body else "nil",
        )
        for r in requests
    )
    return _LUA % {"specs": specs}


def run_wrk(base: str, requests: list[Req], connections: int, seconds: float, workdir: Path) -> dict[str, Any]:
    script = workdir / "mix.lua"
    script.write_text(wrk_script(requests), "utf-8")
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={TIMEOUT:.0f}s",
        "-s",
        str(script),
        base,
    ]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((line for line in done.stdout.splitlines() if line.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    return result


# --- Reporting -----------------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def report_python(result: dict[str, Any]) -> tuple[list[str], int]:
    elapsed = result["elapsed"]
    rows = ["| kind | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx | exceptions |", "|---" * 9 + "|"]
    everything: list[float] = []
    errors = 0
    kinds = sorted(result["statuses"], key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS))
    for kind in [*kinds, "all"]:
        if kind == "all":
            values = sorted(everything)
            statuses: Counter[str] = Counter()
            raised = 0
            for k in kinds:
                statuses.update(result["statuses"][k])
                raised += sum(result["exceptions"][k].values())
        else:
            values = sorted(result["latencies_ms"][kind])
            everything.extend(values)
            statuses = Counter(result["statuses"][kind])
            raised = sum(result["exceptions"][kind].values())
            errors += raised + sum(n for s, n in statuses.items() if not s.startswith("2"))
        bad = sum(n for s, n in statuses.items() if not s.startswith("2"))
        count = sum(statuses.values()) + raised
        name = f"**{kind}**" if kind == "all" else kind
        rows.append(
            f"| {name} | {count:,} | {count / elapsed:,.0f} | {percentile(values, 50):.1f} | "
            f"{percentile(values, 95):.1f} | {percentile(values, 99):.1f} | {max(values, default=float('nan')):.1f} | "
            f"{bad} | {raised} |"
        )
    return rows, errors


def report_wrk(result: dict[str, Any]) -> tuple[list[str], int]:
    seconds = result["duration_us"] / 1e6
    per_kind: dict[str, Counter[str]] = {}
    for key, n in result["responses"].items():
        kind, status = key.rsplit(" ", 1)
        per_kind.setdefault(kind, Counter())[status] += n
    rows = ["| kind | responses | req/s | non-2xx |", "|---|---|---|---|"]
    errors = 0
    for kind in sorted(per_kind, key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS)):
        statuses = per_kind[kind]
        bad = sum(n for s, n in statuses.items() if not s.startswith("2"))
        errors += bad
        rows.append(f"| {kind} | {sum(statuses.values()):,} | {sum(statuses.values()) / seconds:,.0f} | {bad} |")
    socket_errors = sum(v for k, v in result["errors"].items() if k != "status")
    errors += socket_errors
    lat = result["latency_us"]
    rows.append(
        f"| **all** | {result['requests']:,} | {result['requests'] / seconds:,.0f} | "
        f"{sum(n for c in per_kind.values() for s, n in c.items() if not s.startswith('2'))} |"
    )
    rows.append("")
    rows.append(
        f"latency of the whole mix (wrk): p50 {lat['p50'] / 1000:.1f} ms, p95 {lat['p95'] / 1000:.1f} ms, "
        f"p99 {lat['p99'] / 1000:.1f} ms, max {lat['max'] / 1000:.1f} ms; socket errors {result['errors']}"
    )
    return rows, errors


def report_writer(stats: WriterStats) -> list[str]:
    values = sorted(stats.latencies_ms)
    return [
        f"writer: {stats.edits} edits (GET + PATCH p50 {percentile(values, 50):.1f} ms, "
        f"p99 {percentile(values, 99):.1f} ms), {stats.stale} stale ETags (412), {len(stats.errors)} errors",
        *[f"  writer error: {e}" for e in stats.errors[:10]],
    ]


# --- Main ----------------------------------------------------------------------------------------------------------


def warm_up(base: str, requests: list[Req]) -> list[str]:
    """Every distinct request once, in sequence (first-use costs out of the figures); returns what failed."""
    problems = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for req in dict.fromkeys(requests):
            response = client.request(
                req.method, req.path, content=req.body, headers={"Content-Type": "application/json"} if req.body else {}
            )
            if response.status_code != 200:
                problems.append(f"warm-up {req.method} {req.path[:60]}: {response.status_code} {response.text[:200]}")
    return problems


def phase(
    name: str,
    title: str,
    base: str,
    pgid: int,
    key: str | None,
    requests: list[Req],
    seconds: float,
    args: argparse.Namespace,
    workdir: Path,
) -> tuple[int, float]:
    """One load run with generator `name` (and the writer if `key` is given); prints its figures and returns its
    error count and throughput (requests a second)."""
    writer = Writer(base, key, args.write_interval) if key else None
    server_before, client_before = group_cpu(pgid), children_cpu()
    started = time.perf_counter()
    if writer:
        writer.start()
    try:
        if name in ("asyncio", "httpx"):
            result = run_python(name, base, requests, args.connections, seconds, workdir)
            rows, errors = report_python(result)
            samples = result["samples"]
            throughput = sum(sum(c.values()) for c in result["statuses"].values()) / result["elapsed"]
        else:
            result = run_wrk(base, requests, args.connections, seconds, workdir)
            rows, errors = report_wrk(result)
            samples = []
            throughput = result["requests"] / (result["duration_us"] / 1e6)
    finally:
        if writer:
            writer.stop.set()
            writer.join(timeout=2 * TIMEOUT + 5)
    wall = time.perf_counter() - started
    server_cpu, client_cpu = group_cpu(pgid) - server_before, children_cpu() - client_before
    print(
        f"\n### {title} ({name}): {args.connections} connections, {seconds:g} s, "
        f"{args.workers} worker(s), {args.backend}\n"
    )
    print("\n".join(rows))
    print()
    if writer:
        visibility = check_edits_visible(base, writer.stats.last_note, reads=4 * args.workers)
        errors += len(writer.stats.errors) + len(visibility)
        print("\n".join(report_writer(writer.stats)))
        print(f"edits visible afterwards on fresh connections: {'yes' if not visibility else 'NO'}")
        for problem in visibility[:10]:
            print(f"  {problem}")
    print(
        f"CPU over the phase ({wall:.0f} s wall, {os.cpu_count()} cores): server {server_cpu / wall:.2f} cores, "
        f"load generator ({name}) {client_cpu / wall:.2f} cores"
    )
    for sample in samples:
        print(f"  sample error: {sample}")
    print(f"errors: {errors}")
    return errors, throughput


def runs(
    generators: list[str], base: str, pgid: int, key: str, requests: list[Req], args: argparse.Namespace, workdir: Path
) -> int:
    """The baselines, then the read mix with the writer under each generator; prints the throughput summary."""
    errors = 0
    summary = []
    if args.baseline_seconds:
        # Baselines in the same run, with the first generator: the cheapest route through the stack (GET /healthz:
        # routing, middleware, one SELECT 1) and the same read mix with no writer.
        first = generators[0]
        floor = [Req("healthz", "GET", "/healthz")]
        found, healthz = phase(
            first, "baseline: GET /healthz", base, pgid, None, floor, args.baseline_seconds, args, workdir
        )
        errors += found
        found, quiet = phase(
            first,
            "baseline: read mix, no writer",
            base,
            pgid,
            None,
            requests,
            args.baseline_seconds,
            args,
            workdir,
        )
        errors += found
        summary.append(f"| {first} | GET /healthz alone | {healthz:,.0f} | |")
        summary.append(f"| {first} | read mix, no writer | {quiet:,.0f} | {quiet / healthz:.2f} of healthz |")
    for name in generators:
        found, loaded = phase(name, "read mix + writer", base, pgid, key, requests, args.seconds, args, workdir)
        errors += found
        ratio = (
            f"{loaded / healthz:.2f} of healthz, {loaded / quiet:.2f} of the mix without writer"
            if args.baseline_seconds and name == generators[0]
            else ""
        )
        summary.append(f"| {name} | read mix + writer | {loaded:,.0f} | {ratio} |")
    print("\n### throughput\n\n| generator | load | req/s | ratio |\n|---|---|---|---|")
    print("\n".join(summary))
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="length of each load phase (default 60)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections (default 64)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument(
        "--generator",
        choices=["asyncio", "httpx", "wrk", "both", "all"],
        default="both",
        help="both: asyncio then wrk; all: asyncio, httpx, wrk (default both)",
    )
    parser.add_argument("--write-interval", type=float, default=0.5, help="seconds between the writer's edits")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server on 127.0.0.1 instead of SQLite")
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=15,
        help="length of each baseline run (GET /healthz; the mix without writer); 0: none (default 15)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server log)")
    parser.add_argument("--generator-config", help=argparse.SUPPRESS)  # the Python generator's own process
    args = parser.parse_args()
    if args.generator_config:
        generator_main(args.generator_config)
        return
    if (
        not 0 <= args.baseline_seconds <= 600
        or not 1 <= args.seconds <= 600
        or not 1 <= args.connections <= 512
        or not 1 <= args.workers <= 8
    ):
        parser.error("--seconds 1–600, --connections 1–512, --workers 1–8")
    generators = {"both": ["asyncio", "wrk"], "all": ["asyncio", "httpx", "wrk"]}.get(args.generator, [args.generator])
    if "wrk" in generators and shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is not installed: `apt-get update && apt-get install -y wrk` (Debian/Ubuntu), "
            "or run with --generator asyncio"
        )
    args.backend = "PostgreSQL" if args.postgres else "SQLite"
    requests = schedule(paragraphs())
    workdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    errors = 0
    try:
        with database(args.postgres, workdir) as url:
            env = server_env(url)
            started = time.perf_counter()
            key = prepare(env)
            print(f"database ({args.backend}) migrated and seeded in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            with server(env, args.workers, workdir / "server.log") as (base, pgid):
                print(f"server {base} ({args.workers} worker(s)) healthy in {time.perf_counter() - started:.1f} s")
                for problem in warm_up(base, requests):
                    print(problem)
                    errors += 1
                mix = Counter(r.kind for r in requests)
                print("read mix: " + ", ".join(f"{kind} {mix[kind] / len(requests):.0%}" for kind in KINDS))
                errors += runs(generators, base, pgid, key, requests, args, workdir)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\ntotal errors: {errors}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
