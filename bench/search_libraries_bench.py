"""Could a maintained library do a part of the search engine as fast? Each part of the engine against the
library call that would replace it, on the keys of N synthetic concepts (`bench/synthetic.py`), in one run.

- typo look-up: the engine's symmetric-deletion table (`Pairs.neighbourhoods`, then `within_one_edit` on the
  candidates) against rapidfuzz's `process.extract` with the OSA distance and `score_cutoff=1` over every key
  (rapidfuzz has no index: it scans, in C);
- one-edit check: `within_one_edit` against `rapidfuzz.distance.OSA.distance(..., score_cutoff=1)`;
- initials of a build: the engine's vectorised initials (from the stored pinyin) against pypinyin's
  `lazy_pinyin(style=FIRST_LETTER)` (from the headword);
- an alias's pinyin: the headword's own readings against `pypinyin.lazy_pinyin`, and what importing pypinyin
  costs the server in memory.

    .venv/bin/python -m bench.search_libraries_bench --concepts 100000

rapidfuzz is not a dependency: `pip install rapidfuzz` to run this. Results: bench/RESULTS-search.md.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import random
import resource
import statistics
import time
from collections.abc import Callable

from app.search.engine.keys import alias_pinyin, initials_key, pinyin_key, within_one_edit
from app.search.engine.postings import Pairs, neighbourhood
from app.search.engine.vectorised import initials_of_toneless_many, toneless_many
from bench.synthetic import concepts


def per_call_us(fn: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` timings of `fn`, in microseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concepts", type=int, default=100_000)
    args = parser.parse_args()
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    records = list(concepts(args.concepts))
    keys = [pinyin_key(r.pinyin) for r in records]
    rng = random.Random(7)
    queries = []
    for key in rng.sample(keys, 50):  # one swap of neighbours in the middle: a real typo
        i = len(key) // 2
        queries.append(key[: i - 1] + key[i] + key[i - 1] + key[i + 1 :] if len(key) > 3 else key)
    long_keys = [(sid, k) for sid, k in enumerate(keys) if len(k) >= 4]
    table = Pairs.neighbourhoods([k for _, k in long_keys], [sid for sid, _ in long_keys])

    def engine_typo(q: str) -> list[int]:
        sids = set(itertools.chain.from_iterable(table.get(h) for h in neighbourhood(q)))
        return sorted(s for s in sids if within_one_edit(q, keys[s]))

    def library_typo(q: str) -> list[int]:
        found = process.extract(q, keys, scorer=OSA.distance, score_cutoff=1, limit=None)
        return sorted(i for _, _, i in found)

    mismatches = sum(engine_typo(q) != library_typo(q) for q in queries)
    ours = statistics.median(per_call_us(functools.partial(engine_typo, q), 5) for q in queries)
    theirs = statistics.median(per_call_us(functools.partial(library_typo, q), 3) for q in queries)
    print(
        f"typo look-up over {len(keys):,} keys: engine {ours:,.0f} µs, rapidfuzz scan {theirs:,.0f} µs "
        f"({theirs / ours:,.0f}x); answers differ for {mismatches} of {len(queries)} queries"
    )

    pairs = list(zip(queries, (keys[i] for i in range(len(queries))), strict=True))
    ours = per_call_us(lambda: [within_one_edit(a, b) for a, b in pairs], 50) / len(pairs)
    theirs = per_call_us(lambda: [OSA.distance(a, b, score_cutoff=1) <= 1 for a, b in pairs], 50) / len(pairs)
    print(f"one-edit check: engine {ours:.2f} µs, rapidfuzz OSA {theirs:.2f} µs a pair")

    pinyins = [r.pinyin for r in records]
    started = time.perf_counter()
    ours_initials = initials_of_toneless_many(toneless_many(pinyins))
    ours_s = time.perf_counter() - started
    before = rss_mb()
    started = time.perf_counter()
    from pypinyin import Style, lazy_pinyin

    import_s = time.perf_counter() - started
    grown = rss_mb() - before
    started = time.perf_counter()
    theirs_initials = ["".join(lazy_pinyin(r.hans, style=Style.FIRST_LETTER)) for r in records]
    theirs_s = time.perf_counter() - started
    same = sum(a == b for a, b in zip(ours_initials, theirs_initials, strict=True))
    print(
        f"initials of {len(records):,} concepts: engine {ours_s:.2f} s, pypinyin {theirs_s:.2f} s "
        f"(+{import_s:.1f} s import, +{grown:.0f} MB peak memory); the same for {same:,} "
        "(pypinyin reads the characters: its heteronyms are not the editor's pinyin)"
    )
    assert all(initials_key(p) == i for p, i in zip(pinyins[:1000], ours_initials, strict=False))

    aliases = [("精微网格", "jīng wēi wǎng gé", "精网微格")] * 1000
    ours = per_call_us(lambda: [alias_pinyin(h, p, a) for h, p, a in aliases], 5) / len(aliases)
    theirs = per_call_us(lambda: [lazy_pinyin(a) for _, _, a in aliases], 5) / len(aliases)
    print(f"an alias's pinyin: engine {ours:.1f} µs, pypinyin {theirs:.1f} µs")


if __name__ == "__main__":
    main()
