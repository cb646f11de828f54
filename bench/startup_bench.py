"""The phases of a server start on a large glossary: database load, snapshot, each derived index, peak memory.

Each phase is timed in wall-clock seconds and in the CPU seconds of this process (`time.process_time`; the
machine is shared, and CPU time is what other processes' load does not inflate), with the resident memory after
it. The "index build" is everything after the database load: the snapshot's lookup keys, the term matcher and
the search index (issue 4's target: under 10 s at 100,000 concepts, peak memory under 500 MB).

    .venv/bin/python -m bench.search_bench --concepts 100000     # builds the database once
    .venv/bin/python -m bench.startup_bench sqlite:////tmp/glossary-bench/glossary-100000.db
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy.orm import Session

from app.core.normalize import warm
from app.db import make_engine
from app.indexes import derived_indexes
from app.terms import repository
from app.terms.glossary import DerivedIndex, Glossary
from app.terms.stored import StoredTerm


def memory() -> tuple[float, float]:
    """The process's resident and peak resident memory, MB."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS", "VmHWM")):
                name, kb, _unit = line.split()
                values[name.rstrip(":")] = int(kb) / 1024
    return values["VmRSS"], values["VmHWM"]


def timed(label: str, step: Callable[[], object], rows: list[tuple[str, float, float]]) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    rows.append((label, time.perf_counter() - wall, time.process_time() - cpu))
    rss, peak = memory()
    print(f"| {label} | {rows[-1][1]:.2f} | {rows[-1][2]:.2f} | {rss:.0f} | {peak:.0f} |", flush=True)


class Timed:
    """A derived index whose `reset` is timed as a phase of its own: the glossary builds it exactly as the
    server's does (`Glossary.apply`, freed heap handed back after each index)."""

    def __init__(self, index: DerivedIndex, rows: list[tuple[str, float, float]]) -> None:
        self.index, self.rows = index, rows

    def reset(self, records: Sequence[StoredTerm]) -> None:
        timed(f"`{type(self.index).__name__}.reset`", lambda: self.index.reset(records), self.rows)

    def update(self, changed: Sequence[StoredTerm], deleted: Sequence[str]) -> None:
        self.index.update(changed, deleted)


def fresh_memory_seconds() -> float:
    """Seconds to write 256 MB of memory the process never touched: the cost of the page faults every build
    pays. On this shared virtual machine it changes from hour to hour, and the start-up's times with it (the
    same code measured 6.6-8.5 s and later 12.2-12.7 s of index build); printed so that runs made in different
    states of the machine can be told apart."""
    started = time.perf_counter()
    np.ones(32 << 20, dtype=np.int64)
    return time.perf_counter() - started


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(f"the machine: 256 MB of fresh memory written in {fresh_memory_seconds():.2f} s")
    engine = make_engine(sys.argv[1])
    rows: list[tuple[str, float, float]] = []
    loaded: list[tuple[list[StoredTerm], list[str], int]] = []
    print("| phase | wall s | CPU s | RSS after, MB | peak so far, MB |\n|---|---:|---:|---:|---:|")
    print(f"| imports | | | {memory()[0]:.0f} | {memory()[1]:.0f} |")
    timed("running-text tables (`normalize.warm`)", warm, rows)

    def load() -> None:
        with Session(engine) as session:
            loaded.append(repository.load_changed(session, 0))

    timed("database load (`repository.load_changed`)", load, rows)
    engine.dispose()
    index_rows: list[tuple[str, float, float]] = []
    glossary = Glossary([Timed(index, index_rows) for index in derived_indexes()])
    applied: list[tuple[str, float, float]] = []
    timed("`Glossary.apply` (the indexes above and the lookup keys)", lambda: glossary.apply(*loaded.pop()), applied)
    _label, wall, cpu = applied[0]
    keys = ("snapshot: lookup keys", wall - sum(r[1] for r in index_rows), cpu - sum(r[2] for r in index_rows))
    print(f"| {keys[0]} (apply less the indexes) | {keys[1]:.2f} | {keys[2]:.2f} | | |")
    rows += [keys, *index_rows]
    build = rows[2:]
    rss, peak = memory()
    records = list(glossary.records())
    packed = sum(record.packed_size for record in records) / max(1, len(records))
    print(
        f"\n{len(records):,} concepts. Index build (snapshot keys + every derived index): "
        f"{sum(r[1] for r in build):.2f} s wall, {sum(r[2] for r in build):.2f} s CPU. "
        f"Whole start: {sum(r[1] for r in rows):.2f} s wall, {sum(r[2] for r in rows):.2f} s CPU. "
        f"Resident now {rss:.0f} MB, peak {peak:.0f} MB. A record's packed fields: {packed:,.0f} bytes on average."
    )


if __name__ == "__main__":
    main()
