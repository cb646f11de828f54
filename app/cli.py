"""The `glossary` command: migrate, seed, check the seed, serve, look a term up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.config import get_settings

cli = typer.Typer(help="Policy Glossary: a bilingual glossary of Chinese policy terms.", no_args_is_help=True)
seeds_cli = typer.Typer(help="The seed glossary in seeds/.", no_args_is_help=True)
cli.add_typer(seeds_cli, name="seeds")
console = Console()


def alembic_config(database_url: str | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    settings = get_settings()
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.attributes["database_url"] = database_url or settings.database_url
    return config


@cli.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema (DATABASE_URL) up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(), revision)
    console.print(f"database at revision [bold]{revision}[/bold]")


@cli.command()
def seed(path: Annotated[Path | None, typer.Argument(help="The seeds directory.")] = None) -> None:
    """Load the seed glossary; loading it twice changes nothing."""
    from app.db import make_engine
    from app.seeding import load

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        result = load(engine, path or settings.seeds_dir)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    console.print(
        f"seeded: {len(result.created)} created, {len(result.updated)} updated, {len(result.unchanged)} unchanged"
    )


@seeds_cli.command("check")
def seeds_check(
    path: Annotated[Path | None, typer.Argument(help="The seeds directory.")] = None,
    source: Annotated[Path | None, typer.Option(help="Directory holding the source documents.")] = None,
) -> None:
    """Validate every seed entry against the schema and its source documents; list every problem."""
    from app.seeding import check

    settings = get_settings()
    sources = source or settings.sources_dir
    if not sources.is_dir():
        console.print(f"[red]source directory {sources} not found[/red]")
        raise typer.Exit(2)
    report = check(path or settings.seeds_dir, sources)
    for problem in report.problems:
        typer.echo(str(problem))
    if report.problems:
        console.print(f"{len(report.problems)} problems in {report.entries} entries")
        raise typer.Exit(1)
    console.print(f"{report.entries} entries, no problems")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP API with uvicorn."""
    import uvicorn

    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")


@cli.command()
def lookup(
    key: Annotated[str, typer.Argument(help="A slug, headword or alias, in any script.")],
    script: Annotated[str, typer.Option(help="hans, hant, tw or hk.")] = "hans",
) -> None:
    """Print one term."""
    from app.core.script import Script
    from app.db import make_engine
    from app.terms.glossary import Glossary, present
    from app.terms.service import refresh

    engine = make_engine(get_settings().database_url)
    glossary = Glossary()
    try:
        refresh(engine, glossary)
    finally:
        engine.dispose()
    record = glossary.resolve(key)
    if record is None:
        console.print(f"no term has the slug, headword or alias {key!r}")
        raise typer.Exit(1)
    term = present(record, Script(script))
    table = Table(show_header=False, box=None)
    table.add_row("slug", term.slug)
    table.add_row("hans / hant", f"{term.hans} / {term.hant}")
    table.add_row("pinyin", term.pinyin)
    table.add_row("en", term.en)
    if term.en_alternatives:
        table.add_row("also", "; ".join(term.en_alternatives))
    if term.en_avoid:
        table.add_row("avoid", "; ".join(term.en_avoid))
    table.add_row("definition", term.definition.zh)
    table.add_row("", term.definition.en)
    for i, c in enumerate(term.components, 1):
        table.add_row(f"  {i}", f"{c.hans} — {c.en}")
    if term.note:
        table.add_row("note", term.note)
    console.print(table)


if __name__ == "__main__":
    cli()
