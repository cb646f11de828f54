"""Reading the glossary: list, one term, batch lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field

from app.api.deps import GlossaryDep, KeyDep, ScriptDep, SettingsDep
from app.core.script import Script
from app.errors import InvalidInputError, NotFoundError, responses
from app.terms.glossary import BadCursorError, present
from app.terms.schemas import Kind, TermOut, Text

router = APIRouter(prefix="/v1", tags=["terms"])

_EXAMPLE_KEYS = ["六服六进", "數據得地", "liu-fu-liu-jin", "不存在的词"]


class TermPage(BaseModel):
    items: list[TermOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
    total: int = Field(description="How many terms match the filters.")


class LookupRequest(BaseModel):
    keys: list[Annotated[Text, Field(max_length=200)]] = Field(
        max_length=1000, description="Slugs, headwords or aliases (any script).", examples=[_EXAMPLE_KEYS]
    )


class LookupResult(BaseModel):
    results: list[TermOut | None] = Field(description="One per key, in the same order; null where none matched.")


@router.get("/terms", response_model=TermPage, responses=responses(InvalidInputError))
def list_terms(
    glossary: GlossaryDep,
    kind: Kind | None = None,
    footnoted: Annotated[bool | None, Query(description="true: only the terms the source footnotes.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    script: ScriptDep = Script.hans,
) -> TermPage:
    """The glossary in a stable order: footnoted terms first by footnote number, then the rest by slug."""
    try:
        records, next_cursor, total = glossary.page(kind=kind, footnoted=footnoted, limit=limit, cursor=cursor)
    except BadCursorError as exc:
        raise InvalidInputError(f"cursor: {exc}") from exc
    return TermPage(items=[present(r, script) for r in records], next_cursor=next_cursor, total=total)


@router.get(
    "/terms/{key}",
    response_model=TermOut,
    responses={
        304: {"description": "Not modified: the `If-None-Match` ETag is current."},
        **responses(NotFoundError, InvalidInputError),
    },
)
def get_term(
    key: KeyDep,
    glossary: GlossaryDep,
    script: ScriptDep = Script.hans,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One term by slug, or by headword or alias in Simplified or any Traditional form (tw, hk, phrase forms)."""
    record = glossary.resolve(key)
    if record is None:
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
