"""Finding glossary terms in running text: one Aho–Corasick automaton over the folded forms of every term.

The text is folded with `FoldedText` (the one normaliser), scanned once leftmost-longest, and every match is
mapped back to exact code-point offsets in the text as sent, so `text[start:end] == surface` always holds.
The patterns are `lookup_keys` of each headword and alias: the character-level forms (Simplified, Traditional,
Taiwan and Hong Kong variants) and the phrase-localised ones Taiwan and Hong Kong text contains (資料得地 for
数据得地), all folded. A match is refused when

- its span cuts through a code point that folds to several (span() is None: half of Ⅱ is not a term), or
- it begins or ends with an ASCII letter or digit glued to another one (12345 is not a term inside 123456).

A term written with its quotation marks (“1+22+3”大安全工作体系, 优化营商环境“25条”) folds without them; when
a match starts right after an opening quote whose closing quote lies inside the match (or ends right before a
closing quote opened inside), the surface takes that quote in too, so the surface is the term as written.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import ahocorasick_rs
import numpy as np
import numpy.typing as npt

from app.core.forms import lookup_keys
from app.core.normalize import FoldedText, fold

# Opening quote → closing quote. ASCII quotes open and close alike.
_PAIRS = {"“": "”", "‘": "’", "「": "」", "『": "』", "〝": "〞", "«": "»", "‹": "›", '"': '"', "'": "'", "＂": "＂"}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}


@dataclass(frozen=True, slots=True)
class Pattern:
    """What a folded key stands for: a concept, which of its forms (0 the headword, i the i-th alias), and
    whether the key is a phrase-localised rendering of that form (資料得地) rather than its characters."""

    slug: str
    form: int
    localised: bool


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    surface: str
    pattern: Pattern

    @property
    def slug(self) -> str:
        return self.pattern.slug


def term_patterns(slug: str, hans: str, aliases: Sequence[str] = ()) -> dict[str, Pattern]:
    """The folded keys of one concept's headword and aliases, each with what it stands for."""
    patterns: dict[str, Pattern] = {}
    for form, written in enumerate((hans, *aliases)):
        own = fold(written)
        for key in lookup_keys(written):
            pattern = Pattern(slug, form, localised=key != own)
            known = patterns.get(key)
            # A key that is both a form's own characters and another form's localisation counts as the former.
            if known is None or (known.localised and not pattern.localised):
                patterns[key] = pattern
    return patterns


def patterns_of(slug: str, keys: Sequence[str], origins: Sequence[int]) -> dict[str, Pattern]:
    """The patterns of one concept from its keys and their origins as `keyed_forms_many` gives them. Keys of
    the same origin share one `Pattern` (most keys of a concept stand for the same form, not localised)."""
    shared: dict[int, Pattern] = {}
    patterns = {}
    for key, origin in zip(keys, origins, strict=True):
        pattern = shared.get(origin)
        if pattern is None:
            pattern = shared[origin] = Pattern(slug, origin >> 1, bool(origin & 1))
        patterns[key] = pattern
    return patterns


# A match may not begin or end inside a run of these (12345 is not a term inside 123456).
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)
_IS_ASCII_ALNUM = np.zeros(128, dtype=np.bool_)
_IS_ASCII_ALNUM[[ord(c) for c in _ASCII_ALNUM]] = True


def _ascii_alnum(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Which of `codes` are ASCII letters or digits."""
    return _IS_ASCII_ALNUM[np.minimum(codes, 127)] & (codes < 128)


class Scan:
    """The terms a `TermMatcher` found in one text, as arrays: match i is `text[starts[i]:ends[i]]` and stands
    for `patterns[which[i]]`. A megabyte of report text has 17,000 matches; keeping them in arrays lets the
    callers group them (`groups`) instead of handling each in Python."""

    __slots__ = ("_folded", "ends", "patterns", "starts", "text", "which")

    def __init__(
        self,
        folded: FoldedText | None,
        starts: npt.NDArray[np.int64],
        ends: npt.NDArray[np.int64],
        which: npt.NDArray[np.int64],
        patterns: Sequence[Pattern],
    ) -> None:
        self._folded = folded
        self.text = folded.original if folded is not None else ""
        self.starts, self.ends, self.which, self.patterns = starts, ends, which, patterns

    def __len__(self) -> int:
        return len(self.starts)

    def subset(self, keep: npt.NDArray[np.bool_]) -> Scan:
        """The matches where `keep` is true."""
        return Scan(self._folded, self.starts[keep], self.ends[keep], self.which[keep], self.patterns)

    def spans(self) -> list[tuple[int, int, Pattern]]:
        patterns = self.patterns
        return [
            (start, end, patterns[w])
            for start, end, w in zip(self.starts.tolist(), self.ends.tolist(), self.which.tolist(), strict=True)
        ]

    def unchanged(self) -> npt.NDArray[np.bool_]:
        """Which matches are written exactly as their folded key (no Traditional, full-width or quoted
        character in them), so that their surface is the key itself."""
        if self._folded is None:
            return np.zeros(0, dtype=np.bool_)
        return self._folded.unchanged(self.starts, self.ends)

    def groups(self) -> tuple[npt.NDArray[np.int64], list[tuple[str, int]]]:
        """The matches grouped by (surface, pattern): a group number per match, and each group's surface and
        index into `patterns`. A report repeats a few hundred terms thousands of times, so whatever depends
        only on the surface and the pattern (a JSON fragment, a protected form) is worked out once per group.

        A match whose span is left unchanged by folding has the folded key as its surface, so those group by
        pattern alone without reading the text; only the others (Traditional, full-width, quoted) are sliced.
        """
        if not len(self.starts) or self._folded is None:
            return np.zeros(0, dtype=np.int64), []
        text, starts, ends, which = self.text, self.starts, self.ends, self.which
        plain = self.unchanged()
        group = np.empty(len(starts), dtype=np.int64)
        members: list[tuple[str, int]] = []
        # Plain matches: one group per pattern.
        plain_at = np.flatnonzero(plain)
        if plain_at.size:
            kinds, first, inverse = np.unique(which[plain_at], return_index=True, return_inverse=True)
            firsts = plain_at[first].tolist()
            members = [(text[starts[i] : ends[i]], w) for i, w in zip(firsts, kinds.tolist(), strict=True)]
            group[plain_at] = inverse
        # The rest: by surface and pattern, in Python.
        other_at = np.flatnonzero(~plain)
        if other_at.size:
            numbers: dict[tuple[str, int], int] = {}
            others = []
            for start, end, w in zip(
                starts[other_at].tolist(), ends[other_at].tolist(), which[other_at].tolist(), strict=True
            ):
                key = (text[start:end], w)
                number = numbers.get(key)
                if number is None:
                    number = numbers[key] = len(members)
                    members.append(key)
                others.append(number)
            group[other_at] = others
        return group, members


class TermMatcher:
    """An immutable matcher over a fixed set of patterns (build a new one when the glossary changes)."""

    __slots__ = ("_alnum_edges", "_automaton", "_patterns", "_units", "keys")

    def __init__(self, patterns: Mapping[str, Pattern]) -> None:
        keys = self.keys = [k for k in patterns if k]  # the folded keys, by index
        self._patterns = [patterns[k] for k in keys]
        # Per key: 1 if it begins with an ASCII letter or digit, 2 if it ends with one (the glued-digit rule
        # only needs the text around a match examined for such keys).
        self._alnum_edges = np.array(
            [(k[0] in _ASCII_ALNUM) | (k[-1] in _ASCII_ALNUM) << 1 for k in keys], dtype=np.uint8
        )
        self._automaton: ahocorasick_rs.AhoCorasick | ahocorasick_rs.BytesAhoCorasick | None = None
        self._units: npt.NDArray[np.uint16] | None = None
        if not keys:
            return
        units = _two_byte_units(keys)
        if units is None:  # more distinct characters than two-byte units: the automaton over UTF-8
            self._automaton = ahocorasick_rs.AhoCorasick(keys, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
            return
        codes = np.frombuffer("".join(keys).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        encoded = units.take(codes).tobytes()
        ends = (np.cumsum(np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))) * 2).tolist()
        bounds = zip([0, *ends[:-1]], ends, strict=True)
        self._units = units
        self._automaton = ahocorasick_rs.BytesAhoCorasick(
            [encoded[start:end] for start, end in bounds], matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
        )

    def _matches(self, folded_text: FoldedText) -> npt.NDArray[np.int64]:
        """The automaton's leftmost-longest matches in the folded text: rows of (key index, start, end)."""
        assert self._automaton is not None
        units = self._units
        if units is None:
            raw = self._automaton.find_matches_as_indexes(folded_text.folded)  # type: ignore[arg-type]
        else:
            # mode="clip": a code point beyond the table takes its last entry, the pair no key holds. (A 1-D
            # `take` is an order of magnitude faster than fancy indexing of a two-column table.)
            haystack = units.take(folded_text.folded_codes, mode="clip").tobytes()
            raw = self._automaton.find_matches_as_indexes(haystack)  # type: ignore[arg-type]
        found = np.fromiter(itertools.chain.from_iterable(raw), dtype=np.int64, count=3 * len(raw)).reshape(-1, 3)
        if units is not None:
            found[:, 1:] >>= 1  # two bytes a character
        return found

    @classmethod
    def from_terms(cls, terms: Iterable[tuple[str, str, Sequence[str]]]) -> TermMatcher:
        """A matcher for (slug, headword, aliases) triples."""
        patterns: dict[str, Pattern] = {}
        for slug, hans, aliases in terms:
            for key, pattern in term_patterns(slug, hans, aliases).items():
                patterns.setdefault(key, pattern)
        return cls(patterns)

    def __len__(self) -> int:
        return len(self._patterns)

    @property
    def patterns(self) -> Sequence[Pattern]:
        """What each key stands for, by the index a `Scan` gives in `which`."""
        return self._patterns

    def find(self, text: str) -> list[Match]:
        """Every term in `text`, leftmost-longest, not overlapping, in order of position."""
        return [Match(start, end, text[start:end], pattern) for start, end, pattern in self.spans(text)]

    def spans(self, text: str) -> list[tuple[int, int, Pattern]]:
        """`find` without building a `Match` per term: (start, end, pattern), `text[start:end]` the surface."""
        return self.scan(text).spans()

    def scan(self, text: str) -> Scan:
        """`find` as arrays (`Scan`), without a Python object per term.

        The automaton's matches go into NumPy arrays at once; the glued-digit rule, the mapping back to
        original offsets and the choice of matches the quote rule can change are array operations. Only a
        match with a quotation mark inside its span (a handful in a report) goes through the quote rule in
        Python, in order, since whether it may take in a quote before it depends on where the previous match
        ended.
        """
        if self._automaton is None or not text:
            return _NOTHING
        folded_text = FoldedText(text)
        found = self._matches(folded_text)
        which, fstarts, fends = found[:, 0], found[:, 1], found[:, 2]
        keep = np.ones(len(found), dtype=np.bool_)
        edges = self._alnum_edges[which]
        glued = np.flatnonzero(edges)
        if glued.size:  # the glued-digit rule, only for keys with an ASCII letter or digit at an edge
            codes = folded_text.folded_codes
            edge, fstart, fend = edges[glued], fstarts[glued], fends[glued]
            before = (edge & 1).astype(np.bool_) & (fstart > 0)
            before[before] = _ascii_alnum(codes[fstart[before] - 1])
            after = (edge & 2).astype(np.bool_) & (fend < len(codes))
            after[after] = _ascii_alnum(codes[fend[after]])
            keep[glued[before | after]] = False
        starts, ends, mapped = folded_text.spans(fstarts, fends)
        keep &= mapped  # a match cutting through Ⅱ has no span
        starts, ends, which = starts[keep], ends[keep], which[keep]
        quoted = np.flatnonzero(folded_text.deleted_between(starts, ends))
        if quoted.size:
            # The quote rule: only a match with a quotation mark inside can take in one before or after it.
            pairs, closers, length = _PAIRS, _CLOSERS, len(text)
            previous_ends = np.where(quoted > 0, ends[quoted - 1], 0).tolist()
            new_starts, new_ends = starts[quoted].tolist(), ends[quoted].tolist()
            widened_at = -2  # the last match widened here, whose end replaces the array's as the next one's bound
            for k, (i, start, end) in enumerate(zip(quoted.tolist(), new_starts, new_ends, strict=True)):
                last_end = new_ends[k - 1] if widened_at == i - 1 else previous_ends[k]
                if (start > last_end and text[start - 1] in pairs) or (end < length and text[end] in closers):
                    new_starts[k], new_ends[k] = _take_in_quotes(text, start, end, last_end)
                    widened_at = i
            starts[quoted], ends[quoted] = new_starts, new_ends
        return Scan(folded_text, starts, ends, which, self._patterns)


_NOTHING = Scan(None, *(np.zeros(0, dtype=np.int64),) * 3, patterns=())

# The automaton runs over two bytes a character: the characters the keys use, numbered, as a lead byte
# 0x80–0xFF and a trail byte 0x00–0x7F; every other character as the pair (0xFF, 0x7F), which no key holds.
# A lead byte never equals a trail byte, so a key can only match at an even offset, that is, on whole
# characters: the matches are exactly those over the characters, in half the bytes of UTF-8's three a
# Chinese character (a smaller automaton, built faster, and a shorter scan).
_MAX_UNITS = 128 * 128 - 1


def _two_byte_units(keys: Sequence[str]) -> npt.NDArray[np.uint16] | None:
    """Code point → its two bytes (lead byte first: a little-endian 16-bit unit), for code points up to the
    largest the keys use and one past it, the pair of every character beyond; None when the keys use more
    characters than there are pairs."""
    used = np.unique(np.frombuffer("".join(keys).encode("utf-32-le", "surrogatepass"), dtype=np.uint32))
    if len(used) > _MAX_UNITS:
        return None
    units = np.full(int(used[-1]) + 2, 0xFF | 0x7F << 8, dtype="<u2")
    number = np.arange(len(used), dtype=np.uint16)
    units[used] = (0x80 + (number >> 7)) | (number & 0x7F) << 8
    return units


def _take_in_quotes(text: str, start: int, end: int, not_before: int) -> tuple[int, int]:
    """Widen [start, end) by a quote right before or after it whose partner lies inside it."""
    if start > not_before:
        opening = text[start - 1]
        closing = _PAIRS.get(opening)
        if closing is not None and _closes_unopened(text[start:end], opening, closing):
            start -= 1
    if end < len(text):
        after = text[end]
        before = _CLOSERS.get(after)
        if before is not None and _leaves_open(text[start:end], before, after):
            end += 1
    return start, end


def _closes_unopened(surface: str, opening: str, closing: str) -> bool:
    """Whether `surface` closes a quote it did not open (its partner lies before it)."""
    if closing not in surface:
        return False
    if opening == closing:  # ASCII quotes open and close alike: an odd count has its partner outside
        return surface.count(opening) % 2 == 1
    depth = 0
    for char in surface:
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth < 0:
                return True
    return False


def _leaves_open(surface: str, opening: str, closing: str) -> bool:
    """Whether `surface` opens a quote it does not close (its partner lies after it): read backwards, that is
    closing one it did not open."""
    return _closes_unopened(surface[::-1], closing, opening)
