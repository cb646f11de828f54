"""Source documents in the database: register, list, read; the verbatim check of quotes; drafts from a
document's candidates. Services take the caller's session and never commit."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models
from app.annotate.index import TermAnnotator
from app.documents.drafting import draft_entries
from app.documents.extraction import extract
from app.errors import ConflictError, GlossaryError, NotFoundError
from app.terms import writes
from app.terms.schemas import Line, LongText, Slug, TermFields, iso_date

if TYPE_CHECKING:
    from app.terms.glossary import Glossary

MAX_DOCUMENT_CHARS = 2_000_000


class DocumentIn(BaseModel):
    """A document to register (editor key): its text is what quotes are checked against."""

    model_config = ConfigDict(extra="forbid")
    id: Slug = Field(description="A stable ASCII id, e.g. kunshan-2024-government-work-report.")
    title: Line = Field(description="The title as sources name it, e.g. 2024年昆山市政府工作报告.")
    title_en: Line
    date: Annotated[dt.date | None, BeforeValidator(iso_date)] = None
    place: Line | None = None
    kind: Line = Field(default="government-work-report", max_length=40)
    text: LongText = Field(max_length=MAX_DOCUMENT_CHARS, description="The full text, verbatim.")


class DocumentOut(BaseModel):
    id: str
    title: str
    title_en: str
    date: str | None
    place: str | None
    kind: str
    characters: int = Field(description="The length of its stored text, in code points.")
    terms: int = Field(description="How many live terms cite it.")


def register(session: Session, document: DocumentIn) -> models.Document:
    """Store a new document (409 if its id or title is taken)."""
    taken = session.execute(
        select(models.Document.id).where(
            (models.Document.id == document.id) | (models.Document.title == document.title)
        )
    ).first()
    if taken is not None:
        raise ConflictError(f"a document with the id {document.id!r} or the title {document.title!r} exists")
    row = models.Document(**document.model_dump())
    session.add(row)
    session.flush()
    return row


def upsert(session: Session, document: DocumentIn) -> bool:
    """Store `document`, or bring the stored one with its id up to date (the seed); True if anything changed."""
    row = session.get(models.Document, document.id)
    values = document.model_dump()
    if row is None:
        session.add(models.Document(**values))
        session.flush()
        return True
    if all(getattr(row, k) == v for k, v in values.items()):
        return False
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    return True


def get(session: Session, document_id: str) -> models.Document:
    row = session.get(models.Document, document_id)
    if row is None:
        raise NotFoundError(f"no document has the id {document_id!r}")
    return row


def all_documents(session: Session) -> list[models.Document]:
    return list(session.execute(select(models.Document).order_by(models.Document.date, models.Document.id)).scalars())


def present(row: models.Document, terms: int) -> DocumentOut:
    return DocumentOut(
        id=row.id,
        title=row.title,
        title_en=row.title_en,
        date=row.date.isoformat() if row.date else None,
        place=row.place,
        kind=row.kind,
        characters=len(row.text),
        terms=terms,
    )


def term_counts(records: Iterable[Any]) -> Counter[str]:
    """Per document title, how many of `records` (stored terms) cite it."""
    counts: Counter[str] = Counter()
    for record in records:
        counts.update(record.documents())
    return counts


class DraftOutcome(BaseModel):
    created: list[str] = Field(description="The slugs of the drafts created.")
    skipped: list[dict[str, str]] = Field(description="Candidates not drafted: surface and reason.")


def drafts_from(raw: Sequence[dict[str, Any]]) -> tuple[list[TermFields], list[dict[str, str]]]:
    """Draft entries as the drafting step gives them (`app.documents.drafting`) made whole for the write
    path: English left empty for the editor, a definition empty unless a footnote gives it."""
    fields: list[TermFields] = []
    skipped: list[dict[str, str]] = []
    for draft in raw:
        definition = draft.get("definition") or {}
        data = {
            **draft,
            "en": "",
            "definition": {
                "zh": definition.get("zh") or "",
                "en": "",
                "basis": definition.get("basis") or "editorial",
            },
        }
        try:
            fields.append(TermFields.model_validate(data))
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            skipped.append({"surface": draft.get("hans", ""), "reason": str(exc).splitlines()[-1].strip()})
    return fields, skipped


def create_drafts(
    session: Session, glossary: Glossary, document_id: str, *, min_score: float, actor: str
) -> DraftOutcome:
    """Draft entries (`status: draft`) for the document's candidate coinages the glossary lacks, each a recorded
    change by `actor`; a candidate that cannot be drafted (its slug taken, a rule broken) is skipped with the
    reason, the others are still written. `glossary` is the caller's snapshot: what it knows is not drafted."""
    row = get(session, document_id)
    annotator = glossary.index(TermAnnotator)
    known = [(start, end, pattern.slug) for start, end, pattern in annotator.scan(row.text).scan.spans()]
    candidates = extract(row.text, known)
    date = row.date.isoformat() if row.date else None
    fields, skipped = drafts_from(draft_entries(candidates, document=row.title, date=date, min_score=min_score))
    created: list[str] = []
    for entry in fields:
        if glossary.resolve(entry.slug) is not None or glossary.is_gone(entry.slug):
            skipped.append({"surface": entry.hans, "reason": f"the slug {entry.slug!r} is taken"})
            continue
        try:
            with session.begin_nested():
                writes.save(session, entry, actor=actor, must_be_new=True, action="draft")
        except GlossaryError as exc:
            skipped.append({"surface": entry.hans, "reason": exc.detail})
            continue
        created.append(entry.slug)
    return DraftOutcome(created=created, skipped=skipped)
