"""Shared by the annotate and convert benchmarks: a glossary database (the seed, optionally grown to 100,000
concepts with `bench.synthetic`), the app over it, the report text, and two ways of timing the app against a
baseline: through an in-process HTTP client (`paired`) and as the server hands a request over (`paired_asgi`).

Why both. `paired` times `AppClient.post`: besides the app, that is the client's own work (httpx building
the request and collecting the response, the hop from the calling thread to the event loop's), which a
server does not do. `paired_asgi` calls the app the way uvicorn does once it has read a request, one ASGI
call with the body in hand, from inside the event loop: routing, the middleware, JSON parsing, validation,
the route in the thread pool and the response encoding are all in it; only the socket and the HTTP parsing
(uvicorn's, in C) are not.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from app.config import PROJECT_DIR, Settings
from app.main import create_app
from bench.synthetic import DEFAULT_DIRECTORY
from tests.appclient import AppClient

REPORT = (PROJECT_DIR.parent / "shared" / "sources" / "kunshan-2024-government-work-report.zh.txt").read_text(
    encoding="utf-8"
)


def report_text(utf8_bytes: int) -> str:
    """Report text repeated to just under `utf8_bytes` bytes of UTF-8."""
    text = REPORT * (utf8_bytes // len(REPORT.encode()) + 1)
    while len(text.encode()) > utf8_bytes:
        text = text[: len(text) - max(1, (len(text.encode()) - utf8_bytes) // 3)]
    return text


def arguments(doc: str | None, repeat: int, breakdown: str) -> argparse.Namespace:
    """The command line both benchmarks take: glossary sizes, repetitions, --breakdown, the database folder
    (created if missing)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0,100000", help="synthetic concepts added to the seed")
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--breakdown", action="store_true", help=breakdown)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIRECTORY)
    args = parser.parse_args()
    args.dir.mkdir(exist_ok=True)
    return args


def app_client(url: str) -> AppClient:
    return AppClient(create_app(Settings(database_url=url, max_body_bytes=4 << 20)))


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of `repeat` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def seconds(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def paired(baseline: Callable[[], object], ours: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median seconds of the baseline, of ours, and the median of their ratios, the two run alternately
    (`repeat` pairs after one warm-up of each), so that load from other processes on a shared machine falls
    on both alike and each ratio compares runs made a moment apart."""
    baseline()
    ours()
    return _medians([(seconds(baseline), seconds(ours)) for _ in range(repeat)])


def _medians(pairs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Of (baseline, ours) pairs: the median of each side and the median of the ratios."""
    return (
        statistics.median(b for b, _ in pairs),
        statistics.median(o for _, o in pairs),
        statistics.median(o / b for b, o in pairs),
    )


async def asgi_post(app: object, path: str, body: bytes, query: bytes = b"") -> int:
    """POST `body` (JSON) to the ASGI `app` as a server hands a request over; the response status."""
    delivered = False

    async def receive() -> dict[str, object]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError

    status = 0

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    await app(scope, receive, send)  # type: ignore[operator]
    return status


def paired_asgi(
    client: AppClient, baseline: Callable[[], object], path: str, body: bytes, repeat: int, query: bytes = b""
) -> tuple[float, float, float]:
    """`paired`, the app called with `asgi_post` from inside its event loop; every response must be 200."""

    async def run() -> list[tuple[float, float]]:
        baseline()
        assert await asgi_post(client.app, path, body, query) == 200
        pairs = []
        for _ in range(repeat):
            started = time.perf_counter()
            baseline()
            middle = time.perf_counter()
            assert await asgi_post(client.app, path, body, query) == 200
            pairs.append((middle - started, time.perf_counter() - middle))
        return pairs

    return _medians(client.portal.call(run))


def asgi_median(client: AppClient, path: str, body: bytes, repeat: int, status: int, query: bytes = b"") -> float:
    """Median seconds of `repeat` `asgi_post` calls from inside the event loop, after one warm-up; each must
    answer `status` (422 for the request floor: the same body refused after parsing and validation)."""

    async def run() -> float:
        assert await asgi_post(client.app, path, body, query) == status
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            assert await asgi_post(client.app, path, body, query) == status
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    return client.portal.call(run)
