"""Ranked search over the glossary: whatever a user types (any script, pinyin, English, a typo) finds the term.

Plain data in (`Entry`), plain data out (`Hit`); nothing here knows HTTP, SQL or the app's models.

Every query goes through the one normaliser (`app.core.normalize.fold`), then through the tiers below in order.
A concept is reported once, under the best tier it reaches; each tier has its own band of scores, so a hit of an
earlier tier always outranks a hit of a later one, and the search stops at the first tier boundary at which
`limit` hits are collected (the later tiers could not change the top `limit`).

    tier         score band      matched (the field that matched)
    exact        0.95 – 1.00     hans, alias, hant (a Traditional or phrase-localised form), slug
    prefix       0.85 – 0.95     hans, alias, hant: the query starts one of these forms
    substring    0.75 – 0.85     hans, alias, hant: the query is inside one (得地 in 数据得地)
    pinyin       0.60 – 0.75     pinyin (with or without tones, spaces, ü/v/u:, or a prefix), initials (sjdd)
    English      0.45 – 0.60     en, en_alternatives: every word of the query (the last may be a prefix)
    definition   0.30 – 0.45     definition.zh (the query inside it), definition.en (every word of the query)
    fuzzy        0.10 – 0.30     a field name followed by "~": one edit (insertion, deletion, substitution or
                                 transposition of neighbours) away from hans, alias, hant, pinyin, initials,
                                 or from the words of en / en_alternatives

Within a band, closer matches score higher (a query covering more of the form, a shorter rendering); equal
scores are ordered as the glossary lists them (footnoted terms first by footnote number, then by slug).

Scale: a glossary of 100,000 concepts is served from memory. Exact forms are dictionary look-ups; prefixes of
pinyin are found by bisection in a sorted list; the headword forms are scanned as one joined string (about a
million characters); definitions and English words go through inverted indexes; typos are found by
symmetric deletion (every form and every query stored with one character deleted, looked up by hash) and
checked by a bounded edit distance, never by a scan of the glossary. The large inverted indexes are NumPy
arrays built in bulk; an edit adds to small dictionaries beside them, and a removed concept is only marked
dead until enough garbage accumulates to rebuild.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.core.normalize import FoldedText, fold
from app.core.pinyin import strip_tones

MAX_LIMIT = 100
# Candidates taken from one tier before ranking: bounds the work of a one-letter query at 100,000 terms.
TIER_CAP = 3000
_SEP = "\x00"  # joins forms into one string; `fold` never produces it and API input may not contain it

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_TONE_DIGIT = re.compile(r"(?<=[a-z])[1-5](?![0-9])")
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to"})


@dataclass(frozen=True, slots=True)
class Entry:
    """What search knows of one concept."""

    slug: str
    hans: str
    # Every written form with the field it comes from: ("數據得地", "hant"), ("精网微格", "alias") …
    forms: tuple[tuple[str, str], ...]
    pinyin: str
    en: str
    en_alternatives: tuple[str, ...] = ()
    definition_zh: str = ""
    definition_en: str = ""
    kind: str = ""
    footnote: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    slug: str
    score: float
    matched: str


# --- text keys -------------------------------------------------------------------------------------------


class _TonelessTable(dict[int, str]):
    """`strip_tones` one code point at a time, for `str.translate` (pinyin is precomposed: ǜ, not u + marks)."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        plain = char if codepoint < 0x80 else strip_tones(char)
        self[codepoint] = plain
        return plain


_TONELESS = _TonelessTable()


def _strip_tones(text: str) -> str:
    if text.isascii():
        return text
    plain = text.translate(_TONELESS)
    return plain if plain.isascii() else strip_tones(text)  # combining marks typed apart: the careful way


def form_key(text: str) -> str:
    """How a written form (or a Chinese query) is compared: folded, without whitespace."""
    return "".join(fold(text).split())


def form_keys(texts: Sequence[str]) -> list[str]:
    """`form_key` of many texts (definitions: long), folded in one vectorised pass over them all."""
    if len(texts) < 50 or any(_SEP in t for t in texts):
        return [form_key(t) for t in texts]
    folded = FoldedText(_SEP.join(texts)).folded.split(_SEP)
    if len(folded) != len(texts):  # no code point folds to the separator; stay exact should one ever do
        return [form_key(t) for t in texts]
    return ["".join(f.split()) for f in folded]


def pinyin_key(text: str) -> str:
    """Pinyin as letters and digits only: tone marks and tone numbers gone, ü as v, no spaces or apostrophes.

    `shù jù dé dì`, `shu4 ju4 de2 di4`, `Shuju Dedi` and `shujudedi` all give `shujudedi`.
    """
    return _pinyin_of_toneless(_strip_tones(fold(text)))


def initials_key(pinyin: str) -> str:
    """The first letter of every syllable (sjdd for shù jù dé dì), as input methods accept them.

    A token that is not a syllable (12345, 1+22+3) is kept whole.
    """
    return _initials_of_toneless(_strip_tones(fold(pinyin)))


def _pinyin_of_toneless(base: str) -> str:
    return _TONE_DIGIT.sub("", _NOT_ALNUM.sub("", base.replace("u:", "v")))


def _initials_of_toneless(base: str) -> str:
    out = []
    for token in base.split():
        if not (token.isascii() and token.isalnum()):  # apostrophes, 1+22+3: the regex only when needed
            token = _NOT_ALNUM.sub("", token)
            if not token:
                continue
        out.append(token[0] if token.isalpha() else token)
    return "".join(out)


def _toneless_many(texts: Sequence[str]) -> list[str]:
    """`_strip_tones(fold(t))` of many texts, folded and stripped in one pass over them all."""
    if len(texts) < 50 or any(_SEP in t for t in texts):
        return [_strip_tones(fold(t)) for t in texts]
    pieces = fold(_SEP.join(texts)).translate(_TONELESS).split(_SEP)
    if len(pieces) != len(texts):  # nothing folds to the separator; stay exact should anything ever do
        return [_strip_tones(fold(t)) for t in texts]
    # Combining marks typed apart (u + U+0308) survive the table: those few go the careful way.
    return [p if p.isascii() else _strip_tones(fold(t)) for p, t in zip(pieces, texts, strict=True)]


def words(text: str) -> list[str]:
    # For ASCII, folding is lowercasing; English renderings and definitions are nearly always ASCII.
    return _WORD.findall(text.lower() if text.isascii() else fold(text))


def content_words(text: str) -> list[str]:
    found = words(text)
    content = [w for w in found if w not in _STOPWORDS]
    return content or found


def within_one_edit(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by at most one insertion, deletion, substitution or swap of neighbours."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return a[i:] == b[i + 1 :]  # b has one character more


# --- inverted index over int64 keys ----------------------------------------------------------------------

_IntArray = npt.NDArray[np.int64]
_EMPTY = np.empty(0, dtype=np.int64)


class _Postings:
    """int64 key → ascending int ids, in compressed rows: the distinct keys sorted, where each key's ids start,
    the ids (int32); built in bulk, with a dictionary of later additions beside them."""

    __slots__ = ("_added", "_ids", "_keys", "_starts", "added_count")

    def __init__(self, keys: _IntArray = _EMPTY, ids: _IntArray = _EMPTY, *, presorted: bool = False) -> None:
        if not presorted:  # by key, then by id
            order = np.lexsort((ids, keys))
            keys, ids = keys[order], ids[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        starts = np.flatnonzero(first)
        self._keys: _IntArray = keys[starts]
        self._starts: _IntArray = np.append(starts, len(keys)).astype(np.int64)
        self._ids = ids.astype(np.int32)
        self._added: dict[int, list[int]] = {}
        self.added_count = 0

    def add(self, key: int, id_: int) -> None:
        self._added.setdefault(key, []).append(id_)
        self.added_count += 1

    def get(self, key: int) -> _IntArray:
        keys = self._keys
        i = int(np.searchsorted(keys, key))
        found: _IntArray = _EMPTY
        if i < len(keys) and int(keys[i]) == key:
            found = self._ids[int(self._starts[i]) : int(self._starts[i + 1])].astype(np.int64)
        extra = self._added.get(key)
        if extra:
            found = np.union1d(found, np.array(extra, dtype=np.int64))
        return found


# Polynomial hashes modulo 2**64 (NumPy's unsigned arithmetic wraps): h(t) = sum of ord(t[k]) * B**k. An odd B
# has an inverse, so the hash of a text with one character deleted follows from prefix sums in a few array
# operations, for every text at once.
_B = 0x100000001B3
_B_INVERSE = pow(_B, -1, 1 << 64)


def _powers(n: int) -> npt.NDArray[np.uint64]:
    out = np.ones(max(1, n), dtype=np.uint64)
    out[1:] = np.uint64(_B)
    return np.cumprod(out, dtype=np.uint64)


def _neighbourhoods(texts: Sequence[str], ids: Sequence[int]) -> tuple[_IntArray, _IntArray]:
    """The hashes of every text and of every text with one character deleted, each with its text's id: two
    texts one edit apart share one. Texts must not be empty; (hash, id) pairs repeat only by hash collision."""
    if not texts:
        return _EMPTY, _EMPTY
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    owner = np.repeat(np.arange(len(texts)), lengths)
    position = np.arange(len(codes)) - starts[owner]
    weighted = codes * _powers(int(lengths.max()))[position]
    running = np.cumsum(weighted, dtype=np.uint64)
    before = running - weighted  # the sum of everything before each character
    base = before[starts]
    whole = running[ends - 1] - base
    prefix = before - base[owner]
    deleted = prefix + (whole[owner] - prefix - weighted) * np.uint64(_B_INVERSE)
    # Deleting either of two equal neighbours gives the same text: keep one of them.
    distinct = np.ones(len(codes), dtype=bool)
    distinct[:-1] = (codes[:-1] != codes[1:]) | (position[1:] == 0)
    id_array = np.asarray(ids, dtype=np.int64)
    keys = np.concatenate([whole, deleted[distinct]]).view(np.int64)
    return keys, np.concatenate([id_array, id_array[owner[distinct]]])


def _neighbourhood(text: str) -> set[int]:
    """Hashes of `text` and of `text` with one character deleted (as `_neighbourhoods` stores them)."""
    if not text:
        return set()
    return set(_neighbourhoods([text], [0])[0].tolist())


def _fuzzy_postings(texts: Sequence[str], ids: Sequence[int]) -> _Postings:
    keys, owners = _neighbourhoods(texts, ids)
    return _Postings(keys, owners)


def _bigram_keys(text: str) -> set[int]:
    return {ord(text[i]) << 21 | ord(text[i + 1]) for i in range(len(text) - 1)}


def _bigram_postings(texts: dict[int, str]) -> _Postings:
    """The bigram index of many texts at once, in NumPy: a Python loop over every bigram of 100,000
    definitions would take longer than the whole rest of the build. Texts go in chunks, so the temporary
    arrays stay a few megabytes however long the definitions are."""
    if not texts:
        return _Postings()
    bits = max(1, max(texts).bit_length())
    chunks: list[tuple[_IntArray, _IntArray]] = []
    items = list(texts.items())
    for at in range(0, len(items), _BIGRAM_CHUNK):
        chunk = items[at : at + _BIGRAM_CHUNK]
        ids = np.fromiter((i for i, _ in chunk), dtype=np.int64, count=len(chunk))
        joined = _SEP.join(t for _, t in chunk)
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        lengths = np.fromiter((len(t) + 1 for _, t in chunk), dtype=np.int64, count=len(chunk))
        owner = np.repeat(ids, lengths)[: len(codes)]
        keep = (codes[:-1] != ord(_SEP)) & (codes[1:] != ord(_SEP))
        keys = (codes[:-1] << 21 | codes[1:])[keep]
        chunks.append((keys, owner[:-1][keep]))
    if 42 + bits <= 63:  # (bigram, owner) packed into one int64: one sort and dedupe instead of a lexsort
        packed = np.concatenate([keys << bits | owner for keys, owner in chunks])
        chunks.clear()
        packed.sort()  # (np.unique is many times slower here than sort and compare)
        first = np.ones(len(packed), dtype=bool)
        first[1:] = packed[1:] != packed[:-1]
        packed = packed[first]
        return _Postings(packed >> bits, packed & ((1 << bits) - 1), presorted=True)
    keys = np.concatenate([k for k, _ in chunks])
    owner = np.concatenate([o for _, o in chunks])
    order = np.lexsort((owner, keys))
    keys, owner = keys[order], owner[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (owner[1:] != owner[:-1])
    return _Postings(keys[first], owner[first], presorted=True)


_BIGRAM_CHUNK = 10_000


def _word_keys(text: str) -> set[int]:
    return {_text_hash(w) for w in words(text)}


def _text_hash(text: str) -> int:
    """The polynomial hash of `text` as `_neighbourhoods` and `_word_postings` compute it (as a signed int64)."""
    h, power = 0, 1
    for char in text:
        h = (h + ord(char) * power) & _MASK
        power = power * _B & _MASK
    return h - (1 << 64) if h >> 63 else h


_MASK = (1 << 64) - 1
_WORD_CHUNK = 10_000


def _word_postings(texts: Sequence[str], ids: Sequence[int]) -> _Postings:
    """Word (`_text_hash`) → the ids of the texts holding it, for many texts at once: the words of each text
    are what `words` finds, segmented and hashed in NumPy rather than one Python string per word."""
    hashes: list[_IntArray] = []
    owners: list[_IntArray] = []
    id_array = np.asarray(ids, dtype=np.int64)
    sep = ord(_SEP)
    for at in range(0, len(texts), _WORD_CHUNK):
        chunk = [(t.lower() if t.isascii() else fold(t)).replace(_SEP, " ") for t in texts[at : at + _WORD_CHUNK]]
        codes = np.frombuffer(_SEP.join(chunk).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        text_of_char = np.cumsum(codes == sep)
        is_word = ((codes >= ord("a")) & (codes <= ord("z"))) | ((codes >= ord("0")) & (codes <= ord("9")))
        edges = np.flatnonzero(np.diff(np.concatenate([[False], is_word, [False]]).astype(np.int8)))
        starts, lengths = edges[0::2], edges[1::2] - edges[0::2]
        if not len(starts):
            continue
        chars = np.flatnonzero(is_word)
        word_of_char = np.repeat(np.arange(len(starts)), lengths)
        weighted = codes[chars].astype(np.uint64) * _powers(int(lengths.max()))[chars - starts[word_of_char]]
        running = np.cumsum(weighted, dtype=np.uint64)
        ends = np.cumsum(lengths)
        hashes.append((running[ends - 1] - (running - weighted)[ends - lengths]).view(np.int64))
        owners.append(id_array[at + text_of_char[starts]])
    if not hashes:
        return _Postings()
    distinct, word = np.unique(np.concatenate(hashes), return_inverse=True)
    hashes.clear()
    packed = np.unique(word.astype(np.int64) << 32 | np.concatenate(owners))  # each (word, text) pair once
    return _Postings(distinct[packed >> 32], packed & 0xFFFFFFFF, presorted=True)


# --- the index -------------------------------------------------------------------------------------------

# What a stored surface string is, by the kind of index it sits in.
_CJK_FIELDS = ("hans", "alias", "hant")
_FIELD_RANK = {field: rank for rank, field in enumerate(_CJK_FIELDS)}
_ENGLISH_FIELDS = ("en", "en_alternatives")


@dataclass(slots=True)
class _Doc:
    entry: Entry
    order: tuple[int, str]  # the glossary's order: footnoted first by number, then by slug
    surfaces: list[int]  # ids of this concept's rows in the surface table


class SearchIndex:
    """The search index of a whole glossary, built in bulk and kept up to date entry by entry.

    Reads may run in many threads while one thread writes: a writer only appends to the tables, swaps
    whole objects, or marks a concept dead, and readers skip whatever is dead.
    """

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._lock = threading.Lock()
        self._state = self._build(list(entries))

    @staticmethod
    def _build(entries: list[Entry]) -> _State:
        # The build allocates millions of small objects that all live on: collecting them is wasted work.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return _State.build(entries)
        finally:
            if enabled:
                gc.enable()

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
            state.publish()
            if state.needs_rebuild():
                self._state = self._build([d.entry for d in state.docs if d is not None])

    def search(
        self, query: str, *, limit: int = 20, kind: str | None = None, footnoted: bool | None = None
    ) -> list[Hit]:
        """The concepts that best match `query`, best first, at most `limit`."""
        return self._state.search(query, limit=max(1, min(limit, MAX_LIMIT)), kind=kind, footnoted=footnoted)


class _State:
    """The tables of one build, with the additions and removals since."""

    def __init__(self) -> None:
        self.docs: list[_Doc | None] = []
        self.by_slug: dict[str, int] = {}
        self.live = 0
        self.dead = 0
        # The surface table: one row per searchable short string (a form, a pinyin key, an English rendering).
        self.s_doc: list[int] = []
        self.s_field: list[str] = []
        self.s_text: list[str] = []
        self.exact: dict[str, list[int]] = {}  # form key → surfaces (hans, alias, hant)
        self.pinyin_exact: dict[str, list[int]] = {}  # pinyin key or initials → surfaces
        self.pinyin_sorted: list[tuple[str, int]] = []  # (pinyin key, surface), for prefixes
        self.joined = ""  # every form key between separators, for prefixes and fragments
        self.joined_starts: list[int] = []
        self.joined_surfaces: list[int] = []
        self.en_words = _Postings()  # word → English surfaces
        self.vocabulary: list[str] = []  # every word of the renderings, sorted (prefix expansion)
        self.vocabulary_set: set[str] = set()
        self.def_zh = _Postings()  # bigram → docs
        self.def_en = _Postings()  # word → docs
        self.fuzzy_forms = _Postings()  # hash of a form key with one character deleted → surfaces
        self.fuzzy_pinyin = _Postings()
        self.fuzzy_words = _Postings()  # … of a vocabulary word → its place in `word_list`
        self.word_list: list[str] = []
        self.folded_definitions: dict[int, str] = {}

    # -- building ------------------------------------------------------------------------------------------

    @classmethod
    def build(cls, entries: list[Entry]) -> _State:
        state = cls()
        # Folding and tone stripping of every text of a kind in one pass, not one call per text.
        folded_definitions = form_keys([entry.definition_zh for entry in entries])
        written = form_keys([text for entry in entries for text in (entry.hans, *(f for f, _ in entry.forms))])
        toneless = _toneless_many([entry.pinyin for entry in entries])
        at = 0
        for entry, folded_definition, plain in zip(entries, folded_definitions, toneless, strict=True):
            count = 1 + len(entry.forms)
            state._add_doc(entry, folded_definition, written[at : at + count], plain)
            at += count
        del written, toneless, folded_definitions
        english = [sid for sid, field in enumerate(state.s_field) if field in _ENGLISH_FIELDS]
        state.en_words = _word_postings([state.s_text[sid] for sid in english], english)
        state.def_en = _word_postings([entry.definition_en for entry in entries], range(len(entries)))
        state.def_zh = _bigram_postings(state.folded_definitions)
        # Typo neighbourhoods of the headword forms (3 characters or more) and of pinyin and initials (4 or
        # more), all at once in NumPy.
        fuzzy: dict[bool, tuple[list[str], list[int]]] = {True: ([], []), False: ([], [])}
        for sid, (field, text) in enumerate(zip(state.s_field, state.s_text, strict=True)):
            if field in _ENGLISH_FIELDS:
                continue
            cjk = field in _CJK_FIELDS
            if len(text) >= (3 if cjk else 4):
                texts, sids = fuzzy[cjk]
                texts.append(text)
                sids.append(sid)
        state.fuzzy_forms = _fuzzy_postings(*fuzzy.pop(True))
        state.fuzzy_pinyin = _fuzzy_postings(*fuzzy.pop(False))
        state.pinyin_sorted.sort()
        state._rebuild_vocabulary_fuzz()
        state.publish()
        return state

    def _rebuild_vocabulary_fuzz(self) -> None:
        self.vocabulary = sorted(self.vocabulary_set)
        self.word_list = list(self.vocabulary)
        long_words = [(word, word_id) for word_id, word in enumerate(self.word_list) if len(word) >= 4]
        self.fuzzy_words = _fuzzy_postings([w for w, _ in long_words], [i for _, i in long_words])

    def _surface(self, doc_id: int, field: str, text: str) -> int:
        sid = len(self.s_text)
        self.s_doc.append(doc_id)
        self.s_field.append(field)
        self.s_text.append(text)
        return sid

    def _add_doc(
        self,
        entry: Entry,
        folded_definition: str | None = None,
        written: Sequence[str] | None = None,
        toneless: str | None = None,
    ) -> int:
        """Add a concept's surfaces; `written` (the form keys of hans and `entry.forms`, in order), `toneless`
        (its pinyin folded, tones stripped) and `folded_definition` when the caller computed them in bulk."""
        doc_id = len(self.docs)
        order = (entry.footnote if entry.footnote is not None else 1 << 30, entry.slug)
        doc = _Doc(entry, order, [])
        self.docs.append(doc)
        self.by_slug[entry.slug] = doc_id
        self.live += 1
        seen: set[str] = set()
        fields = ["hans", *(field for _, field in entry.forms)]
        if written is None:
            written = [form_key(entry.hans), *(form_key(text) for text, _ in entry.forms)]
        keyed = sorted(zip(written, fields, strict=True), key=lambda f: _FIELD_RANK.get(f[1], 9))
        for key, field in keyed:
            if key and key not in seen:
                seen.add(key)
                doc.surfaces.append(sid := self._surface(doc_id, field, key))
                self.exact.setdefault(key, []).append(sid)
        if toneless is None:
            toneless = _strip_tones(fold(entry.pinyin))
        pinyin = _pinyin_of_toneless(toneless)
        keys = [(pinyin, "pinyin")]
        if "v" in pinyin:
            keys.append((pinyin.replace("v", "u"), "pinyin"))  # lü typed as lu, as many people do
        keys.append((_initials_of_toneless(toneless), "initials"))
        for key, field in keys:
            if key and key not in seen:
                seen.add(key)
                doc.surfaces.append(sid := self._surface(doc_id, field, key))
                self.pinyin_exact.setdefault(key, []).append(sid)
                if field == "pinyin":
                    self.pinyin_sorted.append((key, sid))
        for text, field in [(entry.en, "en"), *((t, "en_alternatives") for t in entry.en_alternatives)]:
            folded = " ".join(words(text))
            if folded and folded not in seen:
                seen.add(folded)
                doc.surfaces.append(self._surface(doc_id, field, folded))
                self.vocabulary_set.update(folded.split())
        self.folded_definitions[doc_id] = (
            form_key(entry.definition_zh) if folded_definition is None else folded_definition
        )
        return doc_id

    # -- editing -------------------------------------------------------------------------------------------

    def add(self, entry: Entry) -> None:
        new_words = set(words(entry.en)).union(*(words(t) for t in entry.en_alternatives)) - self.vocabulary_set
        doc_id = self._add_doc(entry)
        doc = self.docs[doc_id]
        assert doc is not None
        for sid in doc.surfaces:
            field, text = self.s_field[sid], self.s_text[sid]
            if field in _CJK_FIELDS:
                if len(text) >= 3:
                    for key in _neighbourhood(text):
                        self.fuzzy_forms.add(key, sid)
            elif field in ("pinyin", "initials"):
                if field == "pinyin":
                    bisect.insort(self.pinyin_sorted, (text, sid))
                if len(text) >= 4:
                    for key in _neighbourhood(text):
                        self.fuzzy_pinyin.add(key, sid)
            else:
                for key in _word_keys(text):
                    self.en_words.add(key, sid)
        for key in _bigram_keys(self.folded_definitions[doc_id]):
            self.def_zh.add(key, doc_id)
        for key in _word_keys(entry.definition_en):
            self.def_en.add(key, doc_id)
        for word in sorted(new_words):
            bisect.insort(self.vocabulary, word)
            self.word_list.append(word)
            if len(word) >= 4:
                for key in _neighbourhood(word):
                    self.fuzzy_words.add(key, len(self.word_list) - 1)

    def remove(self, slug: str) -> None:
        doc_id = self.by_slug.pop(slug, None)
        if doc_id is None:
            return
        doc = self.docs[doc_id]
        assert doc is not None
        for sid in doc.surfaces:
            text = self.s_text[sid]
            for table in (self.exact, self.pinyin_exact):
                sids = table.get(text)
                if sids and sid in sids:
                    rest = [s for s in sids if s != sid]
                    if rest:
                        table[text] = rest
                    else:
                        del table[text]
            if self.s_field[sid] == "pinyin":
                i = bisect.bisect_left(self.pinyin_sorted, (text, sid))
                if i < len(self.pinyin_sorted) and self.pinyin_sorted[i] == (text, sid):
                    del self.pinyin_sorted[i]
        self.folded_definitions.pop(doc_id, None)
        self.docs[doc_id] = None
        self.live -= 1
        self.dead += 1

    def publish(self) -> None:
        """Re-join the forms of the live concepts (for prefixes and fragments)."""
        starts, surfaces, parts = [], [], []
        pos = 1
        for sid, text in enumerate(self.s_text):
            if self.s_field[sid] in _CJK_FIELDS and self.docs[self.s_doc[sid]] is not None:
                starts.append(pos)
                surfaces.append(sid)
                parts.append(text)
                pos += len(text) + 1
        joined = _SEP + _SEP.join(parts) + _SEP
        # One assignment per attribute: a reader may pair a new `joined` with old offsets only for an instant,
        # and checks every candidate against its surface text before using it.
        self.joined_starts, self.joined_surfaces, self.joined = starts, surfaces, joined

    def needs_rebuild(self) -> bool:
        added = sum(
            p.added_count
            for p in (self.en_words, self.def_zh, self.def_en, self.fuzzy_forms, self.fuzzy_pinyin, self.fuzzy_words)
        )
        return self.dead > max(1000, self.live // 4) or added > max(200_000, 20 * self.live)

    # -- searching -----------------------------------------------------------------------------------------

    def search(self, query: str, *, limit: int, kind: str | None, footnoted: bool | None) -> list[Hit]:
        ranker = _Ranker(self, limit, kind, footnoted)
        ranker.run(query)
        return ranker.top()


class _Ranker:
    """One query's walk through the tiers."""

    def __init__(self, state: _State, limit: int, kind: str | None, footnoted: bool | None) -> None:
        self.state = state
        self.limit = limit
        self.kind = kind
        self.footnoted = footnoted
        self.best: dict[int, tuple[float, str]] = {}

    def _wanted(self, doc_id: int) -> _Doc | None:
        doc = self.state.docs[doc_id] if 0 <= doc_id < len(self.state.docs) else None
        if doc is None or doc_id in self.best:
            return None
        if self.kind is not None and doc.entry.kind != self.kind:
            return None
        if self.footnoted is not None and (doc.entry.footnote is not None) != self.footnoted:
            return None
        return doc

    def _offer_surface(self, sid: int, score: float, matched: str | None = None) -> None:
        state = self.state
        doc_id = state.s_doc[sid]
        if self._wanted(doc_id) is not None:
            self.best[doc_id] = (round(score, 4), matched or state.s_field[sid])

    def _offer_doc(self, doc_id: int, score: float, matched: str) -> None:
        if self._wanted(doc_id) is not None:
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
        docs = self.state.docs

        def rank(item: tuple[int, tuple[float, str]]) -> tuple[float, tuple[int, str]]:
            doc = docs[item[0]]
            return -item[1][0], doc.order if doc is not None else (1 << 31, "")

        chosen = heapq.nsmallest(self.limit, self.best.items(), key=rank)
        hits = []
        for doc_id, (score, matched) in chosen:
            doc = docs[doc_id]
            if doc is not None:
                hits.append(Hit(doc.entry.slug, score, matched))
        return hits

    # -- tiers ---------------------------------------------------------------------------------------------

    def _exact(self, query: str, q: str) -> None:
        state = self.state
        traditional = q != _without_script_folding(query)
        for sid in state.exact.get(q, ()):
            field = state.s_field[sid]
            # A Traditional query equal to the headword's key was typed in a Traditional form: say so.
            matched = "hant" if field == "hans" and traditional else field
            self._offer_surface(sid, 1.0 if field in ("hans", "hant") else 0.98, matched)
        slug_doc = state.by_slug.get(query.strip())
        if slug_doc is not None:
            self._offer_doc(slug_doc, 0.99, "slug")

    def _prefix_and_fragment(self, query: str, q: str) -> None:
        state = self.state
        joined, starts, surfaces = state.joined, state.joined_starts, state.joined_surfaces
        traditional = q != _without_script_folding(query)
        found = 0
        pos = joined.find(q)
        while pos >= 0 and found < TIER_CAP:
            i = bisect.bisect_right(starts, pos) - 1
            if i >= 0:
                sid = surfaces[i]
                text = state.s_text[sid]
                start = starts[i]
                if joined.startswith(text, start) and q in text:
                    found += 1
                    field = state.s_field[sid]
                    matched = "hant" if field == "hans" and traditional else field
                    coverage = len(q) / len(text)
                    if pos == start:
                        self._offer_surface(sid, 0.85 + 0.0999 * coverage, matched)
                    else:
                        self._offer_surface(sid, 0.75 + 0.0999 * coverage, matched)
            pos = joined.find(q, pos + 1)
        # Prefixes must outrank fragments even when the cap cut the scan short: both were scored in place.

    def _pinyin(self, query: str, q: str) -> None:
        if _CJK.search(q):
            return
        state = self.state
        for key in _pinyin_variants(query):
            for sid in state.pinyin_exact.get(key, ()):
                field = state.s_field[sid]
                self._offer_surface(sid, 0.74 if field == "pinyin" else 0.72, field)
        if self._full():
            return
        for key in _pinyin_variants(query):
            if len(key) < 2:
                continue
            pinyin_sorted = state.pinyin_sorted
            i = bisect.bisect_left(pinyin_sorted, (key, -1))
            taken = 0
            while i < len(pinyin_sorted) and taken < TIER_CAP:
                text, sid = pinyin_sorted[i]
                if not text.startswith(key):
                    break
                taken += 1
                self._offer_surface(sid, 0.60 + 0.0999 * len(key) / len(text), "pinyin")
                i += 1

    def _english(self, query: str, q: str) -> None:
        query_words = content_words(query)
        if not query_words:
            return
        self._english_words(query_words, fuzzy=False)

    def _english_words(self, query_words: list[str], *, fuzzy: bool) -> None:
        state = self.state
        postings: list[npt.NDArray[np.int64]] = []
        exact_words = True
        for n, word in enumerate(query_words):
            ids = state.en_words.get(_text_hash(word)) if word in state.vocabulary_set else _EMPTY
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
            text = state.s_text[sid]
            length = len(content_words(text))
            coverage = min(1.0, len(query_words) / max(1, length))
            if fuzzy:
                self._offer_surface(sid, 0.10 + 0.09 * coverage, state.s_field[sid] + "~")
                continue
            score = 0.45 + 0.12 * coverage
            if exact_words:
                score += 0.01
            if phrase in text:
                score += 0.01
            if " ".join(content_words(text)) == phrase:
                score = 0.5999
            self._offer_surface(sid, score)

    def _word_prefix(self, word: str) -> npt.NDArray[np.int64]:
        vocabulary = self.state.vocabulary
        i = bisect.bisect_left(vocabulary, word)
        found: list[npt.NDArray[np.int64]] = []
        while i < len(vocabulary) and vocabulary[i].startswith(word) and len(found) < 50:
            found.append(self.state.en_words.get(_text_hash(vocabulary[i])))
            i += 1
        return np.unique(np.concatenate(found)) if found else _EMPTY

    def _definition(self, query: str, q: str) -> None:
        state = self.state
        if _CJK.search(q) and len(q) >= 2:
            postings = sorted((state.def_zh.get(k) for k in _bigram_keys(q)), key=len)
            candidates = postings[0]
            for ids in postings[1:]:
                candidates = np.intersect1d(candidates, ids, assume_unique=True)
            taken = 0
            for doc_id in candidates.tolist():
                definition = state.folded_definitions.get(doc_id)
                if definition is not None and q in definition:
                    self._offer_doc(doc_id, 0.40, "definition.zh")
                    taken += 1
                    if taken >= TIER_CAP:
                        break
            return
        query_words = content_words(query)
        if not query_words or not any(w in state.vocabulary_set or len(w) > 3 for w in query_words):
            return
        postings = sorted((state.def_en.get(_text_hash(w)) for w in query_words), key=len)
        candidates = postings[0]
        for ids in postings[1:]:
            candidates = np.intersect1d(candidates, ids, assume_unique=True)
        for doc_id in candidates[:TIER_CAP].tolist():
            self._offer_doc(doc_id, 0.30 + 0.05 * min(1.0, len(query_words) / 5), "definition.en")

    def _fuzzy(self, query: str, q: str) -> None:
        state = self.state
        if _CJK.search(q):
            if len(q) >= 3:
                self._fuzzy_in(state.fuzzy_forms, q, 0.25)
            return
        for key in _pinyin_variants(query):
            if len(key) >= 4:
                self._fuzzy_in(state.fuzzy_pinyin, key, 0.22)
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

    def _fuzzy_in(self, postings: _Postings, key: str, score: float) -> None:
        state = self.state
        sids: set[int] = set()
        for variant in _neighbourhood(key):
            sids.update(postings.get(variant).tolist())
            if len(sids) > TIER_CAP:
                break
        for sid in sorted(sids):
            if sid < len(state.s_text) and within_one_edit(key, state.s_text[sid]):
                field = state.s_field[sid]
                self._offer_surface(sid, score - 0.01 * (len(state.s_text[sid]) != len(key)), field + "~")

    def _corrections(self, word: str) -> list[str]:
        """Vocabulary words one edit away from `word`, the most similar first."""
        state = self.state
        word_list = state.word_list
        ids: set[int] = set()
        for variant in _neighbourhood(word):
            ids.update(state.fuzzy_words.get(variant).tolist())
        found = {word_list[i] for i in ids if i < len(word_list) and within_one_edit(word, word_list[i])}
        return sorted(found, key=lambda w: (abs(len(w) - len(word)), w))


def _pinyin_variants(query: str) -> list[str]:
    """The pinyin keys a Latin query may mean: tone numbers read as tones, or (g60, 5g) as written."""
    toneless = pinyin_key(query)
    raw = _NOT_ALNUM.sub("", _strip_tones(fold(query)).replace("u:", "v"))
    return [toneless] if raw == toneless or not raw else [toneless, raw]


def _without_script_folding(query: str) -> str:
    """The query folded like `form_key` but with its Chinese characters left in their script."""
    out = []
    for char in "".join(query.split()):
        out.append(char if _CJK.match(char) else fold(char))
    return "".join(out)
