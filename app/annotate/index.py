"""Placeholder: the term matcher (issue 5) replaces this."""

from __future__ import annotations

from collections.abc import Sequence

from app.terms.schemas import TermRecord


class TermAnnotator:
    def reset(self, records: Sequence[TermRecord]) -> None:
        pass

    def update(self, changed: Sequence[TermRecord], deleted: Sequence[str]) -> None:
        pass
