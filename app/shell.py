"""What every `glossary` command shares, wherever it is defined (`app.cli`, and each domain's `cli` module):
the one-line error (`CliError`), the engine on a migrated database, the glossary as the database holds it,
and printing (JSON, label/value rows) for a terminal or a pipe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from app.config import get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.terms.glossary import Glossary

console = Console()


console = Console()


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class CliError(Exception):
    """A failure the user can mend, said in one line (exit status 1)."""


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def print_rows(rows: list[tuple[str, str]]) -> None:
    """Label/value rows: a table on a terminal whose values fold at its width instead of being cut (rich
    measures CJK characters as two columns), plain `label: value` lines when piped."""
    if not console.is_terminal:
        for label, value in rows:
            typer.echo(f"{label}: {value}" if label else value)
        return
    table = Table(Column(style="bold", no_wrap=True), Column(overflow="fold"), show_header=False, box=None)
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)


def migrated_engine() -> Engine:
    """An engine on DATABASE_URL once its schema is at the migrations' head; otherwise a one-line error, and
    no SQLite file created as a side effect."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import make_url

    from app.db import make_engine, normalise_url

    url = get_settings().database_url
    parsed = make_url(normalise_url(url))
    not_migrated = CliError("the database is not migrated: run glossary migrate")
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if path not in ("", ":memory:") and not path.startswith("file:") and not Path(path).is_file():
            raise not_migrated
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except BaseException:
        engine.dispose()
        raise
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current is None:
        engine.dispose()
        raise not_migrated
    if current != head:
        engine.dispose()
        raise CliError(f"the database is at revision {current}, not {head}: run glossary migrate")
    return engine


def alembic_config(database_url: str | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    settings = get_settings()
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.attributes["database_url"] = database_url or settings.database_url
    return config


def load_glossary() -> Glossary:
    """The glossary as the database holds it now (a snapshot without derived indexes)."""
    from app.terms.glossary import Glossary
    from app.terms.service import refresh

    engine = migrated_engine()
    glossary = Glossary()
    try:
        refresh(engine, glossary)
    finally:
        engine.dispose()
    return glossary
