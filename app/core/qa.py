"""Checking an English translation against the glossary terms of its Chinese source.

For each concept found in the source, the target is searched for its approved renderings (the preferred one
and the admitted alternatives) and for the renderings to avoid. Matching is by words, tolerant of what does
not change a rendering: case, plural and possessive endings (zones, Kunshan's), hyphen or space or any
punctuation between words (sci-tech / sci tech), quotation-mark style ("little giant" / “little giant”), and a
leading article (the 25 Measures / Kunshan's 25 Measures). An avoided rendering found inside an approved one
(zero-carbon inside near-zero carbon) does not count.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# A word: letters and digits, with inner apostrophes (Kunshan's, don't).
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ARTICLES = frozenset({"the", "a", "an"})
_SIBILANT_ENDINGS = ("sses", "xes", "ches", "shes")  # classes, boxes, branches, wishes: -es


@dataclass(frozen=True, slots=True)
class Renderings:
    """What the glossary says about translating one concept."""

    approved: Sequence[str]
    avoid: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class SourceTerm:
    """A concept found in the source text."""

    slug: str
    start: int
    end: int
    renderings: Renderings


@dataclass(frozen=True, slots=True)
class Issue:
    slug: str
    start: int
    end: int
    kind: Literal["missing", "avoided"]
    expected: list[str]
    found: str | None


def _stem(word: str) -> str:
    """A word's comparison form: case-folded, without possessive or plural ending."""
    word = word.casefold().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(_SIBILANT_ENDINGS):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class _Words:
    """The words of an English text, stemmed, with their offsets."""

    def __init__(self, text: str) -> None:
        normalised = unicodedata.normalize("NFKC", text)
        # NFKC can change lengths (ﬁ → fi); offsets are kept into the text as sent only when it does not.
        source = normalised if len(normalised) == len(text) else text
        self.text = text
        self.words: list[str] = []
        self.spans: list[tuple[int, int]] = []
        self.at: defaultdict[str, list[int]] = defaultdict(list)
        for m in _WORD.finditer(source):
            self.at[_stem(m.group())].append(len(self.words))
            self.words.append(_stem(m.group()))
            self.spans.append(m.span())

    def find(self, phrase: Sequence[str]) -> list[tuple[int, int]]:
        """Word-index spans [i, j) where `phrase` occurs."""
        n = len(phrase)
        words = self.words
        return [(i, i + n) for i in self.at.get(phrase[0], ()) if words[i : i + n] == list(phrase)]

    def surface(self, span: tuple[int, int]) -> str:
        return self.text[self.spans[span[0]][0] : self.spans[span[1] - 1][1]]


def _phrase(rendering: str) -> list[str]:
    words = [_stem(w) for w in _WORD.findall(unicodedata.normalize("NFKC", rendering))]
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return words


def check(terms: Sequence[SourceTerm], target: str) -> list[Issue]:
    """The issues of `target` as a translation of a source in which `terms` were found (in source order).

    One `missing` issue per concept whose approved renderings are all absent, and one `avoided` issue per
    concept whose rendering to avoid is present, each at the concept's first place in the source.
    """
    words = _Words(target)
    issues: list[Issue] = []
    seen: set[str] = set()
    for term in terms:
        if term.slug in seen:
            continue
        seen.add(term.slug)
        expected = list(term.renderings.approved)
        approved_spans = [s for r in expected if (p := _phrase(r)) for s in words.find(p)]
        if not approved_spans:
            issues.append(Issue(term.slug, term.start, term.end, "missing", expected, None))
        for rendering in term.renderings.avoid:
            phrase = _phrase(rendering)
            if not phrase:
                continue
            found = [s for s in words.find(phrase) if not any(a[0] <= s[0] and s[1] <= a[1] for a in approved_spans)]
            if found:
                issues.append(Issue(term.slug, term.start, term.end, "avoided", expected, words.surface(found[0])))
                break
    return issues
