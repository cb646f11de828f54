"""Writing concepts: one at a time (`save`, `soft_delete`) or many new ones at once (`insert_many`).

Both paths map an entry to its rows through `app.terms.rows` and check the same rules against the database:
the written forms belong to no other concept, related concepts are live, and a footnote marks one footnote of
one document. Nothing commits here: the caller's unit of work (`app.db.unit_of_work`) decides.

Every write first bumps the glossary's revision counter: that row lock (PostgreSQL) or the write lock taken at
BEGIN (SQLite) orders concurrent writers, so a check made after it cannot be raced.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app import models
from app.errors import ConflictError, InvalidInputError
from app.terms import rows
from app.terms.repository import StaleVersionError, current_revision, record_of
from app.terms.schemas import TermFields, TermRecord

_BATCH = 5000  # rows per bulk INSERT statement
_CIRCLED = {n: chr(0x2460 + n - 1) for n in range(1, 21)} | {n: chr(0x3251 + n - 21) for n in range(21, 36)}


def bump_revision(session: Session) -> int:
    """The next revision number (see the module docstring: it also orders concurrent writers)."""
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


def lock_glossary(session: Session) -> None:
    """Hold the glossary's write lock until the transaction ends, changing nothing (the revision row's lock on
    PostgreSQL; SQLite's writing transactions already hold the database's)."""
    row = session.execute(
        select(models.GlossaryState.id).where(models.GlossaryState.id == 1).with_for_update()  # type: ignore[arg-type]
    ).first()
    if row is None:
        session.add(models.GlossaryState(id=1, revision=0))
        session.flush()


def _concept(session: Session, slug: str) -> models.Concept | None:
    return session.execute(select(models.Concept).where(models.Concept.slug == slug)).scalars().first()  # type: ignore[arg-type]


def save(
    session: Session,
    fields: TermFields,
    *,
    actor: str,
    expected_version: int | None = None,
    must_be_new: bool = False,
    action: str | None = None,
    seed_hash: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[TermRecord, bool]:
    """Create, update or restore the concept `fields.slug`; returns the stored record and whether anything
    changed (saving the same content again changes nothing, not even the version).

    `must_be_new`: the slug may not exist at all, live or deleted (409). `expected_version`: the concept, live
    or deleted, must still be at that version (`StaleVersionError`, 412, otherwise); the check is part of the
    UPDATE itself, so of two writers holding the same version exactly one succeeds. `seed_hash` records the
    seed's baseline (only the seed passes it). Every change is recorded in the concept's history.
    """
    now = now or dt.datetime.now(dt.UTC)
    concept = _concept(session, fields.slug)
    if must_be_new and concept is not None:
        raise ConflictError(f"the slug {fields.slug!r} is taken (by a live or a deleted concept)")
    if expected_version is not None and (concept is None or concept.version != expected_version):
        raise StaleVersionError(concept.version if concept else None)
    existing = record_of(session, concept) if concept is not None and concept.deleted_at is None else None
    if existing is not None and existing.content() == fields.content():
        if seed_hash is not None and concept is not None and concept.seed_hash != seed_hash:
            concept.seed_hash = seed_hash
            session.flush()
        return existing, False
    revision = bump_revision(session)
    values: dict[str, Any] = {
        **rows.concept_values(fields),
        "revision": revision,
        "updated_at": now,
        "deleted_at": None,
    }
    if seed_hash is not None:
        values["seed_hash"] = seed_hash
    if concept is None:
        concept = models.Concept(slug=fields.slug, version=1, created_at=now, **values)
        session.add(concept)
        session.flush()
        action = action or "create"
    else:
        result = session.execute(
            update(models.Concept)
            .where(models.Concept.id == concept.id, models.Concept.version == concept.version)  # type: ignore[arg-type]
            .values(version=models.Concept.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersionError(None)
        action = action or ("update" if existing is not None else "restore")
        session.refresh(concept)
    cid = concept.id
    assert cid is not None
    for table in (models.Term, models.Definition, models.Component, models.Source, models.Relation, models.LookupKey):
        session.execute(delete(table).where(table.concept_id == cid))  # type: ignore[attr-defined]
    _check_forms_free(session, fields)
    check_quotes(session, [fields])
    _insert_rows(session, rows.child_rows(cid, fields))
    _insert_rows(session, {models.Relation: rows.relation_rows(cid, fields.related, live_ids(session, fields.related))})
    _check_footnotes(session, [cid])
    record = record_of(session, concept)
    _history(session, cid, record.version, action, actor, now, existing, record)
    return record, True


def soft_delete(
    session: Session,
    slug: str,
    *,
    expected_version: int,
    actor: str,
    action: str = "delete",
    now: dt.datetime | None = None,
) -> int:
    """Delete a concept: it leaves the glossary (its forms become free) but stays in history. Returns the new
    version."""
    now = now or dt.datetime.now(dt.UTC)
    concept = _concept(session, slug)
    if concept is None or concept.deleted_at is not None:
        raise LookupError(slug)
    if concept.version != expected_version:
        raise StaleVersionError(concept.version)
    existing = record_of(session, concept)
    revision = bump_revision(session)
    result = session.execute(
        update(models.Concept)
        .where(models.Concept.id == concept.id, models.Concept.version == expected_version)  # type: ignore[arg-type]
        .values(version=expected_version + 1, revision=revision, updated_at=now, deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleVersionError(None)
    session.execute(delete(models.LookupKey).where(models.LookupKey.concept_id == concept.id))  # type: ignore[arg-type]
    assert concept.id is not None
    _history(session, concept.id, expected_version + 1, action, actor, now, existing, None)
    return expected_version + 1


def insert_many(
    session: Session,
    entries: Sequence[TermFields],
    *,
    actor: str,
    seed_hashes: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Create many new concepts at once (bulk statements, one revision, a history entry each); `related` may
    point at concepts of the batch or at live ones. Every slug must be new (409 otherwise), and the callers
    check the forms first (a form owned elsewhere is a unique-key violation here). Returns the revision."""
    now = now or dt.datetime.now(dt.UTC)
    revision = bump_revision(session)
    seed_hashes = seed_hashes or {}
    taken = session.execute(
        select(models.Concept.slug).where(models.Concept.slug.in_([f.slug for f in entries]))  # type: ignore[attr-defined]
    ).first()
    if taken is not None:
        raise ConflictError(f"the slug {taken[0]!r} is taken (by a live or a deleted concept)")
    concepts = [
        {
            **rows.concept_values(f),
            "slug": f.slug,
            "seed_hash": seed_hashes.get(f.slug),
            "version": 1,
            "revision": revision,
            "created_at": now,
            "updated_at": now,
        }
        for f in entries
    ]
    check_quotes(session, entries)
    ids: dict[str, int] = {}
    for start in range(0, len(concepts), _BATCH):
        result = session.execute(
            insert(models.Concept).returning(models.Concept.id, models.Concept.slug), concepts[start : start + _BATCH]
        )
        ids.update((slug, cid) for cid, slug in result)
    children: dict[type, list[dict[str, Any]]] = defaultdict(list)
    for f in entries:
        for table, values in rows.child_rows(ids[f.slug], f).items():
            children[table] += values
    _insert_rows(session, children)
    outside = {slug for f in entries for slug in f.related if slug not in ids}
    related_ids = {**live_ids(session, outside), **ids} if outside else ids
    relations = [r for f in entries for r in rows.relation_rows(ids[f.slug], f.related, related_ids)]
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
    _insert_rows(session, {models.Relation: relations, models.History: history})
    _check_footnotes(session, list(ids.values()))
    return revision


def live_ids(session: Session, slugs: Iterable[str]) -> dict[str, int]:
    """The ids of the live concepts among `slugs`; 422 naming any that is missing or deleted."""
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        return {}
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        found.update(
            session.execute(  # type: ignore[arg-type]
                select(models.Concept.slug, models.Concept.id).where(
                    models.Concept.slug.in_(wanted[start : start + 500]),  # type: ignore[attr-defined]
                    models.Concept.deleted_at.is_(None),  # type: ignore[union-attr]
                )
            ).all()
        )
    missing = [s for s in wanted if s not in found]
    if missing:
        raise InvalidInputError(f"related: no live concept has the slug {', '.join(map(repr, missing[:10]))}")
    return found


def form_owners(session: Session, keys: Iterable[str]) -> dict[str, str]:
    """The slug of the live concept owning each of `keys` (folded forms) that one owns."""
    wanted = list(dict.fromkeys(keys))
    owners: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        owners.update(
            session.execute(  # type: ignore[arg-type]
                select(models.LookupKey.key, models.Concept.slug)
                .join(models.Concept, models.Concept.id == models.LookupKey.concept_id)  # type: ignore[arg-type]
                .where(models.LookupKey.key.in_(wanted[start : start + 500]))  # type: ignore[attr-defined]
            ).all()
        )
    return owners


def check_quotes(session: Session, entries: Sequence[TermFields]) -> None:
    """Every quote from a stored document is verbatim in its text (422 naming the entry and the source);
    a source naming a document the glossary does not hold is taken as written."""
    titles = list({s.document for e in entries for s in e.sources})
    texts: dict[str, str] = {}
    for start in range(0, len(titles), 500):
        texts.update(
            session.execute(  # type: ignore[arg-type]
                select(models.Document.title, models.Document.text).where(
                    models.Document.title.in_(titles[start : start + 500])  # type: ignore[attr-defined]
                )
            ).all()
        )
    if not texts:
        return
    for entry in entries:
        for i, source in enumerate(entry.sources):
            text = texts.get(source.document)
            if text is not None and source.quote not in text:
                raise InvalidInputError(f"{entry.slug}: sources.{i}.quote is not verbatim in {source.document!r}")


def _check_forms_free(session: Session, fields: TermFields) -> None:
    owners = form_owners(session, fields.lookup_keys())
    if owners:
        key, owner = next(iter(owners.items()))
        raise ConflictError(f"the form {key!r} belongs to the concept {owner!r}")


def _insert_rows(session: Session, tables: dict[type, list[dict[str, Any]]]) -> None:
    for table, values in tables.items():
        for start in range(0, len(values), _BATCH):
            session.execute(insert(table), values[start : start + _BATCH])


def footnote_of(fields: TermFields | TermRecord) -> tuple[str, str | None] | None:
    """Which footnote `fields.footnote` is: its document and the quote of the footnote itself (the source
    quote that starts with the circled number, as the 名词解释 entries do), or None without a footnote."""
    if fields.footnote is None or not fields.sources:
        return None
    marker = _CIRCLED.get(fields.footnote)
    for source in fields.sources:
        if marker is not None and source.quote.startswith(marker):
            return source.document, source.quote
    return fields.sources[0].document, None


def _check_footnotes(session: Session, cids: Sequence[int]) -> None:
    """A footnote number marks one footnote of one document: two live concepts carry the same number of the
    same document only when they quote the same footnote (⑤ defines both 四个走在前 and 四个新)."""
    numbers = set(
        session.execute(
            select(models.Concept.footnote).where(
                models.Concept.id.in_(cids),  # type: ignore[union-attr]
                models.Concept.footnote.is_not(None),  # type: ignore[union-attr]
            )
        ).scalars()
    )
    if not numbers:
        return
    holders = session.execute(
        select(models.Concept).where(
            models.Concept.footnote.in_(numbers),  # type: ignore[union-attr]
            models.Concept.deleted_at.is_(None),  # type: ignore[union-attr]
        )
    ).scalars()
    seen: dict[tuple[int, str], tuple[str, str | None]] = {}
    for concept in sorted(holders, key=lambda c: (c.id not in cids, c.id)):  # the others first: they hold it
        record = record_of(session, concept)
        which = footnote_of(record)
        if which is None:
            continue
        document, quote = which
        assert record.footnote is not None
        earlier = seen.setdefault((record.footnote, document), (record.slug, quote))
        if earlier[0] != record.slug and (quote is None or earlier[1] != quote):
            raise ConflictError(
                f"footnote {record.footnote} of {document!r} is the footnote of {earlier[0]!r}; two concepts share "
                "a footnote number only when both quote that same footnote"
            )


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
