"""Export from the in-memory glossary; import into the database: a plan, then its writes in one unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.script import Script
from app.db import read_session
from app.errors import ConflictError, InvalidInputError
from app.exchange.formats import ExportFormat, FileFormatError, ImportFormat, RawEntry, tabular, tbx
from app.exchange.formats.jsondoc import read_json, write_json
from app.exchange.plan import ImportPlan, plan_import
from app.terms import repository, writes
from app.terms.glossary import Glossary, present
from app.terms.schemas import TermOut
from app.terms.service import refresh
from app.terms.stored import FullRecords, StoredTerm

_NO_FOOTNOTE = 1 << 30


def export_order(glossary: Glossary) -> list[StoredTerm]:
    """The live records in the listing's order (footnoted first, by number, then by slug), as of now."""
    records = list(glossary.records())  # a copy: the snapshot may move on while the export streams
    records.sort(key=lambda r: (r.footnote if r.footnote is not None else _NO_FOOTNOTE, r.slug))
    return records


def export(
    records: list[StoredTerm],
    fmt: ExportFormat,
    *,
    script: Script = Script.hans,
    bom: bool = False,
    tick: Callable[[], None] | None = None,
) -> Iterator[str]:
    """The file of `records` in `fmt`, as text pieces; each concept is presented only when it is written."""

    def terms() -> Iterator[TermOut]:
        for record in records:
            yield present(record, script)
            if tick is not None:
                tick()

    if fmt in (ExportFormat.tbx, ExportFormat.tbx2):
        version = tbx.V3 if fmt is ExportFormat.tbx else tbx.V2
        return tbx.write(terms(), script=script, slugs={r.slug for r in records}, version=version)
    if fmt is ExportFormat.csv:
        return tabular.write_csv(terms(), bom=bom)
    if fmt is ExportFormat.deepl:
        return tabular.write_deepl(terms(), script=script)
    if fmt is ExportFormat.google:
        return tabular.write_google(terms(), script=script)
    if fmt is ExportFormat.amazon:
        return tabular.write_amazon(terms(), script=script)
    return write_json(terms())


def read(data: bytes, fmt: ImportFormat) -> Iterator[RawEntry]:
    if not data.strip():
        raise FileFormatError("the file is empty")
    if fmt in (ImportFormat.tbx, ImportFormat.tbx2):
        return tbx.read(data)
    if fmt is ImportFormat.csv:
        return tabular.read_csv(data)
    return read_json(data)


def plan_file(
    engine: Engine,
    glossary: Glossary,
    data: bytes,
    fmt: ImportFormat,
    *,
    track: Callable[[Iterable[RawEntry]], Iterable[RawEntry]] = lambda entries: entries,
) -> ImportPlan:
    """What importing `data` would do, against the glossary as the database holds it now (a dry run's answer).

    Raises InvalidInputError for an unreadable file."""
    try:
        entries = list(track(read(data, fmt)))
    except FileFormatError as exc:
        raise InvalidInputError(str(exc)) from exc
    refresh(engine, glossary)
    existing = FullRecords({r.slug: r for r in glossary.records()})
    with read_session(engine) as session:
        deleted = repository.deleted_versions(session, [e.data.get("slug") for e in entries])

    def owner_of(key: str) -> str | None:
        record = glossary.resolve(key)
        return record.slug if record is not None else None

    return plan_import(entries, existing, owner_of, deleted)


def apply_plan(session: Session, plan: ImportPlan, *, actor: str) -> None:
    """Write the plan in the caller's unit of work; all or nothing. 422 if the plan rejected an entry; 409 when
    the glossary changed since the plan in a way that touches it (a planned-on version moved on, a slug or a
    form was taken, a related concept was deleted): nothing is then overwritten."""
    if plan.rejected:
        raise rejected(plan)
    creates = [w.fields for w in plan.writes if w.action == "create"]
    try:
        if creates:
            writes.insert_many(session, creates, actor=actor)
        for write in sorted((w for w in plan.writes if w.action != "create"), key=lambda w: w.action != "restore"):
            writes.save(session, write.fields, actor=actor, expected_version=write.planned_on, action=write.action)
    except repository.StaleVersionError as exc:
        raise ConflictError(
            "the glossary changed while importing (an entry was edited since the plan); nothing was stored"
        ) from exc
    except (ConflictError, InvalidInputError) as exc:
        raise ConflictError(f"the glossary changed while importing; nothing was stored: {exc.detail}") from exc
    except IntegrityError as exc:
        raise ConflictError(
            "the glossary changed while importing (a slug or form was taken); nothing was stored"
        ) from exc


def rejected(plan: ImportPlan) -> InvalidInputError:
    shown = plan.rejected[:5]
    where = "; ".join(f"entry {o.entry}" + (f" (line {o.line})" if o.line else "") + f": {o.reason}" for o in shown)
    more = f"; and {len(plan.rejected) - len(shown)} more" if len(plan.rejected) > len(shown) else ""
    return InvalidInputError(
        f"{len(plan.rejected)} entries rejected, nothing was stored: {where}{more}",
        errors=[
            {"entry": o.entry, "line": o.line, "slug": o.slug, "msg": o.reason, "loc": ["body", f"entry {o.entry}"]}
            for o in plan.rejected
        ],
    )
