"""Ranking: one query's walk through the tiers, scored by the bands of `bands.BANDS`.

Every query goes through the one normaliser, then through the tiers in the order of the bands. A concept is
reported once, under the best tier it reaches, and the walk stops at the first tier boundary at which `limit`
hits are collected (the later tiers could not change the top `limit`). Equal scores are ordered as the
glossary lists them (footnoted terms first by footnote number, then by slug).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from app.search.engine.bands import DEFINITION, ENGLISH, EXACT, FRAGMENT, FUZZY, PINYIN, PREFIX
from app.search.engine.build import NO_FOOTNOTE
from app.search.engine.columns import Column
from app.search.engine.keys import (
    CJK,
    content_words,
    form_key,
    pinyin_variants,
    within_one_edit,
    without_script_folding,
)
from app.search.engine.model import Hit
from app.search.engine.postings import EMPTY, Pairs, bigram_keys, neighbourhood, text_hash

if TYPE_CHECKING:
    from app.search.engine.state import State

TIER_CAP = 3000


class Ranker:
    """One query's walk through the tiers."""

    def __init__(self, state: State, limit: int, kind: str | None, footnoted: bool | None) -> None:
        self.state = state
        self.limit = limit
        self.kind = None if kind is None else state.kind_codes.get(kind, -1)
        self.footnoted = footnoted
        self.best: dict[int, tuple[float, str]] = {}

    def _wanted(self, doc_id: int) -> bool:
        state = self.state
        if not 0 <= doc_id < len(state.alive) or not state.alive[doc_id] or doc_id in self.best:
            return False
        if self.kind is not None and state.kinds[doc_id] != self.kind:
            return False
        return self.footnoted is None or (state.footnotes[doc_id] != NO_FOOTNOTE) == self.footnoted

    def _live(self, table: Column, sid: int) -> bool:
        doc_id = table.docs[sid]
        return 0 <= doc_id < len(self.state.alive) and bool(self.state.alive[doc_id])

    def _offer_surface(self, table: Column, sid: int, score: float, matched: str | None = None) -> None:
        doc_id = table.docs[sid]
        if self._wanted(doc_id):
            self.best[doc_id] = (round(score, 4), matched or self.state.field_names[table.fields[sid]])

    def _offer_doc(self, doc_id: int, score: float, matched: str) -> None:
        if self._wanted(doc_id):
            self.best[doc_id] = (round(score, 4), matched)

    def _full(self) -> bool:
        return len(self.best) >= self.limit

    def run(self, query: str) -> None:
        q = form_key(query)
        if not q:
            return
        tiers = (
            self._exact,
            self._prefix_and_fragment,
            self._pinyin,
            self._english,
            self._definition,
            self._fuzzy,
        )
        for tier in tiers:
            tier(query, q)
            if self._full():
                return

    def top(self) -> list[Hit]:
        state = self.state

        def rank(item: tuple[int, tuple[float, str]]) -> tuple[float, tuple[int, ...] | tuple[int, int, str]]:
            return -item[1][0], state.order(item[0])

        chosen = heapq.nsmallest(self.limit, self.best.items(), key=rank)
        return [Hit(state.slugs.text(doc_id), score, matched) for doc_id, (score, matched) in chosen]

    # -- tiers ---------------------------------------------------------------------------------------------

    def _exact(self, query: str, q: str) -> None:
        state = self.state
        cjk = state.cjk
        traditional = q != without_script_folding(query)
        for sid in cjk.lookup(q):
            field = state.field_names[cjk.fields[sid]]
            # A Traditional query equal to the headword's key was typed in a Traditional form: say so.
            matched = "hant" if field == "hans" and traditional else field
            self._offer_surface(cjk, sid, EXACT.at(1.0 if field in ("hans", "hant") else 0.6), matched)
        slug_doc = state.doc_of(query.strip())
        if slug_doc is not None:
            self._offer_doc(slug_doc, EXACT.at(0.8), "slug")

    def _prefix_and_fragment(self, query: str, q: str) -> None:
        state = self.state
        cjk = state.cjk
        traditional = q != without_script_folding(query)
        found = 0
        for sid, prefix in cjk.occurrences(q):
            if found >= TIER_CAP:
                break
            if not self._live(cjk, sid):
                continue
            found += 1
            field = state.field_names[cjk.fields[sid]]
            matched = "hant" if field == "hans" and traditional else field
            coverage = len(q) / len(cjk.text(sid))
            self._offer_surface(cjk, sid, (PREFIX if prefix else FRAGMENT).at(0.999 * coverage), matched)
        # Prefixes must outrank fragments even when the cap cut the scan short: both were scored in place.

    def _pinyin(self, query: str, q: str) -> None:
        if CJK.search(q):
            return
        state = self.state
        table = state.pinyin
        for key in pinyin_variants(query):
            for sid in table.lookup(key):
                field = state.field_names[table.fields[sid]]
                self._offer_surface(table, sid, PINYIN.at(14 / 15 if field == "pinyin" else 0.8), field)
        if self._full():
            return
        for key in pinyin_variants(query):
            if len(key) < 2:
                continue
            taken = 0
            for text, sid in self._pinyin_from(key):
                if taken >= TIER_CAP or not text.startswith(key):
                    break
                if not self._live(table, sid):
                    continue
                taken += 1
                self._offer_surface(table, sid, PINYIN.at(0.666 * len(key) / len(text)), "pinyin")

    def _pinyin_from(self, key: str) -> Iterable[tuple[str, int]]:
        """The pinyin rows from the first whose text is not below `key`, in (text, row) order."""
        state = self.state
        table, ordered = state.pinyin, state.pinyin_sorted
        i = bisect.bisect_left(ordered, key, key=table.text)
        built = ((table.text(ordered[k]), ordered[k]) for k in range(i, len(ordered)))  # (islice would walk to i)
        added = state.pinyin_added
        if not added:
            return built
        j = bisect.bisect_left(added, (key, -1))
        return heapq.merge(built, itertools.islice(added, j, None))

    def _english(self, query: str, q: str) -> None:
        query_words = content_words(query)
        if not query_words:
            return
        self._english_words(query_words, fuzzy=False)

    def _english_words(self, query_words: list[str], *, fuzzy: bool) -> None:
        state = self.state
        table = state.english
        postings: list[npt.NDArray[np.int64]] = []
        exact_words = True
        for n, word in enumerate(query_words):
            ids = state.en_words.get(text_hash(word)) if word in state.vocabulary_set else EMPTY
            if not len(ids) and (n == len(query_words) - 1 or len(word) >= 3):
                ids = self._word_prefix(word)
                exact_words = False
            if not len(ids):
                return
            postings.append(ids)
        postings.sort(key=len)
        candidates = postings[0]
        for ids in postings[1:]:
            candidates = np.intersect1d(candidates, ids, assume_unique=True)
            if not len(candidates):
                return
        phrase = " ".join(query_words)
        for sid in candidates[:TIER_CAP].tolist():
            text = table.text(sid)
            length = len(content_words(text))
            coverage = min(1.0, len(query_words) / max(1, length))
            if fuzzy:
                self._offer_surface(table, sid, FUZZY.at(0.45 * coverage), state.field_names[table.fields[sid]] + "~")
                continue
            # Coverage takes most of the band; whole words and the phrase as written a step each.
            closeness = 0.8 * coverage + 0.0666 * exact_words + 0.0666 * (phrase in text)
            if " ".join(content_words(text)) == phrase:
                closeness = 0.9993
            score = ENGLISH.at(closeness)
            self._offer_surface(table, sid, score)

    def _word_prefix(self, word: str) -> npt.NDArray[np.int64]:
        vocabulary = self.state.vocabulary
        i = bisect.bisect_left(vocabulary, word)
        found: list[npt.NDArray[np.int64]] = []
        while i < len(vocabulary) and vocabulary[i].startswith(word) and len(found) < 50:
            found.append(self.state.en_words.get(text_hash(vocabulary[i])))
            i += 1
        return np.unique(np.concatenate(found)) if found else EMPTY

    def _definition(self, query: str, q: str) -> None:
        state = self.state
        if CJK.search(q) and len(q) >= 2:
            self._definition_zh(q)
            return
        query_words = content_words(query)
        if not query_words or not any(w in state.vocabulary_set or len(w) > 3 for w in query_words):
            return
        postings = sorted((state.def_en.get(text_hash(w)) for w in query_words), key=len)
        candidates = postings[0]
        for ids in postings[1:]:
            candidates = np.intersect1d(candidates, ids, assume_unique=True)
        for doc_id in candidates[:TIER_CAP].tolist():
            self._offer_doc(doc_id, DEFINITION.at(min(1.0, len(query_words) / 5) / 3), "definition.en")

    def _definition_zh(self, q: str) -> None:
        """The definitions holding `q`, in the glossary's build order: the blocks holding all its bigrams
        scanned with `str.find`, then the definitions added since."""
        state = self.state
        keys = bigram_keys(q)
        postings = sorted((state.def_zh.get(k) for k in keys), key=len)
        blocks = postings[0]
        for ids in postings[1:]:
            blocks = np.intersect1d(blocks, ids, assume_unique=True)
        definitions, alive = state.definitions, state.alive
        joined, starts, base, size = definitions.joined, definitions.starts, definitions.base, state.def_block
        taken = 0
        for block in blocks.tolist():
            first, last = block * size, min((block + 1) * size, base)
            end = starts[last] - 1
            pos = joined.find(q, starts[first], end)
            while pos >= 0:
                doc_id = bisect.bisect_right(starts, pos, first, last) - 1
                if alive[doc_id]:
                    self._offer_doc(doc_id, DEFINITION.at(2 / 3), "definition.zh")
                    taken += 1
                    if taken >= TIER_CAP:
                        return
                pos = joined.find(q, starts[doc_id + 1], end)
        added = sorted((state.def_zh_added.get(k, []) for k in keys), key=len)
        if not added[0]:
            return
        candidates = set(added[0]).intersection(*added[1:])
        for doc_id in sorted(candidates):
            if doc_id < len(alive) and alive[doc_id] and q in definitions.text(doc_id):
                self._offer_doc(doc_id, DEFINITION.at(2 / 3), "definition.zh")
                taken += 1
                if taken >= TIER_CAP:
                    return

    def _fuzzy(self, query: str, q: str) -> None:
        state = self.state
        if CJK.search(q):
            if len(q) >= 3:
                self._fuzzy_in(state.cjk, state.fuzzy_forms, q, FUZZY.at(0.75))
            return
        for key in pinyin_variants(query):
            if len(key) >= 4:
                self._fuzzy_in(state.pinyin, state.fuzzy_pinyin, key, FUZZY.at(0.6))
        if self._full():
            return
        query_words = content_words(query)
        corrected = []
        changed = False
        for word in query_words:
            if word in state.vocabulary_set or len(word) < 3:
                corrected.append(word)
                continue
            fixes = self._corrections(word)
            if not fixes:
                return
            corrected.append(fixes[0])
            changed = True
        if changed:
            self._english_words(corrected, fuzzy=True)

    def _fuzzy_in(self, table: Column, postings: Pairs, key: str, score: float) -> None:
        state = self.state
        sids: set[int] = set()
        for variant in neighbourhood(key):
            sids.update(postings.get(variant))
            if len(sids) > TIER_CAP:
                break
        for sid in sorted(sids):
            if sid < len(table):
                text = table.text(sid)
                if within_one_edit(key, text):
                    field = state.field_names[table.fields[sid]]
                    self._offer_surface(table, sid, score - 0.01 * (len(text) != len(key)), field + "~")

    def _corrections(self, word: str) -> list[str]:
        """Vocabulary words one edit away from `word`, the most similar first."""
        state = self.state
        word_list = state.word_list
        ids: set[int] = set()
        for variant in neighbourhood(word):
            ids.update(state.fuzzy_words.get(variant))
        found = {word_list[i] for i in ids if i < len(word_list) and within_one_edit(word, word_list[i])}
        return sorted(found, key=lambda w: (abs(len(w) - len(word)), w))
