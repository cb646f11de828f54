"""The indexes every process derives from the glossary and keeps in step with it."""

from __future__ import annotations

from app.annotate.index import TermAnnotator
from app.search.index import TermSearch
from app.terms.glossary import DerivedIndex


def derived_indexes() -> list[DerivedIndex]:
    return [TermSearch(), TermAnnotator()]
