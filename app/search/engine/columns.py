"""Columnar tables of strings: many texts as one joined string with offsets."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Sequence

import numpy as np

from app.search.engine.keys import SEP
from app.search.engine.postings import IntArray, Pairs, str_hashes


class Column:
    """Short strings with an int column each (the surface table of one class, or the slugs): the strings of a
    build as one joined string between separators with int64 offsets, so a fragment is one `str.find`, and the
    strings added since in a list (and a small joined string of their own). Looked up exactly by `hash`."""

    __slots__ = ("added", "added_joined", "added_starts", "base", "docs", "exact", "fields", "joined", "starts")

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
