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

import re
import unicodedata
from array import array
from functools import cache

import opencc

# Quotation marks that editors and reports put around or inside slogans; they never carry meaning for matching.
QUOTES = "\"'“”‘’「」『』〝〞〟＂＇‹›«»"

_t2s = opencc.OpenCC("t2s")
_tw2s = opencc.OpenCC("tw2s")
_hk2s = opencc.OpenCC("hk2s")


@cache
def fold_char(char: str) -> str:
    """The comparison form of one code point: may be empty (quotes) or longer than one (Ⅱ → ii)."""
    if char in QUOTES:
        return ""
    out = []
    for c in unicodedata.normalize("NFKC", char).casefold():
        if c in QUOTES:
            continue
        if ord(c) >= 0x2E80:  # CJK and beyond: only these can have a Traditional form
            c = _hk2s.convert(_tw2s.convert(_t2s.convert(c)))
        out.append(c)
    return "".join(out)


class _FoldTable(dict[int, str]):
    """A `str.translate` table filled on first sight of each code point."""

    def __missing__(self, codepoint: int) -> str:
        folded = fold_char(chr(codepoint))
        self[codepoint] = folded
        return folded


_TABLE = _FoldTable()


def _irregular_code_points() -> str:
    """Every code point whose folded form is not exactly one code point (deleted or expanded)."""
    chars = set(QUOTES)
    for cp in range(0x30000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        if len(unicodedata.normalize("NFKC", c).casefold()) != 1:
            chars.add(c)
    return "".join(sorted(chars))


_IRREGULAR = re.compile("[" + re.escape(_irregular_code_points()) + "]")


def fold(text: str) -> str:
    """The comparison key of `text`."""
    return text.translate(_TABLE)


class FoldedText:
    """Text folded for matching, with the way back to the original offsets."""

    __slots__ = ("_origin", "folded", "original")

    def __init__(self, original: str) -> None:
        self.original = original
        if _IRREGULAR.search(original) is None:
            # Every code point folds to exactly one: offsets are the identity, no table needed.
            self.folded = original.translate(_TABLE)
            self._origin: array[int] | None = None
            return
        pieces: list[str] = []
        origin = array("q")
        pos = 0
        for m in _IRREGULAR.finditer(original):
            start = m.start()
            if start > pos:
                chunk = original[pos:start].translate(_TABLE)
                pieces.append(chunk)
                origin.extend(range(pos, start))
            folded = fold_char(m.group())
            pieces.append(folded)
            origin.extend([start] * len(folded))
            pos = start + 1
        if pos < len(original):
            pieces.append(original[pos:].translate(_TABLE))
            origin.extend(range(pos, len(original)))
        self.folded = "".join(pieces)
        self._origin = origin

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The original span of folded[start:end], or None if it cuts through an expanded code point."""
        origin = self._origin
        if origin is None:
            return start, end
        first, last = origin[start], origin[end - 1]
        if start > 0 and origin[start - 1] == first:
            return None
        if end < len(origin) and origin[end] == last:
            return None
        return first, last + 1
