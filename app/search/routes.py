"""`GET /v1/search`: find a term however it is typed."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from app.api.deps import GlossaryDep, ScriptDep
from app.core.script import Script
from app.errors import InvalidInputError, responses
from app.search.engine import MAX_LIMIT
from app.search.engine.bands import describe
from app.search.index import TermSearch
from app.terms.schemas import Kind, TermOut, clean

router = APIRouter(prefix="/v1", tags=["search"])

MATCHED = (
    "`matched` names the field that matched. The score bands, best first (equal scores keep the glossary's "
    "order: footnoted first, then by slug):\n\n" + describe()
)


class SearchItem(BaseModel):
    term: TermOut
    score: float = Field(ge=0, le=1, description="Higher is better; see the bands in the endpoint description.")
    matched: str = Field(examples=["hant", "pinyin", "initials~"], description=MATCHED)


class SearchResult(BaseModel):
    items: list[SearchItem]


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
    hits = glossary.index(TermSearch).search(q, limit=limit, kind=kind, footnoted=footnoted)
    # Each term's JSON is the one `GET /v1/terms/{key}` serves (cached per version and script).
    parts = []
    for hit in hits:
        record = glossary.resolve(hit.slug)
        if record is None:  # deleted since the search: the snapshot moved on
            continue
        body, _etag = glossary.rendered(record, script)
        parts.append(b'{"term":%b,"score":%b,"matched":%b}' % (body, json.dumps(hit.score).encode(), _q(hit.matched)))
    return Response(b'{"items":[' + b",".join(parts) + b"]}", media_type="application/json")


def _q(text: str) -> bytes:
    return json.dumps(text).encode()
