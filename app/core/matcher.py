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

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import ahocorasick_rs

from app.core.forms import keyed_forms_many, lookup_keys
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


def term_patterns_many(terms: Sequence[tuple[str, str, Sequence[str]]]) -> list[dict[str, Pattern]]:
    """`term_patterns` of many (slug, headword, aliases) at once, in the same order, from one batched OpenCC
    pass per config (`keyed_forms_many`) instead of five calls per form."""
    keyed = keyed_forms_many([(hans, aliases) for _slug, hans, aliases in terms])
    return [patterns_of(slug, keys, origins) for (slug, _h, _a), (keys, origins) in zip(terms, keyed, strict=True)]


def patterns_of(slug: str, keys: Sequence[str], origins: Sequence[int]) -> dict[str, Pattern]:
    """The patterns of one concept from its keys and their origins as `keyed_forms_many` gives them."""
    return {key: Pattern(slug, origin >> 1, bool(origin & 1)) for key, origin in zip(keys, origins, strict=True)}


# A match may not begin or end inside a run of these (12345 is not a term inside 123456).
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)


class TermMatcher:
    """An immutable matcher over a fixed set of patterns (build a new one when the glossary changes)."""

    __slots__ = ("_alnum_edges", "_automaton", "_patterns")

    def __init__(self, patterns: Mapping[str, Pattern]) -> None:
        keys = [k for k in patterns if k]
        self._patterns = [patterns[k] for k in keys]
        # Per key: 1 if it begins with an ASCII letter or digit, 2 if it ends with one (the glued-digit rule
        # only needs the text around a match examined for such keys).
        self._alnum_edges = [(k[0] in _ASCII_ALNUM) | (k[-1] in _ASCII_ALNUM) << 1 for k in keys]
        self._automaton = (
            ahocorasick_rs.AhoCorasick(keys, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest) if keys else None
        )

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

    def find(self, text: str) -> list[Match]:
        """Every term in `text`, leftmost-longest, not overlapping, in order of position."""
        return [Match(start, end, text[start:end], pattern) for start, end, pattern in self.spans(text)]

    def spans(self, text: str) -> list[tuple[int, int, Pattern]]:
        """`find` without building a `Match` per term: (start, end, pattern), `text[start:end]` the surface.

        This loop runs once per term found (17,000 in a megabyte of report text at 100,000 concepts), so the
        common case is kept to set and dict look-ups: the quote and glued-digit rules are only examined when
        the characters around the match can trigger them.
        """
        if self._automaton is None or not text:
            return []
        folded_text = FoldedText(text)
        folded = folded_text.folded
        span = folded_text.span
        patterns, alnum_edges = self._patterns, self._alnum_edges
        folded_length, length = len(folded), len(text)
        alnum, pairs, closers = _ASCII_ALNUM, _PAIRS, _CLOSERS
        found: list[tuple[int, int, Pattern]] = []
        last_end = 0
        for index, fstart, fend in self._automaton.find_matches_as_indexes(folded):
            edges = alnum_edges[index]
            if edges:
                if edges & 1 and fstart > 0 and folded[fstart - 1] in alnum:
                    continue
                if edges & 2 and fend < folded_length and folded[fend] in alnum:
                    continue
            original = span(fstart, fend)
            if original is None:
                continue
            start, end = original
            if (start > last_end and text[start - 1] in pairs) or (end < length and text[end] in closers):
                start, end = _take_in_quotes(text, start, end, last_end)
            found.append((start, end, patterns[index]))
            last_end = end
        return found


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
    if opening not in surface:
        return False
    if opening == closing:
        return surface.count(opening) % 2 == 1
    depth = 0
    for char in reversed(surface):
        if char == closing:
            depth += 1
        elif char == opening:
            depth -= 1
            if depth < 0:
                return True
    return False
