"""Polynomial hashes of texts modulo 2**64: of one text (`text_hash`, `word_keys`, `neighbourhood`) and of
many at once in NumPy (`neighbourhoods`, and the power tables `postings.word_postings` hashes words with).
An odd base has an inverse, so the hash of a text with one character deleted, or of a word cut out of a
longer text, follows from prefix sums in a few array operations. Plus the bigram keys and Python's own
string hashes that the other look-ups use."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from app.search.engine.keys import words

IntArray = npt.NDArray[np.int64]
U64Array = npt.NDArray[np.uint64]
LOW32 = 0xFFFFFFFF
EMPTY = np.empty(0, dtype=np.int64)


# h(t) = sum of ord(t[k]) * B**k (NumPy's unsigned arithmetic wraps).
_B = 0x100000001B3
_B_INVERSE = pow(_B, -1, 1 << 64)


def _powers(n: int) -> npt.NDArray[np.uint64]:
    out = np.ones(max(1, n), dtype=np.uint64)
    out[1:] = np.uint64(_B)
    return np.cumprod(out, dtype=np.uint64)


def power_tables(n: int, tables: list[U64Array]) -> tuple[U64Array, U64Array]:
    """The base's powers and its inverse's powers (mod 2**64), at least `n` of each: `tables` as it is, or
    grown to that (a caller keeps it for its next call)."""
    if not tables or len(tables[0]) < n:
        size = max(n, 1 << 16)
        inverse = np.ones(size, dtype=np.uint64)
        inverse[1:] = np.uint64(_B_INVERSE)
        tables[:] = [_powers(size), np.cumprod(inverse, dtype=np.uint64)]
    return tables[0], tables[1]


def neighbourhoods(texts: Sequence[str], ids: Sequence[int]) -> tuple[IntArray, IntArray]:
    """The hashes of every text and of every text with one character deleted, each with its text's id: two
    texts one edit apart share one. Texts must not be empty; (hash, id) pairs repeat only by hash collision."""
    if not texts:
        return EMPTY, EMPTY
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


def neighbourhood(text: str) -> set[int]:
    """Hashes of `text` and of `text` with one character deleted (as `neighbourhoods` stores them)."""
    if not text:
        return set()
    return set(neighbourhoods([text], [0])[0].tolist())


def bigram_keys(text: str) -> set[int]:
    return {ord(text[i]) << 21 | ord(text[i + 1]) for i in range(len(text) - 1)}


def word_keys(text: str) -> set[int]:
    return {text_hash(w) for w in words(text)}


def text_hash(text: str) -> int:
    """The polynomial hash of `text` as `neighbourhoods` and `word_postings` compute it (as a signed int64)."""
    h, power = 0, 1
    for char in text:
        h = (h + ord(char) * power) & _MASK
        power = power * _B & _MASK
    return h - (1 << 64) if h >> 63 else h


_MASK = (1 << 64) - 1


def str_hashes(texts: Sequence[str]) -> IntArray:
    return np.fromiter(map(hash, texts), dtype=np.int64, count=len(texts))
