"""A concept's history as readers see it: pages of summaries (what changed), full records on request, and who
made each change told only to editors."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from pydantic import BaseModel, Field

from app import models
from app.terms.schemas import TermFields, TermRecord

MAX_PAGE = 100
_CURSOR_PREFIX = "h:"


class HistoryEntry(BaseModel):
    version: int = Field(description="The concept's version after this change.")
    action: str = Field(description="create, update, delete or restore", examples=["update"])
    actor: str = Field(
        description='Who made the change: "seed", "import", or an API key ("key:ID:NAME" to editors, "editor" to '
        "anyone else)."
    )
    at: dt.datetime
    changed: list[str] = Field(description="The fields this change set, changed or cleared, in entry order.")
    before: TermRecord | None = Field(default=None, description="With full=true: the entry before the change.")
    after: TermRecord | None = Field(default=None, description="With full=true: the entry after the change.")


class HistoryPage(BaseModel):
    slug: str
    items: list[HistoryEntry] = Field(description="Newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for older changes; null on the last page.")


class BadHistoryCursorError(ValueError):
    pass


def encode_cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(_CURSOR_PREFIX):
            raise ValueError(raw)
        entry_id = int(raw.removeprefix(_CURSOR_PREFIX))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadHistoryCursorError("the cursor is not one this API returned") from exc
    if not 0 < entry_id < 2**31:
        raise BadHistoryCursorError("the cursor is not one this API returned")
    return entry_id


def shown_actor(actor: str, *, to_editor: bool) -> str:
    """An API key's id and name are for editors; anyone else reads "editor"."""
    return actor if to_editor or not actor.startswith("key:") else "editor"


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The entry fields that differ between two recorded states (a side that is None has none set)."""
    before, after = before or {}, after or {}
    return [name for name in TermFields.model_fields if before.get(name) != after.get(name)]


def present_entry(entry: models.History, *, full: bool, to_editor: bool) -> HistoryEntry:
    before = json.loads(entry.before) if entry.before else None
    after = json.loads(entry.after) if entry.after else None
    return HistoryEntry(
        version=entry.version,
        action=entry.action,
        actor=shown_actor(entry.actor, to_editor=to_editor),
        at=entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC),
        changed=changed_fields(before, after),
        before=before if full else None,
        after=after if full else None,
    )
