"""Concept entries in the database: read them as records, write a record in place.

No commit happens here: the caller's transaction decides (the request's session, the seed loader).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, delete, insert, select, type_coerce, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app import models
from app.core.forms import lookup_keys
from app.core.memory import paused_gc
from app.terms import stored
from app.terms.schemas import Kind, TermFields, TermRecord
from app.terms.stored import StoredTerm

_CHUNK = 500


class ConflictError(Exception):
    """A headword, alias or slug that another concept owns."""


class UnknownRelatedError(Exception):
    """`related` names a slug that does not exist."""


def current_revision(session: Session) -> int:
    revision = session.execute(select(models.GlossaryState.revision).where(models.GlossaryState.id == 1)).scalar()
    return int(revision or 0)


def _bump_revision(session: Session) -> int:
    """The next revision number; the row lock (PostgreSQL) or write lock (SQLite) orders concurrent writers."""
    result = session.execute(
        update(models.GlossaryState)
        .where(models.GlossaryState.id == 1)
        .values(revision=models.GlossaryState.revision + 1)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.add(models.GlossaryState(id=1, revision=1))
        session.flush()
        return 1
    return current_revision(session)


def load_changed(session: Session, since: int) -> tuple[list[StoredTerm], list[str], int]:
    """Records of live concepts changed after revision `since`, slugs of concepts deleted since, the revision.

    A full load (since 0) of a large glossary streams: the concepts are read a chunk of ids at a time with
    the rows of every child table for just that chunk, as plain tuples (no ORM objects), so memory holds
    the records being built and one chunk of rows, never every row of every table at once.
    """
    revision = current_revision(session)
    connection = session.connection()
    with paused_gc():
        return _load_changed(connection, session, since, revision)


def _load_changed(
    connection: Connection, session: Session, since: int, revision: int
) -> tuple[list[StoredTerm], list[str], int]:
    records: list[StoredTerm] = []
    deleted: list[str] = []
    slugs = _SlugsById(connection)
    after = 0
    while True:  # a chunk of concepts at a time, by id: never every concept row at once
        concepts = connection.execute(
            select(*_CONCEPT_COLUMNS, models.Concept.deleted_at)
            .where(models.Concept.revision > since, models.Concept.id > after)  # type: ignore[operator]
            .order_by(models.Concept.id)
            .limit(_LOAD_CHUNK)
        ).all()
        if not concepts:
            break
        after = concepts[-1][0]
        deleted += [c[1] for c in concepts if c[-1] is not None]
        live = [c[:-1] for c in concepts if c[-1] is None]
        records += _records(session, live, everything=since == 0, slugs=slugs)
        if len(concepts) < _LOAD_CHUNK:
            break
    return records, deleted, revision


# The concept columns a record needs, in the order `_records` reads them.
_CONCEPT_COLUMNS = (
    models.Concept.id,
    models.Concept.slug,
    models.Concept.hant,
    models.Concept.pinyin,
    models.Concept.en_origin,
    models.Concept.definition_basis,
    models.Concept.kind,
    models.Concept.footnote,
    models.Concept.note,
    models.Concept.version,
    # Timestamps and dates as the driver gives them: SQLAlchemy's parsing of SQLite's text into datetime objects
    # is a third of a large load, and `stored.micros` reads the text (or PostgreSQL's datetimes) directly.
    type_coerce(models.Concept.created_at, String),
    type_coerce(models.Concept.updated_at, String),
)
_CHILD_COLUMNS: dict[type, tuple[Any, ...]] = {
    models.Term: (models.Term.lang, models.Term.status, models.Term.text),
    models.Definition: (models.Definition.lang, models.Definition.text),
    models.Component: (models.Component.hans, models.Component.en),
    models.Source: (
        models.Source.document,
        type_coerce(models.Source.date, String),
        models.Source.section,
        models.Source.quote,
    ),
    models.Relation: (models.Relation.related_id,),
}
_CONCEPT_NAMES = [c.key for c in _CONCEPT_COLUMNS[:-2]] + ["created_at", "updated_at"]
_LOAD_CHUNK = 5000  # concepts whose child rows are read together in a full load
_KINDS = {str(k): k for k in Kind}


def _children(session: Session, table: type, ids: Sequence[int], everything: bool) -> dict[int, list[tuple[Any, ...]]]:
    """The rows of `table` (the columns `_records` reads) of the concepts `ids` (ascending), in order."""
    grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    if not ids:
        return grouped
    order = (
        [table.concept_id]
        + ([table.lang] if hasattr(table, "lang") else [])
        + ([table.position] if hasattr(table, "position") else [])
    )
    query = select(table.concept_id, *_CHILD_COLUMNS[table]).order_by(*order)
    connection = session.connection()
    if everything:  # the ids are a contiguous run of all concepts: a range scan of the primary key
        queries = [query.where(table.concept_id >= ids[0], table.concept_id <= ids[-1])]
    else:
        queries = [query.where(table.concept_id.in_(ids[i : i + _CHUNK])) for i in range(0, len(ids), _CHUNK)]
    for q in queries:
        for row in connection.execute(q).all():
            grouped[row[0]].append(row[1:])
    return grouped


class _SlugsById:
    """The slugs of live concepts by id, read from the database once per load, when a relation first needs
    them (the load reads concepts a chunk at a time; the related concept may be in any chunk)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._slugs: dict[int, str] | None = None

    def __call__(self) -> dict[int, str]:
        if self._slugs is None:
            self._slugs = dict(
                self._connection.execute(  # type: ignore[arg-type]
                    select(models.Concept.id, models.Concept.slug).where(models.Concept.deleted_at.is_(None))  # type: ignore[union-attr]
                ).all()
            )
        return self._slugs


def _records(session: Session, chunk: Sequence[Sequence[Any]], everything: bool, slugs: _SlugsById) -> list[StoredTerm]:
    """Records of `chunk` (rows of `_CONCEPT_COLUMNS`, by ascending id; at most `_LOAD_CHUNK` of them, whose
    child rows are read together)."""
    if not chunk:
        return []
    records: list[StoredTerm] = []
    ids = [c[0] for c in chunk]
    terms = _children(session, models.Term, ids, everything)
    definitions = _children(session, models.Definition, ids, everything)
    components = _children(session, models.Component, ids, everything)
    sources = _children(session, models.Source, ids, everything)
    relations = _children(session, models.Relation, ids, everything)
    slug_of = slugs() if relations else {}
    for cid, slug, hant, pinyin, en_origin, basis, kind, footnote, note, version, created, updated in chunk:
        hans, en = "", ""
        aliases, alternatives, avoid = [], [], []
        for lang, status, text in terms.get(cid, ()):
            if lang == "zh":
                if status == "preferred":
                    hans = text
                else:
                    aliases.append(text)
            elif status == "preferred":
                en = text
            elif status == "admitted":
                alternatives.append(text)
            elif status == "avoid":
                avoid.append(text)
        zh, en_definition = "", ""
        for lang, text in definitions.get(cid, ()):
            if lang == "zh":
                zh = text
            else:
                en_definition = text
        records.append(
            StoredTerm(
                slug=slug,
                hans=hans,
                hant=hant,
                pinyin=pinyin,
                en=en,
                en_alternatives=alternatives,
                en_avoid=avoid,
                aliases=aliases,
                kind=_KINDS[kind],
                footnote=footnote,
                version=version,
                packed=(
                    zh,
                    en_definition,
                    basis,
                    en_origin,
                    note,
                    tuple(components.get(cid, ())),  # type: ignore[arg-type]
                    tuple(slug_of[r] for (r,) in relations.get(cid, ()) if r in slug_of),
                    tuple(
                        (doc, stored.ordinal(date) if date else None, section, quote)
                        for doc, date, section, quote in sources.get(cid, ())
                    ),
                    stored.micros(created),
                    stored.micros(updated),
                ),
            )
        )
    return records


def _concept_row(concept: models.Concept) -> tuple[Any, ...]:
    return tuple(getattr(concept, name) for name in _CONCEPT_NAMES)


def _record(session: Session, concept: models.Concept) -> TermRecord:
    (record,) = _records(session, [_concept_row(concept)], everything=False, slugs=_SlugsById(session.connection()))
    return record.full()


def get_record(session: Session, slug: str) -> TermRecord | None:
    concept = session.execute(select(models.Concept).where(models.Concept.slug == slug)).scalars().first()
    if concept is None or concept.deleted_at is not None:
        return None
    return _record(session, concept)


class StaleVersionError(Exception):
    """The concept's version is not the one the caller expected (a lost update was prevented)."""

    def __init__(self, current: int | None) -> None:
        super().__init__(f"current version is {current}")
        self.current = current


def _concept(session: Session, slug: str) -> models.Concept | None:
    return session.execute(select(models.Concept).where(models.Concept.slug == slug)).scalars().first()


def get_concept_state(session: Session, slug: str) -> tuple[TermRecord | None, bool]:
    """The live record of `slug` (or None) and whether the slug exists at all (live or deleted)."""
    concept = _concept(session, slug)
    if concept is None:
        return None, False
    if concept.deleted_at is not None:
        return None, True
    return _record(session, concept), True


def _history(
    session: Session,
    cid: int,
    version: int,
    action: str,
    actor: str,
    now: dt.datetime,
    before: TermRecord | None,
    after: TermRecord | None,
) -> None:
    session.add(
        models.History(
            concept_id=cid,
            version=version,
            action=action,
            actor=actor,
            at=now,
            before=before.model_dump_json() if before is not None else None,
            after=after.model_dump_json() if after is not None else None,
        )
    )


def save(
    session: Session,
    fields: TermFields,
    *,
    actor: str = "system",
    expected_version: int | None = None,
    action: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[TermRecord, bool]:
    """Create or update the concept `fields.slug`; returns the stored record and whether anything changed.

    Saving the same content again changes nothing (not even the version). With `expected_version`, the
    update happens only if the concept is still at that version: the check is part of the UPDATE itself,
    so of two writers holding the same version exactly one succeeds (`StaleVersionError` for the other).
    Every change is recorded in the concept's history.
    """
    now = now or dt.datetime.now(dt.UTC)
    concept = _concept(session, fields.slug)
    existing = None
    if concept is not None and concept.deleted_at is None:
        existing = _record(session, concept)
    if expected_version is not None and (existing is None or existing.version != expected_version):
        raise StaleVersionError(existing.version if existing else None)
    if existing is not None and existing.content() == fields.content():
        return existing, False
    revision = _bump_revision(session)
    values = {
        "kind": str(fields.kind),
        "footnote": fields.footnote,
        "pinyin": fields.pinyin,
        "hant": fields.hant,
        "en_origin": fields.en_origin,
        "definition_basis": str(fields.definition.basis),
        "note": fields.note,
        "revision": revision,
        "updated_at": now,
        "deleted_at": None,
    }
    if concept is None:
        concept = models.Concept(slug=fields.slug, version=1, created_at=now, **values)
        session.add(concept)
        session.flush()
        action = action or "create"
    else:
        result = session.execute(
            update(models.Concept)
            .where(models.Concept.id == concept.id, models.Concept.version == concept.version)
            .values(version=models.Concept.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise StaleVersionError(None)
        action = action or ("update" if existing is not None else "restore")
        session.refresh(concept)
    cid = concept.id
    assert cid is not None
    for table in (models.Term, models.Definition, models.Component, models.Source, models.Relation, models.LookupKey):
        session.execute(delete(table).where(table.concept_id == cid))
    session.flush()
    _write_children(session, cid, fields)
    record = _record(session, concept)
    _history(session, cid, record.version, action, actor, now, existing, record)
    return record, True


def soft_delete(
    session: Session, slug: str, *, expected_version: int, actor: str, now: dt.datetime | None = None
) -> int:
    """Delete a concept: it leaves the glossary (its forms become free) but stays in history.

    Returns the new version.
    """
    now = now or dt.datetime.now(dt.UTC)
    concept = _concept(session, slug)
    if concept is None or concept.deleted_at is not None:
        raise LookupError(slug)
    existing = _record(session, concept)
    if existing.version != expected_version:
        raise StaleVersionError(existing.version)
    revision = _bump_revision(session)
    result = session.execute(
        update(models.Concept)
        .where(models.Concept.id == concept.id, models.Concept.version == expected_version)
        .values(version=expected_version + 1, revision=revision, updated_at=now, deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleVersionError(None)
    session.execute(delete(models.LookupKey).where(models.LookupKey.concept_id == concept.id))
    _history(session, concept.id, expected_version + 1, "delete", actor, now, existing, None)
    return expected_version + 1


def history(session: Session, slug: str) -> list[models.History] | None:
    """Every recorded change of `slug`, oldest first; None if no concept ever had the slug."""
    concept = _concept(session, slug)
    if concept is None:
        return None
    return list(
        session.execute(
            select(models.History).where(models.History.concept_id == concept.id).order_by(models.History.id)
        ).scalars()
    )


def _write_children(session: Session, cid: int, fields: TermFields) -> None:
    rows: list[object] = [models.Term(concept_id=cid, lang="zh", position=0, text=fields.hans, status="preferred")]
    rows += [
        models.Term(concept_id=cid, lang="zh", position=i, text=a, status="admitted")
        for i, a in enumerate(fields.aliases, 1)
    ]
    en = (
        [(fields.en, "preferred")]
        + [(t, "admitted") for t in fields.en_alternatives]
        + [(t, "avoid") for t in fields.en_avoid]
    )
    rows += [models.Term(concept_id=cid, lang="en", position=i, text=t, status=s) for i, (t, s) in enumerate(en)]
    rows += [
        models.Definition(concept_id=cid, lang="zh", text=fields.definition.zh),
        models.Definition(concept_id=cid, lang="en", text=fields.definition.en),
    ]
    rows += [
        models.Component(concept_id=cid, position=i, hans=c.hans, en=c.en) for i, c in enumerate(fields.components)
    ]
    rows += [
        models.Source(concept_id=cid, position=i, document=s.document, date=s.date, section=s.section, quote=s.quote)
        for i, s in enumerate(fields.sources)
    ]
    session.add_all(rows)
    _write_relations(session, cid, fields.related)
    owners = dict(
        session.execute(
            select(models.LookupKey.key, models.Concept.slug)
            .join(models.Concept, models.Concept.id == models.LookupKey.concept_id)
            .where(models.LookupKey.key.in_(keys := lookup_keys(fields.hans, fields.aliases)))  # type: ignore[attr-defined]
        ).all()
    )
    if owners:
        key, owner = next(iter(owners.items()))
        raise ConflictError(f"the form {key!r} belongs to the concept {owner!r}")
    session.add_all(models.LookupKey(key=k, concept_id=cid) for k in keys)
    session.flush()


def _write_relations(session: Session, cid: int, related: list[str]) -> None:
    if not related:
        return
    ids = dict(
        session.execute(
            select(models.Concept.slug, models.Concept.id).where(
                models.Concept.slug.in_(related),  # type: ignore[attr-defined]
                models.Concept.deleted_at.is_(None),  # type: ignore[union-attr]
            )
        ).all()
    )
    missing = [s for s in related if s not in ids]
    if missing:
        raise UnknownRelatedError(", ".join(missing))
    session.add_all(models.Relation(concept_id=cid, position=i, related_id=ids[s]) for i, s in enumerate(related))


def live_slugs(session: Session) -> set[str]:
    return set(session.execute(select(models.Concept.slug).where(models.Concept.deleted_at.is_(None))).scalars())  # type: ignore[union-attr]


def insert_many(
    session: Session, entries: Sequence[TermFields], *, actor: str = "system", now: dt.datetime | None = None
) -> int:
    """Create many new concepts at once (bulk statements, one revision, a history entry each).

    Every slug must be new. Returns the revision the concepts were stamped with.
    """
    now = now or dt.datetime.now(dt.UTC)
    revision = _bump_revision(session)
    rows = [
        {
            "slug": f.slug,
            "kind": str(f.kind),
            "footnote": f.footnote,
            "pinyin": f.pinyin,
            "hant": f.hant,
            "en_origin": f.en_origin,
            "definition_basis": str(f.definition.basis),
            "note": f.note,
            "version": 1,
            "revision": revision,
            "created_at": now,
            "updated_at": now,
        }
        for f in entries
    ]
    ids: dict[str, int] = {}
    for start in range(0, len(rows), 5000):
        result = session.execute(
            insert(models.Concept).returning(models.Concept.id, models.Concept.slug), rows[start : start + 5000]
        )
        ids.update((slug, cid) for cid, slug in result)
    terms, definitions, components, sources, keys = [], [], [], [], []
    related: list[tuple[int, int, str]] = []
    for f in entries:
        cid = ids[f.slug]
        zh = [(f.hans, "preferred")] + [(a, "admitted") for a in f.aliases]
        en = [(f.en, "preferred")] + [(t, "admitted") for t in f.en_alternatives] + [(t, "avoid") for t in f.en_avoid]
        for lang, forms in (("zh", zh), ("en", en)):
            terms += [
                {"concept_id": cid, "lang": lang, "position": i, "text": t, "status": s}
                for i, (t, s) in enumerate(forms)
            ]
        definitions += [
            {"concept_id": cid, "lang": "zh", "text": f.definition.zh},
            {"concept_id": cid, "lang": "en", "text": f.definition.en},
        ]
        components += [
            {"concept_id": cid, "position": i, "hans": c.hans, "en": c.en} for i, c in enumerate(f.components)
        ]
        sources += [
            {
                "concept_id": cid,
                "position": i,
                "document": s.document,
                "date": s.date,
                "section": s.section,
                "quote": s.quote,
            }
            for i, s in enumerate(f.sources)
        ]
        keys += [{"key": k, "concept_id": cid} for k in lookup_keys(f.hans, f.aliases)]
        related += [(cid, i, slug) for i, slug in enumerate(f.related)]
    missing = {slug for _, _, slug in related if slug not in ids}
    if missing:
        ids.update(
            session.execute(
                select(models.Concept.slug, models.Concept.id).where(models.Concept.slug.in_(missing))
            ).all()
        )
    unknown = sorted({slug for _, _, slug in related if slug not in ids})
    if unknown:
        raise UnknownRelatedError(", ".join(unknown[:10]))
    relations = [{"concept_id": cid, "position": i, "related_id": ids[slug]} for cid, i, slug in related]
    history = [
        {
            "concept_id": ids[f.slug],
            "version": 1,
            "action": "create",
            "actor": actor,
            "at": now,
            "before": None,
            "after": TermRecord.model_construct(**dict(f), version=1, created_at=now, updated_at=now).model_dump_json(),
        }
        for f in entries
    ]
    for table, data in (
        (models.Term, terms),
        (models.Definition, definitions),
        (models.Component, components),
        (models.Source, sources),
        (models.Relation, relations),
        (models.LookupKey, keys),
        (models.History, history),
    ):
        for start in range(0, len(data), 5000):
            session.execute(insert(table), data[start : start + 5000])
    return revision
