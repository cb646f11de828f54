"""Search and lookup at scale: a synthetic glossary of N concepts (plus the real seed, whose terms are the ones
searched for), served by the real app under uvicorn on 127.0.0.1.

Reports
- startup of the server process (DB load + Glossary.apply + every derived index) and its peak memory (VmHWM)
  (`bench/startup_bench.py` times the same start phase by phase, in one process);
- p50/p95/p99 latency of `GET /v1/search` per query kind, one connection, next to a bare route of the same app
  and `GET /healthz` measured in the same run (the floor; each kind's p95 is also given as a ratio to the bare
  route's), and where the intended seed term ranked (top 1 / 3 / 10); the "as typed" kinds are the first one to
  four characters of a form, the kinds of issue 15 (partial initials, the Chinese part's pinyin, runs from the
  middle, alias pinyin, longer English, avoided renderings) and a second page by cursor;
- `GET /v1/terms/{key}` throughput under wrk at 50 connections as a ratio to a bare route of the same app.

    .venv/bin/python -m bench.search_bench --concepts 100000

wrk is needed for the throughput part (`apt-get install -y wrk`); without it the script says so and stops.
The generated database is kept in --cache-dir (default: <temp dir>/glossary-bench, shared with the other
benchmarks) and reused by later runs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from app.config import PROJECT_DIR
from app.core.script import convert
from app.search.engine import initials_key, pinyin_key
from app.search.engine.keys import alias_pinyin, chinese_part_pinyin, form_key
from bench.synthetic import DEFAULT_DIRECTORY, glossary_database

# Seed terms searched for (their slugs), and how each kind of query is typed from the record.
TARGETS = [
    "shu-ju-de-di",
    "chang-san-jiao-g60-ke-chuang-zou-lang",
    "kun-shan-jin-gai-qu",
    "cu-jin-kua-jing-mao-yi-bian-li-hua-12-tiao",
    "yi-dai-yi-lu",
    "liu-fu-liu-jin",
    "xin-zhi-sheng-chan-li",
    "zhi-gai-shu-zhuan",
    "jing-wei-wang-ge",
    "kun-ru-yi",
    "ying-ji-365-zong-he-guan-li-ping-tai",
    "1-22-3-da-an-quan-gong-zuo-ti-xi",
    "you-hua-ying-shang-huan-jing-25-tiao",
    "ii-xing-da-cheng-shi",
]


@dataclass(frozen=True)
class Target:
    hans: str
    pinyin: str
    en: str
    en_avoid: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _swap(text: str) -> str:
    """A typo: the last two characters swapped (lflj → lfjl), or the first two if they are the same."""
    if len(text) < 3:
        return text
    if text[-1] != text[-2]:
        return text[:-2] + text[-1] + text[-2]
    return text[1] + text[0] + text[2:]


def _toneless(pinyin: str) -> str:
    return " ".join(pinyin_key(s) for s in pinyin.split())


def _tone_numbers(pinyin: str) -> str:
    out = []
    for syllable in pinyin.split():
        tone = next(
            (
                str(i)
                for i, m in enumerate("\u0304\u0301\u030c\u0300", 1)
                if m in unicodedata.normalize("NFD", syllable)
            ),
            "",
        )
        out.append(pinyin_key(syllable) + tone)
    return " ".join(out)


def _english(record: Target) -> str:
    words = re.findall(r"[A-Za-z]+", record.en)
    return " ".join(words[:3]).lower()


def _english_typo(record: Target) -> str:
    words = _english(record).split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    words[longest] = _swap(words[longest][:-1]) + words[longest][-1] if len(words[longest]) > 3 else words[longest]
    return " ".join(words)


def _typed(text: str) -> list[str]:
    """The first one to four characters of `text`, as a user types them."""
    return [text[:n] for n in range(1, 5) if n <= len(text)]


def _chinese_part(record: Target) -> str:
    spelled = chinese_part_pinyin(record.hans, record.pinyin)
    return pinyin_key(spelled) if spelled else ""


def _run_from_the_middle(record: Target) -> str:
    syllables = record.pinyin.split()
    return pinyin_key(" ".join(syllables[len(syllables) // 2 :])) if len(syllables) >= 4 else ""


def _alias_pinyin(record: Target) -> str:
    for alias in record.aliases:
        spelled = alias_pinyin(record.hans, record.pinyin, form_key(alias))
        if spelled:
            return pinyin_key(spelled)
    return ""


def _more_words(record: Target) -> str:
    words = re.findall(r"[A-Za-z]+", record.en)
    return " ".join([*words, "policy", "measures"]).lower()


# Each kind makes one query of a target, or several (as typed: the first one to four characters).
QUERY_KINDS: dict[str, Callable[[Target], str | list[str]]] = {
    "simplified": lambda r: r.hans,
    "traditional tw (s2tw)": lambda r: convert(r.hans, "s2tw"),
    "phrase-localised twp (s2twp)": lambda r: convert(r.hans, "s2twp"),
    "hong kong (s2hk)": lambda r: convert(r.hans, "s2hk"),
    "pinyin, spaced, toneless": lambda r: _toneless(r.pinyin),
    "pinyin, no spaces": lambda r: pinyin_key(r.pinyin),
    "pinyin, tone numbers": lambda r: _tone_numbers(r.pinyin),
    "initials": lambda r: initials_key(r.pinyin),
    "english words": _english,
    "typo, initials": lambda r: _swap(initials_key(r.pinyin)),
    "typo, english": _english_typo,
    "full-width": lambda r: _fullwidth(r.hans),
    "roman numeral look-alike": lambda r: r.hans.replace("Ⅱ", "II"),
    "fragment (last 2 characters)": lambda r: r.hans.replace("”", "")[-2:],
    "as typed: pinyin, 1-4 letters": lambda r: _typed(pinyin_key(r.pinyin)),
    "as typed: initials, 1-4 letters": lambda r: _typed(initials_key(r.pinyin)),
    "as typed: Chinese, 1-4 characters": lambda r: _typed(form_key(r.hans)),
    "as typed: English, 1-4 letters": lambda r: _typed(_english(r)),
    "partial initials": lambda r: initials_key(r.pinyin)[:-1] if len(initials_key(r.pinyin)) > 2 else "",
    "pinyin of the Chinese part alone": _chinese_part,
    "pinyin run from the middle": _run_from_the_middle,
    "alias pinyin": _alias_pinyin,
    "English, more words than the rendering": _more_words,
    "avoided rendering": lambda r: r.en_avoid[0] if r.en_avoid else "",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def timed_gets(client: httpx.Client, urls: list[str], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    return samples


def wrk(url: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match or "Non-2xx" in out:
        raise SystemExit(f"wrk failed or saw errors:\n{out}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concepts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30, help="passes over each kind's queries (10 queries a pass)")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_DIRECTORY)
    parser.add_argument("--no-wrk", action="store_true", help="search latency only: skip the lookup throughput")
    args = parser.parse_args()
    if not args.no_wrk and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get update && apt-get install -y wrk`, then run again")

    url = glossary_database(args.concepts, args.cache_dir)

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "REFRESH_INTERVAL": "3600"}
    uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "bench.search_app:create", "--port", str(port)]
    started = time.perf_counter()
    server = subprocess.Popen(
        [*uvicorn, "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"],
        env=env,
        cwd=PROJECT_DIR,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                if server.poll() is not None:
                    raise SystemExit("the server exited during startup")
                if time.perf_counter() - started > 300:
                    raise SystemExit("the server did not start within 300 s")
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            startup = time.perf_counter() - started
            report_search(client, args.rounds)
            memory = peak_memory_mb(server.pid)
            if args.no_wrk:
                print(
                    f"\nserver startup to first healthy answer: {startup:.1f} s; peak memory (VmHWM): {memory:.0f} MB"
                )
                return
            lookup = f"{base}/v1/terms/{quote('數據得地')}"
            client.get(lookup).raise_for_status()
            bare_rps = wrk(f"{base}/bench/bare", args.wrk_seconds)
            lookup_rps = wrk(lookup, args.wrk_seconds)
            memory = peak_memory_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print()
    print(
        f"server startup to first healthy answer: {startup:.1f} s; peak memory of the server (VmHWM): {memory:.0f} MB"
    )
    print(f"GET /v1/terms/{{key}} (数據得地 in Taiwan form) under wrk -c50: {lookup_rps:,.0f} req/s")
    print(f"bare route of the same app: {bare_rps:,.0f} req/s; ratio {lookup_rps / bare_rps:.2f}")


def report_search(client: httpx.Client, rounds: int) -> None:
    records = {}
    for slug in TARGETS:
        response = client.get(f"/v1/terms/{slug}")
        response.raise_for_status()
        term = response.json()
        records[slug] = Target(
            hans=term["hans"],
            pinyin=term["pinyin"],
            en=term["en"],
            en_avoid=tuple(term["en_avoid"]),
            aliases=tuple(term["aliases"]),
        )
    health = timed_gets(client, ["/healthz"] * 10, rounds)
    bare = timed_gets(client, ["/bench/bare"] * 10, rounds)
    print(
        "| query kind | example | p50 ms | p95 ms | p99 ms | p95 / bare p95 | intended term: top 1 / top 3 / top 10 |"
    )
    print("|---|---|---|---|---|---|---|")
    bare_p95 = percentiles(bare)[1]
    for name, samples in (("GET /bench/bare (bare route, the baseline)", bare), ("GET /healthz", health)):
        p50, p95, p99 = percentiles(samples)
        print(f"| {name} | | {p50:.2f} | {p95:.2f} | {p99:.2f} | {p95 / bare_p95:.1f} | |")
    for kind, typed in QUERY_KINDS.items():
        queries = []
        for slug, r in records.items():
            made = typed(r)
            queries += [(slug, q) for q in ([made] if isinstance(made, str) else made) if q.strip()]
        if kind == "roman numeral look-alike":
            queries = [(s, q) for s, q in queries if "II" in q]
        if kind == "full-width":
            queries = [(s, q) for s, q in queries if any("!" <= c <= "~" for c in records[s].hans)]
        report_kind(client, kind, queries, rounds, bare_p95)
    # The second page of as-you-type pinyin: the cursor of the first page, then the page it names.
    second = []
    for r in records.values():
        q = pinyin_key(r.pinyin)[:3]
        cursor = client.get("/v1/search", params={"q": q}).json()["next_cursor"]
        if cursor:
            second.append(f"/v1/search?q={quote(q)}&cursor={cursor}")
    if second:
        samples = timed_gets(client, second, max(1, rounds * 10 // len(second)))
        p50, p95, p99 = percentiles(samples)
        print(f"| second page (cursor) | 3 letters | {p50:.2f} | {p95:.2f} | {p99:.2f} | {p95 / bare_p95:.1f} | |")


def report_kind(client: httpx.Client, kind: str, queries: list[tuple[str, str]], rounds: int, bare_p95: float) -> None:
    urls = [f"/v1/search?q={quote(q)}" for _, q in queries]
    samples = timed_gets(client, urls, max(1, rounds * 10 // len(urls)))
    top1 = top3 = top10 = 0
    for slug, q in queries:
        slugs = [i["term"]["slug"] for i in client.get("/v1/search", params={"q": q}).json()["items"]]
        top1 += slugs[:1] == [slug]
        top3 += slug in slugs[:3]
        top10 += slug in slugs[:10]
    p50, p95, p99 = percentiles(samples)
    n = len(queries)
    found = f"{top1}/{n} / {top3}/{n} / {top10}/{n}"
    print(f"| {kind} | {queries[0][1]} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {p95 / bare_p95:.1f} | {found} |")


if __name__ == "__main__":
    main()
