"""Ranking: one query's walk through the tiers, scored by the bands of `bands.BANDS`.

Every query goes through the one normaliser, then through the tiers in the order of their best bands (one
tier may score in several: the English tier in the English, avoided and overlap bands). A concept is reported
once, under its best score, and the walk stops as soon as the page's hits all score above the best band of
the next tier, which therefore could not change the page. Equal scores are ordered as the glossary lists them
(footnoted terms first by footnote number, then by slug). A tier that matches many rows ranks them in NumPy
and offers only those that could make the page (`Ranker._offer_rows`).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable
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
from app.search.engine.hashes import EMPTY, IntArray, bigram_keys, neighbourhood, text_hash
from app.search.engine.keys import (
    CJK,
    content_words,
    form_key,
    pinyin_variants,
    within_one_edit,
    without_script_folding,
    word_stem,
)
from app.search.engine.model import Hit
from app.search.engine.postings import Pairs

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

    def _offer_rows(self, table: Column, sids: IntArray, scores: npt.NDArray[np.float64], label: Label) -> None:
        """Offer many rows of `table` at once (built and added, in any order, repeats allowed), each row's
        concept matched as `label(sid, i)` says: the rows added since the build one by one, the built ones
        ranked in NumPy first (the alive and filtered, the best row of each concept, by score and then the
        glossary's order, as `top` ranks) so that only as many are offered as could make the page."""
        built = sids < table.base
        if not built.all():
            for i in np.flatnonzero(~built).tolist():
                self._offer_surface_as(table, int(sids[i]), float(scores[i]), label(int(sids[i]), i))
        at = np.flatnonzero(built)
        if not len(at):
            return
        state = self.state
        docs = table.built_docs[sids[at]]
        ok = np.frombuffer(bytes(state.alive), dtype=np.uint8)[docs].astype(np.bool_)
        if self.kind is not None:
            ok &= state.built_kinds[docs] == self.kind
        if self.footnoted is not None:
            ok &= state.built_footnoted[docs] == self.footnoted
        at, docs = at[ok], docs[ok]
        rounded = np.round(scores[at], 4)
        need = self.depth + len(self.best)
        if len(at) > 8 * need:  # many rows (a common fragment): only those scoring as well as the need-th best
            threshold = -np.partition(-rounded, need)[need]
            keep = rounded >= threshold
            at, docs, rounded = at[keep], docs[keep], rounded[keep]
        order = np.lexsort((state.built_rank[docs], -rounded))
        _, first = np.unique(docs[order], return_index=True)  # each concept's best row
        chosen = order[np.sort(first)][:need]  # held ones may not be bettered
        for i in at[chosen].tolist():
            self._offer_surface_as(table, int(sids[i]), float(scores[i]), label(int(sids[i]), i))

    def _offer_surface_as(self, table: Column, sid: int, score: float, matched: str) -> None:
        self._offer_doc(table.docs[sid], score, matched)

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
        sids, prefix = cjk.find_all(q)
        added = list(cjk.added_occurrences(q))
        if added:
            sids = np.concatenate([sids, np.asarray([sid for sid, _ in added], dtype=np.int64)])
            prefix = np.concatenate([prefix, np.asarray([p for _, p in added], dtype=np.bool_)])
        coverage = len(q) / _lengths(cjk, sids)
        scores = np.where(prefix, PREFIX.at_many(coverage), FRAGMENT.at_many(coverage))

        def label(sid: int, i: int) -> str:
            field = state.field_names[cjk.fields[sid]]
            matched = "hant" if field == "hans" and traditional else field
            return f"{matched}:{'prefix' if prefix[i] else 'fragment'}"

        self._offer_rows(cjk, sids, scores, label)

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
        """The pinyin rows that `key` starts (and is not): as the user types, the key covers more of a shorter
        row, which scores higher. The built rows are a range of the rows sorted by text."""
        state = self.state
        table, ordered = state.pinyin, state.pinyin_sorted
        lo = bisect.bisect_left(ordered, key, key=table.text)
        hi = bisect.bisect_left(ordered, key + "\x7f", key=table.text, lo=lo)  # pinyin rows are a-z and 0-9
        sids = ordered[lo:hi].astype(np.int64)
        added = state.pinyin_added
        if added:
            first = bisect.bisect_left(added, (key, -1))
            last = bisect.bisect_left(added, (key + "\x7f", -1), lo=first)
            sids = np.concatenate([sids, np.asarray([sid for _, sid in added[first:last]], dtype=np.int64)])
        lengths = _lengths(table, sids)
        keep = lengths > len(key)  # the key itself was an exact match
        sids, lengths = sids[keep], lengths[keep]
        self._offer_rows(table, sids, PINYIN_PREFIX.at_many(len(key) / lengths), self._labelled("prefix"))

    def _labelled(self, qualifier: str) -> Label:
        """The label of a row matched as `field:qualifier`."""
        table_fields = self.state.field_names

        def label(sid: int, i: int, table: Column = self.state.pinyin) -> str:
            return f"{table_fields[table.fields[sid]]}:{qualifier}"

        return label

    def _pinyin_fragment(self, query: str, q: str) -> None:
        """A run of the pinyin or the initials from the middle or the end: kechuangzoulang, jingaiqu, kczl."""
        if CJK.search(q):
            return
        table = self.state.pinyin
        # The first reading only: a second (shu4ju4 with its digits kept) is for keys spelled with digits, G60
        # or 5G, which a run from the middle finds under the first as well.
        for key in pinyin_variants(query)[:1]:
            if len(key) < 3:  # two letters are inside too many keys to mean anything
                continue
            sids, prefix = table.find_all(key)
            sids = sids[~prefix]
            added = [sid for sid, starts in table.added_occurrences(key) if not starts]
            if added:
                sids = np.concatenate([sids, np.asarray(added, dtype=np.int64)])
            scores = PINYIN_FRAGMENT.at_many(len(key) / _lengths(table, sids))
            self._offer_rows(table, sids, scores, self._labelled("fragment"))

    def _english(self, query: str, q: str) -> None:
        """Renderings (approved and avoided) by how many words of the query each holds: one holding every word
        in the English or avoided band, one holding some in the overlap bands below them. The last word may be
        a prefix, as while typing; a word the renderings do not have counts by its one-typo corrections."""
        if CJK.search(q):  # Chinese with a letter in it (长三角G): the letters are no English words
            return
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
            if not len(ids) and len(word) >= 2 and (n == len(query_words) - 1 or len(word) >= 3):
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
        self._offer_renderings(query_words, rows, held.astype(np.float64), found_how)

    def _offer_renderings(
        self, query_words: list[str], rows: IntArray, held: npt.NDArray[np.float64], how: IntArray
    ) -> None:
        """Score the English rows holding `held` of the query's words (`how` they were found: 0 as typed, 1 a
        prefix, 2 corrected): in NumPy from the rows' word counts, then exactly (the phrase as written, the
        whole rendering) for the few that could make the page."""
        state = self.state
        table = state.english
        wanted = len(query_words)
        built = rows < table.base
        words = np.ones(len(rows), dtype=np.float64)
        words[built] = state.en_content_words[rows[built]]
        fields = np.zeros(len(rows), dtype=np.int64)
        fields[built] = table.built_fields[rows[built]]
        for i in np.flatnonzero(~built).tolist():
            words[i] = len(content_words(table.text(int(rows[i]))))
            fields[i] = table.fields[int(rows[i])]
        avoided = fields == state.field_codes["en_avoid"]
        full = held >= wanted - 1e-9
        coverage = np.minimum(1.0, held / words)  # how much of the rendering the query holds
        closeness = np.where(full, 0.8 * coverage + 0.1 * (how == 0), 0.85 * held / wanted + 0.1 * coverage)
        scores = _english_scores(closeness, full, avoided)
        # The phrase bonus (and a rendering that is the query) only for the rows that could make the page.
        few = np.argsort(-scores, kind="stable")[: self.depth + len(self.best) + 20]
        phrase = " ".join(query_words)
        for i in few.tolist():
            text = table.text(int(rows[i]))
            if phrase in text:
                closeness[i] += 0.1 if full[i] else 0.05
            if full[i] and " ".join(content_words(text)) == phrase:
                closeness[i] = 1.0
        rows, scores = rows[few], _english_scores(closeness[few], full[few], avoided[few])
        qualifiers = [_HOW[h] for h in how[few].tolist()]

        def label(sid: int, i: int) -> str:
            field = state.field_names[table.fields[sid]]
            return f"{field}:{qualifiers[i]}" if qualifiers[i] else field

        self._offer_rows(table, rows, scores, label)

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


Label = Callable[[int, int], str]  # (row, its index in the offered arrays) -> what `matched` says


def _lengths(table: Column, sids: IntArray) -> npt.NDArray[np.float64]:
    """The lengths of the rows `sids` of `table` (built ones from the column, added ones one by one)."""
    built = sids < table.base
    out = np.empty(len(sids), dtype=np.float64)
    out[built] = table.built_lengths(sids[built])
    for i in np.flatnonzero(~built).tolist():
        out[i] = len(table.text(int(sids[i])))
    return out


def _english_scores(
    closeness: npt.NDArray[np.float64], full: npt.NDArray[np.bool_], avoided: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """Scores of English rows: every word of the query in the English or avoided band, some in the overlaps."""
    return np.where(
        full,
        np.where(avoided, AVOIDED.at_many(closeness), ENGLISH.at_many(closeness)),
        np.where(avoided, AVOIDED_OVERLAP.at_many(closeness), OVERLAP.at_many(closeness)),
    )
