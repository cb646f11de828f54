"""The indexes every process derives from the glossary and keeps in step with it."""

from __future__ import annotations

from app.annotate.index import TermAnnotator
from app.search.index import TermSearch
from app.terms.glossary import DerivedIndex


def derived_indexes() -> list[DerivedIndex]:
    """The term matcher first: a full load builds the indexes in this order, and the automaton's build (in Rust:
    about 60 MB above the 12 MB it keeps, at 100,000 concepts) is better made before the search index's 100 MB
    are resident than on top of them."""
    return [TermAnnotator(), TermSearch()]
