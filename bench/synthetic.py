"""A synthetic glossary of any size with the shape of the real one, for benchmarks.

Headwords are 2–10 common CJK characters (with a share of numbered formulas such as 五大…行动 and
packages such as …12条), pinyin from pypinyin, English renderings from a word list, definitions of
realistic length. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from pypinyin import Style, pinyin

from app.config import PROJECT_DIR
from app.core.forms import lookup_keys
from app.db import make_engine, unit_of_work
from app.seeding import load
from app.shell import alembic_config
from app.terms import repository, writes
from app.terms.schemas import Component, Definition, Source, TermFields

# The 800 most frequent characters of the seed glossary's definitions are a fair stand-in for policy prose.
_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
    "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好"
    "应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向"
    "道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特"
    "件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府"
    "研质信技术服务创新城市发展安全示范改革推进治理保障数字智慧乡村振兴绿色生态产业园区项目平台工程行动计划"
)
_WORDS = [
    "action",
    "plan",
    "program",
    "platform",
    "zone",
    "initiative",
    "project",
    "reform",
    "service",
    "system",
    "mechanism",
    "innovation",
    "development",
    "industry",
    "digital",
    "green",
    "rural",
    "city",
    "safety",
    "governance",
    "pilot",
    "demonstration",
    "park",
    "center",
    "cooperation",
    "integration",
    "upgrade",
    "transformation",
    "quality",
    "security",
    "modernization",
    "public",
    "enterprise",
    "talent",
    "technology",
    "finance",
    "trade",
    "opening",
    "culture",
    "ecology",
    "community",
    "grid",
    "emergency",
    "data",
    "land",
]
_NUMERALS = "两三四五六七八九"
_KINDS = ["slogan", "programme", "platform", "policy-package", "concept", "brand", "place"]


def _headword(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.1:
        return rng.choice(_NUMERALS) + "大" + "".join(rng.choices(_CHARS, k=rng.randint(2, 6))) + "行动"
    if roll < 0.15:
        return "".join(rng.choices(_CHARS, k=rng.randint(3, 7))) + f"{rng.randint(5, 60)}条"
    return "".join(rng.choices(_CHARS, k=rng.randint(2, 10)))


def _pinyin(hans: str) -> str:
    return " ".join(s[0] for s in pinyin(hans, style=Style.TONE))


def _slug(hans: str) -> str:
    parts = [s[0] for s in pinyin(hans, style=Style.NORMAL)]
    return "-".join(p.lower() for p in parts if p.isascii() and p.isalnum())[:70].strip("-")


def concepts(count: int, seed: int = 2024) -> Iterator[TermFields]:
    """`count` distinct synthetic concepts."""
    rng = random.Random(seed)
    seen_heads: set[str] = set()
    seen_slugs: set[str] = set()
    produced = 0
    while produced < count:
        hans = _headword(rng)
        keys = lookup_keys(hans)
        if seen_heads.intersection(keys):
            continue
        slug = _slug(hans) or "term"
        base, n = slug, 2
        while slug in seen_slugs:
            slug = f"{base}-{n}"
            n += 1
        seen_heads.update(keys)
        seen_slugs.add(slug)
        words = rng.sample(_WORDS, k=rng.randint(2, 5))
        en = " ".join(words).title()
        definition_zh = "".join(rng.choices(_CHARS, k=rng.randint(30, 120))) + "。"
        definition_en = " ".join(rng.choices(_WORDS, k=rng.randint(15, 40))).capitalize() + "."
        components = []
        if hans[0] in _NUMERALS and hans[1] == "大":
            components = [
                Component(hans="".join(rng.choices(_CHARS, k=4)), en=" ".join(rng.sample(_WORDS, 2)))
                for _ in range(_NUMERALS.index(hans[0]) + 2)
            ]
        yield TermFields(
            slug=slug,
            hans=hans,
            pinyin=_pinyin(hans),
            en=en,
            en_alternatives=[" ".join(rng.sample(_WORDS, 3))] if rng.random() < 0.5 else [],
            en_avoid=[],
            definition=Definition(zh=definition_zh, en=definition_en),
            kind=rng.choice(_KINDS),
            components=components,
            sources=[
                Source(
                    document="合成测试文档",
                    date=dt.date(2024, 1, 8),
                    section="一",
                    quote=definition_zh[:20] + hans + "。",
                )
            ],
        )
        produced += 1


DEFAULT_DIRECTORY = Path(tempfile.gettempdir()) / "glossary-bench"


def glossary_database(count: int, directory: Path = DEFAULT_DIRECTORY) -> str:
    """The URL of a SQLite glossary holding the seed and `count` synthetic concepts, built once and reused.

    Building 100,000 concepts takes a few minutes; every benchmark shares the file in `directory`.
    """
    path = directory / f"glossary-{count}.db"
    if path.exists():  # built by an earlier run: brought up to the schema of this checkout
        command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
        return f"sqlite:///{path}"
    directory.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    url = f"sqlite:///{building}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    load(engine, PROJECT_DIR / "seeds")
    if count:
        with unit_of_work(engine) as session:
            seed = repository.load_changed(session, 0)[0]
            taken_slugs = {r.slug for r in seed}
            taken_keys = {k for r in seed for k in lookup_keys(r.hans, r.aliases)}
            fresh = (
                c
                for c in concepts(count + 1000)
                if c.slug not in taken_slugs and taken_keys.isdisjoint(lookup_keys(c.hans))
            )
            writes.insert_many(session, list(itertools.islice(fresh, count)), actor="bench")
    engine.dispose()  # checkpoints the WAL into the file
    building.rename(path)
    return f"sqlite:///{path}"
