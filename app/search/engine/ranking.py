"""Ranking: one query's walk through the tiers, scored by the bands of `bands.BANDS`.

Every query goes through the one normaliser, then through the tiers in the order of the bands. A concept is
reported once, under the best tier it reaches, and the walk stops at the first tier boundary at which `limit`
hits are collected (the later tiers could not change the top `limit`). Equal scores are ordered as the
glossary lists them (footnoted terms first by footnote number, then by slug).
"""

from __future__ import annotations

import bisect
import heapq
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from app.search.engine.bands import (
    AVOIDED,
    AVOIDED_OVERLAP,
    DEFINITION,
    ENGLISH,
    EXACT,
    FRAGMENT,
    FUZZY,
    OVERLAP,
    PINYIN,
    PINYIN_FRAGMENT,
    PINYIN_PREFIX,
    PREFIX,
)
from app.search.engine.build import NO_FOOTNOTE
from app.search.engine.columns import Column
from app.search.engine.keys import (
    CJK,
    STOPWORDS,
    content_words,
    form_key,
    pinyin_variants,
    within_one_edit,
    without_script_folding,
    word_stem,
)
from app.search.engine.model import Hit
from app.search.engine.postings import EMPTY, IntArray, Pairs, bigram_keys, neighbourhood, text_hash

if TYPE_CHECKING:
    from app.search.engine.state import State

TIER_CAP = 3000


class Ranker:
    """One query's walk through the tiers, in the order of their bands."""

    def __init__(self, state: State, depth: int, kind: str | None, footnoted: bool | None) -> None:
        self.state = state
        self.depth = depth  # how many hits the caller needs (a page's offset plus its limit)
        self.kind = None if kind is None else state.kind_codes.get(kind, -1)
        self.footnoted = footnoted
        self.best: dict[int, tuple[float, str]] = {}
        self.complete = True  # False once a tier was cut short or the walk stopped before the last tier

    def _wanted(self, doc_id: int, score: float) -> bool:
        state = self.state
        if not 0 <= doc_id < len(state.alive) or not state.alive[doc_id]:
            return False
        held = self.best.get(doc_id)
        if held is not None and held[0] >= score:
            return False
        if self.kind is not None and state.kinds[doc_id] != self.kind:
            return False
        return self.footnoted is None or (state.footnotes[doc_id] != NO_FOOTNOTE) == self.footnoted

    def _live(self, table: Column, sid: int) -> bool:
        doc_id = table.docs[sid]
        return 0 <= doc_id < len(self.state.alive) and bool(self.state.alive[doc_id])

    def _offer_surface(self, table: Column, sid: int, score: float, qualifier: str = "") -> None:
        """Offer the concept of row `sid`, matched by that row's field (with `:qualifier` if given)."""
        score = round(score, 4)
        doc_id = table.docs[sid]
        if self._wanted(doc_id, score):
            field = self.state.field_names[table.fields[sid]]
            self.best[doc_id] = (score, f"{field}:{qualifier}" if qualifier else field)

    def _offer_doc(self, doc_id: int, score: float, matched: str) -> None:
        score = round(score, 4)
        if self._wanted(doc_id, score):
            self.best[doc_id] = (score, matched)

    def _settled(self, above: float) -> bool:
        """Whether `depth` hits already score above `above`, the best a later tier can give: it could not
        change them."""
        if len(self.best) < self.depth:
            return False
        return sum(1 for score, _ in self.best.values() if score > above) >= self.depth

    def run(self, query: str) -> None:
        q = form_key(query)
        if not q:
            return
        tiers = (
            (self._exact, EXACT),
            (self._prefix_and_fragment, PREFIX),
            (self._pinyin, PINYIN),
            (self._english, ENGLISH),
            (self._pinyin_fragment, PINYIN_FRAGMENT),
            (self._definition, DEFINITION),
            (self._fuzzy, FUZZY),
        )
        for i, (tier, _band) in enumerate(tiers):
            tier(query, q)
            if i + 1 < len(tiers) and self._settled(tiers[i + 1][1].high):
                self.complete = False
                return

    def top(self, offset: int = 0, limit: int | None = None) -> list[Hit]:
        """The hits ranked `offset` to `offset + limit` (by default, all `depth` of them)."""
        state = self.state

        def rank(item: tuple[int, tuple[float, str]]) -> tuple[float, tuple[int, ...] | tuple[int, int, str]]:
            return -item[1][0], state.order(item[0])

        chosen = heapq.nsmallest(self.depth, self.best.items(), key=rank)
        end = len(chosen) if limit is None else offset + limit
        return [Hit(state.slugs.text(doc_id), score, matched) for doc_id, (score, matched) in chosen[offset:end]]

    # -- tiers ---------------------------------------------------------------------------------------------

    def _exact(self, query: str, q: str) -> None:
        state = self.state
        cjk = state.cjk
        traditional = q != without_script_folding(query)
        for sid in cjk.lookup(q):
            field = state.field_names[cjk.fields[sid]]
            # A Traditional query equal to the headword's key was typed in a Traditional form: say so.
            matched = "hant" if field == "hans" and traditional else field
            self._offer_doc(cjk.docs[sid], EXACT.at(1.0 if field in ("hans", "hant") else 0.6), matched)
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
                self.complete = False
                break
            if not self._live(cjk, sid):
                continue
            found += 1
            field = state.field_names[cjk.fields[sid]]
            matched = "hant" if field == "hans" and traditional else field
            coverage = len(q) / len(cjk.text(sid))
            band = PREFIX if prefix else FRAGMENT
            self._offer_doc(cjk.docs[sid], band.at(coverage), f"{matched}:{'prefix' if prefix else 'fragment'}")
        # Prefixes must outrank fragments even when the cap cut the scan short: both were scored in place.

    def _pinyin(self, query: str, q: str) -> None:
        if CJK.search(q):
            return
        state = self.state
        table = state.pinyin
        for key in pinyin_variants(query):
            for sid in table.lookup(key):
                self._offer_surface(table, sid, PINYIN.at(_PINYIN_CLOSENESS[state.field_names[table.fields[sid]]]))
        if self._settled(PINYIN_PREFIX.high):
            return
        for key in pinyin_variants(query):
            self._pinyin_prefix(key)

    def _pinyin_prefix(self, key: str) -> None:
        """The pinyin rows that `key` starts (and is not), the shortest first: as the user types, the key covers
        more of a shorter row, which scores higher. The rows are a range of the rows sorted by text."""
        state = self.state
        table, ordered = state.pinyin, state.pinyin_sorted
        lo = bisect.bisect_left(ordered, key, key=table.text)
        hi = bisect.bisect_left(ordered, key + "\x7f", key=table.text, lo=lo)  # pinyin rows are a-z and 0-9
        sids = np.frombuffer(ordered, dtype=np.int32)[lo:hi].astype(np.int64)
        starts = np.frombuffer(table.starts, dtype=np.int64)
        lengths = starts[sids + 1] - starts[sids] - 1
        added = state.pinyin_added
        if added:
            first = bisect.bisect_left(added, (key, -1))
            last = bisect.bisect_left(added, (key + "\x7f", -1), lo=first)
            more = [sid for _, sid in added[first:last]]
            sids = np.concatenate([sids, np.asarray(more, dtype=np.int64)])
            lengths = np.concatenate(
                [lengths, np.asarray([len(text) for text, _ in added[first:last]], dtype=np.int64)]
            )
        keep = lengths > len(key)  # the key itself was an exact match
        sids, lengths = sids[keep], lengths[keep]
        order = np.argsort(lengths, kind="stable")
        taken = 0
        boundary = -1  # the length at which `depth` hits were taken: rows as short still tie with them
        for sid, length in zip(sids[order].tolist(), lengths[order].tolist(), strict=True):
            if taken >= TIER_CAP or (boundary >= 0 and length > boundary):
                self.complete = False
                break
            before = len(self.best)
            self._offer_surface(table, sid, PINYIN_PREFIX.at(len(key) / length), "prefix")
            taken += len(self.best) > before
            if boundary < 0 and taken >= self.depth:
                boundary = length

    def _pinyin_fragment(self, query: str, q: str) -> None:
        """A run of the pinyin or the initials from the middle or the end: kechuangzoulang, jingaiqu, kczl."""
        if CJK.search(q):
            return
        table = self.state.pinyin
        for key in pinyin_variants(query):
            if len(key) < 3:  # two letters are inside too many keys to mean anything
                continue
            taken = 0
            for sid, prefix in table.occurrences(key):
                if prefix or not self._live(table, sid):
                    continue
                if taken >= TIER_CAP:
                    self.complete = False
                    break
                taken += 1
                self._offer_surface(table, sid, PINYIN_FRAGMENT.at(len(key) / len(table.text(sid))), "fragment")

    def _english(self, query: str, q: str) -> None:
        """Renderings (approved and avoided) by how many words of the query each holds: one holding every word
        in the English or avoided band, one holding some in the overlap bands below them. The last word may be
        a prefix, as while typing; a word the renderings do not have counts by its one-typo corrections."""
        query_words = list(dict.fromkeys(content_words(query)))  # "six … six": one word
        if not query_words:
            return
        state = self.state
        ids_by_word: list[IntArray] = []
        weights: list[float] = []
        hows: list[int] = []  # 0 exact, 1 prefix, 2 corrected
        for n, word in enumerate(query_words):
            ids, how = EMPTY, 0
            if word in state.vocabulary_set:
                ids = state.en_words.get(text_hash(word))
            forms = self._word_forms(word)  # pursue finds pursuing, belts finds belt
            if len(forms):
                ids = np.union1d(ids, forms)
            if not len(ids) and (n == len(query_words) - 1 or len(word) >= 3):
                ids, how = self._word_prefix(word), 1
            if not len(ids) and len(word) >= 3:
                ids, how = self._corrected(word), 2
            if len(ids):
                ids_by_word.append(ids)
                weights.append(_CORRECTED_WEIGHT if how == 2 else 1.0)
                hows.append(how)
        if not ids_by_word:
            return
        every = np.concatenate(ids_by_word)
        rows, inverse = np.unique(every, return_inverse=True)
        sizes = [len(ids) for ids in ids_by_word]
        held = np.bincount(inverse, weights=np.repeat(weights, sizes), minlength=len(rows))
        found_how: IntArray = np.zeros(len(rows), dtype=np.int64)
        np.maximum.at(found_how, inverse, np.repeat(np.asarray(hows, dtype=np.int64), sizes))
        # A rendering holding only some of the words must hold at least half of them, one as typed: a stray
        # prefix (the "se" of a pinyin query typed lüse) is not an English match.
        exact = np.bincount(inverse, weights=np.repeat([how == 0 for how in hows], sizes), minlength=len(rows))
        enough = (held >= len(query_words) - 1e-9) | ((held >= len(query_words) / 2) & (exact >= 1))
        rows, held, found_how = rows[enough], held[enough], found_how[enough]
        order = np.argsort(-held, kind="stable")[:TIER_CAP]
        if len(rows) > TIER_CAP:
            self.complete = False
        self._offer_renderings(query_words, rows[order], held[order].astype(np.float64), found_how[order])

    def _offer_renderings(
        self, query_words: list[str], rows: IntArray, held: npt.NDArray[np.float64], how: IntArray
    ) -> None:
        state = self.state
        table = state.english
        avoid_code = state.field_codes["en_avoid"]
        phrase = " ".join(query_words)
        wanted = len(query_words)
        for sid, weight, kind in zip(rows.tolist(), held.tolist(), how.tolist(), strict=True):
            text = table.text(sid)
            row_words = [w for w in text.split() if w not in STOPWORDS] or text.split()
            coverage = min(1.0, weight / max(1, len(row_words)))  # how much of the rendering the query holds
            avoided = table.fields[sid] == avoid_code
            if weight >= wanted:  # every word of the query
                closeness = 0.8 * coverage + 0.1 * (kind == 0) + 0.1 * (phrase in text)
                if " ".join(row_words) == phrase:
                    closeness = 1.0
                band = AVOIDED if avoided else ENGLISH
            else:  # some of them: by how many, then by how much of the rendering they cover
                closeness = 0.85 * weight / wanted + 0.1 * coverage + 0.05 * (phrase in text)
                band = AVOIDED_OVERLAP if avoided else OVERLAP
            self._offer_surface(table, sid, band.at(closeness), _HOW[kind])

    def _word_forms(self, word: str) -> IntArray:
        """The English rows holding another form of `word`: a vocabulary word with the same stem."""
        stem = word_stem(word)
        if stem is None:
            return EMPTY
        vocabulary = self.state.vocabulary
        i = bisect.bisect_left(vocabulary, stem)
        found: list[IntArray] = []
        while i < len(vocabulary) and vocabulary[i].startswith(stem) and len(found) < 20:
            other = vocabulary[i]
            if other != word and word_stem(other) == stem:
                found.append(self.state.en_words.get(text_hash(other)))
            i += 1
        return np.unique(np.concatenate(found)) if found else EMPTY

    def _corrected(self, word: str) -> IntArray:
        """The English rows holding a vocabulary word one edit away from `word`."""
        found = [self.state.en_words.get(text_hash(fix)) for fix in self._corrections(word)[:_CORRECTIONS]]
        return np.unique(np.concatenate(found)) if found else EMPTY

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

    def _fuzzy_in(self, table: Column, postings: Pairs, key: str, score: float) -> None:
        sids: set[int] = set()
        for variant in neighbourhood(key):
            sids.update(postings.get(variant))
            if len(sids) > TIER_CAP:
                break
        for sid in sorted(sids):
            if sid < len(table):
                text = table.text(sid)
                if within_one_edit(key, text):
                    self._offer_surface(table, sid, score - 0.01 * (len(text) != len(key)), "fuzzy")

    def _corrections(self, word: str) -> list[str]:
        """Vocabulary words one edit away from `word`, the most similar first."""
        state = self.state
        word_list = state.word_list
        ids: set[int] = set()
        for variant in neighbourhood(word):
            ids.update(state.fuzzy_words.get(variant))
        found = {word_list[i] for i in ids if i < len(word_list) and within_one_edit(word, word_list[i])}
        return sorted(found, key=lambda w: (abs(len(w) - len(word)), w))


_PINYIN_CLOSENESS = {"pinyin": 0.9, "alias.pinyin": 0.7, "initials": 0.5, "alias.initials": 0.3}
_HOW = ("", "prefix", "fuzzy")  # how the words were found: as typed, the last as a prefix, corrected
_CORRECTED_WEIGHT = 0.9  # a word one typo away counts nearly as a word
_CORRECTIONS = 3  # corrections tried per word, the most similar first
