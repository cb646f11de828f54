"""Export benchmark: each format of a synthetic glossary streamed, against baselines measured in the same run.

    .venv/bin/python -m bench.export_bench [--count 100000] [--memory-counts 1000 10000]

Time (at --count, untraced): each format against the baseline of presenting every record
(`app.terms.glossary.present`, the work every format must do) without writing anything.
Memory (at each of --memory-counts, traced with tracemalloc, which is slow, hence the smaller sizes): the peak
of Python allocations while the export streams, against the same file built as one string, as a non-streaming
export would. The records themselves (already in memory, in the snapshot) are not counted. A streamed export's
peak stays flat as the glossary grows; the one-string peak grows with it. In-process: no server, no network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import tracemalloc
from collections.abc import Callable

from app.core.script import Script
from app.exchange import service
from app.exchange.formats import ExportFormat, chunked
from app.terms.glossary import present
from app.terms.schemas import TermRecord
from bench.synthetic import concepts


def _records(count: int) -> list[TermRecord]:
    now = dt.datetime(2024, 1, 8, tzinfo=dt.UTC)
    records = [
        TermRecord.model_construct(**dict(f), version=1, created_at=now, updated_at=now) for f in concepts(count)
    ]
    records.sort(key=lambda r: r.slug)
    return records


def _streamed(records: list[TermRecord], fmt: ExportFormat) -> int:
    return sum(len(chunk) for chunk in chunked(service.export(records, fmt)))


def _whole(records: list[TermRecord], fmt: ExportFormat) -> int:
    return len("".join(service.export(records, fmt)).encode())


def _peak_mib(run: Callable[[], object]) -> float:
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--memory-counts", type=int, nargs="+", default=[1_000, 10_000])
    args = parser.parse_args()

    print(f"building {args.count} synthetic concepts …", flush=True)
    records = _records(args.count)
    started = time.perf_counter()
    for record in records:
        present(record, Script.hans)
    base = time.perf_counter() - started
    print(f"\n## time, {args.count} concepts\nbaseline, present() every record: {base:.2f} s\n")
    print("| format | size MiB | time s | × baseline |\n|---|---:|---:|---:|")
    for fmt in ExportFormat:
        started = time.perf_counter()
        size = _streamed(records, fmt)
        elapsed = time.perf_counter() - started
        print(f"| {fmt.value} | {size / 2**20:.1f} | {elapsed:.2f} | {elapsed / base:.2f} |", flush=True)

    print("\n## memory (tracemalloc peak, MiB): streamed vs one string\n")
    counts = args.memory_counts
    print("| format | " + " | ".join(f"streamed {n} | one string {n}" for n in counts) + " |")
    print("|---|" + "---:|---:|" * len(counts))
    subsets = {n: records[:n] for n in counts}
    for fmt in ExportFormat:
        cells = []
        for n in counts:
            subset = subsets[n]
            cells.append(f"{_peak_mib(lambda s=subset, f=fmt: _streamed(s, f)):.1f}")
            cells.append(f"{_peak_mib(lambda s=subset, f=fmt: _whole(s, f)):.1f}")
        print(f"| {fmt.value} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
