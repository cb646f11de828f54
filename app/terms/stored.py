"""A concept as the in-memory snapshot keeps it: the fields every read path needs as attributes, the rest packed.

A glossary of 100,000 concepts held as pydantic `TermRecord`s costs ~3.7 KB a concept (a `__dict__` per model,
nested models for the definition and every source, a list per list field), 370 MB in all. A `StoredTerm` keeps
as plain attributes what matching, listing and annotation read for every concept (slug, headword, renderings,
kind, footnote, version, the folded lookup keys) and packs the rest (pinyin, definitions, components, sources,
note, timestamps) into one `marshal` blob, its Chinese text as UTF-16, unpacked only when the full record is
presented (which the rendered-body cache makes rare) or the search index is built. About 1.1 KB a concept
(107 MB for the 100,000 synthetic concepts of the benchmarks).

`marshal` is the interpreter's own serialiser: fast, compact, and never written anywhere (the blob lives and
dies with the process), so its format changing between Python versions does not matter.
"""

from __future__ import annotations

import datetime as dt
import marshal
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from app.core.forms import keyed_forms_many
from app.core.normalize import fold
from app.terms.schemas import Component, Definition, DefinitionBasis, Kind, Source, Status, TermRecord

_M = TypeVar("_M")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NAIVE_EPOCH = dt.datetime(1970, 1, 1)  # naive UTC, as SQLite stores timestamps
_MICROSECOND = dt.timedelta(microseconds=1)
_BASES = {str(b): b for b in DefinitionBasis}
_RECORD_FIELDS = frozenset(TermRecord.model_fields)
_DEFINITION_FIELDS = frozenset(Definition.model_fields)
_COMPONENT_FIELDS = frozenset(Component.model_fields)
_SOURCE_FIELDS = frozenset(Source.model_fields)

# The packed fields, in the order of the blob's tuple.
Packed = tuple[
    str,  # definition.zh
    str,  # definition.en
    str,  # definition.basis
    "str | None",  # en_origin
    "str | None",  # note
    tuple[tuple[str, str], ...],  # components: (hans, en)
    tuple[str, ...],  # related slugs
    tuple[tuple[str, "int | None", "str | None", str], ...],  # sources: (document, date ordinal, section, quote)
    int,  # created_at, microseconds since the epoch (UTC)
    int,  # updated_at
]


def _pack(pinyin: str, packed: Packed) -> bytes:
    """The blob of a stored term: Chinese text as UTF-16 (two bytes a character; marshal writes UTF-8, three)."""
    return marshal.dumps((pinyin, *_recode(packed, _wide)))


def _unpack(blob: bytes) -> tuple[str, Packed]:
    pinyin, *packed = marshal.loads(blob)  # noqa: S302 (written by this process, never read from outside)
    return pinyin, _recode(tuple(packed), _narrow)  # type: ignore[arg-type]


def _recode(packed: Any, chinese: Callable[[Any], Any]) -> Any:
    """`packed` with `chinese` applied to each of its Chinese texts (definition, components, sources)."""
    zh, en, basis, en_origin, note, components, related, sources, created, updated = packed
    return (
        chinese(zh),
        en,
        basis,
        en_origin,
        note,
        tuple((chinese(hans), en) for hans, en in components),
        related,
        tuple(
            (chinese(document), date, None if section is None else chinese(section), chinese(quote))
            for document, date, section, quote in sources
        ),
        created,
        updated,
    )


def _wide(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def _narrow(data: bytes) -> str:
    return data.decode("utf-16-le", "surrogatepass")


def micros(value: dt.datetime | str) -> int:
    """Microseconds since the epoch of a UTC timestamp: aware, naive, or ISO text (as SQLite stores it)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return (value - _NAIVE_EPOCH) // _MICROSECOND


def ordinal(value: dt.date | str) -> int:
    """The proleptic ordinal of a date, or of its ISO text (as SQLite stores it)."""
    return (dt.date.fromisoformat(value) if isinstance(value, str) else value).toordinal()


def _datetime(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=micros)


def _construct(cls: type[_M], fields_set: frozenset[str], values: dict[str, object]) -> _M:
    """`cls.model_construct(**values)` for `values` holding every field, without its per-field loop (the
    values come from the database or from a validated record)."""
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", set(fields_set))  # its own: model_copy updates it
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


class StoredTerm:
    """One live concept in the snapshot (see the module docstring). Immutable by convention: a change to the
    concept replaces the object."""

    __slots__ = (
        "_packed",
        "aliases",
        "en",
        "en_alternatives",
        "en_avoid",
        "footnote",
        "hans",
        "hant",
        "key_forms",
        "keys",
        "kind",
        "slug",
        "status",
        "version",
    )

    def __init__(
        self,
        *,
        slug: str,
        hans: str,
        hant: str | None,
        pinyin: str,
        en: str,
        en_alternatives: Sequence[str],
        en_avoid: Sequence[str],
        aliases: Sequence[str],
        kind: Kind,
        footnote: int | None,
        version: int,
        packed: Packed,
        status: Status = Status.approved,
    ) -> None:
        self.slug = slug
        self.hans = hans
        self.hant = hant
        self.en = en
        self.en_alternatives = tuple(en_alternatives)
        self.en_avoid = tuple(en_avoid)
        self.aliases = tuple(aliases)
        self.kind = kind
        self.footnote = footnote
        self.version = version
        self.status = status
        self._packed = _pack(pinyin, packed)
        # The folded lookup keys of the headword and aliases in every written form, and for each its origin
        # (form << 1 | localised: `app.core.forms.keyed_forms_many`); filled in by the snapshot that holds it.
        self.keys: tuple[str, ...] = ()
        self.key_forms: tuple[int, ...] = ()

    @classmethod
    def from_record(cls, record: TermRecord) -> StoredTerm:
        d = record.definition
        return cls(
            slug=record.slug,
            hans=record.hans,
            hant=record.hant,
            pinyin=record.pinyin,
            en=record.en,
            en_alternatives=record.en_alternatives,
            en_avoid=record.en_avoid,
            aliases=record.aliases,
            kind=record.kind,
            footnote=record.footnote,
            version=record.version,
            status=record.status,
            packed=(
                d.zh,
                d.en,
                str(d.basis),
                record.en_origin,
                record.note,
                tuple((c.hans, c.en) for c in record.components),
                tuple(record.related),
                tuple((s.document, s.date.toordinal() if s.date else None, s.section, s.quote) for s in record.sources),
                micros(record.created_at),
                micros(record.updated_at),
            ),
        )

    @property
    def packed_size(self) -> int:
        """Bytes of the packed fields (what a record costs beyond its attributes)."""
        return len(self._packed)

    def search_fields(self) -> tuple[str, str, str]:
        """(pinyin, definition.zh, definition.en), unpacked once: what the search index reads of every concept."""
        pinyin, zh, en, *_rest = marshal.loads(self._packed)  # noqa: S302 (see _unpack)
        return pinyin, _narrow(zh), en

    def full(self) -> TermRecord:
        """The complete record, as the database holds it."""
        pinyin, (zh, en, basis, en_origin, note, components, related, sources, created, updated) = _unpack(self._packed)
        values: dict[str, object] = {
            "slug": self.slug,
            "hans": self.hans,
            "hant": self.hant,
            "pinyin": pinyin,
            "en": self.en,
            "en_alternatives": list(self.en_alternatives),
            "en_avoid": list(self.en_avoid),
            "en_origin": en_origin,
            "definition": _construct(Definition, _DEFINITION_FIELDS, {"zh": zh, "en": en, "basis": _BASES[basis]}),
            "kind": self.kind,
            "footnote": self.footnote,
            "components": [_construct(Component, _COMPONENT_FIELDS, {"hans": h, "en": e}) for h, e in components],
            "aliases": list(self.aliases),
            "related": list(related),
            "sources": [
                _construct(
                    Source,
                    _SOURCE_FIELDS,
                    {
                        "document": document,
                        "date": dt.date.fromordinal(date) if date is not None else None,
                        "section": section,
                        "quote": quote,
                    },
                )
                for document, date, section, quote in sources
            ],
            "note": note,
            "status": self.status,
            "version": self.version,
            "created_at": _datetime(created),
            "updated_at": _datetime(updated),
        }
        return _construct(TermRecord, _RECORD_FIELDS, values)

    def documents(self) -> set[str]:
        """The titles of the documents its sources cite."""
        _pinyin, packed = _unpack(self._packed)
        return {document for document, _date, _section, _quote in packed[7]}

    def __repr__(self) -> str:
        return f"StoredTerm({self.slug!r}, version={self.version})"


class FullRecords(Mapping[str, TermRecord]):
    """Stored terms by slug, seen as full records (each unpacked when it is looked up)."""

    def __init__(self, terms: Mapping[str, StoredTerm]) -> None:
        self._terms = terms

    def __getitem__(self, slug: str) -> TermRecord:
        return self._terms[slug].full()

    def __contains__(self, slug: object) -> bool:
        return slug in self._terms

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)


def prepare(records: Sequence[TermRecord | StoredTerm]) -> list[StoredTerm]:
    """`records` as stored terms with their lookup keys filled in, all computed in one batched pass."""
    terms = [r if isinstance(r, StoredTerm) else StoredTerm.from_record(r) for r in records]
    shared: dict[tuple[int, ...], tuple[int, ...]] = {}  # nearly every concept's origins are (0,) or (0, 0)
    for at in range(0, len(terms), _KEY_CHUNK):  # in chunks: the intermediate strings stay a few MB
        chunk = terms[at : at + _KEY_CHUNK]
        for term, (keys, origins) in zip(chunk, keyed_forms_many([(t.hans, t.aliases) for t in chunk]), strict=True):
            if term.hant is not None and (override := fold(term.hant)) not in keys:
                # The Traditional override is the headword as written: its key stands for the headword.
                keys, origins = zip(*sorted([*zip(keys, origins, strict=True), (override, 0)]), strict=True)
            # A Simplified headword is its own key: keep one string, not two equal ones.
            term.keys = tuple(term.hans if key == term.hans else key for key in keys)
            term.key_forms = shared.setdefault(origins, origins)
    return terms


_KEY_CHUNK = 10_000
