"""The search index alone at 100,000 concepts: build time, memory it keeps, its transient peak, one edit.

    .venv/bin/python -m bench.search_build_bench sqlite:////tmp/glossary-bench/glossary-100000.db
    .venv/bin/python -m bench.search_build_bench URL --dump answers.json   # every query's hits, to compare builds

The entries (`app.search.index.entries` of `repository.load_changed`) and the shared fold tables
(`normalize.warm`) are built first and are not timed; the index is then built `--builds` times in this process,
each measured as
- build: wall time of `SearchIndex(entries)` (and the process's CPU time over it: on a shared machine the
  wall time includes waiting for a core);
- retained: VmRSS after the build minus VmRSS before it (both after gc.collect() and glibc's malloc_trim, so
  memory freed earlier and reused by the build does not hide what the index holds);
- peak: VmHWM during the build minus VmRSS after it, i.e. how far the build's temporaries went above what it
  keeps (the high-water mark is reset through /proc/self/clear_refs before each build);
- update: `SearchIndex.update` of one changed entry (median and max over 20 edits), then its searchability.
The first build is the one to read for memory (later builds reuse memory freed by the earlier ones).
With --dump, the hits of a fixed set of queries (the kinds of bench.search_bench, typed from 300 entries) are
written as JSON, so two versions of the index can be compared answer for answer.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import random
import statistics
import time
from pathlib import Path

from sqlalchemy.orm import Session

from app.core import normalize
from app.core.memory import release_free_memory
from app.db import make_engine
from app.search.engine import Entry, SearchIndex, initials_key, pinyin_key
from app.search.index import entries
from app.terms import repository


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def load_entries(url: str) -> list[Entry]:
    engine = make_engine(url)
    with Session(engine) as session:
        changed, _, _ = repository.load_changed(session, 0)
    engine.dispose()
    result = entries(changed)
    del changed
    gc.collect()
    return result


def _swap(text: str) -> str:
    return text if len(text) < 3 else text[:-2] + text[-1] + text[-2]


def queries(sample: list[Entry]) -> list[str]:
    out = []
    for e in sample:
        out += [e.hans, e.hans[-2:], e.hans[:2], e.hans[1:-1]]
        out += [text for text, _ in e.forms[:2]]
        out += [pinyin_key(e.pinyin), e.pinyin, initials_key(e.pinyin), _swap(initials_key(e.pinyin))]
        out += [pinyin_key(e.pinyin)[:5], _swap(pinyin_key(e.pinyin))]
        en = e.en.lower().split()
        out += [" ".join(en[:3]), " ".join(en[:2]) + "x", _swap(en[0]) if en else "", en[-1][:3] if en else ""]
        out += [e.slug, e.definition_zh[3:7], " ".join(e.definition_en.split()[2:4]), _swap(e.hans)]
        out += [e.hans[:-1] + "的", e.hans[:1] + e.hans[2:]]
    out += [
        "数据得地",
        "資料得地",
        "sjdd",
        "lflj",
        "lfjl",
        "data for land",
        "dta for land",
        "１＋２２＋３",
        "得地",
        "六服六近",
    ]
    out += ["II型大城市", "a", "zh", "程", "的", "programme", "green", "shu", "s", "ab"]
    return [q for q in out if q.strip()]


def answers(index: SearchIndex, qs: list[str]) -> list[object]:
    out: list[object] = []
    for q in qs:
        for kw in ({}, {"limit": 5, "footnoted": False}, {"kind": "programme", "limit": 50}):
            hits = index.search(q, **kw)  # type: ignore[arg-type]
            out.append([q, kw, [[h.slug, h.score, h.matched] for h in hits]])
    return out


def dump(index: SearchIndex, sample: list[Entry], path: Path) -> None:
    """The answers of a fresh build, then after removing 10 sampled entries and changing 10 others."""
    qs = queries(sample)
    built = answers(index, qs)
    index.remove([e.slug for e in sample[:10]])
    changed = [
        dataclasses.replace(e, hans=e.hans[::-1], en=e.en + " revised", pinyin=e.pinyin + " xin") for e in sample[10:20]
    ]
    index.update(changed, ())
    edited = answers(index, qs[: 22 * 40] + queries(changed))
    path.write_text(json.dumps({"built": built, "edited": edited}, ensure_ascii=False, indent=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--builds", type=int, default=2)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()

    began = time.perf_counter()
    all_entries = load_entries(args.url)
    print(f"{len(all_entries):,} entries loaded in {time.perf_counter() - began:.1f} s (not timed below)")
    began = time.perf_counter()
    normalize.warm()  # the fold tables every index shares: a real start has built them before the search index
    print(f"fold tables built in {time.perf_counter() - began:.1f} s (not timed below)")
    rng = random.Random(4)
    sample = rng.sample(all_entries, 300)

    for n in range(args.builds):
        gc.collect()
        release_free_memory()  # so VmRSS counts what is held, not the allocator's slack
        before = _status("VmRSS")
        can_reset = _reset_peak()
        started, cpu = time.perf_counter(), time.process_time()
        index = SearchIndex(all_entries)
        built, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = _status("VmHWM")
        gc.collect()
        release_free_memory()  # so VmRSS counts what is held, not the allocator's slack
        after = _status("VmRSS")
        print(
            f"build {n + 1}: {built:.2f} s ({cpu:.2f} s CPU), retained {after - before:.0f} MB, "
            f"peak {peak - after:.0f} MB above that" + ("" if can_reset else " (peak not reset: process-wide)")
        )

        edits = []
        for i, e in enumerate(rng.sample(all_entries, 20)):
            changed = dataclasses.replace(e, en=f"{e.en} edited{i}", hans=e.hans + "新")
            t = time.perf_counter()
            index.update([changed], ())
            edits.append((time.perf_counter() - t) * 1000)
            assert changed.slug in [h.slug for h in index.search(f"edited{i}")], "an edit is not searchable"
            assert changed.slug in [h.slug for h in index.search(changed.hans)], "an edit is not searchable"
        print(f"  update of one entry: median {statistics.median(edits):.1f} ms, max {max(edits):.1f} ms")
        t = time.perf_counter()
        for q in queries(sample[:50]):
            index.search(q)
        print(f"  {len(queries(sample[:50]))} mixed queries in {time.perf_counter() - t:.2f} s")
        if n + 1 < args.builds:
            del index
            gc.collect()

    if args.dump:
        fresh = SearchIndex(all_entries)  # the dump compares builds, not the edits made above
        dump(fresh, sample, args.dump)
        print(f"answers written to {args.dump}")


if __name__ == "__main__":
    main()
