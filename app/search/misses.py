"""Searches that found nothing, counted in memory: the candidates editors see at `GET /v1/search/misses`.

Only the query is kept (its folded form as the key, and the text as first typed): nothing about who asked.
Every search that can miss (`GET /v1/search`, the desk's HTML search, the MCP `search` tool) adds to the app's
`MissCounter` (a dict update under a lock, no database); the app's lifespan hands what was counted to
`app.search.miss_store.flush` every few seconds and once more at shutdown, and each replica adds its counts
to the same rows.

Search as you type sends every prefix of a query first, and every prefix of a query that finds nothing finds
nothing too (after the first few characters). So a miss that a longer miss extends within `TYPING_WINDOW`
gives its count back: it was a keystroke on the way to the query, not a query. The timer writes only the
misses that have been quiet for that long, so a keystroke is never written before the query that takes it
back. (A keystroke that reached another replica is counted there: the window is per process.)
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
TYPING_WINDOW = dt.timedelta(seconds=3)  # a miss extended within this was a keystroke (search as you type)


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
            self._take_back_keystrokes(key, now)
            miss = self._held.get(key)
            if miss is not None:
                miss.count += 1
                miss.last_seen = now
                return
            if len(self._held) >= self._max_held:
                self._drop_least_counted()
            self._held[key] = Miss(typed_form(query), 1, now, now)

    def _take_back_keystrokes(self, key: str, now: dt.datetime) -> None:
        """One count back from each held prefix of `key` last counted within TYPING_WINDOW (the same person
        typing on); a prefix counted earlier or more often keeps the rest. At most MAX_KEY_LENGTH look-ups,
        and only for a query that missed."""
        since = now - TYPING_WINDOW
        for end in range(1, len(key)):
            miss = self._held.get(key[:end])
            if miss is not None and miss.last_seen >= since:
                miss.count -= 1
                if not miss.count:
                    del self._held[key[:end]]

    def _drop_least_counted(self) -> None:
        victims = heapq.nsmallest(
            max(1, self._max_held // 10), self._held.items(), key=lambda item: (item[1].count, item[1].last_seen)
        )
        for key, _miss in victims:
            del self._held[key]
        self.dropped += len(victims)

    def take(self, *, settled_before: dt.datetime | None = None) -> dict[str, Miss]:
        """What was counted since the last take, removed from the counter: everything, or with `settled_before`
        only the misses last counted before it (the timer's flush: the others may yet be typed on)."""
        with self._lock:
            if settled_before is None:
                held, self._held = self._held, {}
                return held
            held = {key: miss for key, miss in self._held.items() if miss.last_seen < settled_before}
            for key in held:
                del self._held[key]
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
