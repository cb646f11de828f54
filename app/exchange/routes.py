"""Glossary files over HTTP: GET /v1/export streams a file; POST /v1/import takes one back (editors)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from app.api.deps import EngineDep, GlossaryDep, ScriptDep, WriteSessionDep
from app.auth import EditorDep
from app.core.script import Script
from app.documents.deps import DocumentTitleDep
from app.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    PayloadTooLargeError,
    UnauthorizedError,
    UnavailableError,
    responses,
)
from app.exchange import service
from app.exchange.filters import ExportFilter
from app.exchange.formats import FILE_TYPES, ExportFormat, ImportFormat, chunked
from app.exchange.plan import ImportPlan, Outcome
from app.terms.editing import actor_of
from app.terms.schemas import Kind, Status, StatusFilter

router = APIRouter(prefix="/v1", tags=["files"])

_EXPORT_EXAMPLES = {
    ExportFormat.tbx: "TBX v3 (ISO 30042:2019), TBX-Basic, DCA style",
    ExportFormat.tbx2: "TBX v2 (martif), as most CAT tools and translate-toolkit read it",
    ExportFormat.csv: "every field, one row per concept (RFC 4180, UTF-8)",
    ExportFormat.deepl: "DeepL glossary entries ZH→EN (TSV)",
    ExportFormat.google: "Google Cloud Translation equivalent-term-sets glossary (CSV)",
    ExportFormat.amazon: "Amazon Translate custom terminology (CSV, header `zh,en`; `zh-TW,en` for Traditional)",
    ExportFormat.json: "the contract's term objects: {items: [term, …]}",
}


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The glossary file, streamed, as an attachment.",
            "content": {
                ft.media_type.split(";")[0]: {
                    "schema": {"type": "object"}
                    if ft.media_type.startswith("application/json")
                    else {"type": "string", "format": "binary"}
                }
                for ft in FILE_TYPES.values()
            },
        },
        **responses(InvalidInputError),
    },
)
def export_glossary(
    glossary: GlossaryDep,
    fmt: Annotated[
        ExportFormat,
        Query(alias="format", description="; ".join(f"`{k}`: {v}" for k, v in _EXPORT_EXAMPLES.items())),
    ],
    script: ScriptDep = Script.hans,
    bom: Annotated[
        bool, Query(description="csv only: start with a UTF-8 byte-order mark, so that Excel reads UTF-8.")
    ] = False,
    kind: Annotated[Kind | None, Query(description="Only the concepts of this kind.")] = None,
    status: Annotated[
        StatusFilter, Query(description="approved (the default), draft or all: drafts only when asked for.")
    ] = StatusFilter.approved,
    title: DocumentTitleDep = None,
) -> StreamingResponse:
    """The glossary as a file that translation tools import, streamed in bounded memory."""
    chosen = None if status is StatusFilter.all else Status(status)
    records = ExportFilter(kind=kind, status=chosen, document=title).apply(service.export_order(glossary))
    file_type = FILE_TYPES[fmt]
    name = "policy-glossary" + ("" if script is Script.hans else f"-{script.value}")
    name += (
        f"-{fmt.value}"
        if fmt in (ExportFormat.tbx2, ExportFormat.deepl, ExportFormat.google, ExportFormat.amazon)
        else ""
    )
    name += f"-{kind.value}" if kind is not None else ""
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.{file_type.extension}"',
        "X-Glossary-Revision": str(glossary.revision),
        "X-Content-Type-Options": "nosniff",
    }
    body = chunked(service.export(records, fmt, script=script, bom=bom and fmt is ExportFormat.csv))
    return StreamingResponse(body, media_type=file_type.media_type, headers=headers)


class ImportedEntry(BaseModel):
    entry: int = Field(description="The entry's number in the file, from 1.")
    line: int | None = Field(description="The line the entry starts on (TBX and CSV).")
    slug: str | None


class RejectedEntry(ImportedEntry):
    reason: str


class ImportReport(BaseModel):
    dry_run: bool
    created: list[ImportedEntry]
    updated: list[ImportedEntry]
    restored: list[ImportedEntry] = Field(description="Concepts deleted since the file was made, brought back.")
    unchanged: list[ImportedEntry]
    rejected: list[RejectedEntry]

    @classmethod
    def of(cls, plan: ImportPlan, dry_run: bool) -> ImportReport:
        def items(outcomes: list[Outcome]) -> list[ImportedEntry]:
            return [ImportedEntry(entry=o.entry, line=o.line, slug=o.slug) for o in outcomes]

        return cls(
            dry_run=dry_run,
            created=items(plan.created),
            updated=items(plan.updated),
            restored=items(plan.restored),
            unchanged=items(plan.unchanged),
            rejected=[
                RejectedEntry(entry=o.entry, line=o.line, slug=o.slug, reason=o.reason or "") for o in plan.rejected
            ],
        )


@router.post(
    "/import",
    response_model=ImportReport,
    responses=responses(
        InvalidInputError, UnauthorizedError, ForbiddenError, ConflictError, PayloadTooLargeError, UnavailableError
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file itself (UTF-8): TBX v3 or v2, the full CSV, or the JSON export.",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("application/xml", "text/csv", "application/json", "application/octet-stream")
            },
        }
    },
)
async def import_glossary(
    request: Request,
    caller: EditorDep,
    session: WriteSessionDep,
    engine: EngineDep,
    glossary: GlossaryDep,
    fmt: Annotated[ImportFormat, Query(alias="format", description="tbx, tbx2 (either TBX version), csv or json.")],
    dry_run: Annotated[
        bool, Query(description="true: report what would be created, updated, unchanged and rejected; store nothing.")
    ] = False,
) -> ImportReport:
    """Create and update concepts from a file; all or nothing: one rejected entry and nothing is stored.

    A DOCTYPE (and so any entity or external DTD) makes a TBX file 422; files must be UTF-8.
    """
    data = await request.body()
    plan = await anyio.to_thread.run_sync(service.plan_file, engine, glossary, data, fmt)
    if not dry_run:  # the writes commit when this returns (the session dependency)
        await anyio.to_thread.run_sync(partial(service.apply_plan, session, plan, actor=actor_of(caller)))
    return ImportReport.of(plan, dry_run)
