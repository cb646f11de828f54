"""JSON: the contract's term objects, complete, as `{"items": [term, …]}`; import reads them back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from app.exchange.formats import FileFormatError, RawEntry, decode_utf8
from app.terms.schemas import TermOut

# Fields of the term object that the store keeps itself: ignored on import.
BOOKKEEPING = ("version", "updated_at", "created_at")


def write_json(terms: Iterable[TermOut]) -> Iterator[str]:
    yield '{"items": ['
    separator = "\n"
    for term in terms:
        yield separator + term.model_dump_json()
        separator = ",\n"
    yield "\n]}\n"


def read_json(data: bytes) -> Iterator[RawEntry]:
    """The term objects of `{"items": [...]}` (as exported) or of a bare array."""
    text = decode_utf8(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    except RecursionError as exc:  # arrays or objects nested thousands deep
        raise FileFormatError("not valid JSON for a glossary: nested too deeply to parse") from exc
    items = document.get("items") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise FileFormatError('a JSON glossary is {"items": [term, …]} or an array of terms')
    for number, item in enumerate(items, 1):
        entry = RawEntry(number=number)
        if isinstance(item, dict):
            entry.data = {k: v for k, v in item.items() if k not in BOOKKEEPING}
        else:
            entry.errors.append(f"is a JSON {type(item).__name__}, not a term object")
        yield entry
