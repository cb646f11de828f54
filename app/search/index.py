"""Placeholder: the search index (issue 4) replaces this."""

from __future__ import annotations

from collections.abc import Sequence

from app.terms.schemas import TermRecord


class TermSearch:
    def reset(self, records: Sequence[TermRecord]) -> None:
        pass

    def update(self, changed: Sequence[TermRecord], deleted: Sequence[str]) -> None:
        pass
