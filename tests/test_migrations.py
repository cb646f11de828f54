from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables)
from tests.conftest import Database

TABLES = {
    "concept",
    "term",
    "definition",
    "component",
    "source",
    "relation",
    "lookup_key",
    "glossary_state",
    "api_key",
    "concept_history",
}


def test_migrates_up_down_and_up_again(empty_db: Database):
    empty_db.migrate()
    engine = empty_db.engine()
    assert set(inspect(engine).get_table_names()) >= TABLES
    empty_db.downgrade()
    assert not TABLES & set(inspect(engine).get_table_names())
    empty_db.migrate()
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_the_migration_creates_exactly_the_schema_the_models_describe(migrated_db: Database):
    engine = migrated_db.engine()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == []
