"""The glossary's search index: the pure `SearchIndex` fed with the glossary's records, kept in step by
`Glossary.apply` (a `DerivedIndex`)."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.forms import VARIANT_CONFIGS
from app.core.script import convert
from app.core.search import Entry, Hit, SearchIndex
from app.terms.schemas import TermRecord


def _forms(records: Sequence[TermRecord]) -> list[tuple[tuple[str, str], ...]]:
    """The written forms of each record's headword ("hant") and aliases ("alias"), as `written_forms` gives
    them, converted a whole batch per OpenCC call: a call costs far more than the characters it converts, and
    a line break ends every phrase OpenCC matches, so a batch converts each line as it would alone."""
    lines: list[str] = []
    spans: list[tuple[int, int]] = []
    for record in records:
        start = len(lines)
        lines.append(record.hans)
        lines.extend(record.aliases)
        spans.append((start, len(lines)))
    if any("\n" in line or "\r" in line for line in lines):  # headwords never hold one; stay exact if they do
        converted = [[convert(line, config) for line in lines] for config in VARIANT_CONFIGS]
    else:
        converted = [convert("\n".join(lines), config).split("\n") for config in VARIANT_CONFIGS]
    out = []
    for start, end in spans:
        forms: list[tuple[str, str]] = []
        for i in range(start, end):
            field = "hant" if i == start else "alias"
            if field == "alias":
                forms.append((lines[i], "alias"))
            forms.extend((variants[i], field) for variants in converted if variants[i] != lines[i])
        out.append(tuple(forms))
    return out


def entries(records: Sequence[TermRecord]) -> list[Entry]:
    return [
        Entry(
            slug=r.slug,
            hans=r.hans,
            forms=forms,
            pinyin=r.pinyin,
            en=r.en,
            en_alternatives=tuple(r.en_alternatives),
            definition_zh=r.definition.zh,
            definition_en=r.definition.en,
            kind=str(r.kind),
            footnote=r.footnote,
        )
        for r, forms in zip(records, _forms(records), strict=True)
    ]


class TermSearch:
    """Search over the live glossary (`DerivedIndex`): rebuilt on a full load, updated in place on edits."""

    def __init__(self) -> None:
        self._index = SearchIndex()

    def reset(self, records: Sequence[TermRecord]) -> None:
        self._index = SearchIndex(entries(records))

    def update(self, changed: Sequence[TermRecord], deleted: Sequence[str]) -> None:
        self._index.update(entries(changed), deleted)

    def search(
        self, query: str, *, limit: int = 20, kind: str | None = None, footnoted: bool | None = None
    ) -> list[Hit]:
        return self._index.search(query, limit=limit, kind=kind, footnoted=footnoted)

    def __len__(self) -> int:
        return len(self._index)
