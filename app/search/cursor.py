"""Search cursors: where the next page starts, bound to the query it came from.

A cursor is the offset of the next page and a short digest of the query and its filters, base64url-encoded:
opaque to clients, and refused when it is passed with another query (that page would be another search's).
Pages are counted against the index as it is when each page is asked for: an edit between two pages can
move a concept across the boundary."""

from __future__ import annotations

import base64
import hashlib
import json

from app.search.engine import MAX_DEPTH


def page_token(query: str, kind: str | None, footnoted: bool | None) -> str:
    """A short digest of what was searched for."""
    text = json.dumps([query, kind, footnoted], ensure_ascii=False)
    return hashlib.blake2s(text.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


def make_cursor(offset: int, token: str) -> str:
    raw = json.dumps({"o": offset, "q": token}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(cursor: str, token: str) -> int:
    """The offset a cursor holds; ValueError if it is not one of ours or belongs to another query."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        offset, owner = data["o"], data["q"]
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError("not a cursor this API made") from exc
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset < MAX_DEPTH:
        raise ValueError("not a cursor this API made")
    if owner != token:
        raise ValueError("this cursor belongs to another query (or other filters)")
    return offset
