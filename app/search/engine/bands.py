"""The one table of score bands: the ranker scores by it, and the API's description is written from it.

Each kind of match has its own band and the bands do not overlap, so a match of a better kind always outranks
one of a worse kind; within a band, closer matches score higher (a query covering more of the form, a rendering
with fewer other words). `describe()` renders the table for the route's documentation, so the numbers exist
only here.

`matched` is the field that matched (`hans`, `hant`, `alias`, `slug`, `pinyin`, `initials`, `alias.pinyin`,
`alias.initials`, `en`, `en_alternatives`, `en_avoid`, `definition.zh`, `definition.en`), followed by
`:prefix`, `:fragment` or `:fuzzy` when the match was one; `en_avoid` is a rendering translators must not use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    low: float
    high: float
    matched: str  # what `matched` says for a hit of this band

    def at(self, closeness: float) -> float:
        """A score in the band: `closeness` 0 is its bottom, 1 its top. A band holds its bottom but not its top,
        the next band's bottom (scores are rounded to 4 places), unless its top is 1."""
        return float(self.at_many(np.asarray([closeness], dtype=np.float64))[0])

    def at_many(self, closeness: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """`at` of many closenesses at once."""
        top = self.high if self.high >= 1.0 else self.high - 0.0001
        return self.low + (top - self.low) * np.clip(closeness, 0.0, 1.0)


EXACT = Band("exact", 0.95, 1.00, "`hans`, `hant` (a Traditional or phrase-localised form), `alias`, `slug`")
PREFIX = Band("prefix", 0.85, 0.95, "`hans:prefix`, `hant:prefix`, `alias:prefix`: the query starts the form")
FRAGMENT = Band("fragment", 0.75, 0.85, "`hans:fragment` …: the query is inside the form (得地 in 数据得地)")
PINYIN = Band(
    "pinyin",
    0.70,
    0.75,
    "`pinyin` (with or without tones, tone numbers or spaces; ü as ü, v, u: or u; or the pinyin of the "
    "headword's Chinese part alone: xingdachengshi for Ⅱ型大城市), `initials` (sjdd), `alias.pinyin`, "
    "`alias.initials`",
)
PINYIN_PREFIX = Band("pinyin prefix", 0.62, 0.70, "`pinyin:prefix`, `initials:prefix` … (sj, sjd for sjdd)")
ENGLISH = Band(
    "English", 0.55, 0.62, "`en`, `en_alternatives`: every word of the query (the last may be a prefix: `en:prefix`)"
)
AVOIDED = Band("avoided", 0.52, 0.55, "`en_avoid`: every word of the query is in a rendering to avoid")
PINYIN_FRAGMENT = Band(
    "pinyin fragment",
    0.48,
    0.52,
    "`pinyin:fragment`, `initials:fragment` …: a run from the middle or end (kechuangzoulang, kczl)",
)
OVERLAP = Band(
    "English overlap",
    0.42,
    0.48,
    "`en`, `en_alternatives`: some words of the query, ranked by how many (a word one typo away counts nearly "
    "as one: `en:fuzzy`)",
)
AVOIDED_OVERLAP = Band("avoided overlap", 0.40, 0.42, "`en_avoid`: some words of the query")
DEFINITION = Band("definition", 0.30, 0.40, "`definition.zh` (the query inside it), `definition.en` (its words)")
FUZZY = Band(
    "fuzzy",
    0.10,
    0.30,
    "`hans:fuzzy`, `pinyin:fuzzy`, `initials:fuzzy` …: one typo (an insertion, deletion, substitution or swap "
    "of neighbours) away",
)

BANDS = (
    EXACT,
    PREFIX,
    FRAGMENT,
    PINYIN,
    PINYIN_PREFIX,
    ENGLISH,
    AVOIDED,
    PINYIN_FRAGMENT,
    OVERLAP,
    AVOIDED_OVERLAP,
    DEFINITION,
    FUZZY,
)


def describe() -> str:
    """The bands as Markdown lines, best first."""
    return "\n".join(f"- {band.name} {band.low:.2f}–{band.high:.2f}: {band.matched}" for band in BANDS)
