"""The index state: the tables of one build, the edits since, and the thread-safe `SearchIndex`."""

from __future__ import annotations

import bisect
import dataclasses
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt

from app.core.memory import paused_gc, release_free_memory
from app.search.engine.build import (
    FIELD_NAMES,
    NO_FOOTNOTE,
    NO_SURFACES,
    Definitions,
    Rows,
    surface_rows,
    surface_rows_in_parts,
)
from app.search.engine.columns import Column
from app.search.engine.hashes import bigram_keys, neighbourhood, text_hash, word_keys
from app.search.engine.keys import SEP, STOPWORDS, words
from app.search.engine.model import MAX_DEPTH, MAX_LIMIT, Entry, Hit, Page
from app.search.engine.postings import Pairs, Postings, word_postings
from app.search.engine.ranking import Ranker
from app.search.engine.vectorised import CHUNK


class State:
    """The tables of one build, with the additions and removals since."""

    def __init__(self, rows: Rows, field_names: list[str], kind_names: list[str]) -> None:
        self.field_names = field_names  # field code → name (codes shared with the rebuilds of this state)
        self.field_codes = {name: code for code, name in enumerate(field_names)}
        self.kind_names = kind_names
        self.kind_codes = {name: code for code, name in enumerate(kind_names)}
        n = len(rows.slugs)
        self.slugs = Column(rows.slugs, np.arange(n), np.zeros(n, dtype=np.uint8))
        self.kinds = array("H", rows.kinds)
        self.footnotes = array("q", rows.footnotes)
        self.alive = bytearray(b"\x01") * n
        self.live = n
        self.dead = 0
        # The glossary's order (footnoted first by number, then by slug) of the built concepts as a rank.
        by_slug = np.array(sorted(range(n), key=rows.slugs.__getitem__), dtype=np.int64)
        footnotes = np.asarray(rows.footnotes, dtype=np.int64)
        self.ordered = array("i", by_slug[np.argsort(footnotes[by_slug], kind="stable")].astype(np.int32).tobytes())
        del by_slug, footnotes
        rank = np.empty(n, dtype=np.int32)
        rank[np.asarray(self.ordered, dtype=np.int64)] = np.arange(n, dtype=np.int32)
        self.rank = array("i", rank.tobytes())
        self.built_rank = rank  # the same as NumPy, for the tiers that rank many rows at once
        self.built_kinds = np.asarray(rows.kinds, dtype=np.uint16)
        self.built_footnoted = np.asarray(rows.footnotes, dtype=np.int64) != NO_FOOTNOTE
        # The surface tables: one row per searchable short string, by the tiers that read them. Each class's
        # texts are let go as soon as its tables are built (`rows` is consumed): at 100,000 concepts they are
        # tens of MB of Python strings, which the tables of the whole build would otherwise sit on top of.
        rows.slugs = []
        cjk_texts = rows.cjk[0]
        self.cjk = Column(*rows.cjk).with_codes()  # form keys (hans, alias, hant): exact, prefix, fragment, typo
        rows.cjk = NO_SURFACES
        typo_forms = [sid for sid, text in enumerate(cjk_texts) if len(text) >= 3]
        self.fuzzy_forms = Pairs.neighbourhoods([cjk_texts[s] for s in typo_forms], typo_forms)
        del typo_forms, cjk_texts
        py_texts = rows.pinyin[0]
        self.pinyin = Column(*rows.pinyin).with_codes()  # pinyin keys and initials
        rows.pinyin = NO_SURFACES
        # Every pinyin row (keys and initials) by (text, row), for prefixes.
        self.pinyin_sorted = np.array(sorted(range(len(py_texts)), key=py_texts.__getitem__), dtype=np.int32)
        self.pinyin_added: list[tuple[str, int]] = []
        typo_pinyin = [sid for sid, text in enumerate(py_texts) if len(text) >= 4]
        self.fuzzy_pinyin = Pairs.neighbourhoods([py_texts[s] for s in typo_pinyin], typo_pinyin)
        del typo_pinyin, py_texts
        en_texts = rows.english[0]
        self.english = Column(*rows.english)  # renderings as their words joined by spaces
        rows.english = NO_SURFACES
        self.en_words = word_postings(en_texts, range(len(en_texts)))  # word → English rows
        self.en_content_words = content_word_counts(self.english, self.en_words)
        self.vocabulary_set: set[str] = {word for text in en_texts for word in text.split()}  # no list of them all
        del en_texts
        self.vocabulary = sorted(self.vocabulary_set)  # every word of the renderings (prefix expansion)
        self.word_list = list(self.vocabulary)
        long_words = [word_id for word_id, word in enumerate(self.word_list) if len(word) >= 4]
        self.fuzzy_words = Pairs.neighbourhoods([self.word_list[i] for i in long_words], long_words)
        # Definitions: folded Chinese ones joined (a bigram index finds the candidates), English ones by word.
        self.definitions = rows.definitions.texts
        self.def_block = rows.definitions.block
        self.def_zh = rows.definitions.zh
        self.def_zh_added: dict[int, list[int]] = {}  # bigram → definitions added since
        self.def_en = rows.definitions.en

    # -- building ------------------------------------------------------------------------------------------

    @classmethod
    def build(cls, entries: Sequence[Entry]) -> State:
        field_names = list(FIELD_NAMES)
        kind_names: list[str] = []
        return cls(surface_rows(entries, field_names, kind_names), field_names, kind_names)

    @classmethod
    def build_in_parts(cls, count: int, part: Callable[[int, int], Sequence[Entry]]) -> State:
        field_names = list(FIELD_NAMES)
        kind_names: list[str] = []
        return cls(surface_rows_in_parts(count, part, field_names, kind_names), field_names, kind_names)

    def compacted(self) -> State:
        """A fresh build of the live concepts, from the tables themselves (as `build` of their entries gives)."""
        ndocs = len(self.alive)
        alive = np.frombuffer(bytes(self.alive), dtype=np.uint8).astype(bool)
        remap = np.full(ndocs, -1, dtype=np.int64)
        remap[alive] = np.arange(int(alive.sum()))
        live = np.flatnonzero(alive).tolist()
        rows = Rows(
            slugs=[self.slugs.text(d) for d in live],
            kinds=[self.kinds[d] for d in live],
            footnotes=[self.footnotes[d] for d in live],
            cjk=self.cjk.live_rows(remap),
            pinyin=self.pinyin.live_rows(remap),
            english=self.english.live_rows(remap),
            definitions=Definitions.of(
                [
                    SEP.join(self.definitions.text(d) for d in live[at : at + CHUNK])
                    for at in range(0, len(live), CHUNK)
                ],
                len(live),
                self.def_en.compacted(remap),
            ),
        )
        return State(rows, self.field_names, self.kind_names)

    # -- editing -------------------------------------------------------------------------------------------

    def doc_of(self, slug: str) -> int | None:
        """The live concept with this slug (the latest, should a build have held it twice)."""
        found = [d for d in self.slugs.lookup(slug) if self.alive[d]]
        return found[-1] if found else None

    def add(self, entry: Entry) -> None:
        renderings = (entry.en, *entry.en_alternatives, *entry.en_avoid)
        new_words = set().union(*(words(t) for t in renderings)) - self.vocabulary_set
        rows = surface_rows([entry], self.field_names, self.kind_names)
        self.field_codes = {name: code for code, name in enumerate(self.field_names)}
        self.kind_codes = {name: code for code, name in enumerate(self.kind_names)}  # a new kind may have come
        doc = len(self.alive)
        self.kinds.append(rows.kinds[0])
        self.footnotes.append(rows.footnotes[0])
        folded_definition = rows.definitions.texts.text(0)
        self.definitions.added.append(folded_definition)
        self.alive.append(1)
        self.slugs.append(doc, 0, entry.slug)
        self.live += 1
        for text, field in zip(rows.cjk[0], rows.cjk[2].tolist(), strict=True):
            sid = self.cjk.append(doc, field, text)
            if len(text) >= 3:
                for key in neighbourhood(text):
                    self.fuzzy_forms.add(key, sid)
        for text, field in zip(rows.pinyin[0], rows.pinyin[2].tolist(), strict=True):
            sid = self.pinyin.append(doc, field, text)
            bisect.insort(self.pinyin_added, (text, sid))
            if len(text) >= 4:
                for key in neighbourhood(text):
                    self.fuzzy_pinyin.add(key, sid)
        for text, field in zip(rows.english[0], rows.english[2].tolist(), strict=True):
            sid = self.english.append(doc, field, text)
            self.vocabulary_set.update(text.split())
            for key in word_keys(text):
                self.en_words.add(key, sid)
        for key in bigram_keys(folded_definition):
            self.def_zh_added.setdefault(key, []).append(doc)
        for key in word_keys(entry.definition_en):
            self.def_en.add(key, doc)
        for word in sorted(new_words):
            bisect.insort(self.vocabulary, word)
            self.word_list.append(word)
            if len(word) >= 4:
                for key in neighbourhood(word):
                    self.fuzzy_words.add(key, len(self.word_list) - 1)

    def remove(self, slug: str) -> None:
        doc = self.doc_of(slug)
        if doc is None:
            return
        self.alive[doc] = 0
        self.live -= 1
        self.dead += 1

    def needs_rebuild(self) -> bool:
        added = sum(
            p.added_count for p in (self.en_words, self.def_en, self.fuzzy_forms, self.fuzzy_pinyin, self.fuzzy_words)
        ) + sum(map(len, self.def_zh_added.values()))
        added_docs = len(self.alive) - self.slugs.base
        return (
            self.dead > max(1000, self.live // 4)
            or added > max(200_000, 20 * self.live)
            or added_docs > max(1000, self.live // 4)
        )

    # -- reading -------------------------------------------------------------------------------------------

    def order(self, doc: int) -> tuple[int, ...] | tuple[int, int, str]:
        """A sort key of the glossary's order, comparable across built and added concepts."""
        if doc < self.slugs.base:
            return (2 * self.rank[doc] + 1,)
        key = (self.footnotes[doc], self.slugs.text(doc))
        slugs, footnotes = self.slugs, self.footnotes
        at = bisect.bisect_left(self.ordered, key, key=lambda d: (footnotes[d], slugs.text(d)))
        return (2 * at, *key)

    def search(self, query: str, *, limit: int, offset: int, kind: str | None, footnoted: bool | None) -> Page:
        ranker = Ranker(self, offset + limit + 1, kind, footnoted)  # one more: is there a next page?
        ranker.run(query)
        hits = ranker.top(offset, limit + 1)
        return Page(hits[:limit], more=len(hits) > limit, total=len(ranker.best), total_exact=ranker.complete)


class SearchIndex:
    """The search index of a whole glossary, built in bulk and kept up to date entry by entry.

    Reads may run in many threads while one thread writes: a writer only appends to the tables, swaps
    whole objects, or marks a concept dead, and readers skip whatever is dead. No `Entry` is kept: a rebuild
    (once enough concepts are dead or added) compacts the tables themselves.
    """

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._lock = threading.Lock()
        self._state = self._build(lambda: State.build(list(entries)))

    @classmethod
    def built_in_parts(cls, count: int, part: Callable[[int, int], Sequence[Entry]]) -> SearchIndex:
        """The index of `count` entries, of which `part(start, end)` makes those from `start` to `end` when they
        are needed: the same index as `SearchIndex(entries)`, without every `Entry` in memory at once."""
        index = cls.__new__(cls)
        index._lock = threading.Lock()
        index._state = cls._build(lambda: State.build_in_parts(count, part))
        return index

    @staticmethod
    def _build(make: Callable[[], State]) -> State:
        # The build allocates few but large objects; collecting in the middle of it is wasted work. Trimming
        # afterwards also covers the compacting rebuilds that updates trigger.
        try:
            with paused_gc():
                return make()
        finally:
            release_free_memory()

    def __len__(self) -> int:
        return self._state.live

    def add(self, entries: Sequence[Entry]) -> None:
        """Add entries, replacing any with the same slug."""
        self.update(entries, ())

    def remove(self, slugs: Iterable[str]) -> None:
        self.update((), list(slugs))

    def update(self, changed: Sequence[Entry], removed: Sequence[str]) -> None:
        with self._lock:
            state = self._state
            for slug in removed:
                state.remove(slug)
            for entry in changed:
                state.remove(entry.slug)
                state.add(entry)
            if state.needs_rebuild():
                self._state = self._build(state.compacted)

    def search(
        self, query: str, *, limit: int = 20, kind: str | None = None, footnoted: bool | None = None
    ) -> list[Hit]:
        """The concepts that best match `query`, best first, at most `limit`."""
        return self.search_page(query, limit=limit, kind=kind, footnoted=footnoted).hits

    def search_page(
        self,
        query: str,
        *,
        limit: int = 20,
        offset: int = 0,
        kind: str | None = None,
        footnoted: bool | None = None,
    ) -> Page:
        """The hits ranked `offset` to `offset + limit` (`limit` at most MAX_LIMIT; no page reaches past
        MAX_DEPTH, where `more` is False), whether more follow, and how many concepts the search found."""
        offset = max(0, offset)
        limit = min(max(1, min(limit, MAX_LIMIT)), MAX_DEPTH - offset)
        if limit <= 0:
            return Page([], more=False, total=0, total_exact=False)
        page = self._state.search(query, limit=limit, offset=offset, kind=kind, footnoted=footnoted)
        if offset + limit >= MAX_DEPTH:  # no page after this one, however many more the search found
            return dataclasses.replace(page, more=False)
        return page


def content_word_counts(english: Column, en_words: Postings) -> npt.NDArray[np.uint16]:
    """How many words each built English row has that are not stopwords (at least 1), in NumPy: its spaces
    plus one, less the stopwords it holds (each counted once)."""
    codes = np.frombuffer(english.joined.encode("ascii"), dtype=np.uint8)  # word strings: a-z, 0-9, spaces
    spaces = np.flatnonzero(codes == ord(" "))
    counts = np.bincount(np.searchsorted(english.built_starts, spaces, side="right") - 1, minlength=english.base)
    counts = counts[: english.base] + 1
    for word in STOPWORDS:
        rows = en_words.get(text_hash(word))
        counts[rows[rows < english.base]] -= 1
    return np.maximum(counts, 1).astype(np.uint16)
