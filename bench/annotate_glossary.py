"""Shared by the annotate and convert benchmarks: a glossary database (the seed, optionally grown to 100,000
concepts with `bench.synthetic`), the app over it, and the report text."""

from __future__ import annotations

import argparse
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


def _seconds(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def paired(baseline: Callable[[], object], ours: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median seconds of the baseline, of ours, and the median of their ratios, the two run alternately
    (`repeat` pairs after one warm-up of each), so that load from other processes on a shared machine falls
    on both alike and each ratio compares runs made a moment apart."""
    baseline()
    ours()
    pairs = [(_seconds(baseline), _seconds(ours)) for _ in range(repeat)]
    return (
        statistics.median(b for b, _ in pairs),
        statistics.median(o for _, o in pairs),
        statistics.median(o / b for b, o in pairs),
    )
