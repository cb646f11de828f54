"""The glossary's search index: the pure `SearchIndex` fed with the glossary's records, kept in step by
`Glossary.apply` (a `DerivedIndex`)."""

from __future__ import annotations

from collections.abc import Sequence

from app.search.engine import Entry, Hit, Page, SearchIndex
from app.search.misses import MissCounter
from app.terms.stored import StoredTerm


def _forms(record: StoredTerm) -> tuple[tuple[str, str], ...]:
    """The written forms of the headword ("hant": its Traditional and phrase-localised forms) and aliases
    ("alias", in every form), as the folded keys the snapshot computed once for every index."""
    return tuple(
        (key, "alias" if origin >> 1 else "hant") for key, origin in zip(record.keys, record.key_forms, strict=True)
    )


def entries(records: Sequence[StoredTerm]) -> list[Entry]:
    out = []
    for r in records:
        pinyin, definition_zh, definition_en = r.search_fields()
        out.append(
            Entry(
                slug=r.slug,
                hans=r.hans,
                forms=_forms(r),
                pinyin=pinyin,
                en=r.en,
                en_alternatives=r.en_alternatives,
                en_avoid=r.en_avoid,
                definition_zh=definition_zh,
                definition_en=definition_en,
                kind=str(r.kind),
                footnote=r.footnote,
            )
        )
    return out


class TermSearch:
    """Search over the live glossary (`DerivedIndex`): rebuilt on a full load, updated in place on edits."""

    def __init__(self) -> None:
        self._index = SearchIndex()

    def reset(self, records: Sequence[StoredTerm]) -> None:
        # A part of the records at a time becomes entries (each unpacks its definitions): at 100,000 concepts
        # all the entries at once would be ~100 MB on top of the build.
        self._index = SearchIndex.built_in_parts(len(records), lambda start, end: entries(records[start:end]))

    def update(self, changed: Sequence[StoredTerm], deleted: Sequence[str]) -> None:
        self._index.update(entries(changed), deleted)

    def search(
        self, query: str, *, limit: int = 20, kind: str | None = None, footnoted: bool | None = None
    ) -> list[Hit]:
        return self._index.search(query, limit=limit, kind=kind, footnoted=footnoted)

    def search_page(
        self, query: str, *, limit: int, offset: int, kind: str | None = None, footnoted: bool | None = None
    ) -> Page:
        return self._index.search_page(query, limit=limit, offset=offset, kind=kind, footnoted=footnoted)

    def __len__(self) -> int:
        return len(self._index)


def count_if_missed(
    counter: MissCounter,
    index: TermSearch,
    q: str,
    hits: Sequence[Hit],
    *,
    kind: str | None = None,
    footnoted: bool | None = None,
) -> None:
    """Count `q` for editors (`GET /v1/search/misses`) when the first page of its search has no hits and the
    glossary has nothing for it at all: a filtered search that missed may only have missed the filter, and
    that is no candidate for a new term. Every search a person or a pipeline types into calls this."""
    if hits:
        return
    if (kind is None and footnoted is None) or not index.search_page(q, limit=1, offset=0).hits:
        counter.add(q)  # in memory; the lifespan writes the counts (app.search.misses)
