"""What the engine is given and what it answers: plain data, no HTTP, SQL or app models."""

from __future__ import annotations

from dataclasses import dataclass

MAX_LIMIT = 100  # hits in one page
MAX_DEPTH = 1000  # how far down the ranking pages go (offset + limit)


@dataclass(frozen=True, slots=True)
class Entry:
    """What search knows of one concept."""

    slug: str
    hans: str
    # Every written form with the field it comes from: ("數據得地", "hant"), ("精网微格", "alias") …
    forms: tuple[tuple[str, str], ...]
    pinyin: str
    en: str
    en_alternatives: tuple[str, ...] = ()
    en_avoid: tuple[str, ...] = ()  # renderings translators must not use: found, and said to be avoided
    definition_zh: str = ""
    definition_en: str = ""
    kind: str = ""
    footnote: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    slug: str
    score: float
    matched: str


@dataclass(frozen=True, slots=True)
class Page:
    """One page of hits, whether more follow it, and how many concepts the search found: `total` is exact when
    `total_exact`, else a lower bound (the ranker stopped once the later tiers could not change the page, or a
    tier's candidates were capped)."""

    hits: list[Hit]
    more: bool
    total: int
    total_exact: bool
