"""`GET /v1/search/misses`: what searches found nothing for, most counted first, for editors (candidates for
new terms)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from app.api.deps import EngineDep, GlossaryDep
from app.auth import EditorDep
from app.errors import ForbiddenError, InvalidInputError, UnauthorizedError, UnavailableError, responses
from app.search import miss_store
from app.search.misses import MissCounter, decode_cursor, encode_cursor

router = APIRouter(prefix="/v1", tags=["search"])

MAX_LIMIT = 100


class SearchMiss(BaseModel):
    query: str = Field(description="As first typed (trimmed); queries that fold alike are counted together.")
    count: int = Field(description="Searches for it that found nothing, across every replica.")
    first_seen: dt.datetime
    last_seen: dt.datetime
    known: str | None = Field(
        description="The slug of the term the glossary now has for this query (a headword or alias of it, in "
        "any script; drafts too); null while it has none."
    )


class SearchMissPage(BaseModel):
    items: list[SearchMiss]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


@router.get(
    "/search/misses",
    response_model=SearchMissPage,
    responses=responses(UnauthorizedError, ForbiddenError, InvalidInputError, UnavailableError),
)
def list_search_misses(
    request: Request,
    _caller: EditorDep,
    engine: EngineDep,
    glossary: GlossaryDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=400, description="`next_cursor` of the previous page.")] = None,
) -> SearchMissPage:
    """Queries that searches (`GET /v1/search` first pages, the desk's search, the MCP `search` tool) found
    nothing for, most counted first (editor key). Only the query is kept, never who asked. Typed as you
    type, a query counts once: a miss extended by a longer one within 3 seconds was a keystroke on the way
    and gives its count back. This process's counts are written before the list is read; other replicas
    write theirs every `MISS_FLUSH_INTERVAL` seconds (those typed on in the last 3 seconds at the next).
    `known` tells which have since become terms."""
    try:
        after = decode_cursor(cursor) if cursor is not None else None
    except ValueError as exc:
        raise InvalidInputError(f"cursor: {exc}") from exc
    counter: MissCounter = request.app.state.search_misses
    miss_store.flush(engine, counter)
    rows, more = miss_store.page(engine, limit=limit, after=after)
    items = []
    for row in rows:
        record = glossary.resolve(row.query)
        items.append(
            SearchMiss(
                query=row.query,
                count=row.count,
                first_seen=miss_store.utc(row.first_seen),
                last_seen=miss_store.utc(row.last_seen),
                known=record.slug if record is not None else None,
            )
        )
    next_cursor = encode_cursor(rows[-1].count, rows[-1].key) if more and rows else None
    return SearchMissPage(items=items, next_cursor=next_cursor)
