"""Postings and hashes: what a build stores is what a query looks up."""

import numpy as np

from app.search.engine.hashes import bigram_keys, neighbourhood, neighbourhoods, text_hash
from app.search.engine.keys import SEP, words
from app.search.engine.postings import Postings, bigram_blocks, distinct_sorted_in_place, word_postings


def test_typo_hashes_of_a_text_and_of_its_one_deletions_meet():
    texts = ["lflj", "数据得地", "aab", "shujudedi"]
    keys, owners = neighbourhoods(texts, [10, 11, 12, 13])
    assert keys[:4].tolist() == [text_hash(t) for t in texts]  # whole texts first, as the query side hashes
    assert set(owners.tolist()) == {10, 11, 12, 13}
    assert neighbourhood("aab") == {text_hash(t) for t in ["aab", "ab", "aa"]}  # equal neighbours: one hash
    assert neighbourhood("数据得地") & neighbourhood("数据地")  # one deleted
    assert neighbourhood("lflj") & neighbourhood("lfjl")  # neighbours swapped
    assert not neighbourhood("lflj") & neighbourhood("sjdd")


def test_words_hashed_in_bulk_are_the_words_a_query_looks_up():
    texts = ["Data-Based Land Allocation", "Six Services in Six Places", "Ⅱ型 City don't", "", "数据 only"]
    postings = word_postings(texts, [5, 6, 7, 8, 9])
    for i, text in zip([5, 6, 7, 9], [texts[0], texts[1], texts[2], texts[4]], strict=True):
        for word in words(text):
            assert i in postings.get(text_hash(word)).tolist(), word
    assert postings.get(text_hash("six")).tolist() == [6]  # once per text
    assert postings.get(text_hash("nowhere")).tolist() == []


def test_the_definition_blocks_find_every_definition_holding_a_bigram():
    texts = ["数据得地", "", "得地数据", "地数", "数据", "六服六进", "数据得地得地"] * 3
    for block in (1, 2, 4):
        index = bigram_blocks([SEP.join(texts)], block)
        for key in bigram_keys("数据得地六服六进地数"):
            want = sorted({i // block for i, t in enumerate(texts) if key in bigram_keys(t)})
            assert index.get(key).tolist() == want


def test_pairs_made_distinct_in_their_own_buffer_are_the_sorted_distinct_pairs():
    rng = np.random.default_rng(15)
    for count, spread, block in [(0, 1, 4), (1, 1, 4), (9, 3, 4), (1000, 50, 7), (1000, 10**9, 7), (4096, 2, 1024)]:
        values = rng.integers(0, spread, size=count + 5, dtype=np.uint64)
        want = np.unique(values[:count])
        got = distinct_sorted_in_place(values.copy(), count, block=block)
        assert got.tolist() == want.tolist(), (count, spread, block)


def test_postings_merged_from_parts_are_the_postings_of_all_their_pairs():
    rng = np.random.default_rng(15)
    parts, keys, ids = [], [], []
    for offset, size in [(0, 50), (50, 0), (50, 80), (130, 1), (131, 40)]:
        part_keys = rng.integers(-(2**40), 2**40, size=3, dtype=np.int64)[rng.integers(0, 3, size=size * 3)]
        part_ids = rng.integers(0, max(1, size), size=size * 3)
        parts.append((Postings(part_keys, part_ids), offset))
        keys += part_keys.tolist()
        ids += (part_ids + offset).tolist()
    merged, whole = Postings.merged(parts), Postings(np.array(keys, dtype=np.int64), np.array(ids, dtype=np.int64))
    for key in {*keys, 7}:
        assert merged.get(key).tolist() == whole.get(key).tolist(), key
