"""Inverted indexes over integer keys (`Postings`: CSR arrays; `Pairs`: verified 32-bit look-ups), and their
bulk builders: words, the definitions' bigrams, typo neighbourhoods. The keys are `hashes`'s."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from app.core.normalize import fold
from app.search.engine.hashes import EMPTY, LOW32, IntArray, U64Array, neighbourhoods, power_tables
from app.search.engine.keys import SEP
from app.search.engine.vectorised import ASCII_ALNUM, CHUNK, ascii_codes, shifted


def distinct_sorted(values: U64Array) -> U64Array:
    """`values` sorted (in place) without repeats (np.unique hashes, which is slower for large arrays)."""
    values.sort()
    if len(values) < 2:
        return values
    repeat = values[1:] == values[:-1]
    return values[np.concatenate([[True], ~repeat])] if repeat.any() else values


def distinct_sorted_in_place(buffer: U64Array, count: int, *, block: int = 1 << 18) -> U64Array:
    """`distinct_sorted(buffer[:count])` made in `buffer` itself, which is then shrunk to fit and returned: the
    largest temporary is a `block` of values, never a second copy of them all (the typo pairs of
    100,000 concepts are 23 MB, and a masked copy then a trimmed copy of them made a build's peak). No view of
    `buffer` may exist: the caller owns it and uses only what this returns."""
    kept = _compact_sorted(buffer[:count], block)  # its views of the buffer end with it
    buffer.resize(kept, refcheck=False)  # in place: realloc hands back the tail, nothing is copied
    return buffer


def _compact_sorted(values: U64Array, block: int) -> int:
    """Sort `values` and move its distinct values to its front, a `block` at a time; how many there are."""
    values.sort()
    kept = min(len(values), 1)
    for at in range(1, len(values), block):
        part = values[at : at + block]
        # A copy, taken before the write below. The write ends at or before this part's end, and it leaves the
        # value the next part compares its first with either untouched or rewritten with itself.
        fresh = part[part != values[at - 1 : at - 1 + len(part)]]
        values[kept : kept + len(fresh)] = fresh
        kept += len(fresh)
    return kept


class Postings:
    """int64 key → ascending int ids, in compressed rows: the distinct keys sorted, where each key's ids start,
    the ids (int32, or uint16 where the caller chose it); built in bulk, with a dictionary of later additions
    beside them."""

    __slots__ = ("_added", "_ids", "_keys", "_starts", "added_count")

    def __init__(self, keys: IntArray = EMPTY, ids: IntArray = EMPTY, *, presorted: bool = False) -> None:
        if not presorted:  # by key, then by id
            order = np.lexsort((ids, keys))
            keys, ids = keys[order], ids[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        starts = np.flatnonzero(first)
        self._keys: IntArray = keys[starts]
        self._starts: IntArray = np.append(starts, len(keys)).astype(np.int64)
        self._ids = ids if ids.dtype == np.uint16 else ids.astype(np.int32)  # two bytes where they fit
        self._added: dict[int, list[int]] = {}
        self.added_count = 0

    def add(self, key: int, id_: int) -> None:
        self._added.setdefault(key, []).append(id_)
        self.added_count += 1

    @classmethod
    def of_rows(cls, keys: IntArray, counts: IntArray, ids: npt.NDArray[np.int32]) -> Postings:
        """From the distinct keys (sorted), how many ids each has (at least one), and the ids row by row."""
        postings = cls()
        postings._keys = keys
        postings._starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        postings._ids = ids
        return postings

    @classmethod
    def merged(cls, parts: Sequence[tuple[Postings, int]]) -> Postings:
        """One index of several built over consecutive ranges of ids, each part's ids shifted by its offset. Each
        part's ids go straight to their place in the result (a part's keys come in order, its ids ascending, and
        the parts' ranges follow each other), so the temporaries are one part's, never a sort of them all."""
        parts = [(p, offset) for p, offset in parts if len(p._keys)]
        if not parts:
            return cls()
        keys = np.unique(np.concatenate([p._keys for p, _ in parts]))
        counts = np.zeros(len(keys), dtype=np.int64)
        places = []
        for p, _ in parts:
            place = np.searchsorted(keys, p._keys)  # distinct within a part: += adds each once
            counts[place] += np.diff(p._starts)
            places.append(place)
        filled = np.concatenate([[0], np.cumsum(counts)[:-1]])  # where each key's next id goes
        ids = np.empty(int(counts.sum()), dtype=np.int32)
        for (p, offset), place in zip(parts, places, strict=True):
            sizes = np.diff(p._starts)
            within = np.arange(len(p._ids)) - np.repeat(p._starts[:-1], sizes)
            ids[np.repeat(filled[place], sizes) + within] = p._ids.astype(np.int32) + offset
            filled[place] += sizes
        return cls.of_rows(keys, counts, ids)

    def compacted(self, remap: IntArray) -> Postings:
        """The same postings, additions merged, with every id renumbered by `remap` (dropped where it is < 0)."""
        keys = np.repeat(self._keys, np.diff(self._starts))
        ids = self._ids.astype(np.int64)
        if self._added:
            extra = [(key, id_) for key, added in self._added.items() for id_ in added]
            keys = np.concatenate([keys, np.array([k for k, _ in extra], dtype=np.int64)])
            ids = np.concatenate([ids, np.array([i for _, i in extra], dtype=np.int64)])
        ids = remap[ids]
        keep = ids >= 0
        return Postings(keys[keep], ids[keep])

    def get(self, key: int) -> IntArray:
        keys = self._keys
        i = int(np.searchsorted(keys, key))
        found: IntArray = EMPTY
        if i < len(keys) and int(keys[i]) == key:
            found = self._ids[int(self._starts[i]) : int(self._starts[i + 1])].astype(np.int64)
        extra = self._added.get(key)
        if extra:
            found = np.union1d(found, np.array(extra, dtype=np.int64))
        return found


def definition_block_size(count: int) -> int:
    """Texts per block of the definitions' bigram index: the fewest (a power of two) that keep block numbers
    below 2**16, so a posting is two bytes (one text per block up to 65,536 texts, two up to 131,072 …)."""
    return 1 << max(0, (count - 1) >> 16).bit_length()


def bigram_blocks(chunks: Sequence[str], block_size: int) -> Postings:
    """Bigram → the blocks of `block_size` consecutive texts in which it occurs, for texts given as chunks of
    `CHUNK` texts joined by the separator (a block lies in one chunk). Every candidate is checked with
    `str.find` anyway. Built in NumPy a chunk at a time; the distinct (bigram, block) pairs of all chunks (8 bytes
    a pair, 7.5 M pairs at 100,000 definitions) are sorted an eighth at a time, by ranges of the bigrams' first
    characters that hold about as many pairs each, so the largest temporary is an eighth of them; the ids go
    straight into one array with room for every bigram."""
    blocks = (len(chunks) * CHUNK + block_size - 1) // block_size
    bits = max(1, blocks.bit_length())
    sep = ord(SEP)

    def bigrams(c: int, chunk: str) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], npt.NDArray[np.int32]]:
        """The first and second characters and the block of every bigram of chunk `c` (four bytes each: a
        chunk's temporaries are what the build's peak is made of)."""
        codes = np.frombuffer(chunk.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if len(codes) < 2:
            return codes[:0], codes[:0], np.zeros(0, dtype=np.int32)
        is_sep = codes == sep
        keep = ~(is_sep[:-1] | is_sep[1:])
        # The block of each bigram's first character.
        block = (np.cumsum(is_sep[:-1], dtype=np.int32)[keep] + c * CHUNK) // block_size
        return codes[:-1][keep], codes[1:][keep], block

    def packed(first: npt.NDArray[np.uint32], second: npt.NDArray[np.uint32], block: npt.NDArray[np.int32]) -> U64Array:
        return (first.astype(np.uint64) << np.uint64(21) | second) << np.uint64(bits) | block.astype(np.uint64)

    # Where to cut: the cumulative count of bigrams by first character, split in eighths.
    counts = np.zeros(0x110000 + 1, dtype=np.int64)
    for c, chunk in enumerate(chunks):
        first = bigrams(c, chunk)[0]
        counts[: int(first.max()) + 1 if len(first) else 0] += np.bincount(first)
    total = int(counts.sum())
    if not total:
        return Postings()
    cuts = np.searchsorted(np.cumsum(counts), [total * q // _BIGRAM_RANGES for q in range(1, _BIGRAM_RANGES)])
    bounds = [0, *sorted(set((cuts + 1).tolist())), len(counts)]
    del counts
    id_type = np.uint16 if blocks <= 1 << 16 else np.int32
    keys: list[IntArray] = []
    sizes: list[IntArray] = []
    ids = np.empty(total, dtype=id_type)  # room for every bigram; the distinct pairs fill a little less
    filled = 0
    for low, high in itertools.pairwise(bounds):  # ranges of first characters, in order
        pieces = []
        for c, chunk in enumerate(chunks):
            first, second, block = bigrams(c, chunk)
            inside = (first >= low) & (first < high)
            pieces.append(distinct_sorted(packed(first[inside], second[inside], block[inside])))
            del first, second, block, inside  # no pair repeats across chunks
        pairs = np.concatenate(pieces)
        del pieces
        if not len(pairs):
            continue
        pairs.sort()
        ids[filled : filled + len(pairs)] = pairs & np.uint64((1 << bits) - 1)
        filled += len(pairs)
        pairs >>= np.uint64(bits)
        starts = np.flatnonzero(np.concatenate([[True], pairs[1:] != pairs[:-1]]))
        keys.append(pairs[starts].view(np.int64))
        sizes.append(np.diff(np.append(starts, len(pairs))))
        del pairs, starts
    ids.resize(filled, refcheck=False)  # in place (no view of it exists): the tail goes back, nothing is copied
    return Postings.of_rows(np.concatenate(keys), np.concatenate(sizes), ids)  # type: ignore[arg-type]


_BIGRAM_RANGES = 8


_WORD_CHUNK = 2_048  # texts (definitions: long) per NumPy pass


def word_postings(texts: Sequence[str], ids: Sequence[int]) -> Postings:
    """Word (`text_hash`) → the ids of the texts holding it, for many texts at once: the words of each text
    are what `words` finds, segmented and hashed in NumPy rather than one Python string per word."""
    id_array = np.asarray(ids, dtype=np.int64)
    sep = ord(SEP)
    numbers: dict[int, int] = {}  # word hash → a number, in order of first sight
    parts: list[U64Array] = []  # per chunk: (number << 32 | id), each pair once
    tables: list[U64Array] = []
    for at in range(0, len(texts), _WORD_CHUNK):
        part = texts[at : at + _WORD_CHUNK]
        joined = SEP.join([t if t.isascii() else fold(t) for t in part]).lower()  # lower() keeps a fold
        if joined.count(SEP) != len(part) - 1:  # a text holds the separator: it must not split the text
            joined = SEP.join([(t.lower() if t.isascii() else fold(t)).replace(SEP, " ") for t in part])
        if joined.isascii():
            codes = ascii_codes(joined)
        else:
            codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        del joined
        if codes.dtype == np.uint8:
            is_word = ASCII_ALNUM[codes]
        else:
            is_word = ((codes >= ord("a")) & (codes <= ord("z"))) | ((codes >= ord("0")) & (codes <= ord("9")))
        starts = np.flatnonzero(is_word & ~shifted(is_word, 1))
        if not len(starts):
            continue
        ends = np.flatnonzero(is_word & ~shifted(is_word, -1)) + 1
        # Every word character weighted by the base's power of its place in the chunk, summed: a word's hash is
        # its range of the running sum brought down to its start (times the inverse's power), so no array
        # maps characters to words.
        powers, inverses = power_tables(len(codes) + 1, tables)
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
        parts.append(distinct_sorted(number[group] << np.uint64(32) | owners))
    if not parts:
        return Postings()
    # Renumber the words in the order of their hashes, so the rows come out sorted by hash.
    hash_of = np.fromiter(numbers, dtype=np.int64, count=len(numbers))
    by_hash = np.argsort(hash_of)
    rank = np.empty(len(by_hash), dtype=np.uint64)
    rank[by_hash] = np.arange(len(by_hash), dtype=np.uint64)
    packed = np.empty(sum(map(len, parts)), dtype=np.uint64)
    at = 0
    for pairs in parts:
        packed[at : at + len(pairs)] = rank[pairs >> np.uint64(32)] << np.uint64(32) | (pairs & np.uint64(LOW32))
        at += len(pairs)
    parts.clear()
    packed.sort()
    counts = np.zeros(len(by_hash), dtype=np.int64)
    rows = np.empty(len(packed), dtype=np.int32)
    for at in range(0, len(packed), 1 << 20):  # in slices: no second array of the pairs' size
        piece = packed[at : at + (1 << 20)]
        counts += np.bincount((piece >> np.uint64(32)).astype(np.int64), minlength=len(by_hash))
        rows[at : at + len(piece)] = piece & np.uint64(LOW32)
    del packed
    return Postings.of_rows(hash_of[by_hash], counts, rows)


class Pairs:
    """32-bit key → ids, for look-ups whose every candidate is verified against its text (exact forms by
    `hash`, typo neighbourhoods): a colliding key costs one check, never a wrong answer. The (key, id) pairs of
    a build are one sorted uint64 array (key in the high half), 8 bytes a pair; later additions in a dict."""

    __slots__ = ("_added", "_packed", "added_count")

    def __init__(self, packed: U64Array | None = None) -> None:
        self._packed: U64Array = np.empty(0, dtype=np.uint64) if packed is None else packed
        self._added: dict[int, list[int]] = {}
        self.added_count = 0

    @classmethod
    def of(cls, parts: Iterable[tuple[npt.NDArray[np.integer], npt.NDArray[np.integer]]], capacity: int) -> Pairs:
        """From (keys, ids) arrays (keys of any width: their low 32 bits count; ids below 2**32), at most
        `capacity` pairs in all: they go straight into one buffer, never a second copy of them all."""
        out = np.empty(capacity, dtype=np.uint64)
        at = 0
        for keys, ids in parts:
            n = len(keys)
            out[at : at + n] = (keys.astype(np.int64, copy=False).view(np.uint64) & np.uint64(LOW32)) << np.uint64(
                32
            ) | ids.astype(np.uint64)
            at += n
        # A pair twice (hash collisions, a ü-as-u spelling's deletions): kept once, in the buffer itself.
        return cls(distinct_sorted_in_place(out, at))

    @classmethod
    def neighbourhoods(cls, texts: Sequence[str], ids: Sequence[int]) -> Pairs:
        """The typo neighbourhoods of `texts` (as `neighbourhoods`), `CHUNK` texts at a time."""
        capacity = len(texts) + sum(map(len, texts))  # each text, and each text with one character deleted
        chunks = range(0, len(texts), CHUNK)
        return cls.of((neighbourhoods(texts[at : at + CHUNK], ids[at : at + CHUNK]) for at in chunks), capacity)

    def add(self, key: int, id_: int) -> None:
        self._added.setdefault(key & LOW32, []).append(id_)
        self.added_count += 1

    def get(self, key: int) -> list[int]:
        """The ids under `key`, ascending (the build's, then the ones added since)."""
        key &= LOW32
        packed = self._packed
        lo = int(np.searchsorted(packed, np.uint64(key << 32)))
        found: list[int] = []
        if lo < len(packed) and int(packed[lo]) >> 32 == key:
            hi = int(np.searchsorted(packed, np.uint64(key << 32 | LOW32), side="right"))
            found = (packed[lo:hi] & np.uint64(LOW32)).tolist()
        extra = self._added.get(key)
        return found + extra if extra else found
