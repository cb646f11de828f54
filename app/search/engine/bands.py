"""The one table of score bands: the ranker scores by it, and the API's description is written from it.

Each tier of the ranker has its own band, and the bands do not overlap, so a hit of an earlier tier always
outranks a hit of a later one; within a band, closer matches score higher. `describe()` renders the table for
the route's documentation, so the numbers exist only here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Band:
    tier: str
    low: float
    high: float
    matched: str  # what `matched` says for a hit of this band

    def at(self, closeness: float) -> float:
        """A score in the band: `closeness` 0 is its bottom, 1 its top."""
        return self.low + (self.high - self.low) * min(1.0, max(0.0, closeness))


EXACT = Band("exact", 0.95, 1.00, "`hans`, `hant` (a Traditional or phrase-localised form), `alias`, `slug`")
PREFIX = Band("prefix", 0.85, 0.95, "`hans`, `hant`, `alias`: the query starts the form")
FRAGMENT = Band("fragment", 0.75, 0.85, "`hans`, `hant`, `alias`: the query is inside the form (得地 in 数据得地)")
PINYIN = Band(
    "pinyin",
    0.60,
    0.75,
    "`pinyin` (with or without tones, tone numbers or spaces; ü as ü, v, u: or u; or a prefix), `initials` (sjdd)",
)
ENGLISH = Band("English", 0.45, 0.60, "`en`, `en_alternatives`: every word of the query (the last may be a prefix)")
DEFINITION = Band("definition", 0.30, 0.45, "`definition.zh` (the query inside it), `definition.en` (its words)")
FUZZY = Band(
    "fuzzy",
    0.10,
    0.30,
    "a field followed by `~` (`hans~`, `pinyin~`, `initials~`, `en~` …): one typo (an insertion, deletion, "
    "substitution or swap of neighbours) away",
)

BANDS = (EXACT, PREFIX, FRAGMENT, PINYIN, ENGLISH, DEFINITION, FUZZY)


def describe() -> str:
    """The bands as Markdown lines, best first."""
    lines = [f"- {band.tier} {band.low:.2f}–{band.high:.2f}: {band.matched}" for band in BANDS]
    return "\n".join(lines)
