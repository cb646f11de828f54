"""`GET /v1/search`: find a term however it is typed."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import GlossaryDep, ScriptDep
from app.core.script import Script
from app.errors import InvalidInputError, responses
from app.search.cursor import make_cursor, page_token, read_cursor
from app.search.engine import MAX_LIMIT
from app.search.index import TermSearch, count_if_missed
from app.search.schemas import MATCHED, SearchResult
from app.terms.schemas import Kind, clean

router = APIRouter(prefix="/v1", tags=["search"])


@router.get(
    "/search",
    response_model=SearchResult,
    responses=responses(InvalidInputError),
    description=(
        "Ranked search over Simplified, Traditional (tw, hk and their phrase forms), pinyin, initials, English "
        "renderings and definitions, tolerant of one typo. Input is normalised as everywhere in the API "
        "(full-width and Roman-numeral look-alikes fold, quotation marks do not count).\n\n" + MATCHED
    ),
)
def search(
    request: Request,
    glossary: GlossaryDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="What the user typed.",
            examples=["數據得地", "shujudedi", "sjdd", "data for land"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page of the same query.")
    ] = None,
    kind: Kind | None = None,
    footnoted: Annotated[bool | None, Query(description="true: only the terms the source footnotes.")] = None,
    script: ScriptDep = Script.hans,
) -> Response:
    # A plain `def`: ranking is CPU work of about a millisecond under the GIL either way, and in the threadpool
    # a rare slow query cannot stall the event loop that answers everyone else.
    try:
        clean(q)
    except ValueError as exc:
        raise InvalidInputError(f"q: {exc}") from exc
    if not q.strip():
        raise InvalidInputError("q: must contain something other than whitespace")
    token = page_token(q, kind, footnoted)
    offset = 0
    if cursor is not None:
        try:
            offset = read_cursor(cursor, token)
        except ValueError as exc:
            raise InvalidInputError(f"cursor: {exc}") from exc
    index = glossary.index(TermSearch)
    page = index.search_page(q, limit=limit, offset=offset, kind=kind, footnoted=footnoted)
    if cursor is None:
        count_if_missed(request.app.state.search_misses, index, q, page.hits, kind=kind, footnoted=footnoted)
    # Each term's JSON is the one `GET /v1/terms/{key}` serves (cached per version and script).
    parts = []
    for hit in page.hits:
        record = glossary.resolve(hit.slug)
        if record is None:  # deleted since the search: the snapshot moved on
            continue
        body, _etag = glossary.rendered(record, script)
        parts.append(b'{"term":%b,"score":%b,"matched":%b}' % (body, json.dumps(hit.score).encode(), _q(hit.matched)))
    next_cursor = make_cursor(offset + limit, token) if page.more else None
    tail = b'],"next_cursor":%b,"estimated_total":%d,"total_exact":%b}' % (
        _q(next_cursor) if next_cursor else b"null",
        max(page.total, offset + len(page.hits)),
        b"true" if page.total_exact else b"false",
    )
    return Response(b'{"items":[' + b",".join(parts) + tail, media_type="application/json")


def _q(text: str) -> bytes:
    return json.dumps(text).encode()
