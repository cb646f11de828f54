"""Engines and sessions for SQLite (WAL, the embedded default) and PostgreSQL (several replicas).

Every writer, whether an HTTP route (through `app.api.deps.WriteSessionDep`), the CLI, the seed or an import,
writes in a `unit_of_work`: one transaction, committed when the block succeeds, and every database error
turned into a problem by `database_problem`, the one place that knows what a driver error means to a client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.errors import ConflictError, GlossaryError, InvalidInputError, UnavailableError

log = logging.getLogger("app.db")


def normalise_url(url: str) -> str:
    """`postgresql://…` as users write it, with the driver this project installs (psycopg 3)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is turned off so that "begin" below decides how a transaction
    # starts; WAL lets readers go on while one writer writes.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A writing transaction takes the write lock at its start: one that reads then writes cannot then fail
    # with "database is locked" halfway, it waits (busy_timeout) for its turn instead. Readers stay deferred.
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The same engine (and pool) for transactions that write."""
    return engine.execution_options(sqlite_immediate=True)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One writing transaction: committed when the block succeeds, rolled back when it raises.

    Services take the session and never commit. A database error, whether in the block or at the commit,
    leaves as a problem document (`database_problem`); nothing of the block is then written.
    """
    session = Session(writer(engine), expire_on_commit=False)
    try:
        with session.begin():
            yield session
    except SQLAlchemyError as exc:
        raise database_problem(exc) from exc
    finally:
        session.close()


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; database errors leave as problem documents too."""
    session = Session(engine)
    try:
        yield session
    except SQLAlchemyError as exc:
        raise database_problem(exc) from exc
    finally:
        session.close()


def database_problem(exc: SQLAlchemyError) -> GlossaryError:
    """What a database error means to a client, in a fixed sentence: never SQL, parameters, driver or
    constraint names (the error itself goes to the log)."""
    log.warning("database error: %s", type(exc).__name__, exc_info=exc)
    if isinstance(exc, IntegrityError):
        return ConflictError(
            "the change conflicts with the glossary as it is now (a slug or form is taken); nothing was written"
        )
    if isinstance(exc, DataError):
        return InvalidInputError("a value is too long or out of range for the database; nothing was written")
    if isinstance(exc, OperationalError):
        return UnavailableError(
            "the database is busy or unreachable; nothing was written; retry", headers={"Retry-After": "1"}
        )
    return UnavailableError(
        "the database could not complete the request; nothing was written", headers={"Retry-After": "1"}
    )
