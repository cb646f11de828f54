"""Columnar tables of strings: many texts as one joined string with offsets."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from app.search.engine.hashes import EMPTY, IntArray, str_hashes
from app.search.engine.keys import SEP
from app.search.engine.postings import Pairs

_FEW = 2000  # occurrences below which a loop of `str.find` beats a NumPy pass over an ASCII string


class Column:
    """Short strings with an int column each (the surface table of one class, or the slugs): the strings of a
    build as one joined string between separators with int64 offsets, so a fragment is one `str.find`, and the
    strings added since in a list (and a small joined string of their own). Looked up exactly by `hash`."""

    __slots__ = (
        "added",
        "added_joined",
        "added_starts",
        "ascii",
        "base",
        "built_docs",
        "built_fields",
        "codes",
        "docs",
        "exact",
        "fields",
        "joined",
        "starts",
    )

    def __init__(self, texts: Sequence[str], docs: Sequence[int] | IntArray, fields: Sequence[int] | IntArray) -> None:
        self.base = len(texts)
        self.joined = SEP + SEP.join(texts) + SEP if texts else SEP
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        starts = np.ones(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths + 1, out=starts[1:])
        starts[1:] += 1  # text i is joined[starts[i] : starts[i + 1] - 1]
        self.starts = array("q", starts.tobytes())
        self.docs = array("i", np.asarray(docs, dtype=np.int32).tobytes())
        self.fields = array("B", np.asarray(fields, dtype=np.uint8).tobytes())
        # The built rows' docs and fields again as NumPy arrays, for the tiers that rank many rows at once.
        # Copies: a view would pin the arrays above, which edits append to (`starts` never changes: a view).
        self.built_docs = np.asarray(docs, dtype=np.int32)
        self.built_fields = np.asarray(fields, dtype=np.uint8)
        self.codes: npt.NDArray[np.unsignedinteger] | None = None  # the joined string's code points (with_codes)
        self.ascii = False
        self.exact = Pairs.of([(str_hashes(texts), np.arange(len(texts)))], len(texts))
        self.added: list[str] = []
        self.added_joined = SEP
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
        self.added_joined += text + SEP  # small: only what was added since the build
        self.exact.add(hash(text), sid)
        return sid

    def lookup(self, text: str) -> list[int]:
        """The rows holding exactly `text`, ascending."""
        return [sid for sid in self.exact.get(hash(text)) if self.text(sid) == text]

    @property
    def built_starts(self) -> IntArray:
        """`starts` as a NumPy view (the built rows' offsets never change)."""
        return np.frombuffer(self.starts, dtype=np.int64)

    def built_lengths(self, sids: IntArray) -> IntArray:
        """The lengths of the built rows `sids`."""
        starts = self.built_starts
        return starts[sids + 1] - starts[sids] - 1

    def with_codes(self) -> Column:
        """Keep the joined string's code points (one byte each where it is ASCII), for `find_all`."""
        joined = self.joined
        if joined.isascii():
            self.codes = None  # an ASCII string's bytes are made when a common key needs them (see find_all)
            self.ascii = True
        else:
            codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            self.codes = codes.astype(np.uint16) if int(codes.max()) < 1 << 16 else codes
            self.ascii = False
        return self

    def find_all(self, q: str) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """Every built row holding `q`, once per occurrence, and whether `q` starts it: the joined string's code
        points compared in NumPy, one position of `q` at a time (`with_codes` first)."""
        joined = self.joined
        wanted = [ord(c) for c in q]
        codes = self.codes
        if self.ascii:
            if not q.isascii():
                return EMPTY, np.zeros(0, dtype=np.bool_)
            if joined.count(q) > _FEW:  # 3 MB of bytes at 100k pinyin rows: made for this query, not kept
                codes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        assert codes is not None or self.ascii, "with_codes() first"
        if not wanted or (codes is not None and max(wanted) > np.iinfo(codes.dtype).max):
            return EMPTY, np.zeros(0, dtype=np.bool_)
        if codes is None:
            # An ASCII string and a key it seldom holds: str.find (memchr-fast on ASCII) from one to the next.
            found = []
            pos = joined.find(q)
            while pos >= 0:
                found.append(pos)
                pos = joined.find(q, pos + 1)
            at = np.asarray(found, dtype=np.int64)
        else:  # every position of the key's first code point, narrowed by the next ones: no loop per hit
            at = np.flatnonzero(codes[: len(codes) - len(wanted) + 1] == wanted[0])
            for k, code in enumerate(wanted[1:], 1):
                at = at[codes[at + k] == code]
        rows = np.searchsorted(self.built_starts, at, side="right") - 1
        return rows, at == self.built_starts[rows]

    def added_occurrences(self, q: str) -> Iterable[tuple[int, bool]]:
        """`occurrences` among the rows added since the build only."""
        joined, starts = self.added_joined, self.added_starts
        pos = joined.find(q)
        while pos >= 0:
            i = bisect.bisect_right(starts, pos) - 1
            if i >= 0 and q in self.added[i]:
                yield self.base + i, pos == starts[i]
            pos = joined.find(q, pos + 1)

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

    def live_rows(self, remap: IntArray) -> tuple[list[str], IntArray, IntArray]:  # (texts, docs, fields)
        """The rows whose doc `remap` keeps (>= 0), with their docs renumbered."""
        docs = np.frombuffer(self.docs, dtype=np.int32)[: len(self)].astype(np.int64)
        keep = np.flatnonzero(remap[docs] >= 0)
        fields = np.frombuffer(self.fields, dtype=np.uint8)[: len(self)][keep].astype(np.int64)
        texts = [self.text(sid) for sid in keep.tolist()]
        out = remap[docs[keep]]
        del docs
        return texts, out, fields


class Joined:
    """Many texts (the folded definitions) as one string between separators with int64 offsets, so the texts
    of a range are one `str.find`; the texts added since in a list."""

    __slots__ = ("added", "base", "joined", "starts")

    def __init__(self, chunks: Sequence[str], count: int) -> None:
        """From chunks of texts joined by the separator, `count` texts in all."""
        self.base = count
        self.joined = SEP + SEP.join(chunks) + SEP if count else SEP
        starts = np.ones(count + 1, dtype=np.int64)
        if count:
            lengths = np.concatenate([np.fromiter(map(len, chunk.split(SEP)), dtype=np.int64) for chunk in chunks])
            np.cumsum(lengths + 1, out=starts[1:])
            starts[1:] += 1
        self.starts = array("q", starts.tobytes())
        self.added: list[str] = []

    def text(self, i: int) -> str:
        if i < self.base:
            return self.joined[self.starts[i] : self.starts[i + 1] - 1]
        return self.added[i - self.base]
