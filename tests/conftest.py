"""Real databases for the suite: a SQLite file per test database, and the PostgreSQL server named by
TEST_POSTGRES_URL (one schema per test database). With REQUIRE_POSTGRES=1 (CI) a missing server fails the
run instead of skipping its half."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url

from app.config import PROJECT_DIR, Settings
from app.db import make_engine, normalise_url
from app.main import create_app
from app.seeding import load
from app.shell import alembic_config
from tests.appclient import AppClient

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
SEEDS_DIR = PROJECT_DIR / "seeds"
SOURCES_DIR = PROJECT_DIR.parent / "shared" / "sources"
REPORT = SOURCES_DIR / "kunshan-2024-government-work-report.zh.txt"

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    if REQUIRE_POSTGRES:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
    skip = pytest.mark.skip(reason="TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite is skipped")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


class Database:
    """A database of its own: a SQLite file, or a PostgreSQL schema dropped afterwards."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp / 'glossary.db'}"
            self._schema = None
        else:
            assert POSTGRES_URL is not None
            self._schema = f"t_{uuid.uuid4().hex[:12]}"
            with self.admin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self._schema}"'))
            url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={self._schema}"})
            self.url = url.render_as_string(hide_password=False)

    @contextlib.contextmanager
    def admin(self) -> Iterator[Connection]:
        assert POSTGRES_URL is not None
        engine = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()

    def migrate(self, revision: str = "head") -> None:
        command.upgrade(alembic_config(self.url), revision)

    def downgrade(self, revision: str = "base") -> None:
        command.downgrade(alembic_config(self.url), revision)

    def engine(self) -> Engine:
        return make_engine(self.url)

    def seed(self) -> None:
        """Migrate and load the seed glossary."""
        self.migrate()
        engine = self.engine()
        load(engine, SEEDS_DIR)
        engine.dispose()  # for SQLite, the last connection to close checkpoints the WAL into the main file

    def drop(self) -> None:
        if self._schema is not None:
            with self.admin() as conn:
                conn.execute(text(f'DROP SCHEMA "{self._schema}" CASCADE'))


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A new database with no schema, on each engine."""
    db = Database(request.param, tmp_path)
    yield db
    db.drop()


@pytest.fixture
def migrated_db(empty_db: Database) -> Database:
    empty_db.migrate()
    return empty_db


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded SQLite file that tests copy instead of seeding their own."""
    base = tmp_path_factory.mktemp("template")
    Database("sqlite", base).seed()
    return base / "glossary.db"


@pytest.fixture(params=BACKENDS)
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A new migrated database holding the seed glossary: for tests that write."""
    db = Database(request.param, tmp_path)
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("seeded_sqlite_template"), tmp_path / "glossary.db")
    else:
        db.seed()
    yield db
    db.drop()


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One seeded database per engine, shared by the tests that only read."""
    db = Database(request.param, tmp_path_factory.mktemp(request.param))
    db.seed()
    yield db
    db.drop()


@pytest.fixture(scope="session")
def client(seeded_db: Database) -> Iterator[AppClient]:
    """The real app over the seeded database, through httpx."""
    with AppClient(create_app(Settings(database_url=seeded_db.url))) as c:
        yield c


def client_for(db: Database, **settings: object) -> AppClient:
    return AppClient(create_app(Settings(database_url=db.url, **settings)))  # type: ignore[arg-type]
