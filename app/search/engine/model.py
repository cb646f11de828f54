"""What the engine is given and what it answers: plain data, no HTTP, SQL or app models."""

from __future__ import annotations

from dataclasses import dataclass

MAX_LIMIT = 100


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
    definition_zh: str = ""
    definition_en: str = ""
    kind: str = ""
    footnote: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    slug: str
    score: float
    matched: str
