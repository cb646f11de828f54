"""Could a maintained library do a part of the search engine as fast? Each part of the engine against the
library call that would replace it, on the keys of N synthetic concepts (`bench/synthetic.py`), in one run.

- typo look-up: the engine's symmetric-deletion table (`Pairs.neighbourhoods`, then `within_one_edit` on the
  candidates) against rapidfuzz's `process.extract` with the OSA distance and `score_cutoff=1` over every key
  (rapidfuzz has no index: it scans, in C);
- one-edit check: `within_one_edit` against `rapidfuzz.distance.OSA.distance(..., score_cutoff=1)`;
- initials of a build: the engine's vectorised initials (from the stored pinyin) against pypinyin's
  `lazy_pinyin(style=FIRST_LETTER)` (from the headword);
- an alias's pinyin: the headword's own readings against `pypinyin.lazy_pinyin`, and what importing pypinyin
  costs the server in memory;
- the inverted parts (English words, Chinese fragments): the whole engine (`SearchIndex`: every tier, the
  bands, the page) against tantivy, a maintained inverted index (Rust), asked only the one tier's question
  (BM25 over the renderings and the English definitions, the renderings boosted as the engine's bands put
  them first; the same for a bigram over the headword and the Chinese definition; a phrase prefix of the
  renderings for a word being typed): build time and memory, per-query time, whether the concept the query
  was typed from is in the top 10, and a one-entry edit (tantivy: delete, add, commit, reload, a new
  searcher).

    .venv/bin/python -m bench.search_libraries_bench --concepts 100000

rapidfuzz and tantivy are in the dev extra (uv.lock), not in the service. Results: bench/RESULTS-search.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import itertools
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from app.core.memory import release_free_memory
from app.search.engine import Entry, SearchIndex, form_key
from app.search.engine.hashes import neighbourhood
from app.search.engine.keys import alias_pinyin, initials_key, pinyin_key, within_one_edit
from app.search.engine.postings import Pairs
from app.search.engine.vectorised import initials_of_toneless_many, toneless_many
from app.terms.schemas import TermFields
from bench.startup_bench import memory
from bench.synthetic import concepts


def per_call_us(fn: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` timings of `fn`, in microseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def pypinyin_import_cost() -> tuple[float, float]:
    """Seconds and resident MB that importing pypinyin and reading one word cost a fresh interpreter (this
    process has it already: `bench.synthetic` uses it)."""
    # VmRSS, not ru_maxrss: Linux carries a parent's high-water mark over fork and exec into the child.
    probe = (
        "import time; rss = lambda: int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]); "
        "before = rss(); started = time.perf_counter(); from pypinyin import lazy_pinyin; lazy_pinyin('数据得地'); "
        "print(time.perf_counter() - started, (rss() - before) / 1024)"
    )
    seconds, grown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, check=True, text=True
    ).stdout.split()
    return float(seconds), float(grown)


def current_rss_mb() -> float:
    """VmRSS after a collection and glibc's malloc_trim, so it counts what is held, not the allocator's slack."""
    gc.collect()
    release_free_memory()
    return memory()[0]


def entry(record: TermFields) -> Entry:
    return Entry(
        slug=record.slug,
        hans=record.hans,
        forms=((form_key(record.hans), "hant"),),
        pinyin=record.pinyin,
        en=record.en,
        en_alternatives=tuple(record.en_alternatives),
        definition_zh=record.definition.zh,
        definition_en=record.definition.en,
        kind=str(record.kind),
    )


BOOST = 4.0  # tantivy's weight of the renderings (the headword) over the definitions


def inverted_parts(records: list[TermFields], rng: random.Random) -> None:
    """The engine's English and fragment tiers against tantivy's inverted index, on the same concepts."""
    import tantivy

    before = current_rss_mb()
    started = time.perf_counter()
    index = SearchIndex(entry(r) for r in records)
    engine_build = time.perf_counter() - started
    engine_mb = current_rss_mb() - before

    def document(number: int, r: TermFields) -> tantivy.Document:
        return tantivy.Document(
            id=number,
            en=" ".join([r.en, *r.en_alternatives]),
            en_def=r.definition.en,
            hans=r.hans,
            zh_def=r.definition.zh,
        )

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("en", stored=False, tokenizer_name="default")
    builder.add_text_field("en_def", stored=False, tokenizer_name="default")
    builder.add_text_field("hans", stored=False, tokenizer_name="bigram")
    builder.add_text_field("zh_def", stored=False, tokenizer_name="bigram")
    schema = builder.build()
    before = current_rss_mb()
    started = time.perf_counter()
    library = tantivy.Index(schema)  # in memory
    library.register_tokenizer(
        "bigram", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(min_gram=2, max_gram=2)).build()
    )
    writer = library.writer(heap_size=100_000_000, num_threads=1)
    for number, r in enumerate(records):
        writer.add_document(document(number, r))
    writer.commit()
    library.reload()
    library_build = time.perf_counter() - started
    library_mb = current_rss_mb() - before
    print(
        f"inverted parts, build of {len(records):,} concepts: engine (every tier) {engine_build:.2f} s, "
        f"+{engine_mb:.0f} MB; tantivy (English words and Chinese bigrams only) {library_build:.2f} s, "
        f"+{library_mb:.0f} MB"
    )
    searcher = library.searcher()
    slugs = [r.slug for r in records]

    def engine_top(q: str) -> list[str]:
        return [h.slug for h in index.search(q, limit=10)]

    def library_top(query: tantivy.Query) -> list[str]:
        return [slugs[searcher.doc(address)["id"][0]] for _, address in searcher.search(query, 10).hits]

    sample = rng.sample(range(len(records)), 200)
    english = [(" ".join(records[i].en.lower().split()[:3]), i) for i in sample]
    fragments = [(records[i].hans[-2:], i) for i in sample if len(records[i].hans) >= 3]
    typed = [(records[i].en.lower().split()[0][:3], i) for i in sample]
    kinds: list[tuple[str, list[tuple[str, int]], Callable[[str], tantivy.Query]]] = [
        (
            "English words (3 of a rendering)",
            english,
            lambda q: library.parse_query(q, ["en", "en_def"], field_boosts={"en": BOOST}),
        ),
        (
            "Chinese fragment (last 2 characters)",
            fragments,
            lambda q: library.parse_query(q, ["hans", "zh_def"], field_boosts={"hans": BOOST}),
        ),
        (
            "English word being typed (3 letters)",
            typed,
            lambda q: tantivy.Query.phrase_prefix_query(schema, "en", [q]),
        ),
    ]
    for name, queries, make in kinds:
        ours = statistics.median(per_call_us(functools.partial(engine_top, q), 5) for q, _ in queries)
        theirs = statistics.median(per_call_us(functools.partial(library_top, make(q)), 5) for q, _ in queries)
        ours_found = sum(slugs[i] in engine_top(q) for q, i in queries)
        theirs_found = sum(slugs[i] in library_top(make(q)) for q, i in queries)
        print(
            f"  {name}: engine {ours:,.0f} µs, tantivy {theirs:,.0f} µs; the concept typed from in the top 10: "
            f"engine {ours_found}/{len(queries)}, tantivy {theirs_found}/{len(queries)}"
        )

    def engine_edit(number: int) -> None:
        index.update([dataclasses.replace(entry(records[number]), en=records[number].en + " Edited")], [])

    def library_edit(number: int) -> None:
        nonlocal searcher
        writer.delete_documents_by_term("id", number)
        writer.add_document(document(number, records[number]))
        writer.commit()
        library.reload()
        searcher = library.searcher()

    edits = rng.sample(range(len(records)), 20)
    ours = statistics.median(per_call_us(functools.partial(engine_edit, n), 1) for n in edits)
    theirs = statistics.median(per_call_us(functools.partial(library_edit, n), 1) for n in edits)
    print(f"  one-entry edit, median of {len(edits)}: engine {ours / 1000:.1f} ms, tantivy {theirs / 1000:.1f} ms")


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
    toneless_many(pinyins[:1000])  # its tables, built once per process (at a server's start): not timed
    started = time.perf_counter()
    ours_initials = initials_of_toneless_many(toneless_many(pinyins))
    ours_s = time.perf_counter() - started
    import_s, grown = pypinyin_import_cost()
    from pypinyin import Style, lazy_pinyin

    started = time.perf_counter()
    theirs_initials = ["".join(lazy_pinyin(r.hans, style=Style.FIRST_LETTER)) for r in records]
    theirs_s = time.perf_counter() - started
    same = sum(a == b for a, b in zip(ours_initials, theirs_initials, strict=True))
    print(
        f"initials of {len(records):,} concepts: engine {ours_s:.2f} s, pypinyin {theirs_s:.2f} s "
        f"(its import in a fresh process: {import_s:.2f} s, +{grown:.0f} MB resident); the same for {same:,} "
        "(pypinyin reads the characters: its heteronyms are not the editor's pinyin)"
    )
    assert all(initials_key(p) == i for p, i in zip(pinyins[:1000], ours_initials, strict=False))

    aliases = [("精微网格", "jīng wēi wǎng gé", "精网微格")] * 1000
    ours = per_call_us(lambda: [alias_pinyin(h, p, a) for h, p, a in aliases], 5) / len(aliases)
    theirs = per_call_us(lambda: [lazy_pinyin(a) for _, _, a in aliases], 5) / len(aliases)
    print(f"an alias's pinyin: engine {ours:.1f} µs, pypinyin {theirs:.1f} µs")

    inverted_parts(records, rng)


if __name__ == "__main__":
    main()
