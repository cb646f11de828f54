"""The one mapping between a concept entry and its table rows, both ways.

The single save, the bulk insert and the reader all go through here, so that what a row means is written once:

    concept      the entry's scalar fields (and the bookkeeping the repository adds)
    term         zh: the headword (preferred, position 0) and the aliases (admitted, 1…);
                 en: the preferred rendering (position 0), then admitted, then avoided ones
    definition   one row per language
    component    the parts of a numbered formula, by position
    source       document, date, section and quote, by position
    lookup_key   every folded written form (`TermFields.lookup_keys`)
    relation     built from slugs by the repository, which knows which concepts are live
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app import models
from app.terms.schemas import TermFields

PREFERRED, ADMITTED, AVOID = "preferred", "admitted", "avoid"


def concept_values(fields: TermFields) -> dict[str, Any]:
    """The concept row's editorial columns."""
    return {
        "kind": str(fields.kind),
        "footnote": fields.footnote,
        "pinyin": fields.pinyin,
        "hant": fields.hant,
        "en_origin": fields.en_origin,
        "definition_basis": str(fields.definition.basis),
        "note": fields.note,
        "status": str(fields.status),
    }


def child_rows(cid: int, fields: TermFields) -> dict[type, list[dict[str, Any]]]:
    """The rows of every child table but `relation` for the concept `cid`, as values for an INSERT."""
    zh = [(fields.hans, PREFERRED)] + [(a, ADMITTED) for a in fields.aliases]
    en = (
        [(fields.en, PREFERRED)]
        + [(t, ADMITTED) for t in fields.en_alternatives]
        + [(t, AVOID) for t in fields.en_avoid]
    )
    return {
        models.Term: [
            {"concept_id": cid, "lang": lang, "position": i, "text": text, "status": status}
            for lang, forms in (("zh", zh), ("en", en))
            for i, (text, status) in enumerate(forms)
        ],
        models.Definition: [
            {"concept_id": cid, "lang": "zh", "text": fields.definition.zh},
            {"concept_id": cid, "lang": "en", "text": fields.definition.en},
        ],
        models.Component: [
            {"concept_id": cid, "position": i, "hans": c.hans, "en": c.en} for i, c in enumerate(fields.components)
        ],
        models.Source: [
            {
                "concept_id": cid,
                "position": i,
                "document": s.document,
                "date": s.date,
                "section": s.section,
                "quote": s.quote,
            }
            for i, s in enumerate(fields.sources)
        ],
        models.LookupKey: [{"key": key, "concept_id": cid} for key in fields.lookup_keys()],
    }


def relation_rows(cid: int, related: Iterable[str], ids: dict[str, int]) -> list[dict[str, Any]]:
    """The relation rows of `cid` to the concepts `related` (slugs, each in `ids`), in order."""
    return [{"concept_id": cid, "position": i, "related_id": ids[slug]} for i, slug in enumerate(related)]


def split_terms(rows: Iterable[tuple[str, str, str]]) -> tuple[str, list[str], str, list[str], list[str]]:
    """(lang, status, text) term rows in order → headword, aliases, rendering, admitted and avoided renderings."""
    hans, en = "", ""
    aliases: list[str] = []
    alternatives: list[str] = []
    avoid: list[str] = []
    for lang, status, text in rows:
        if lang == "zh":
            if status == PREFERRED:
                hans = text
            else:
                aliases.append(text)
        elif status == PREFERRED:
            en = text
        elif status == ADMITTED:
            alternatives.append(text)
        elif status == AVOID:
            avoid.append(text)
    return hans, aliases, en, alternatives, avoid


def split_definitions(rows: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """(lang, text) definition rows → the Chinese and the English definition."""
    zh, en = "", ""
    for lang, text in rows:
        if lang == "zh":
            zh = text
        else:
            en = text
    return zh, en
