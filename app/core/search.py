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

Scale: a glossary of 100,000 concepts is served from memory, in about 70 MB, as columns rather than objects
(no `Entry` is kept). Each class of surface strings (written forms; pinyin keys and initials; English
renderings) is one joined string with int64 offsets and int32/uint8 columns for its concept and field; the
written forms' string is what prefixes and fragments are found in with `str.find`. Exact forms, pinyin keys
and slugs are found through sorted 32-bit hashes and checked against the text; prefixes of pinyin by bisection
in the rows sorted by text; Chinese definitions are one joined string too, with a bigram index over blocks of
them (every candidate block checked with `str.find`); English words go through inverted indexes by a 64-bit
hash; typos are found by symmetric deletion (every form and every query stored with one character deleted,
32-bit hashes in one sorted array) and checked by a bounded edit distance, never by a scan of the glossary.
Everything is built in bulk in NumPy, a chunk of texts at a time, so a build's temporaries stay small. An edit
appends to small side tables (lists, dictionaries, a short joined string) that every look-up reads after the
built ones, and a removed concept is only marked dead; once enough are dead or added, the tables are compacted
into a fresh build of the live concepts.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import re
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.core.memory import paused_gc, release_free_memory
from app.core.normalize import _tables as normalize_tables
from app.core.normalize import fold, fold_char
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
    """`form_key` of many texts, folded a chunk of them at a time in one vectorised pass."""
    out: list[str] = []
    for chunk in _form_key_chunks(texts):
        out += chunk.split(_SEP)
    return out


_BoolArray = npt.NDArray[np.bool_]


@functools.cache
def _key_tables() -> tuple[npt.NDArray[np.uint32], tuple[_BoolArray, _BoolArray], tuple[_BoolArray, _BoolArray]]:
    """`normalize`'s fold table and, for every code point below its limit, whether `fold` drops it (it folds
    to nothing) and whether it folds to several code points (spliced in one by one); then the same for keys
    (`form_key`), which drop whitespace too."""
    table, irregular = normalize_tables()
    spaces = np.array([cp for cp in range(0x3001) if chr(cp).isspace()], dtype=np.uint32)
    drop_key = np.isin(table, spaces) & ~irregular
    drop, expand, expand_key = (np.zeros(len(table), dtype=np.bool_) for _ in range(3))
    for cp in np.flatnonzero(irregular).tolist():
        folded = fold_char(chr(cp))
        drop[cp], expand[cp] = not folded, bool(folded)
        drop_key[cp], expand_key[cp] = not "".join(folded.split()), bool("".join(folded.split()))
    return table, (drop, expand), (drop_key, expand_key)


def _fold_joined(joined: str, *, key: bool) -> str:
    """`fold` (or, with `key`, `form_key`) of a string as one NumPy pass (`joined` holds many texts between
    separators, which stay); the few code points that fold to several (Ⅱ → ii) are spliced in afterwards."""
    table, plain, keys = _key_tables()
    drop, expand = keys if key else plain
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    inside = codes < len(table)
    clipped = np.where(inside, codes, 0)
    keep = ~drop[clipped]
    text = np.where(inside, table[clipped], codes)[keep].tobytes().decode("utf-32-le", "surrogatepass")
    expanding = np.flatnonzero(expand[clipped]).tolist()
    if not expanding:
        return text
    at_output = np.cumsum(keep) - 1  # where each kept code point lands in `text`
    pieces: list[str] = []
    previous = 0
    for position in expanding:
        landed = int(at_output[position])
        folded = fold_char(joined[position])
        pieces += (text[previous:landed], "".join(folded.split()) if key else folded)
        previous = landed + 1
    pieces.append(text[previous:])
    return "".join(pieces)


def _form_key_chunks(texts: Sequence[str]) -> list[str]:
    """`form_key` of every text, `_CHUNK` texts at a time, each chunk's keys joined by the separator (for the
    definitions: one joined string of them all, without a Python string per definition on the way)."""
    out = []
    for at in range(0, len(texts), _CHUNK):
        chunk = texts[at : at + _CHUNK]
        folded = None
        if len(chunk) >= 50 and not any(_SEP in t for t in chunk):
            folded = _fold_joined(_SEP.join(chunk), key=True)
            if folded.count(_SEP) != len(chunk) - 1:  # nothing folds to the separator; stay exact should it
                folded = None
        out.append(_SEP.join(map(form_key, chunk)) if folded is None else folded)
    return out


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


def _toneless_joined(folded: str) -> str:
    """`folded.translate(_TONELESS)`, through NumPy for the few distinct non-ASCII code points pinyin has."""
    if folded.isascii():
        return folded
    codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    other = codes >= 0x80
    distinct = np.unique(codes[other])
    plain = [_TONELESS[int(cp)] for cp in distinct.tolist()]
    if any(len(p) != 1 for p in plain):
        return folded.translate(_TONELESS)
    mapped = codes.copy()
    mapped[other] = np.array([ord(p) for p in plain], dtype=np.uint32)[np.searchsorted(distinct, codes[other])]
    return str(mapped.tobytes().decode("utf-32-le", "surrogatepass"))


def _toneless_many(texts: Sequence[str]) -> list[str]:
    """`_strip_tones(fold(t))` of many texts, folded and stripped in one pass over them all."""
    if len(texts) < 50 or any(_SEP in t for t in texts):
        return [_strip_tones(fold(t)) for t in texts]
    pieces = _toneless_joined(_fold_joined(_SEP.join(texts), key=False)).split(_SEP)
    if len(pieces) != len(texts):  # nothing folds to the separator; stay exact should anything ever do
        return [_strip_tones(fold(t)) for t in texts]
    # Combining marks typed apart (u + U+0308) survive the table: those few go the careful way.
    return [p if p.isascii() else _strip_tones(fold(t)) for p, t in zip(pieces, texts, strict=True)]


_ASCII_ALNUM = np.zeros(256, dtype=np.bool_)
_ASCII_ALNUM[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)] = True
_ASCII_SPACE = np.array([chr(c).isspace() for c in range(256)], dtype=np.bool_)


def _shifted(mask: npt.NDArray[np.bool_], by: int) -> npt.NDArray[np.bool_]:
    """mask[i - by] at i (False where that is outside)."""
    out = np.zeros_like(mask)
    if by > 0:
        out[by:] = mask[:-by]
    else:
        out[:by] = mask[-by:]
    return out


def _by_ascii(texts: Sequence[str], bulk: Callable[[str], str], one: Callable[[str], str]) -> list[str]:
    """`one` of every text, the ASCII ones (nearly all) through `bulk`: one NumPy pass over them all joined by
    the separator, which it must keep in place."""
    plain = [i for i, t in enumerate(texts) if t.isascii() and _SEP not in t]
    if len(plain) < 50:
        return [one(t) for t in texts]
    if len(plain) == len(texts):
        out = bulk(_SEP.join(texts)).split(_SEP)
        if len(out) == len(texts):
            return out
        return [one(t) for t in texts]
    results = [one(t) if not t.isascii() or _SEP in t else "" for t in texts]
    pieces = bulk(_SEP.join([texts[i] for i in plain])).split(_SEP)
    if len(pieces) != len(plain):
        return [one(t) for t in texts]
    for i, piece in zip(plain, pieces, strict=True):
        results[i] = piece
    return results


def _ascii_codes(text: str) -> npt.NDArray[np.uint8]:
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8)


def _pinyin_of_ascii(joined: str) -> str:
    """`_pinyin_of_toneless` over ASCII texts joined by the separator: letters and digits stay, a tone digit
    (1-5 after a letter, not before a digit) goes."""
    codes = _ascii_codes(joined.replace("u:", "v"))
    codes = codes[_ASCII_ALNUM[codes] | (codes == 0)]
    letter = (codes >= ord("a")) & (codes <= ord("z"))
    digit = (codes >= ord("0")) & (codes <= ord("9"))
    tone = (codes >= ord("1")) & (codes <= ord("5")) & _shifted(letter, 1) & ~_shifted(digit, -1)
    return str(codes[~tone].tobytes().decode("ascii"))


def _initials_of_ascii(joined: str) -> str:
    """`_initials_of_toneless` over ASCII texts joined by the separator: within each whitespace-separated token
    only letters and digits stay, a token of letters only becomes its first letter, and the whitespace goes."""
    codes = _ascii_codes(joined)
    boundary = _ASCII_SPACE[codes] | (codes == 0)
    starts = ~boundary & ~_shifted(~boundary, 1)  # the first character of each token
    token = np.cumsum(starts) - 1
    kept = _ASCII_ALNUM[codes]  # what stays of a token
    digit = kept & (codes <= ord("9"))
    has_digit = np.bincount(token[digit], minlength=int(starts.sum())) > 0
    positions = np.flatnonzero(kept)
    owner = token[positions]
    later = np.zeros(len(positions), dtype=np.bool_)  # a kept character after the first of its token
    later[1:] = owner[1:] == owner[:-1]
    kept[positions[later & ~has_digit[owner]]] = False
    return str(codes[kept | (codes == 0)].tobytes().decode("ascii"))


def _words_of_ascii(joined: str) -> str:
    """`" ".join(words(t))` over ASCII texts joined by the separator: lowercased, every run of other characters
    between two word characters one space, the others gone."""
    codes = _ascii_codes(joined.lower())
    word = _ASCII_ALNUM[codes]
    sep = codes == 0
    other = ~(word | sep)
    run_start = other & ~_shifted(other, 1)
    run_end = other & ~_shifted(other, -1)
    space = np.zeros(len(codes), dtype=np.bool_)
    space[np.flatnonzero(run_start)[_shifted(word, 1)[run_start] & _shifted(word, -1)[run_end]]] = True
    return str(np.where(space, np.uint8(ord(" ")), codes)[word | sep | space].tobytes().decode("ascii"))


def _pinyin_of_toneless_many(texts: Sequence[str]) -> list[str]:
    return _by_ascii(texts, _pinyin_of_ascii, _pinyin_of_toneless)


def _initials_of_toneless_many(texts: Sequence[str]) -> list[str]:
    return _by_ascii(texts, _initials_of_ascii, _initials_of_toneless)


def _word_strings(texts: Sequence[str]) -> list[str]:
    """`" ".join(words(t))` of many texts."""
    return _by_ascii(texts, _words_of_ascii, lambda t: " ".join(words(t)))


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
_U64 = npt.NDArray[np.uint64]
_LOW32 = 0xFFFFFFFF


def _distinct(values: _U64) -> _U64:
    """`values` sorted (in place) without repeats (np.unique hashes, which is slower for large arrays)."""
    values.sort()
    if len(values) < 2:
        return values
    repeat = values[1:] == values[:-1]
    return values[np.concatenate([[True], ~repeat])] if repeat.any() else values


_EMPTY = np.empty(0, dtype=np.int64)


class _Postings:
    """int64 key → ascending int ids, in compressed rows: the distinct keys sorted, where each key's ids start,
    the ids (int32, or uint16 where the caller chose it); built in bulk, with a dictionary of later additions
    beside them."""

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
        self._ids = ids if ids.dtype == np.uint16 else ids.astype(np.int32)  # two bytes where they fit
        self._added: dict[int, list[int]] = {}
        self.added_count = 0

    def add(self, key: int, id_: int) -> None:
        self._added.setdefault(key, []).append(id_)
        self.added_count += 1

    @classmethod
    def of_rows(cls, keys: _IntArray, counts: _IntArray, ids: npt.NDArray[np.int32]) -> _Postings:
        """From the distinct keys (sorted), how many ids each has (at least one), and the ids row by row."""
        postings = cls()
        postings._keys = keys
        postings._starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        postings._ids = ids
        return postings

    @classmethod
    def merged(cls, parts: Sequence[tuple[_Postings, int]]) -> _Postings:
        """One index of several built over consecutive ranges of ids, each part's ids shifted by its offset."""
        if not parts:
            return cls()
        keys = np.concatenate([np.repeat(p._keys, np.diff(p._starts)) for p, _ in parts])
        ids = np.concatenate([p._ids.astype(np.int64) + offset for p, offset in parts])
        return cls(keys, ids)

    def compacted(self, remap: _IntArray) -> _Postings:
        """The same postings, additions merged, with every id renumbered by `remap` (dropped where it is < 0)."""
        keys = np.repeat(self._keys, np.diff(self._starts))
        ids = self._ids.astype(np.int64)
        if self._added:
            extra = [(key, id_) for key, added in self._added.items() for id_ in added]
            keys = np.concatenate([keys, np.array([k for k, _ in extra], dtype=np.int64)])
            ids = np.concatenate([ids, np.array([i for _, i in extra], dtype=np.int64)])
        ids = remap[ids]
        keep = ids >= 0
        return _Postings(keys[keep], ids[keep])

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


def _power_tables(n: int, tables: list[_U64]) -> tuple[_U64, _U64]:
    """The base's powers and its inverse's powers (mod 2**64), at least `n` of each: `tables` as it is, or
    grown to that (a caller keeps it for its next call)."""
    if not tables or len(tables[0]) < n:
        size = max(n, 1 << 16)
        inverse = np.ones(size, dtype=np.uint64)
        inverse[1:] = np.uint64(_B_INVERSE)
        tables[:] = [_powers(size), np.cumprod(inverse, dtype=np.uint64)]
    return tables[0], tables[1]


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


_CHUNK = 10_240  # texts per NumPy pass in a build (the temporaries stay a few megabytes); 5 * 2**11


def _bigram_keys(text: str) -> set[int]:
    return {ord(text[i]) << 21 | ord(text[i + 1]) for i in range(len(text) - 1)}


def _block_size(count: int) -> int:
    """Texts per block of the definitions' bigram index: the fewest (a power of two) that keep block numbers
    below 2**16, so a posting is two bytes (one text per block up to 65,536 texts, two up to 131,072 …)."""
    return 1 << max(0, (count - 1) >> 16).bit_length()


def _bigram_blocks(chunks: Sequence[str], block_size: int) -> _Postings:
    """Bigram → the blocks of `block_size` consecutive texts in which it occurs, for texts given as chunks of
    `_CHUNK` texts joined by the separator (a block lies in one chunk). Every candidate is checked with
    `str.find` anyway. Built in NumPy a chunk at a time; the distinct (bigram, block) pairs of all chunks (8 bytes
    a pair, 7.5 M pairs at 100,000 definitions) are sorted a quarter at a time, by ranges of the bigrams' first
    characters that hold about as many pairs each, so the largest temporary is a quarter of them."""
    blocks = (len(chunks) * _CHUNK + block_size - 1) // block_size
    bits = max(1, blocks.bit_length())
    sep = ord(_SEP)

    def pairs(c: int, chunk: str) -> tuple[_IntArray, _IntArray]:
        """The packed (bigram, block) of chunk `c`, and each one's first character."""
        codes = np.frombuffer(chunk.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        if len(codes) < 2:
            return _EMPTY, _EMPTY
        is_sep = codes == sep
        block = (c * _CHUNK + np.cumsum(is_sep[:-1])) // block_size  # the block of each bigram's first character
        keep = ~(is_sep[:-1] | is_sep[1:])
        first = codes[:-1][keep]
        return ((first << 21 | codes[1:][keep]) << bits | block[keep]), first

    # Where to cut: the cumulative count of bigrams by first character, split in four.
    counts = np.zeros(0x110000 + 1, dtype=np.int64)
    for c, chunk in enumerate(chunks):
        first = pairs(c, chunk)[1]
        counts[: int(first.max()) + 1 if len(first) else 0] += np.bincount(first)
    total = int(counts.sum())
    if not total:
        return _Postings()
    cuts = np.searchsorted(np.cumsum(counts), [total * q // _BIGRAM_RANGES for q in range(1, _BIGRAM_RANGES)])
    bounds = [0, *sorted(set((cuts + 1).tolist())), len(counts)]
    del counts
    id_type = np.uint16 if blocks <= 1 << 16 else np.int32
    keys: list[_IntArray] = []
    sizes: list[_IntArray] = []
    ids: list[npt.NDArray[np.generic]] = []
    for low, high in itertools.pairwise(bounds):  # ranges of first characters, in order
        pieces = []
        for c, chunk in enumerate(chunks):
            packed, first = pairs(c, chunk)
            packed = packed[(first >= low) & (first < high)]
            pieces.append(_distinct(packed.view(np.uint64)).view(np.int64))  # no pair repeats across chunks
            del packed, first
        packed = np.concatenate(pieces)
        del pieces
        if not len(packed):
            continue
        packed.sort()
        ids.append((packed & ((1 << bits) - 1)).astype(id_type))
        packed >>= bits
        starts = np.flatnonzero(np.concatenate([[True], packed[1:] != packed[:-1]]))
        keys.append(packed[starts])
        sizes.append(np.diff(np.append(starts, len(packed))))
        del packed, starts
    return _Postings.of_rows(np.concatenate(keys), np.concatenate(sizes), np.concatenate(ids))  # type: ignore[arg-type]


_BIGRAM_RANGES = 4


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
_WORD_CHUNK = 2_048  # texts (definitions: long) per NumPy pass


def _word_postings(texts: Sequence[str], ids: Sequence[int]) -> _Postings:
    """Word (`_text_hash`) → the ids of the texts holding it, for many texts at once: the words of each text
    are what `words` finds, segmented and hashed in NumPy rather than one Python string per word."""
    id_array = np.asarray(ids, dtype=np.int64)
    sep = ord(_SEP)
    numbers: dict[int, int] = {}  # word hash → a number, in order of first sight
    parts: list[_U64] = []  # per chunk: (number << 32 | id), each pair once
    tables: list[_U64] = []
    for at in range(0, len(texts), _WORD_CHUNK):
        part = texts[at : at + _WORD_CHUNK]
        joined = _SEP.join([t if t.isascii() else fold(t) for t in part]).lower()  # lower() keeps a fold
        if joined.count(_SEP) != len(part) - 1:  # a text holds the separator: it must not split the text
            joined = _SEP.join([(t.lower() if t.isascii() else fold(t)).replace(_SEP, " ") for t in part])
        if joined.isascii():
            codes = _ascii_codes(joined)
        else:
            codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        del joined
        if codes.dtype == np.uint8:
            is_word = _ASCII_ALNUM[codes]
        else:
            is_word = ((codes >= ord("a")) & (codes <= ord("z"))) | ((codes >= ord("0")) & (codes <= ord("9")))
        starts = np.flatnonzero(is_word & ~_shifted(is_word, 1))
        if not len(starts):
            continue
        ends = np.flatnonzero(is_word & ~_shifted(is_word, -1)) + 1
        # Every word character weighted by the base's power of its place in the chunk, summed: a word's hash is
        # its range of the running sum brought down to its start (times the inverse's power), so no array
        # maps characters to words.
        powers, inverses = _power_tables(len(codes) + 1, tables)
        running = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum(np.where(is_word, codes, 0).astype(np.uint64) * powers[: len(codes)], out=running[1:])
        del is_word
        hashes = ((running[ends] - running[starts]) * inverses[starts]).view(np.int64)
        del running
        owners = id_array[at + np.searchsorted(np.flatnonzero(codes == sep), starts)].astype(np.uint64)
        # The chunk's distinct words (a few thousand) numbered through the dictionary, not one Python int a word.
        order = np.argsort(hashes, kind="stable")
        first = np.ones(len(order), dtype=bool)
        first[1:] = hashes[order][1:] != hashes[order][:-1]
        group = np.empty(len(order), dtype=np.int64)
        group[order] = np.cumsum(first) - 1
        distinct = hashes[order][first].tolist()
        number = np.fromiter((numbers.setdefault(h, len(numbers)) for h in distinct), dtype=np.uint64)
        parts.append(_distinct(number[group] << np.uint64(32) | owners))
    if not parts:
        return _Postings()
    # Renumber the words in the order of their hashes, so the rows come out sorted by hash.
    hash_of = np.fromiter(numbers, dtype=np.int64, count=len(numbers))
    by_hash = np.argsort(hash_of)
    rank = np.empty(len(by_hash), dtype=np.uint64)
    rank[by_hash] = np.arange(len(by_hash), dtype=np.uint64)
    packed = np.empty(sum(map(len, parts)), dtype=np.uint64)
    at = 0
    for pairs in parts:
        packed[at : at + len(pairs)] = rank[pairs >> np.uint64(32)] << np.uint64(32) | (pairs & np.uint64(_LOW32))
        at += len(pairs)
    parts.clear()
    packed.sort()
    counts = np.zeros(len(by_hash), dtype=np.int64)
    rows = np.empty(len(packed), dtype=np.int32)
    for at in range(0, len(packed), 1 << 20):  # in slices: no second array of the pairs' size
        piece = packed[at : at + (1 << 20)]
        counts += np.bincount((piece >> np.uint64(32)).astype(np.int64), minlength=len(by_hash))
        rows[at : at + len(piece)] = piece & np.uint64(_LOW32)
    del packed
    return _Postings.of_rows(hash_of[by_hash], counts, rows)


# --- columnar tables -------------------------------------------------------------------------------------


class _Pairs:
    """32-bit key → ids, for look-ups whose every candidate is verified against its text (exact forms by
    `hash`, typo neighbourhoods): a colliding key costs one check, never a wrong answer. The (key, id) pairs of
    a build are one sorted uint64 array (key in the high half), 8 bytes a pair; later additions in a dict."""

    __slots__ = ("_added", "_packed", "added_count")

    def __init__(self, packed: _U64 | None = None) -> None:
        self._packed: _U64 = np.empty(0, dtype=np.uint64) if packed is None else packed
        self._added: dict[int, list[int]] = {}
        self.added_count = 0

    @classmethod
    def of(cls, parts: Iterable[tuple[npt.NDArray[np.integer], npt.NDArray[np.integer]]], capacity: int) -> _Pairs:
        """From (keys, ids) arrays (keys of any width: their low 32 bits count; ids below 2**32), at most
        `capacity` pairs in all: they go straight into one buffer, never a second copy of them all."""
        out = np.empty(capacity, dtype=np.uint64)
        at = 0
        for keys, ids in parts:
            n = len(keys)
            out[at : at + n] = (keys.astype(np.int64, copy=False).view(np.uint64) & np.uint64(_LOW32)) << np.uint64(
                32
            ) | ids.astype(np.uint64)
            at += n
        # A pair twice (hash collisions): keep it once. The copy is the size of the pairs, not of the buffer.
        return cls(_distinct(out[:at]).copy() if at < capacity else _distinct(out))

    @classmethod
    def neighbourhoods(cls, texts: Sequence[str], ids: Sequence[int]) -> _Pairs:
        """The typo neighbourhoods of `texts` (as `_neighbourhoods`), `_CHUNK` texts at a time."""
        capacity = len(texts) + sum(map(len, texts))  # each text, and each text with one character deleted
        chunks = range(0, len(texts), _CHUNK)
        return cls.of((_neighbourhoods(texts[at : at + _CHUNK], ids[at : at + _CHUNK]) for at in chunks), capacity)

    def add(self, key: int, id_: int) -> None:
        self._added.setdefault(key & _LOW32, []).append(id_)
        self.added_count += 1

    def get(self, key: int) -> list[int]:
        """The ids under `key`, ascending (the build's, then the ones added since)."""
        key &= _LOW32
        packed = self._packed
        lo = int(np.searchsorted(packed, np.uint64(key << 32)))
        found: list[int] = []
        if lo < len(packed) and int(packed[lo]) >> 32 == key:
            hi = int(np.searchsorted(packed, np.uint64(key << 32 | _LOW32), side="right"))
            found = (packed[lo:hi] & np.uint64(_LOW32)).tolist()
        extra = self._added.get(key)
        return found + extra if extra else found


def _hashes(texts: Sequence[str]) -> _IntArray:
    return np.fromiter(map(hash, texts), dtype=np.int64, count=len(texts))


class _Column:
    """Short strings with an int column each (the surface table of one class, or the slugs): the strings of a
    build as one joined string between separators with int64 offsets, so a fragment is one `str.find`, and the
    strings added since in a list (and a small joined string of their own). Looked up exactly by `hash`."""

    __slots__ = ("added", "added_joined", "added_starts", "base", "docs", "exact", "fields", "joined", "starts")

    def __init__(
        self, texts: Sequence[str], docs: Sequence[int] | _IntArray, fields: Sequence[int] | _IntArray
    ) -> None:
        self.base = len(texts)
        self.joined = _SEP + _SEP.join(texts) + _SEP if texts else _SEP
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        starts = np.ones(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths + 1, out=starts[1:])
        starts[1:] += 1  # text i is joined[starts[i] : starts[i + 1] - 1]
        self.starts = array("q", starts.tobytes())
        self.docs = array("i", np.asarray(docs, dtype=np.int32).tobytes())
        self.fields = array("B", np.asarray(fields, dtype=np.uint8).tobytes())
        self.exact = _Pairs.of([(_hashes(texts), np.arange(len(texts)))], len(texts))
        self.added: list[str] = []
        self.added_joined = _SEP
        self.added_starts: list[int] = []  # where each added text starts in added_joined

    def __len__(self) -> int:
        return self.base + len(self.added)

    def text(self, sid: int) -> str:
        if sid < self.base:
            starts = self.starts
            return self.joined[starts[sid] : starts[sid + 1] - 1]
        return self.added[sid - self.base]

    def append(self, doc: int, field: int, text: str) -> int:
        sid = len(self)
        self.docs.append(doc)
        self.fields.append(field)
        self.added.append(text)
        self.added_starts.append(len(self.added_joined))
        self.added_joined += text + _SEP  # small: only what was added since the build
        self.exact.add(hash(text), sid)
        return sid

    def lookup(self, text: str) -> list[int]:
        """The rows holding exactly `text`, ascending."""
        return [sid for sid in self.exact.get(hash(text)) if self.text(sid) == text]

    def occurrences(self, q: str) -> Iterable[tuple[int, bool]]:
        """(row, whether `q` starts it) for every occurrence of `q` inside a text, in row order."""
        for joined, starts, offset in (
            (self.joined, self.starts, 0),
            (self.added_joined, self.added_starts, self.base),
        ):
            pos = joined.find(q)
            while pos >= 0:
                i = bisect.bisect_right(starts, pos) - 1
                if 0 <= i < len(starts) - (offset == 0):
                    start = starts[i]
                    sid = i + offset
                    text = self.text(sid)
                    if joined.startswith(text, start) and q in text:
                        yield sid, pos == start
                pos = joined.find(q, pos + 1)

    def live_rows(self, remap: _IntArray) -> tuple[list[str], _IntArray, _IntArray]:  # (texts, docs, fields)
        """The rows whose doc `remap` keeps (>= 0), with their docs renumbered."""
        docs = np.frombuffer(self.docs, dtype=np.int32)[: len(self)].astype(np.int64)
        keep = np.flatnonzero(remap[docs] >= 0)
        fields = np.frombuffer(self.fields, dtype=np.uint8)[: len(self)][keep].astype(np.int64)
        texts = [self.text(sid) for sid in keep.tolist()]
        out = remap[docs[keep]]
        del docs
        return texts, out, fields


class _Joined:
    """Many texts (the folded definitions) as one string between separators with int64 offsets, so the texts
    of a range are one `str.find`; the texts added since in a list."""

    __slots__ = ("added", "base", "joined", "starts")

    def __init__(self, chunks: Sequence[str], count: int) -> None:
        """From chunks of texts joined by the separator, `count` texts in all."""
        self.base = count
        self.joined = _SEP + _SEP.join(chunks) + _SEP if count else _SEP
        starts = np.ones(count + 1, dtype=np.int64)
        if count:
            lengths = np.concatenate([np.fromiter(map(len, chunk.split(_SEP)), dtype=np.int64) for chunk in chunks])
            np.cumsum(lengths + 1, out=starts[1:])
            starts[1:] += 1
        self.starts = array("q", starts.tobytes())
        self.added: list[str] = []

    def text(self, i: int) -> str:
        if i < self.base:
            return self.joined[self.starts[i] : self.starts[i + 1] - 1]
        return self.added[i - self.base]


# --- the index -------------------------------------------------------------------------------------------

# What a stored surface string is, by the kind of index it sits in.
_CJK_FIELDS = ("hans", "alias", "hant")
_FIELD_RANK = {field: rank for rank, field in enumerate(_CJK_FIELDS)}
_ENGLISH_FIELDS = ("en", "en_alternatives")
_NO_FOOTNOTE = 1 << 30  # sorts after every footnote


class SearchIndex:
    """The search index of a whole glossary, built in bulk and kept up to date entry by entry.

    Reads may run in many threads while one thread writes: a writer only appends to the tables, swaps
    whole objects, or marks a concept dead, and readers skip whatever is dead. No `Entry` is kept: a rebuild
    (once enough concepts are dead or added) compacts the tables themselves.
    """

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._lock = threading.Lock()
        self._state = self._build(lambda: _State.build(list(entries)))

    @classmethod
    def built_in_parts(cls, count: int, part: Callable[[int, int], Sequence[Entry]]) -> SearchIndex:
        """The index of `count` entries, of which `part(start, end)` makes those from `start` to `end` when they
        are needed: the same index as `SearchIndex(entries)`, without every `Entry` in memory at once."""
        index = cls.__new__(cls)
        index._lock = threading.Lock()
        index._state = cls._build(lambda: _State.build_in_parts(count, part))
        return index

    @staticmethod
    def _build(make: Callable[[], _State]) -> _State:
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
        return self._state.search(query, limit=max(1, min(limit, MAX_LIMIT)), kind=kind, footnoted=footnoted)


@dataclass(slots=True)
class _Rows:
    """What a build stores, before its indexes: the concepts' columns and their surface rows by class, each in
    the concepts' order and, within a concept, in the order of `_rows`."""

    slugs: list[str]
    kinds: list[int]
    footnotes: list[int]  # _NO_FOOTNOTE for none
    cjk: tuple[list[str], _IntArray, _IntArray]  # (texts, docs, field codes)
    pinyin: tuple[list[str], _IntArray, _IntArray]
    english: tuple[list[str], _IntArray, _IntArray]
    definitions: _Definitions


@dataclass(slots=True)
class _Definitions:
    """The definitions' tables, built before the surface rows so that their temporaries (the bigram pairs, the
    largest of a build) never coexist with those of the rows."""

    texts: _Joined  # the folded Chinese definitions
    block: int  # definitions per block of `zh`
    zh: _Postings  # bigram → blocks of the built definitions
    en: _Postings  # word → concepts, of the English definitions

    @classmethod
    def of(cls, chunks: list[str], count: int, en: _Postings) -> _Definitions:
        """From the folded Chinese definitions as `_form_key_chunks` gives them."""
        block = _block_size(count)
        zh = _bigram_blocks(chunks, block)
        return cls(_Joined(chunks, count), block, zh, en)


# What `_rows` is given when the definitions' tables are built elsewhere (`_rows_in_parts`).
_NO_DEFINITIONS = _Definitions(_Joined([], 0), 1, _Postings(), _Postings())


class _State:
    """The tables of one build, with the additions and removals since."""

    def __init__(self, rows: _Rows, field_names: list[str], kind_names: list[str]) -> None:
        self.field_names = field_names  # field code → name (codes shared with the rebuilds of this state)
        self.field_codes = {name: code for code, name in enumerate(field_names)}
        self.kind_names = kind_names
        self.kind_codes = {name: code for code, name in enumerate(kind_names)}
        n = len(rows.slugs)
        self.slugs = _Column(rows.slugs, np.arange(n), np.zeros(n, dtype=np.uint8))
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
        del rank
        # The surface tables: one row per searchable short string, by the tiers that read them.
        self.cjk = _Column(*rows.cjk)  # form keys (hans, alias, hant): exact, prefix, fragment, typo
        self.pinyin = _Column(*rows.pinyin)  # pinyin keys and initials
        self.english = _Column(*rows.english)  # renderings as their words joined by spaces
        pinyin_code = self.field_codes["pinyin"]
        py_texts, _, py_fields = rows.pinyin
        self.pinyin_sorted = array(  # the pinyin rows (not initials) by (text, row), for prefixes
            "i", sorted((sid for sid in np.flatnonzero(py_fields == pinyin_code).tolist()), key=py_texts.__getitem__)
        )
        self.pinyin_added: list[tuple[str, int]] = []
        cjk_texts = rows.cjk[0]
        typo_forms = [sid for sid, text in enumerate(cjk_texts) if len(text) >= 3]
        self.fuzzy_forms = _Pairs.neighbourhoods([cjk_texts[s] for s in typo_forms], typo_forms)
        del typo_forms
        typo_pinyin = [sid for sid, text in enumerate(py_texts) if len(text) >= 4]
        self.fuzzy_pinyin = _Pairs.neighbourhoods([py_texts[s] for s in typo_pinyin], typo_pinyin)
        del typo_pinyin
        en_texts = rows.english[0]
        self.en_words = _word_postings(en_texts, range(len(en_texts)))  # word → English rows
        self.vocabulary_set: set[str] = set(" ".join(en_texts).split())
        self.vocabulary = sorted(self.vocabulary_set)  # every word of the renderings (prefix expansion)
        self.word_list = list(self.vocabulary)
        long_words = [word_id for word_id, word in enumerate(self.word_list) if len(word) >= 4]
        self.fuzzy_words = _Pairs.neighbourhoods([self.word_list[i] for i in long_words], long_words)
        # Definitions: folded Chinese ones joined (a bigram index finds the candidates), English ones by word.
        self.definitions = rows.definitions.texts
        self.def_block = rows.definitions.block
        self.def_zh = rows.definitions.zh
        self.def_zh_added: dict[int, list[int]] = {}  # bigram → definitions added since
        self.def_en = rows.definitions.en

    # -- building ------------------------------------------------------------------------------------------

    @classmethod
    def build(cls, entries: Sequence[Entry]) -> _State:
        field_names = [*_CJK_FIELDS, "pinyin", "initials", *_ENGLISH_FIELDS]
        kind_names: list[str] = []
        return cls(_rows(entries, field_names, kind_names), field_names, kind_names)

    @classmethod
    def build_in_parts(cls, count: int, part: Callable[[int, int], Sequence[Entry]]) -> _State:
        field_names = [*_CJK_FIELDS, "pinyin", "initials", *_ENGLISH_FIELDS]
        kind_names: list[str] = []
        return cls(_rows_in_parts(count, part, field_names, kind_names), field_names, kind_names)

    def compacted(self) -> _State:
        """A fresh build of the live concepts, from the tables themselves (as `build` of their entries gives)."""
        ndocs = len(self.alive)
        alive = np.frombuffer(bytes(self.alive), dtype=np.uint8).astype(bool)
        remap = np.full(ndocs, -1, dtype=np.int64)
        remap[alive] = np.arange(int(alive.sum()))
        live = np.flatnonzero(alive).tolist()
        rows = _Rows(
            slugs=[self.slugs.text(d) for d in live],
            kinds=[self.kinds[d] for d in live],
            footnotes=[self.footnotes[d] for d in live],
            cjk=self.cjk.live_rows(remap),
            pinyin=self.pinyin.live_rows(remap),
            english=self.english.live_rows(remap),
            definitions=_Definitions.of(
                [
                    _SEP.join(self.definitions.text(d) for d in live[at : at + _CHUNK])
                    for at in range(0, len(live), _CHUNK)
                ],
                len(live),
                self.def_en.compacted(remap),
            ),
        )
        return _State(rows, self.field_names, self.kind_names)

    # -- editing -------------------------------------------------------------------------------------------

    def _doc_of(self, slug: str) -> int | None:
        """The live concept with this slug (the latest, should a build have held it twice)."""
        found = [d for d in self.slugs.lookup(slug) if self.alive[d]]
        return found[-1] if found else None

    def add(self, entry: Entry) -> None:
        new_words = set(words(entry.en)).union(*(words(t) for t in entry.en_alternatives)) - self.vocabulary_set
        rows = _rows([entry], self.field_names, self.kind_names)
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
        pinyin_code = self.field_codes["pinyin"]
        for text, field in zip(rows.cjk[0], rows.cjk[2].tolist(), strict=True):
            sid = self.cjk.append(doc, field, text)
            if len(text) >= 3:
                for key in _neighbourhood(text):
                    self.fuzzy_forms.add(key, sid)
        for text, field in zip(rows.pinyin[0], rows.pinyin[2].tolist(), strict=True):
            sid = self.pinyin.append(doc, field, text)
            if field == pinyin_code:
                bisect.insort(self.pinyin_added, (text, sid))
            if len(text) >= 4:
                for key in _neighbourhood(text):
                    self.fuzzy_pinyin.add(key, sid)
        for text, field in zip(rows.english[0], rows.english[2].tolist(), strict=True):
            sid = self.english.append(doc, field, text)
            self.vocabulary_set.update(text.split())
            for key in _word_keys(text):
                self.en_words.add(key, sid)
        for key in _bigram_keys(folded_definition):
            self.def_zh_added.setdefault(key, []).append(doc)
        for key in _word_keys(entry.definition_en):
            self.def_en.add(key, doc)
        for word in sorted(new_words):
            bisect.insort(self.vocabulary, word)
            self.word_list.append(word)
            if len(word) >= 4:
                for key in _neighbourhood(word):
                    self.fuzzy_words.add(key, len(self.word_list) - 1)

    def remove(self, slug: str) -> None:
        doc = self._doc_of(slug)
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

    def search(self, query: str, *, limit: int, kind: str | None, footnoted: bool | None) -> list[Hit]:
        ranker = _Ranker(self, limit, kind, footnoted)
        ranker.run(query)
        return ranker.top()


def _rows(
    entries: Sequence[Entry],
    field_names: list[str],
    kind_names: list[str],
    *,
    definitions: _Definitions | None = None,
) -> _Rows:
    """The surface rows of many entries at once: each text kind folded in one pass over all of them, each
    concept's strings deduplicated (a string is stored once per concept, under its first field in the order
    written forms by field rank, pinyin, its ü-as-u spelling, initials, English rendering, alternatives)."""
    code, codes = _numbering(field_names)
    kind_code, _kinds = _numbering(kind_names)

    n = len(entries)
    if definitions is None:
        definitions = _Definitions.of(
            _form_key_chunks([entry.definition_zh for entry in entries]),
            n,
            _word_postings([entry.definition_en for entry in entries], range(n)),
        )
    # Written forms, by field rank within a concept (stable).
    written = form_keys([text for entry in entries for text, _ in ((entry.hans, ""), *entry.forms)])
    form_fields = [field for entry in entries for _, field in entry.forms]
    for field in set(form_fields):
        code(field)
    hans_code = codes["hans"]
    cjk_counts = np.fromiter((1 + len(entry.forms) for entry in entries), dtype=np.int64, count=n)
    cjk_fields = np.empty(len(written), dtype=np.int64)
    is_hans = np.zeros(len(written), dtype=np.bool_)
    is_hans[np.cumsum(cjk_counts) - cjk_counts] = True
    cjk_fields[is_hans] = hans_code
    cjk_fields[~is_hans] = np.fromiter(map(codes.__getitem__, form_fields), dtype=np.int64, count=len(form_fields))
    del form_fields, is_hans
    cjk_docs = np.repeat(np.arange(n), cjk_counts)
    field_rank = np.array([_FIELD_RANK.get(name, 9) for name in field_names], dtype=np.int64)
    order = np.lexsort((np.arange(len(written)), field_rank[cjk_fields], cjk_docs))
    written = [written[i] for i in order.tolist()]
    cjk_fields, cjk_docs = cjk_fields[order], cjk_docs[order]
    # Pinyin: the key, its ü-as-u spelling where it has a ü (lü typed as lu, as many people do), the initials.
    toneless = _toneless_many([entry.pinyin for entry in entries])
    keys = _pinyin_of_toneless_many(toneless)
    initials = _initials_of_toneless_many(toneless)
    del toneless
    with_v = [doc for doc, key in enumerate(keys) if "v" in key]
    candidates = [*keys, *(keys[doc].replace("v", "u") for doc in with_v), *initials]
    pinyin_code, initials_code = codes["pinyin"], codes["initials"]
    py_docs_all = np.concatenate([np.arange(n), np.asarray(with_v, dtype=np.int64), np.arange(n)])
    slot = np.repeat(np.arange(3), [n, len(with_v), n])  # within a concept: the key, its u spelling, initials
    order = np.lexsort((slot, py_docs_all))
    py_texts = [candidates[i] for i in order.tolist()]
    py_docs = py_docs_all[order]
    py_fields = np.where(slot[order] == 2, initials_code, pinyin_code)
    del keys, initials, candidates, with_v, py_docs_all, slot, order
    # English renderings as their words joined by spaces.
    en_raw = [text for entry in entries for text in (entry.en, *entry.en_alternatives)]
    en_texts = _word_strings(en_raw)
    del en_raw
    en_code, alt_code = codes["en"], codes["en_alternatives"]
    en_counts = np.fromiter((1 + len(entry.en_alternatives) for entry in entries), dtype=np.int64, count=n)
    en_fields = np.full(int(en_counts.sum()), alt_code, dtype=np.int64)
    en_fields[np.cumsum(en_counts) - en_counts] = en_code
    en_docs = np.repeat(np.arange(n), en_counts)
    # A string once per concept: the first of its (doc, hash) group in the order above, never an empty one.
    classes = (written, py_texts, en_texts)
    all_texts = [*written, *py_texts, *en_texts]
    docs = np.concatenate([cjk_docs, py_docs, en_docs])
    hashes = _hashes(all_texts)
    keep = np.fromiter(map(len, all_texts), dtype=np.int64, count=len(all_texts)) > 0
    del all_texts
    order = np.lexsort((hashes, docs))  # stable: within a group, the order above (classes as preferred)
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = (docs[order][1:] == docs[order][:-1]) & (hashes[order][1:] == hashes[order][:-1])
    keep[order[repeat]] = False
    del order, repeat, hashes
    out = []
    at = 0
    for texts, fields in zip(classes, (cjk_fields, py_fields, en_fields), strict=True):
        mask = keep[at : at + len(texts)]
        rows = np.flatnonzero(mask)
        out.append(
            (
                [texts[i] for i in rows.tolist()],
                docs[at : at + len(texts)][rows],
                np.asarray(fields, dtype=np.int64)[rows],
            )
        )
        at += len(texts)
    return _Rows(
        slugs=[entry.slug for entry in entries],
        kinds=[kind_code(entry.kind) for entry in entries],
        footnotes=[_NO_FOOTNOTE if entry.footnote is None else entry.footnote for entry in entries],
        cjk=out[0],
        pinyin=out[1],
        english=out[2],
        definitions=definitions,
    )


def _numbering(names: list[str]) -> tuple[Callable[[str], int], dict[str, int]]:
    """The number of a name in `names`, appending the names it has not seen; and the numbers so far."""
    numbers = {name: number for number, name in enumerate(names)}

    def number(name: str) -> int:
        if name not in numbers:
            numbers[name] = len(names)
            names.append(name)
        return numbers[name]

    return number, numbers


_Surfaces = tuple[list[str], _IntArray, _IntArray]  # (texts, docs, field codes)


def _rows_in_parts(
    count: int, part: Callable[[int, int], Sequence[Entry]], field_names: list[str], kind_names: list[str]
) -> _Rows:
    """`_rows` of `count` entries made `_CHUNK` at a time by `part(start, end)`: only one part's entries (with
    their definitions, the bulk of an `Entry`) exist at once. The parts' rows are concatenated, their ids
    shifted; the definitions' tables are built once over every part (a part is a whole number of chunks)."""
    pieces: list[tuple[_Rows, int]] = []
    zh: list[str] = []
    en: list[tuple[_Postings, int]] = []
    for start in range(0, count, _CHUNK):
        entries = part(start, min(count, start + _CHUNK))
        zh += _form_key_chunks([entry.definition_zh for entry in entries])
        en.append((_word_postings([entry.definition_en for entry in entries], range(len(entries))), start))
        pieces.append((_rows(entries, field_names, kind_names, definitions=_NO_DEFINITIONS), start))
        del entries
    definitions = _Definitions.of(zh, count, _Postings.merged(en))
    del zh, en

    def column(which: Callable[[_Rows], _Surfaces]) -> _Surfaces:
        texts = [text for rows, _ in pieces for text in which(rows)[0]]
        docs = np.concatenate([_EMPTY, *(which(rows)[1] + start for rows, start in pieces)])
        fields = np.concatenate([_EMPTY, *(which(rows)[2] for rows, _ in pieces)])
        return texts, docs, fields

    return _Rows(
        slugs=[slug for rows, _ in pieces for slug in rows.slugs],
        kinds=[kind for rows, _ in pieces for kind in rows.kinds],
        footnotes=[footnote for rows, _ in pieces for footnote in rows.footnotes],
        cjk=column(lambda rows: rows.cjk),
        pinyin=column(lambda rows: rows.pinyin),
        english=column(lambda rows: rows.english),
        definitions=definitions,
    )


class _Ranker:
    """One query's walk through the tiers."""

    def __init__(self, state: _State, limit: int, kind: str | None, footnoted: bool | None) -> None:
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
        return self.footnoted is None or (state.footnotes[doc_id] != _NO_FOOTNOTE) == self.footnoted

    def _live(self, table: _Column, sid: int) -> bool:
        doc_id = table.docs[sid]
        return 0 <= doc_id < len(self.state.alive) and bool(self.state.alive[doc_id])

    def _offer_surface(self, table: _Column, sid: int, score: float, matched: str | None = None) -> None:
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
        traditional = q != _without_script_folding(query)
        for sid in cjk.lookup(q):
            field = state.field_names[cjk.fields[sid]]
            # A Traditional query equal to the headword's key was typed in a Traditional form: say so.
            matched = "hant" if field == "hans" and traditional else field
            self._offer_surface(cjk, sid, 1.0 if field in ("hans", "hant") else 0.98, matched)
        slug_doc = state._doc_of(query.strip())
        if slug_doc is not None:
            self._offer_doc(slug_doc, 0.99, "slug")

    def _prefix_and_fragment(self, query: str, q: str) -> None:
        state = self.state
        cjk = state.cjk
        traditional = q != _without_script_folding(query)
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
            self._offer_surface(cjk, sid, (0.85 if prefix else 0.75) + 0.0999 * coverage, matched)
        # Prefixes must outrank fragments even when the cap cut the scan short: both were scored in place.

    def _pinyin(self, query: str, q: str) -> None:
        if _CJK.search(q):
            return
        state = self.state
        table = state.pinyin
        for key in _pinyin_variants(query):
            for sid in table.lookup(key):
                field = state.field_names[table.fields[sid]]
                self._offer_surface(table, sid, 0.74 if field == "pinyin" else 0.72, field)
        if self._full():
            return
        for key in _pinyin_variants(query):
            if len(key) < 2:
                continue
            taken = 0
            for text, sid in self._pinyin_from(key):
                if taken >= TIER_CAP or not text.startswith(key):
                    break
                if not self._live(table, sid):
                    continue
                taken += 1
                self._offer_surface(table, sid, 0.60 + 0.0999 * len(key) / len(text), "pinyin")

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
            text = table.text(sid)
            length = len(content_words(text))
            coverage = min(1.0, len(query_words) / max(1, length))
            if fuzzy:
                self._offer_surface(table, sid, 0.10 + 0.09 * coverage, state.field_names[table.fields[sid]] + "~")
                continue
            score = 0.45 + 0.12 * coverage
            if exact_words:
                score += 0.01
            if phrase in text:
                score += 0.01
            if " ".join(content_words(text)) == phrase:
                score = 0.5999
            self._offer_surface(table, sid, score)

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
            self._definition_zh(q)
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

    def _definition_zh(self, q: str) -> None:
        """The definitions holding `q`, in the glossary's build order: the blocks holding all its bigrams
        scanned with `str.find`, then the definitions added since."""
        state = self.state
        keys = _bigram_keys(q)
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
                    self._offer_doc(doc_id, 0.40, "definition.zh")
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
                self._offer_doc(doc_id, 0.40, "definition.zh")
                taken += 1
                if taken >= TIER_CAP:
                    return

    def _fuzzy(self, query: str, q: str) -> None:
        state = self.state
        if _CJK.search(q):
            if len(q) >= 3:
                self._fuzzy_in(state.cjk, state.fuzzy_forms, q, 0.25)
            return
        for key in _pinyin_variants(query):
            if len(key) >= 4:
                self._fuzzy_in(state.pinyin, state.fuzzy_pinyin, key, 0.22)
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

    def _fuzzy_in(self, table: _Column, postings: _Pairs, key: str, score: float) -> None:
        state = self.state
        sids: set[int] = set()
        for variant in _neighbourhood(key):
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
        for variant in _neighbourhood(word):
            ids.update(state.fuzzy_words.get(variant))
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
