"""Export from the in-memory glossary; import into the database, all or nothing, through the editing path."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.core.script import Script
from app.db import writer
from app.errors import ConflictError, InvalidInputError, UnavailableError
from app.exchange.formats import ExportFormat, FileFormatError, ImportFormat, RawEntry, tabular, tbx
from app.exchange.formats.jsondoc import read_json, write_json
from app.exchange.plan import ImportPlan, plan_import
from app.terms import repository
from app.terms.editing import save_many
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


def import_file(
    engine: Engine,
    glossary: Glossary,
    data: bytes,
    fmt: ImportFormat,
    *,
    dry_run: bool,
    actor: str,
    track: Callable[[Iterable[RawEntry]], Iterable[RawEntry]] = lambda entries: entries,
) -> ImportPlan:
    """Plan the import of `data`; unless `dry_run`, write it in one transaction (nothing if any entry is rejected).

    Raises InvalidInputError for an unreadable file or (on a real import) rejected entries, ConflictError when
    the glossary changed under the import in a way that makes it fail.
    """
    try:
        entries = list(track(read(data, fmt)))
    except FileFormatError as exc:
        raise InvalidInputError(str(exc)) from exc
    refresh(engine, glossary)
    existing = FullRecords({r.slug: r for r in glossary.records()})

    def owner_of(key: str) -> str | None:
        record = glossary.resolve(key)
        return record.slug if record is not None else None

    plan = plan_import(entries, existing, owner_of)
    if dry_run or not plan.writes:
        if plan.rejected and not dry_run:
            raise rejected(plan)
        return plan
    if plan.rejected:
        raise rejected(plan)
    try:
        with Session(writer(engine), expire_on_commit=False) as session, session.begin():
            save_many(session, plan.writes, actor)
    except (repository.ConflictError, IntegrityError) as exc:
        raise ConflictError(f"the glossary changed while importing; nothing was stored ({exc})") from exc
    except repository.UnknownRelatedError as exc:
        raise ConflictError(f"a related concept was deleted while importing; nothing was stored ({exc})") from exc
    except OperationalError as exc:
        raise UnavailableError("the database is busy; nothing was stored; retry", headers={"Retry-After": "1"}) from exc
    refresh(engine, glossary)
    return plan


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
