"""The response shapes of search, shared by the route and the MCP tool."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.search.engine.bands import describe
from app.terms.schemas import TermOut

MATCHED = (
    "`matched` names the field that matched. The score bands, best first (equal scores keep the glossary's "
    "order: footnoted first, then by slug):\n\n" + describe()
)


class SearchItem(BaseModel):
    term: TermOut
    score: float = Field(ge=0, le=1, description="Higher is better; see the bands in the endpoint description.")
    matched: str = Field(examples=["hant", "pinyin", "initials:prefix", "hans:fuzzy"], description=MATCHED)


class SearchResult(BaseModel):
    items: list[SearchItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same query) for the next page; null on the last."
    )
    estimated_total: int = Field(
        description="How many concepts the search found: exact when `total_exact`, else a lower bound (the "
        "search stops once the rest could not change the page)."
    )
    total_exact: bool
