"""Searches that found nothing, counted in memory: the candidates editors see at `GET /v1/search/misses`.

Only the query is kept (its folded form as the key, and the text as first typed): nothing about who asked.
The search route adds to a `MissCounter` (a dict update under a lock, no database); the app's lifespan hands
what was counted to `app.search.miss_store.flush` every few seconds and once more at shutdown, and each
replica adds its counts to the same rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import heapq
import json
import threading
from dataclasses import dataclass

from app.core.normalize import fold, is_invisible

MAX_KEY_LENGTH = 200  # the `search_miss.key` column; longer queries are cut
MAX_HELD = 10_000  # distinct queries one process holds between flushes


@dataclass(slots=True)
class Miss:
    query: str  # as first typed (stripped of whitespace and invisible characters, cut to MAX_KEY_LENGTH)
    count: int
    first_seen: dt.datetime
    last_seen: dt.datetime


def miss_key(query: str) -> tuple[str, str] | None:
    """The folded key and the typed text (both stripped and cut) a query is counted under; None for a query
    with nothing to count (empty once folded: whitespace, quotation marks)."""
    key = fold(query).strip()[:MAX_KEY_LENGTH]
    return (key, typed_form(query)) if key else None


def typed_form(query: str) -> str:
    """The query as editors read it: trimmed and cut, without invisible and bidi controls (they would hide or
    reorder it on screen). `isprintable` (C speed) passes nearly every query by itself."""
    if not query.isprintable():
        query = "".join(c for c in query if not is_invisible(ord(c)))
    return query.strip()[:MAX_KEY_LENGTH]


class MissCounter:
    """Thread-safe counts of the queries that found nothing, bounded to `max_held` distinct queries: when a new
    one would pass the bound, the least counted tenth is dropped at once (one sort per many new queries, not
    a scan per query), so a flood of distinct queries costs memory and time in proportion to the bound."""

    def __init__(self, max_held: int = MAX_HELD) -> None:
        self._max_held = max_held
        self._held: dict[str, Miss] = {}
        self._lock = threading.Lock()
        self.dropped = 0  # distinct queries dropped for the bound since start (their counts are lost)

    def add(self, query: str, *, now: dt.datetime | None = None) -> None:
        key = fold(query).strip()[:MAX_KEY_LENGTH]  # as `miss_key`, the typed form only for a new query
        if not key:
            return
        now = now or dt.datetime.now(dt.UTC)
        with self._lock:
            miss = self._held.get(key)
            if miss is not None:
                miss.count += 1
                miss.last_seen = now
                return
            if len(self._held) >= self._max_held:
                self._drop_least_counted()
            self._held[key] = Miss(typed_form(query), 1, now, now)

    def _drop_least_counted(self) -> None:
        victims = heapq.nsmallest(
            max(1, self._max_held // 10), self._held.items(), key=lambda item: (item[1].count, item[1].last_seen)
        )
        for key, _miss in victims:
            del self._held[key]
        self.dropped += len(victims)

    def take(self) -> dict[str, Miss]:
        """Everything counted since the last take, and an empty counter."""
        with self._lock:
            held, self._held = self._held, {}
        return held

    def give_back(self, misses: dict[str, Miss]) -> None:
        """Put back what a failed flush took, merged with what was counted meanwhile (the bound still holds)."""
        with self._lock:
            for key, miss in misses.items():
                mine = self._held.get(key)
                if mine is not None:
                    mine.count += miss.count
                    mine.query = miss.query
                    mine.first_seen = min(mine.first_seen, miss.first_seen)
                    mine.last_seen = max(mine.last_seen, miss.last_seen)
                elif len(self._held) < self._max_held:
                    self._held[key] = miss
                else:
                    self.dropped += 1

    def __len__(self) -> int:
        return len(self._held)


def encode_cursor(count: int, key: str) -> str:
    """Where the next page of the listing starts: after the row (count, key) in its order."""
    raw = json.dumps([count, key], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    """The (count, key) a cursor holds; ValueError if it is not one `encode_cursor` made."""
    try:
        count, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise ValueError("not a cursor this API made") from exc
    if not isinstance(count, int) or isinstance(count, bool) or not 0 < count < 2**63 or not isinstance(key, str):
        raise ValueError("not a cursor this API made")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError("not a cursor this API made")
    return count, key
