"""The contract's term representation, in and out."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    model_validator,
)

from app.core.forms import lookup_keys
from app.core.normalize import fold, form_problem
from app.core.pinyin import slug_from_pinyin, suggest
from app.core.script import Script, to_script

# What no text the service takes may hold: NUL and the other C0 controls but tab and line breaks, DEL, lone
# surrogates, and U+FFFE/U+FFFF (XML 1.0 cannot carry them, so no TBX export could).
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# What an entry's text may not hold besides: C1 controls (mojibake, never text) and noncharacters.
_NOT_STORED = re.compile(r"[\x80-\x9f\ufdd0-\ufdef\U0001fffe\U0001ffff\U0002fffe\U0002ffff]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029\x85]")
# A cell starting with one of these is a formula to a spreadsheet; forms and renderings go into the DeepL and
# Google files as they are, so they may not start with one (the full CSV export neutralises every cell).
SPREADSHEET_TRIGGERS = ("=", "+", "-", "@")


def clean(text: str) -> str:
    """Refuse what no glossary text contains: NUL and other control characters, lone surrogates."""
    m = _FORBIDDEN.search(text)
    if m:
        raise ValueError(f"contains the forbidden character U+{ord(m.group()):04X} at index {m.start()}")
    return text


def _entry_text(text: str) -> str:
    m = _NOT_STORED.search(text)
    if m:
        raise ValueError(f"contains the character U+{ord(m.group()):04X} at index {m.start()}, which is not text")
    return text


def _one_line(text: str) -> str:
    m = _LINE_BREAKS.search(text)
    if m:
        raise ValueError(f"is one line: it may not contain U+{ord(m.group()):04X} (at index {m.start()})")
    return text


def _no_formula(text: str) -> str:
    if text.startswith(SPREADSHEET_TRIGGERS):
        raise ValueError(
            f"starts with {text[0]!r}, which a spreadsheet would run as a formula (the DeepL and Google glossary "
            "files carry it as it is)"
        )
    return text


def _written_form(text: str) -> str:
    problem = form_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return text


Text = Annotated[str, AfterValidator(clean)]


_CLEAN, _STORED, _ONE_LINE = AfterValidator(clean), AfterValidator(_entry_text), AfterValidator(_one_line)
Headword = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    _CLEAN,
    _STORED,
    _ONE_LINE,
    AfterValidator(_written_form),
    AfterValidator(_no_formula),
]
Line = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), _CLEAN, _STORED, _ONE_LINE
]
Rendering = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    _CLEAN,
    _STORED,
    _ONE_LINE,
    AfterValidator(_no_formula),
]
KeyName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _CLEAN, _STORED, _ONE_LINE
]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), _CLEAN, _STORED]
# A draft's English may still be empty (the drafts call leaves it for the editor); an approved term's may not.
DraftRendering = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500),
    _CLEAN,
    _STORED,
    _ONE_LINE,
    AfterValidator(_no_formula),
]
DraftText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000), _CLEAN, _STORED]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]


class Kind(enum.StrEnum):
    slogan = "slogan"
    programme = "programme"
    platform = "platform"
    policy_package = "policy-package"
    concept = "concept"
    brand = "brand"
    place = "place"


class Status(enum.StrEnum):
    approved = "approved"
    draft = "draft"  # awaiting review: no part in annotate, qa, convert protection, search or exports


class StatusFilter(enum.StrEnum):
    """A list's or an export's choice of statuses."""

    approved = "approved"
    draft = "draft"
    all = "all"


class DefinitionBasis(enum.StrEnum):
    footnote = "footnote"  # the source document's own footnote, verbatim
    report = "report"  # the source document's own words where it explains the term
    editorial = "editorial"  # written by the glossary's editors


class Definition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: DraftText = Field(description="Required once the term is approved.")
    en: DraftText = Field(description="Required once the term is approved.")
    basis: DefinitionBasis = Field(
        default=DefinitionBasis.editorial, description="Where `zh` comes from: footnote, report or editorial."
    )


class Component(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hans: Line
    en: Line


def iso_date(value: object) -> object:
    """Dates come as ISO 8601 strings (or date objects from YAML), never as numbers."""
    if isinstance(value, bool | int | float):
        raise ValueError("a date is an ISO 8601 string such as 2024-01-08")
    return value


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: Line
    date: Annotated[dt.date | None, BeforeValidator(iso_date)] = None
    section: Line | None = None
    quote: LongText


# How long an entry's lists may be (the seed's longest: 8 components, 5 related concepts); each alias becomes
# lookup keys and term-matcher patterns.
# The length of the lookup_key column (a folded form).
MAX_KEY_LENGTH = 400
_MOST_ITEMS = {"aliases": 50, "related": 50, "en_alternatives": 20, "en_avoid": 20, "components": 100, "sources": 100}


def _repeated(name: str, items: list[str], key: Callable[[str], str]) -> list[str]:
    """A problem for each item of `items` that repeats an earlier one (compared by `key`)."""
    seen: set[str] = set()
    problems = []
    for item in items:
        k = key(item)
        if k in seen:
            problems.append(f"{name}: {item!r} is listed twice")
        seen.add(k)
    return problems


class TermFields(BaseModel):
    """What an editor writes: the concept entry without its bookkeeping."""

    model_config = ConfigDict(extra="forbid")
    _stores_hant_override: ClassVar[bool] = True
    _checks_entry: ClassVar[bool] = True

    slug: Slug = Field(description="Derived from the pinyin when left out.")
    hans: Headword
    hant: Headword | None = Field(default=None, description="Explicit Traditional override of the headword.")
    pinyin: Line = Field(description="Tone-marked; suggested from the headword when left out (check it).")
    en: DraftRendering = Field(description="The preferred rendering; may be empty only in a draft.")
    en_alternatives: list[Rendering] = []
    en_avoid: list[Line] = []
    en_origin: Line | None = Field(default=None, description="Where the preferred rendering comes from.")
    definition: Definition
    kind: Kind
    footnote: StrictInt | None = Field(default=None, ge=1, le=999)
    components: list[Component] = []
    aliases: list[Headword] = []
    related: list[Slug] = []
    sources: list[Source] = []
    note: LongText | None = None
    status: Status = Field(default=Status.approved, description="approved, or draft while under review.")

    @model_validator(mode="before")
    @classmethod
    def _derived(cls, data: object) -> object:
        """Pinyin (pypinyin's reading) and slug (from the pinyin) when left out; an explicit value wins."""
        if not cls._checks_entry or not isinstance(data, dict) or not isinstance(data.get("hans"), str):
            return data
        if data.get("pinyin") in (None, "") and data["hans"].strip():
            data = {**data, "pinyin": suggest(data["hans"].strip())}
        if data.get("slug") in (None, "") and isinstance(data.get("pinyin"), str) and data["pinyin"].strip():
            data = {**data, "slug": slug_from_pinyin(data["pinyin"])}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> TermFields:
        """Rules within one entry, for every way one is written (create, patch, restore, import, seed); a
        record read back is not checked again."""
        if not self._checks_entry:
            return self
        problems = [
            f"{name}: at most {most} items, not {len(items)}"
            for name, most in _MOST_ITEMS.items()
            if len(items := getattr(self, name)) > most
        ]
        if self.slug in self.related:
            problems.append("related: a concept is not related to itself")
        problems += _repeated("related", self.related, str)
        problems += _repeated("aliases", self.aliases, fold)
        headword = fold(self.hans)
        problems += [f"aliases: {a!r} is the headword" for a in self.aliases if fold(a) == headword]
        problems += _repeated("en_alternatives", self.en_alternatives, str.casefold)
        problems += _repeated("en_avoid", self.en_avoid, str.casefold)
        approved = {r.casefold() for r in (self.en, *self.en_alternatives)}
        problems += [f"en_avoid: {r!r} is also approved" for r in self.en_avoid if r.casefold() in approved]
        if self.status is Status.approved:
            missing = [n for n, v in (("en", self.en), ("definition.zh", self.definition.zh),
                                      ("definition.en", self.definition.en)) if not v]  # fmt: skip
            problems += [f"{name}: an approved term needs it (only a draft may leave it empty)" for name in missing]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _drop_derived_hant(self) -> TermFields:
        """A `hant` equal to what conversion gives anyway is no override (an exported entry imports as it was)."""
        if (
            self._stores_hant_override
            and self.hant is not None
            and self.hant in {to_script(self.hans, s) for s in Script}
        ):
            self.hant = None
        return self

    @model_validator(mode="after")
    def _keys_fit(self) -> TermFields:
        """Every lookup key fits its column (a form's fold may be longer than the form: ﷺ is 18 letters)."""
        if self._checks_entry:
            longest = max(self.lookup_keys(), key=len, default="")
            if len(longest) > MAX_KEY_LENGTH:
                raise ValueError(
                    f"a form folds to {len(longest)} characters ({longest[:20]!r}…); a form's folded key may have at "
                    f"most {MAX_KEY_LENGTH}"
                )
        return self

    def written_forms(self) -> list[str]:
        """The forms this concept owns: headword, aliases and the Traditional override (each in every script)."""
        return [self.hans, *self.aliases, *([self.hant] if self.hant else [])]

    def lookup_keys(self) -> list[str]:
        """The folded keys of every written form: no other concept may own one of them."""
        return lookup_keys(self.hans, self.written_forms()[1:])

    def content(self) -> dict[str, object]:
        """The editorial content, for telling whether an entry changed."""
        return self.model_dump(mode="json", include=set(TermFields.model_fields))

    def content_hash(self) -> str:
        """A digest of `content()` (the seed's baseline is kept as one; migration 0003 computes the same)."""
        canonical = json.dumps(self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class TermRecord(TermFields):
    """A stored concept entry: the editor's fields and the bookkeeping (what the JSON export carries)."""

    _checks_entry: ClassVar[bool] = False  # read back, not written
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TermOut(TermFields):
    """A term as the API returns it (contract v1), its Chinese fields in the requested script."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "slug": "liu-fu-liu-jin",
                    "hans": "六服六进",
                    "hant": "六服六進",
                    "pinyin": "liù fú liù jìn",
                    "en": "Six Services in Six Places",
                    "en_alternatives": ["six services brought into six places"],
                    "en_avoid": ["Six Services and Six Advances"],
                    "en_origin": None,
                    "definition": {
                        "zh": "政务服务进园区、企业服务进银行、高频服务进楼宇、"
                        "自助服务进商圈、便民服务进景区、邻里服务进社区。",
                        "en": "A Kunshan initiative that brings six kinds of service into six kinds of places.",
                        "basis": "footnote",
                    },
                    "kind": "programme",
                    "footnote": 7,
                    "components": [{"hans": "政务服务进园区", "en": "government services into industrial parks"}],
                    "aliases": [],
                    "related": ["ma-shang-ban", "kun-ru-yi"],
                    "sources": [
                        {
                            "document": "2024年昆山市政府工作报告",
                            "date": "2024-01-08",
                            "section": "二、2024年主要任务（四）",
                            "quote": "深化营商环境改革，保护各类市场主体平等参与竞争，"
                            "围绕“马上办”“六服六进”⑦等重点任务，"
                            "进一步强化政务服务线上线下融合，巩固提升“一网通办”“一件事一次办”等改革成效，"
                            "进一步擦亮“昆如意”营商服务品牌。",
                        }
                    ],
                    "note": None,
                    "version": 1,
                    "updated_at": "2026-11-26T18:00:00Z",
                }
            ]
        },
    )
    _stores_hant_override: ClassVar[bool] = False
    _checks_entry: ClassVar[bool] = False
    hant: str  # type: ignore[assignment]  # always present on output: the override or the conversion
    version: int
    updated_at: dt.datetime


class LookupResult(BaseModel):
    results: list[TermOut | None] = Field(description="One per key, in the same order; null where none matched.")
