"""Concept entries in the database, read: the snapshot's loads, one record, history, the seed's baselines.

Writes are `app.terms.writes`. No commit happens here: the caller's unit of work decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import String, select, type_coerce, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app import models
from app.core.memory import paused_gc
from app.errors import PreconditionFailedError
from app.terms import rows, stored
from app.terms.schemas import Kind, Status, TermRecord
from app.terms.stored import StoredTerm

_CHUNK = 500


class StaleVersionError(PreconditionFailedError):
    """The concept's version is not the one the caller expected (a lost update was prevented)."""

    def __init__(self, current: int | None) -> None:
        super().__init__("the concept changed since that ETag was issued; fetch it again")
        self.current = current


def current_revision(session: Session) -> int:
    revision = session.execute(select(models.GlossaryState.revision).where(models.GlossaryState.id == 1)).scalar()
    return int(revision or 0)


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
    models.Concept.status,
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
_STATUSES = {str(s): s for s in Status}


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
    for cid, slug, hant, pinyin, en_origin, basis, kind, footnote, note, version, status, created, updated in chunk:
        hans, aliases, en, alternatives, avoid = rows.split_terms(terms.get(cid, ()))  # type: ignore[arg-type]
        zh, en_definition = rows.split_definitions(definitions.get(cid, ()))  # type: ignore[arg-type]
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
                status=_STATUSES[status],
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


def concept_row(concept: models.Concept) -> tuple[Any, ...]:
    return tuple(getattr(concept, name) for name in _CONCEPT_NAMES)


def record_of(session: Session, concept: models.Concept) -> TermRecord:
    """The full record of one concept row (live or deleted: its rows are there either way)."""
    (record,) = _records(session, [concept_row(concept)], everything=False, slugs=_SlugsById(session.connection()))
    return record.full()


def get_record(session: Session, slug: str) -> TermRecord | None:
    concept = session.execute(select(models.Concept).where(models.Concept.slug == slug)).scalars().first()
    if concept is None or concept.deleted_at is not None:
        return None
    return record_of(session, concept)


def _concept(session: Session, slug: str) -> models.Concept | None:
    return session.execute(select(models.Concept).where(models.Concept.slug == slug)).scalars().first()


def get_concept_state(session: Session, slug: str) -> tuple[TermRecord | None, bool]:
    """The live record of `slug` (or None) and whether the slug exists at all (live or deleted)."""
    concept = _concept(session, slug)
    if concept is None:
        return None, False
    if concept.deleted_at is not None:
        return None, True
    return record_of(session, concept), True


def history_page(
    session: Session, slug: str, *, limit: int, before: int | None = None
) -> tuple[list[models.History], int | None] | None:
    """A page of the changes of `slug`, newest first, older than the history entry `before` (an id); and the
    id to continue from, or None on the last page. None if no concept ever had the slug."""
    concept = _concept(session, slug)
    if concept is None:
        return None
    query = select(models.History).where(models.History.concept_id == concept.id)
    if before is not None:
        query = query.where(models.History.id < before)  # type: ignore[operator]
    entries = list(session.execute(query.order_by(models.History.id.desc()).limit(limit + 1)).scalars())
    more = len(entries) > limit
    entries = entries[:limit]
    return entries, (entries[-1].id if more and entries else None)


def revision_at(session: Session, slug: str, version: int) -> tuple[models.History | None, bool]:
    """The history entry that made `slug` what it was at `version`, and whether the slug ever existed."""
    concept = _concept(session, slug)
    if concept is None:
        return None, False
    entry = (
        session.execute(
            select(models.History).where(
                models.History.concept_id == concept.id,
                models.History.version == version,
                models.History.after.is_not(None),
            )
        )
        .scalars()
        .first()
    )
    return entry, True


def deleted_versions(session: Session, slugs: Iterable[object]) -> dict[str, int]:
    """The versions of the deleted concepts among `slugs` (the others are ignored)."""
    wanted = [s for s in dict.fromkeys(slugs) if isinstance(s, str)]
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        found.update(
            session.execute(
                select(models.Concept.slug, models.Concept.version).where(
                    models.Concept.slug.in_(wanted[start : start + _CHUNK]), models.Concept.deleted_at.is_not(None)
                )
            ).all()
        )
    return found


def seed_baselines(session: Session) -> dict[str, tuple[str | None, bool]]:
    """Every concept's slug → its seed baseline (`seed_hash`) and whether it is deleted."""
    return {
        slug: (seed_hash, deleted_at is not None)
        for slug, seed_hash, deleted_at in session.execute(
            select(models.Concept.slug, models.Concept.seed_hash, models.Concept.deleted_at)
        ).all()
    }


def set_seed_baselines(session: Session, hashes: dict[str, str]) -> None:
    """Record `hashes` as the seed's baseline of those concepts (no version change: the content is the same)."""
    for slug, seed_hash in hashes.items():
        session.execute(update(models.Concept).where(models.Concept.slug == slug).values(seed_hash=seed_hash))
