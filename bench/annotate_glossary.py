"""Shared by the annotate and convert benchmarks: a glossary database (the seed, optionally grown to 100,000
concepts with `bench.synthetic`), the app over it, and the report text."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from alembic import command
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.config import PROJECT_DIR, Settings
from app.db import make_engine, writer
from app.main import create_app
from app.seeding import load
from app.terms import repository
from bench.synthetic import concepts
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


def make_database(directory: Path, synthetic: int) -> str:
    """A SQLite glossary with the seed and `synthetic` generated concepts; returns its URL."""
    path = directory / f"glossary-{synthetic}.db"
    if path.exists():  # built by an earlier run (building 100,000 concepts takes a few minutes)
        return f"sqlite:///{path}"
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    url = f"sqlite:///{building}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    load(engine, PROJECT_DIR / "seeds")
    if synthetic:
        with Session(writer(engine)) as session, session.begin():
            taken = repository.live_slugs(session)
            fresh = [c for c in concepts(synthetic + 500) if c.slug not in taken][:synthetic]
            repository.insert_many(session, fresh)
    engine.dispose()  # checkpoints the WAL into the file
    building.rename(path)
    return f"sqlite:///{path}"


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
