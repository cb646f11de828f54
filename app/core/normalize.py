"""One normaliser for every path that compares Chinese text.

`fold` maps text to a comparison key: NFKC (width folding, Ⅱ → II, ℃ → °C), case folding, Traditional →
Simplified character by character (Taiwan and Hong Kong variants included), and quotation marks and invisible
characters (`is_invisible`) dropped, so that “1+22+3”大安全工作体系, 1+22+3大安全工作体系, １＋２２＋３大安全工作體系
and 数据\u200b得地 compare equal to their plain forms. `form_problem` says why a string cannot be a written form
(headword, alias, Traditional override): it refuses the invisible characters the fold drops, so that no two
concepts own look-alike forms.

`fold_with_offsets` does the same to running text and keeps, for every folded code point, the index of the
original code point it came from, so a match in the folded text maps back to exact offsets in the text as sent.
Phrase-level localisation (数据 → 資料 in Taiwan usage) is not undone here: it changes words, not characters,
and is handled by the callers indexing the phrase-localised forms of each term as extra variants.
"""

from __future__ import annotations

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


# Code points at and above this fold to themselves (CJK extensions G and H, private use), but for the invisible
# ones (`is_invisible`): the tables below cover everything a glossary or a government report contains.
_LIMIT = 0x30000

# Invisible characters that are not format controls (category Cf: zero-width space and joiners, word joiner,
# BOM, soft hyphen, bidi marks, embeddings, overrides and isolates, tags, the Mongolian vowel separator): the
# combining grapheme joiner, Khmer inherent vowels, Mongolian free variation selectors, Hangul fillers,
# variation selectors.
_INVISIBLE_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
)
# Above _LIMIT: the tags and supplementary variation selectors (and the unassigned rest of that block).
_HIGH_INVISIBLE = (0xE0000, 0xE0FFF)


def is_noncharacter(cp: int) -> bool:
    """U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE …)."""
    return 0xFDD0 <= cp <= 0xFDEF or cp & 0xFFFE == 0xFFFE


def is_invisible(cp: int) -> bool:
    """Whether code point `cp` shows nothing (or nothing of its own) on screen: the fold drops it."""
    if cp >= _LIMIT:
        return _HIGH_INVISIBLE[0] <= cp <= _HIGH_INVISIBLE[1] or is_noncharacter(cp)
    if 0xD800 <= cp < 0xE000:
        return False
    return (
        unicodedata.category(chr(cp)) == "Cf"
        or is_noncharacter(cp)
        or any(low <= cp <= high for low, high in _INVISIBLE_RANGES)
    )


def form_problem(text: str) -> str | None:
    """Why `text` cannot be a written form (headword, alias, Traditional override), or None.

    Refused: an invisible character, a combining mark left over after NFC composition (a look-alike of the
    plain character), white space other than single spaces, and a form that folds to nothing.
    """
    previous = ""
    for i, char in enumerate(text):
        cp = ord(char)
        if is_invisible(cp):
            return f"contains the invisible character {_name(char)} at index {i}"
        if char.isspace() and (char != " " or previous == " "):
            return f"contains the white space {_name(char)} at index {i} (only single spaces may stand in a form)"
        previous = char
    composed = unicodedata.normalize("NFC", text)
    for i, char in enumerate(composed):
        if unicodedata.category(char) in ("Mn", "Me"):
            return f"contains the combining mark {_name(char)} at index {i} of its composed form"
    if not fold(text).strip():
        return "folds to nothing (only quotation marks or spaces)"
    return None


def _name(char: str) -> str:
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed')})"


@cache
def fold_char(char: str) -> str:
    """The comparison form of one code point: may be empty (quotes) or longer than one (Ⅱ → ii).

    This is the definition; `_tables` computes the same for every code point at once.
    """
    if char in QUOTES or is_invisible(ord(char)):
        return ""
    if ord(char) >= _LIMIT:
        return char
    out = []
    for c in unicodedata.normalize("NFKC", char).casefold():
        if c in QUOTES or is_invisible(ord(c)):
            continue
        if ord(c) >= 0x2E80 and not 0xD800 <= ord(c) < 0xE000:  # CJK and beyond: may have a Traditional form
            c = _hk2s.convert(_tw2s.convert(_t2s.convert(c)))
        out.append(c)
    return "".join(out)


def _nfkc_casefold(cp: int) -> str:
    char = chr(cp)
    if char in QUOTES or is_invisible(cp):
        return ""
    if 0xD800 <= cp < 0xE000:  # lone surrogates stay as they are
        return char
    return "".join(c for c in unicodedata.normalize("NFKC", char).casefold() if not is_invisible(ord(c)))


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


# In the running-text table, what an irregular code point maps to (no code point is this large).
_IRREGULAR = np.uint32(0xFFFFFFFF)


@cache
def _running_table() -> npt.NDArray[np.uint32]:
    """`_tables` as one table: the fold of each code point below _LIMIT, or _IRREGULAR."""
    table, irregular = _tables()
    return np.where(irregular, _IRREGULAR, table).astype(np.uint32)


@cache
def _fold_lengths() -> npt.NDArray[np.uint8]:
    """By code point below _LIMIT: how many code points its fold has (1 but for the irregular ones: 0 for a
    quote, 2 for Ⅱ …)."""
    _table, irregular = _tables()
    lengths = np.ones(_LIMIT, dtype=np.uint8)
    at = np.flatnonzero(irregular)
    lengths[at] = [len(fold_char(chr(cp))) for cp in at.tolist()]
    return lengths


class _FoldTable(dict[int, str]):
    """A `str.translate` table filled on first sight of each code point (tests pin it equal to `_tables`)."""

    def __missing__(self, codepoint: int) -> str:
        folded = fold_char(chr(codepoint))
        self[codepoint] = folded
        return folded


_TABLE = _FoldTable()


def warm() -> None:
    """Build the running-text tables now (about a second) rather than on the first annotation."""
    _running_table()
    _fold_lengths()


def fold(text: str) -> str:
    """The comparison key of `text` (for short strings: keys, queries, headwords)."""
    return text.translate(_TABLE)


class FoldedText:
    """Running text folded for matching, with the way back to the original offsets.

    The one-to-one part of the fold is one vectorised table lookup; the few code points that fold to nothing
    (quotes) or to several (Ⅱ → ii) are recorded as breakpoints, so mapping an offset back is a bisection:
    `span` for one match, `spans` for a whole scan's matches at once (NumPy arrays in and out).
    """

    __slots__ = (
        "_changed",
        "_codes",
        "_deleted",
        "_folded_at",
        "_length",
        "_mapped",
        "_origin_at",
        "folded_codes",
        "original",
    )

    def __init__(self, original: str) -> None:
        self.original = original
        table = _running_table()
        codes = np.frombuffer(original.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        high = bool(codes.size) and int(codes.max()) >= _LIMIT
        if not high:  # the usual case: every code point is in the table
            mapped = table.take(codes)
        else:
            inside = codes < _LIMIT
            mapped = np.where(inside, table[np.where(inside, codes, 0)], codes)
            low, top = _HIGH_INVISIBLE
            dropped = ~inside & (((codes >= low) & (codes <= top)) | (codes & 0xFFFE == 0xFFFE))
            mapped[dropped] = _IRREGULAR  # folds to nothing, as a quote does
        positions = np.flatnonzero(mapped == _IRREGULAR)
        self._codes, self._mapped = codes, mapped
        self._changed: npt.NDArray[np.int64] | None = None
        # Per irregular code point, in order: where its fold starts in `folded`, its index in `original`, and
        # the length of its fold (0 for a quote, 2 for Ⅱ).
        self._origin_at = positions
        if not positions.size:
            self._folded_at = self._length = self._deleted = _EMPTY
            self.folded_codes = mapped
            return
        irregular = codes[positions]
        if high:  # an irregular code point above the tables is an invisible one: it folds to nothing
            lengths = np.where(irregular < _LIMIT, _fold_lengths().take(np.minimum(irregular, _LIMIT - 1)), 0).astype(
                np.int64
            )
        else:
            lengths = _fold_lengths().take(irregular).astype(np.int64)
        grown = lengths - 1  # how much each irregular code point lengthens (-1: deleted) the folded text
        self._folded_at = positions + np.cumsum(grown) - grown
        self._length = lengths
        self._deleted = positions[lengths == 0]
        if (lengths == 0).all():  # only quotes: drop them
            keep = np.ones(len(codes), dtype=np.bool_)
            keep[positions] = False
            out = mapped[keep]
        else:
            counts = np.ones(len(codes), dtype=np.int64)
            counts[positions] = lengths
            out = np.repeat(mapped, counts)
        expanded = np.flatnonzero(lengths > 1)
        if expanded.size:  # Ⅱ → ii: write each expansion's code points into its slots (fold_char is cached)
            expanded_codes = irregular[expanded]
            for cp in set(expanded_codes.tolist()):
                pieces = np.array([ord(c) for c in fold_char(chr(cp))], dtype=np.uint32)
                starts = self._folded_at[expanded[expanded_codes == cp]]
                out[starts[:, None] + np.arange(len(pieces))] = pieces
        self.folded_codes = out

    @property
    def folded(self) -> str:
        """The folded text (the matcher reads `folded_codes`; this string is made only when asked for)."""
        return self.folded_codes.tobytes().decode("utf-32-le", "surrogatepass")

    def _origin(self, index: int) -> tuple[int, int, int]:
        """The original index of folded[index], its place in an expansion (-1: none) and that expansion's length."""
        k = int(np.searchsorted(self._folded_at, index, "right")) - 1
        if k < 0:
            return index, -1, 0
        start, length = int(self._folded_at[k]), int(self._length[k])
        if index < start + length:
            return int(self._origin_at[k]), index - start, length
        return int(self._origin_at[k]) + 1 + (index - start - length), -1, 0

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The original span of folded[start:end], or None if it cuts through an expanded code point."""
        if not self._folded_at.size:
            return start, end
        first, offset, _length = self._origin(start)
        if offset > 0:
            return None
        last, offset, length = self._origin(end - 1)
        if offset >= 0 and offset != length - 1:
            return None
        return first, last + 1

    def spans(
        self, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """`span` of many folded spans at once: their original starts and ends, and which of them have one
        (False where `span` gives None); starts and ends are unspecified where there is none."""
        if not self._folded_at.size:
            return starts, ends, np.ones(len(starts), dtype=np.bool_)
        n = len(starts)
        original, offset, length = self._origins(np.concatenate((starts, ends - 1)))  # one pass for both ends
        end_offset = offset[n:]
        ok = (offset[:n] <= 0) & ((end_offset < 0) | (end_offset == length[n:] - 1))
        return original[:n], original[n:] + 1, ok

    def _origins(
        self, index: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """`_origin` of many indices at once."""
        k = np.searchsorted(self._folded_at, index, "right") - 1
        before = k < 0
        k[before] = 0
        start, length, origin = self._folded_at[k], self._length[k], self._origin_at[k]
        within = ~before & (index < start + length)
        original = np.where(before, index, np.where(within, origin, origin + 1 + (index - start - length)))
        return original, np.where(within, index - start, -1), np.where(within, length, 0)

    def deleted_between(self, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """How many code points that fold to nothing (quotes) lie in each original span [start, end)."""
        if not self._deleted.size:
            return np.zeros(len(starts), dtype=np.int64)
        return np.searchsorted(self._deleted, ends) - np.searchsorted(self._deleted, starts)

    def unchanged(self, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Which original spans [start, end) fold to themselves: no code point in them is changed by the fold."""
        if self._changed is None:
            changed = self._codes != self._mapped
            changed[self._origin_at] = True  # deleted or expanded
            self._changed = np.flatnonzero(changed)
        same: npt.NDArray[np.bool_] = np.searchsorted(self._changed, starts) == np.searchsorted(self._changed, ends)
        return same


_EMPTY: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
