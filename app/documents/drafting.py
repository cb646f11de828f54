"""From an extracted candidate to a draft glossary entry (a dict in the seed/API entry shape, `status: draft`).

Pure: nothing is written here; the drafts call of the write path takes these dicts. The slug and pinyin are
derived from the Simplified headword (pypinyin's reading, to be checked by an editor); a footnoted candidate's
definition is its footnote verbatim (`basis: footnote`), and its source quote the sentence carrying the marker;
any other candidate's quote is the sentence it first stands in. English fields are left for the editor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.core.normalize import QUOTES, fold
from app.core.pinyin import slug_from_pinyin, suggest
from app.documents.extraction import Candidate


def draft_entry(
    candidate: Candidate, *, document: str | None = None, date: str | None = None, section: str | None = None
) -> dict[str, Any]:
    """A draft entry for `candidate`, citing `document` (its title; `date` as YYYY-MM-DD) as its source."""
    hans = _headword(candidate.hans)
    pinyin = suggest(hans)
    entry: dict[str, Any] = {
        "slug": slug_from_pinyin(pinyin),
        "hans": hans,
        "pinyin": pinyin,
        "kind": candidate.kind,
        "status": "draft",
        "footnote": candidate.footnote,
        "definition": {"zh": candidate.definition_zh, "basis": "footnote"} if candidate.definition_zh else None,
        # A surface that folds to the headword (its Traditional form) is found anyway; another one (資料得地,
        # phrase-localised) is an alias.
        "aliases": [] if fold(candidate.surface) == fold(hans) else [candidate.surface],
        "sources": [{"document": document, "date": date, "section": section, "quote": candidate.context}],
    }
    return entry


def draft_entries(
    candidates: Iterable[Candidate],
    *,
    document: str | None = None,
    date: str | None = None,
    min_score: float = 0.0,
) -> list[dict[str, Any]]:
    """Draft entries for the candidates the glossary does not have yet (`known` is None) scoring at least
    `min_score`, one per headword; two headwords with one slug (同音) get -2, -3 … in the order given."""
    drafts: list[dict[str, Any]] = []
    seen_headwords: set[str] = set()
    slugs: dict[str, int] = {}
    for candidate in candidates:
        if candidate.known is not None or candidate.score < min_score:
            continue
        draft = draft_entry(candidate, document=document, date=date)
        if fold(draft["hans"]) in seen_headwords:
            continue
        seen_headwords.add(fold(draft["hans"]))
        n = slugs[draft["slug"]] = slugs.get(draft["slug"], 0) + 1
        if n > 1:
            draft["slug"] = f"{draft['slug'][:77]}-{n}"
        drafts.append(draft)
    return drafts


def _headword(surface: str) -> str:
    """The headword as the seed writes it: outer quotation marks dropped, inner ones kept."""
    while (
        len(surface) > 2
        and surface[0] in QUOTES
        and surface[-1] in QUOTES
        and not any(q in surface[1:-1] for q in QUOTES)
    ):
        surface = surface[1:-1]
    return surface
