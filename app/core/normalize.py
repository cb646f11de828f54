"""One normaliser for every path that compares Chinese text.

`fold` maps text to a comparison key: NFKC (width folding, Ⅱ → II, ℃ → °C), case folding, Traditional →
Simplified character by character (Taiwan and Hong Kong variants included), and quotation marks dropped, so
that “1+22+3”大安全工作体系, 1+22+3大安全工作体系 and １＋２２＋３大安全工作體系 compare equal.

`fold_with_offsets` does the same to running text and keeps, for every folded code point, the index of the
original code point it came from, so a match in the folded text maps back to exact offsets in the text as sent.
Phrase-level localisation (数据 → 資料 in Taiwan usage) is not undone here: it changes words, not characters,
and is handled by the callers indexing the phrase-localised forms of each term as extra variants.
"""

from __future__ import annotations

import bisect
import unicodedata
from functools import cache

import numpy as np
import numpy.typing as npt
import opencc

# Quotation marks that editors and reports put around or inside slogans; they never carry meaning for matching.
QUOTES = "\"'“”‘’「」『』〝〞〟＂＇‹›«»"

_t2s = opencc.OpenCC("t2s")
_tw2s = opencc.OpenCC("tw2s")
_hk2s = opencc.OpenCC("hk2s")


# Code points at and above this fold to themselves (CJK extensions G and H, private use, tags): the tables
# below cover everything a glossary or a government report contains.
_LIMIT = 0x30000


@cache
def fold_char(char: str) -> str:
    """The comparison form of one code point: may be empty (quotes) or longer than one (Ⅱ → ii).

    This is the definition; `_tables` computes the same for every code point at once.
    """
    if char in QUOTES:
        return ""
    if ord(char) >= _LIMIT:
        return char
    out = []
    for c in unicodedata.normalize("NFKC", char).casefold():
        if c in QUOTES:
            continue
        if ord(c) >= 0x2E80 and not 0xD800 <= ord(c) < 0xE000:  # CJK and beyond: may have a Traditional form
            c = _hk2s.convert(_tw2s.convert(_t2s.convert(c)))
        out.append(c)
    return "".join(out)


def _nfkc_casefold(cp: int) -> str:
    char = chr(cp)
    if char in QUOTES:
        return ""
    if 0xD800 <= cp < 0xE000:  # lone surrogates stay as they are
        return char
    return unicodedata.normalize("NFKC", char).casefold()


@cache
def _tables() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
    """For every code point below _LIMIT: its fold where that is exactly one code point, and a mask of the
    irregular ones (deleted or expanded), which `fold_char` handles one by one."""
    nfkc = [_nfkc_casefold(cp) for cp in range(_LIMIT)]
    # Traditional → Simplified for every CJK character at once: one OpenCC pass per config over the characters
    # joined by newlines (no dictionary phrase contains a newline, so each converts on its own).
    cjk = sorted({c for folded in nfkc for c in folded if ord(c) >= 0x2E80 and not 0xD800 <= ord(c) < 0xE000})
    converted = _hk2s.convert(_tw2s.convert(_t2s.convert("\n".join(cjk)))).split("\n")
    if len(converted) != len(cjk):
        raise RuntimeError("OpenCC changed the number of lines while folding characters")
    simplified = dict(zip(cjk, converted, strict=True))
    table = np.arange(_LIMIT, dtype=np.uint32)
    irregular = np.zeros(_LIMIT, dtype=np.bool_)
    for cp, folded in enumerate(nfkc):
        if len(folded) == 1 and folded not in simplified:  # the common case: no Traditional form involved
            table[cp] = ord(folded)
            continue
        out = "".join(simplified.get(c, c) for c in folded if c not in QUOTES)
        if len(out) == 1:
            table[cp] = ord(out)
        else:
            irregular[cp] = True
    return table, irregular


class _FoldTable(dict[int, str]):
    """A `str.translate` table filled on first sight of each code point (tests pin it equal to `_tables`)."""

    def __missing__(self, codepoint: int) -> str:
        folded = fold_char(chr(codepoint))
        self[codepoint] = folded
        return folded


_TABLE = _FoldTable()


def warm() -> None:
    """Build the running-text tables now (about a second) rather than on the first annotation."""
    _tables()


def fold(text: str) -> str:
    """The comparison key of `text` (for short strings: keys, queries, headwords)."""
    return text.translate(_TABLE)


class FoldedText:
    """Running text folded for matching, with the way back to the original offsets.

    The one-to-one part of the fold is one vectorised table lookup; the few code points that fold to nothing
    (quotes) or to several (Ⅱ → ii) are recorded as breakpoints, so mapping an offset back is a bisection.
    """

    __slots__ = ("_folded_at", "_length", "_origin_at", "folded", "original")

    def __init__(self, original: str) -> None:
        self.original = original
        table, irregular = _tables()
        codes = np.frombuffer(original.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        inside = codes < _LIMIT
        clipped = np.where(inside, codes, 0)
        mapped = np.where(inside, table[clipped], codes).astype(np.uint32)
        base = mapped.tobytes().decode("utf-32-le", "surrogatepass")
        positions = np.flatnonzero(inside & irregular[clipped]).tolist()
        self._folded_at: list[int] = []  # where each irregular code point's fold starts in `folded`
        self._origin_at: list[int] = []  # its index in `original`
        self._length: list[int] = []  # the length of its fold
        if not positions:
            self.folded = base
            return
        pieces = []
        previous = folded_position = 0
        for position in positions:
            pieces.append(base[previous:position])
            folded_position += position - previous
            replacement = fold_char(original[position])
            pieces.append(replacement)
            self._folded_at.append(folded_position)
            self._origin_at.append(position)
            self._length.append(len(replacement))
            folded_position += len(replacement)
            previous = position + 1
        pieces.append(base[previous:])
        self.folded = "".join(pieces)

    def _origin(self, index: int) -> tuple[int, int, int]:
        """The original index of folded[index], its place in an expansion (-1: none) and that expansion's length."""
        k = bisect.bisect_right(self._folded_at, index) - 1
        if k < 0:
            return index, -1, 0
        start, length = self._folded_at[k], self._length[k]
        if index < start + length:
            return self._origin_at[k], index - start, length
        return self._origin_at[k] + 1 + (index - start - length), -1, 0

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The original span of folded[start:end], or None if it cuts through an expanded code point."""
        if not self._folded_at:
            return start, end
        first, offset, _length = self._origin(start)
        if offset > 0:
            return None
        last, offset, length = self._origin(end - 1)
        if offset >= 0 and offset != length - 1:
            return None
        return first, last + 1
