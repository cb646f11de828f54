"""The `search_miss` table: what a `MissCounter` counted, added to the rows every replica shares, and read back
for editors.

A flush is one upsert per query in one transaction, in key order: an insert that meets the row another
replica inserted meanwhile adds to it instead of failing (ON CONFLICT … DO UPDATE, on SQLite and PostgreSQL
alike), and two replicas flushing overlapping queries lock the rows in the same order, so they cannot deadlock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging

import anyio
from sqlalchemy import Engine, and_, case, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlmodel import col

from app import models
from app.db import read_session, unit_of_work
from app.search.misses import TYPING_WINDOW, Miss, MissCounter

log = logging.getLogger("app.search")

_TABLE = models.SearchMiss.__table__  # type: ignore[attr-defined]


def flush(engine: Engine, counter: MissCounter, *, settled_only: bool = False) -> int:
    """Add what `counter` holds to the table (`settled_only`: the misses nobody has typed on for
    TYPING_WINDOW); how many queries it wrote. On failure the counts go back into the counter (the next
    flush tries again) and the error is raised."""
    settled_before = dt.datetime.now(dt.UTC) - TYPING_WINDOW if settled_only else None
    held = counter.take(settled_before=settled_before)
    if not held:
        return 0
    try:
        with unit_of_work(engine) as session:
            _add(session, held)
    except BaseException:
        counter.give_back(held)
        raise
    return len(held)


def _add(session: Session, held: dict[str, Miss]) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(_TABLE)
    new = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={
            "count": _TABLE.c.count + new.count,
            "first_seen": case((new.first_seen < _TABLE.c.first_seen, new.first_seen), else_=_TABLE.c.first_seen),
            "last_seen": case((new.last_seen > _TABLE.c.last_seen, new.last_seen), else_=_TABLE.c.last_seen),
        },  # `query` stays as first typed
    )
    rows = [
        {"key": key, "query": m.query, "count": m.count, "first_seen": m.first_seen, "last_seen": m.last_seen}
        for key, m in sorted(held.items())
    ]
    session.execute(statement, rows)


def page(engine: Engine, *, limit: int, after: tuple[int, str] | None) -> tuple[list[models.SearchMiss], bool]:
    """The most counted misses first (ties by key), starting after (count, key); and whether more follow."""
    count, key = col(models.SearchMiss.count), col(models.SearchMiss.key)
    query = select(models.SearchMiss).order_by(count.desc(), key).limit(limit + 1)
    if after is not None:
        query = query.where(or_(count < after[0], and_(count == after[0], key > after[1])))
    with read_session(engine) as session:
        rows = list(session.execute(query).scalars())
    return rows[:limit], len(rows) > limit


def utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back the UTC moments it was given without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def flush_periodically(engine: Engine, counter: MissCounter, interval: float) -> None:
    """Flush the settled misses every `interval` seconds until cancelled (the lifespan flushes all of them once
    more at shutdown)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await anyio.to_thread.run_sync(functools.partial(flush, engine, counter, settled_only=True))
        except Exception:  # the database may be briefly away; the counts wait for the next flush
            log.warning("flushing the search misses failed", exc_info=True)
