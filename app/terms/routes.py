"""The glossary over HTTP: list, one term, batch lookup; and, with an editor key, create, patch, delete,
history and restore."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.api.deps import EngineDep, GlossaryDep, KeyDep, ScriptDep, SettingsDep, WriteSessionDep
from app.auth import EditorDep, OptionalCallerDep
from app.core.script import Script
from app.db import read_session
from app.documents.deps import DocumentTitleDep
from app.errors import (
    ConflictError,
    ForbiddenError,
    GoneError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
    UnauthorizedError,
    UnavailableError,
    responses,
)
from app.terms import editing, history, repository
from app.terms.glossary import BadCursorError, present
from app.terms.history import HistoryPage
from app.terms.schemas import Kind, LookupResult, Slug, StatusFilter, TermFields, TermOut, TermRecord, Text

router = APIRouter(prefix="/v1", tags=["terms"])

_EXAMPLE_KEYS = ["六服六进", "數據得地", "liu-fu-liu-jin", "不存在的词"]


class TermPage(BaseModel):
    items: list[TermOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
    total: int = Field(description="How many terms match the filters.")


class LookupRequest(BaseModel):
    model_config = {"extra": "forbid"}  # a misspelt field is a 422 naming it, not ignored
    keys: list[Annotated[Text, Field(max_length=200)]] = Field(
        description="Slugs, headwords or aliases (any script); at most MAX_LOOKUP_KEYS (1000 unless configured).",
        examples=[_EXAMPLE_KEYS],
    )


@router.get("/terms", response_model=TermPage, responses=responses(InvalidInputError))
def list_terms(
    glossary: GlossaryDep,
    kind: Kind | None = None,
    footnoted: Annotated[bool | None, Query(description="true: only the terms the source footnotes.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[
        StatusFilter, Query(description="approved (the default), draft (the review queue) or all.")
    ] = StatusFilter.approved,
    title: DocumentTitleDep = None,
    script: ScriptDep = Script.hans,
) -> TermPage:
    """The glossary in a stable order: footnoted terms first by footnote number, then the rest by slug."""
    try:
        records, next_cursor, total = glossary.page(
            kind=kind,
            footnoted=footnoted,
            limit=limit,
            cursor=cursor,
            status=None if status is StatusFilter.all else str(status),
            document=title,
        )
    except BadCursorError as exc:
        raise InvalidInputError(f"cursor: {exc}") from exc
    return TermPage(items=[present(r, script) for r in records], next_cursor=next_cursor, total=total)


@router.get(
    "/terms/{key}",
    response_model=TermOut,
    responses={
        304: {"description": "Not modified: the `If-None-Match` ETag is current."},
        **responses(NotFoundError, GoneError, InvalidInputError),
    },
)
async def get_term(
    key: KeyDep,
    glossary: GlossaryDep,
    script: ScriptDep = Script.hans,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One term by slug, or by headword or alias in Simplified or any Traditional form (tw, hk, phrase forms)."""
    # async: a dictionary look-up and a cached body, cheaper on the event loop than a hop to the thread pool.
    record = glossary.resolve(key)
    if record is None:
        if glossary.is_gone(key):
            raise GoneError(f"the concept {key!r} was deleted; its history is at /v1/terms/{key}/history")
        raise NotFoundError(f"no term has the slug, headword or alias {key!r}")
    body, etag = glossary.rendered(record, script)
    headers = {"ETag": etag, "Vary": "Accept-Encoding"}
    if if_none_match is not None and _etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


def _etag_matches(header: str, etag: str) -> bool:
    """RFC 9110 weak comparison, as If-None-Match uses."""
    if header.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in header.split(","))
    return etag in candidates


@router.post("/lookup", response_model=LookupResult, responses=responses(InvalidInputError))
def lookup(
    request: LookupRequest, glossary: GlossaryDep, settings: SettingsDep, script: ScriptDep = Script.hans
) -> LookupResult:
    """Many keys at once, each resolved as `GET /v1/terms/{key}` would."""
    if len(request.keys) > settings.max_lookup_keys:
        raise InvalidInputError(f"keys: at most {settings.max_lookup_keys} keys per request")
    results = []
    for key in request.keys:
        record = glossary.resolve(key)
        results.append(present(record, script) if record is not None else None)
    return LookupResult(results=results)


# --- Editing -------------------------------------------------------------------------------------------------

_WRITE_ERRORS = (UnauthorizedError, ForbiddenError, InvalidInputError, UnavailableError)
_IF_MATCH = Header(
    default=None, description="The ETag of the representation being changed (from GET /v1/terms/{slug})."
)


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: StrictInt = Field(ge=1, le=2**31 - 1, description="The version to make current again.")


def _written(glossary: GlossaryDep, record: TermRecord, status: int) -> Response:
    body, etag = glossary.rendered(record, Script.hans)
    headers = {"ETag": etag, "Location": f"/v1/terms/{record.slug}"}
    return Response(content=body, status_code=status, media_type="application/json", headers=headers)


@router.post(
    "/terms",
    status_code=201,
    response_model=TermOut,
    responses=responses(*_WRITE_ERRORS, ConflictError),
)
def create_term(fields: TermFields, caller: EditorDep, session: WriteSessionDep, glossary: GlossaryDep) -> Response:
    """Create a concept (editor key). 409 if its slug, headword, an alias or its Traditional override belongs
    to another concept, or its footnote is another concept's."""
    return _written(glossary, editing.create(session, fields, caller), 201)


@router.patch(
    "/terms/{slug}",
    response_model=TermOut,
    responses=responses(
        *_WRITE_ERRORS, NotFoundError, GoneError, ConflictError, PreconditionFailedError, PreconditionRequiredError
    ),
    openapi_extra={"requestBody": {"content": {"application/merge-patch+json": {"schema": {"type": "object"}}}}},
)
def patch_term(
    slug: Slug,
    caller: EditorDep,
    session: WriteSessionDep,
    glossary: GlossaryDep,
    changes: Annotated[dict[str, Any], Body(examples=[{"note": "Prefer the rendering agreed with the client."}])],
    if_match: str | None = _IF_MATCH,
) -> Response:
    """Change a concept with a JSON merge patch (RFC 7396). Needs `If-Match`: 428 without, 412 if stale."""
    return _written(glossary, editing.patch(session, glossary.etags, slug, changes, if_match, caller), 200)


@router.delete(
    "/terms/{slug}",
    status_code=204,
    responses=responses(*_WRITE_ERRORS, NotFoundError, GoneError, PreconditionFailedError, PreconditionRequiredError),
)
def delete_term(
    slug: Slug, caller: EditorDep, session: WriteSessionDep, glossary: GlossaryDep, if_match: str | None = _IF_MATCH
) -> Response:
    """Delete a concept: it answers 410 afterwards and stays in its history. Needs `If-Match`."""
    editing.delete(session, glossary.etags, slug, if_match, caller)
    return Response(status_code=204)


@router.post(
    "/terms/{slug}/approve",
    response_model=TermOut,
    responses=responses(
        *_WRITE_ERRORS, NotFoundError, GoneError, ConflictError, PreconditionFailedError, PreconditionRequiredError
    ),
)
def approve_term(
    slug: Slug, caller: EditorDep, session: WriteSessionDep, glossary: GlossaryDep, if_match: str | None = _IF_MATCH
) -> Response:
    """Approve a draft (editor key; `If-Match`): it takes part in annotate, qa, convert, search and exports from
    now on. 422 while it lacks its English rendering or definitions; 409 if it is approved already."""
    return _written(glossary, editing.approve(session, glossary.etags, slug, if_match, caller), 200)


@router.post(
    "/terms/{slug}/reject",
    status_code=204,
    responses=responses(
        *_WRITE_ERRORS, NotFoundError, GoneError, ConflictError, PreconditionFailedError, PreconditionRequiredError
    ),
)
def reject_term(
    slug: Slug, caller: EditorDep, session: WriteSessionDep, glossary: GlossaryDep, if_match: str | None = _IF_MATCH
) -> Response:
    """Reject a draft (editor key; `If-Match`): it leaves the glossary, recorded as rejected in its history."""
    editing.reject(session, glossary.etags, slug, if_match, caller)
    return Response(status_code=204)


@router.get(
    "/terms/{slug}/history",
    response_model=HistoryPage,
    responses=responses(NotFoundError, InvalidInputError, UnauthorizedError),
    openapi_extra={"security": [{}, {"HTTPBearer": []}]},  # a key is optional: it shows who made each change
)
def term_history(
    slug: Slug,
    engine: EngineDep,
    caller: OptionalCallerDep,
    limit: Annotated[int, Query(ge=1, le=history.MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    full: Annotated[bool, Query(description="true: each change with the whole entry before and after.")] = False,
) -> Response:
    """A concept's changes, newest first: version, action, who (the key to editors, "editor" to anyone else),
    when and which fields changed; `full=true` adds the entries before and after."""
    try:
        before = history.decode_cursor(cursor) if cursor else None
    except history.BadHistoryCursorError as exc:
        raise InvalidInputError(f"cursor: {exc}") from exc
    with read_session(engine) as session:
        page = repository.history_page(session, slug, limit=limit, before=before)
    if page is None:
        raise NotFoundError(f"no concept has the slug {slug!r}")
    entries, next_id = page
    omitted = set() if full else {"before", "after"}
    items = [
        history.present_entry(e, full=full, to_editor=caller is not None).model_dump(mode="json", exclude=omitted)
        for e in entries
    ]
    body = {"slug": slug, "items": items, "next_cursor": history.encode_cursor(next_id) if next_id else None}
    return Response(content=json.dumps(body, ensure_ascii=False), media_type="application/json")


@router.post(
    "/terms/{slug}/restore",
    response_model=TermOut,
    responses=responses(
        *_WRITE_ERRORS, NotFoundError, ConflictError, PreconditionFailedError, PreconditionRequiredError
    ),
)
def restore_term(
    slug: Slug,
    request: RestoreRequest,
    caller: EditorDep,
    session: WriteSessionDep,
    glossary: GlossaryDep,
    if_match: str | None = _IF_MATCH,
) -> Response:
    """Make a concept what it was at `version` again (a new, recorded change; undeletes a deleted concept).
    Needs `If-Match` while the concept is live."""
    return _written(glossary, editing.restore(session, glossary.etags, slug, request.version, if_match, caller), 200)
