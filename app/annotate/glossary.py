"""The glossary of one text: each concept found in it once, and that glossary in the shapes MT engines take.

- `text_terms`: what an LLM prompt or an MT request needs, one entry per concept in order of first
  appearance: the surfaces as the text writes them, the renderings to use and to avoid, the English
  definition and how often the concept occurs.
- `deepl_entries`: DeepL glossary entries (TSV), one per surface, by the DeepL entry rules that the glossary
  export applies (`app.exchange.formats.tabular.deepl_phrase`).
- `azure_markup`: the text with Azure Translator's dynamic-dictionary markup around each term.

Everything is worked out per group of identical matches (`Scan.groups`), not per match: a megabyte of report
text has 17,000 matches of a few hundred distinct terms.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from app.annotate.index import Found
from app.exchange.formats.tabular import deepl_phrase
from app.terms.stored import StoredTerm


@dataclass(frozen=True, slots=True)
class TextTerm:
    """One concept found in a text."""

    slug: str
    hans: str
    surfaces: tuple[str, ...]  # as the text writes it, distinct, in order of first appearance
    en: str
    en_alternatives: tuple[str, ...]
    en_avoid: tuple[str, ...]
    definition_en: str
    count: int  # matches in the text

    def as_json(self) -> dict[str, object]:
        return {
            "slug": self.slug,
            "hans": self.hans,
            "surfaces": list(self.surfaces),
            "en": self.en,
            "en_alternatives": list(self.en_alternatives),
            "en_avoid": list(self.en_avoid),
            "definition_en": self.definition_en,
            "count": self.count,
        }


def text_terms(found: Found) -> list[TextTerm]:
    """Each concept of `found` once, in order of its first appearance in the text."""
    scan, records = found.scan, found.records
    if not len(scan):
        return []
    group, members = scan.groups()
    counts = np.bincount(group, minlength=len(members)).tolist()
    # Every group has a match, so `unique` lists them all, each with the index of its first match.
    _groups, first = np.unique(group, return_index=True)
    by_slug: dict[str, tuple[StoredTerm, list[str], list[int]]] = {}
    for g in np.argsort(first, kind="stable").tolist():
        surface, w = members[g]
        record = records[w]
        entry = by_slug.get(record.slug)
        if entry is None:
            entry = by_slug[record.slug] = (record, [], [0])
        if surface not in entry[1]:
            entry[1].append(surface)
        entry[2][0] += counts[g]
    return [
        TextTerm(
            slug=record.slug,
            hans=record.hans,
            surfaces=tuple(surfaces),
            en=record.en,
            en_alternatives=record.en_alternatives,
            en_avoid=record.en_avoid,
            definition_en=_definition_en(found, record),
            count=count[0],
        )
        for record, surfaces, count in by_slug.values()
    ]


def _definition_en(found: Found, record: StoredTerm) -> str:
    """The English definition, unpacked once per concept and snapshot (the memo goes with the snapshot)."""
    key = ("definition_en", record.slug)
    value = found.memo.get(key)
    if value is None:
        value = found.memo[key] = record.search_fields()[2]
    return str(value)


def deepl_entries(terms: Iterable[TextTerm]) -> Iterator[str]:
    """DeepL glossary entries ZH→EN as TSV lines, `surface<TAB>preferred rendering`.

    The sources are the surfaces as the text writes them (DeepL matches a source phrase in the text it
    translates), each once: DeepL refuses a glossary that lists a source twice. A phrase DeepL would refuse
    (empty, over 1024 UTF-8 bytes, control characters) is left out, as in the glossary export.
    """
    seen: set[str] = set()
    for term in terms:
        target = deepl_phrase(term.en)
        if target is None:
            continue
        for surface in term.surfaces:
            source = deepl_phrase(surface)
            if source is None or source in seen:
                continue
            seen.add(source)
            yield f"{source}\t{target}\n"


def azure_markup(text: str, found: Found) -> str:
    """`text` (where `found` was found) with `<mstrans:dictionary translation="…">…</mstrans:dictionary>`
    around each term.

    Azure reads the markup as markup, so the text itself is escaped (`&`, `<`, `>`) and the rendering in the
    attribute too (with its quotes): a `<` in the text can never open an element of its own. Send the result
    with `textType=html` (Azure then answers with HTML-escaped text), `from=zh-Hans` or `zh-Hant`, `to=en`.
    """
    scan, records = found.scan, found.records
    if not len(scan):
        return html.escape(text, quote=False)
    group, members = scan.groups()
    wrapped = [
        f'<mstrans:dictionary translation="{html.escape(records[w].en)}">'
        f"{html.escape(surface, quote=False)}</mstrans:dictionary>"
        for surface, w in members
    ]
    out = []
    position = 0
    for start, end, g in zip(scan.starts.tolist(), scan.ends.tolist(), group.tolist(), strict=True):
        out.append(html.escape(text[position:start], quote=False))
        out.append(wrapped[g])
        position = end
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)
