"""The `glossary` command: migrate, seed, check the seed, serve, look a term up."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.config import get_settings
from app.documents.cli import extract_command

if TYPE_CHECKING:
    from app.seeding import SeedReport
    from app.terms.glossary import Glossary

cli = typer.Typer(help="Policy Glossary: a bilingual glossary of Chinese policy terms.", no_args_is_help=True)
seeds_cli = typer.Typer(help="The seed glossary in seeds/.", no_args_is_help=True)
cli.add_typer(seeds_cli, name="seeds")
keys_cli = typer.Typer(help="API keys for editors and admins.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
console = Console()
cli.command("extract")(extract_command)


def alembic_config(database_url: str | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    settings = get_settings()
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.attributes["database_url"] = database_url or settings.database_url
    return config


def _load_glossary() -> Glossary:
    """The glossary as the database holds it now (a snapshot without derived indexes)."""
    from app.db import make_engine
    from app.terms.glossary import Glossary
    from app.terms.service import refresh

    engine = make_engine(get_settings().database_url)
    glossary = Glossary()
    try:
        refresh(engine, glossary)
    finally:
        engine.dispose()
    return glossary


@cli.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema (DATABASE_URL) up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(), revision)
    console.print(f"database at revision [bold]{revision}[/bold]")


@cli.command()
def seed(
    path: Annotated[Path | None, typer.Argument(help="The seeds directory.")] = None,
    take: Annotated[
        list[str] | None, typer.Option("--take", help="Apply the seed's version of this concept on purpose.")
    ] = None,
    keep: Annotated[
        list[str] | None, typer.Option("--keep", help="Keep the editors' version and stop reporting the conflict.")
    ] = None,
) -> None:
    """Apply the seed glossary: new entries are created, entries the seed changed are updated unless editors
    changed them too; editors' work and deletions are kept and reported (see README, Editing)."""
    from app.db import make_engine
    from app.errors import GlossaryError
    from app.seeding import SeedError, load

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        report = load(engine, path or settings.seeds_dir, take=take or (), keep=keep or ())
    except (SeedError, GlossaryError) as exc:
        console.print(f"[red]{exc.detail if isinstance(exc, GlossaryError) else exc}[/red]", markup=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    _print_seed_report(report)


def _print_seed_report(report: SeedReport) -> None:
    typer.echo(
        f"seeded: {len(report.created)} created, {len(report.updated)} updated, {len(report.restored)} restored, "
        f"{len(report.unchanged)} unchanged"
    )
    lines = [
        (report.kept, "kept as editors left them (the seed has nothing new for them)"),
        (report.conflicts, "conflict: edited since seeded and changed in the seed; the editors' version is kept"),
        (report.deleted, "deleted through the API, left deleted"),
        (report.removed, "no longer in the seed, left alone"),
    ]
    for slugs, what in lines:
        if slugs:
            typer.echo(f"{what}: {', '.join(slugs)}")
    for slug, reason in report.not_applied.items():
        typer.echo(f"not applied: {slug}: {reason}")
    if report.conflicts or report.deleted:
        typer.echo("  glossary seed --take SLUG applies the seed's version; --keep SLUG keeps the editors' version")
    if report.nothing_to_do:
        typer.echo("nothing to do")


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
    import copy

    import uvicorn

    # One JSON line per request from the app's own access log (with its request id) instead of uvicorn's.
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["formatters"]["json_line"] = {"format": "%(message)s"}
    log_config["handlers"]["json_access"] = {
        "class": "logging.StreamHandler",
        "formatter": "json_line",
        "stream": "ext://sys.stdout",
    }
    log_config["loggers"]["app.access"] = {"handlers": ["json_access"], "level": "INFO", "propagate": False}
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        log_config=log_config,
    )


@cli.command()
def lookup(
    key: Annotated[str, typer.Argument(help="A slug, headword or alias, in any script.")],
    script: Annotated[str, typer.Option(help="hans, hant, tw or hk.")] = "hans",
) -> None:
    """Print one term."""
    from app.core.script import Script
    from app.terms.glossary import present

    glossary = _load_glossary()
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


@keys_cli.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    scope: Annotated[str, typer.Option(help="editor (write terms, import) or admin (manage keys).")] = "editor",
) -> None:
    """Create a key; it is printed once, as the last line, and only its hash is stored."""
    from app.auth import Scope, create_key
    from app.db import make_engine, unit_of_work

    try:
        chosen = Scope(scope)
    except ValueError as exc:
        raise typer.BadParameter("scope must be editor or admin") from exc
    engine = make_engine(get_settings().database_url)
    try:
        with unit_of_work(engine) as session:
            row, key = create_key(session, name=name, scope=chosen)
    finally:
        engine.dispose()
    console.print(f"key {row.id} ({row.name}, {row.scope}) created; store it now, it is not shown again:")
    typer.echo(key)


@keys_cli.command("list")
def keys_list() -> None:
    """List keys (never the keys themselves)."""
    from app.auth import list_keys
    from app.db import make_engine, read_session

    engine = make_engine(get_settings().database_url)
    try:
        with read_session(engine) as session:
            rows = list_keys(session)
    finally:
        engine.dispose()
    table = Table("id", "name", "scope", "prefix", "created", "revoked")
    for row in rows:
        table.add_row(
            str(row.id), row.name, row.scope, row.prefix + "…", str(row.created_at), str(row.revoked_at or "")
        )
    console.print(table)


@keys_cli.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see `glossary keys list`).")]) -> None:
    """Revoke a key: requests with it answer 401 from now on."""
    from app.auth import revoke_key
    from app.db import make_engine, unit_of_work

    engine = make_engine(get_settings().database_url)
    try:
        with unit_of_work(engine) as session:
            revoked = revoke_key(session, key_id)
    finally:
        engine.dispose()
    if not revoked:
        console.print(f"no live key has the id {key_id}")
        raise typer.Exit(1)
    console.print(f"key {key_id} revoked")


@cli.command("export")
def export_file(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="tbx, tbx2, csv, deepl, google or json.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="The file to write; stdout if absent.")] = None,
    script: Annotated[str, typer.Option(help="Script of the Chinese fields: hans, hant, tw or hk.")] = "hans",
    bom: Annotated[bool, typer.Option(help="csv: start with a UTF-8 byte-order mark (for Excel).")] = False,
) -> None:
    """Write the whole glossary as a file for translation tools (streamed; a progress bar when writing a file)."""
    import sys

    from rich.progress import Progress

    from app.core.script import Script
    from app.exchange import service
    from app.exchange.formats import ExportFormat, chunked

    try:
        chosen, chosen_script = ExportFormat(fmt), Script(script)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    glossary = _load_glossary()
    records = service.export_order(glossary)
    if output is None:
        for chunk in chunked(service.export(records, chosen, script=chosen_script, bom=bom)):
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    with Progress(console=Console(stderr=True), transient=True) as progress, output.open("wb") as out:
        task = progress.add_task(f"exporting {chosen.value}", total=len(records))
        pieces = service.export(records, chosen, script=chosen_script, bom=bom, tick=lambda: progress.advance(task))
        for chunk in chunked(pieces):
            out.write(chunk)
    Console(stderr=True).print(f"{len(records)} concepts written to {output}")


@cli.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="A TBX (v3 or v2), full CSV or JSON glossary file, UTF-8.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="tbx, tbx2, csv or json; by default from the file's extension.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change; store nothing.")] = False,
) -> None:
    """Create and update concepts from a file, all or nothing; lists every rejected entry with its position."""
    from rich.progress import Progress

    from app.db import make_engine, unit_of_work
    from app.errors import GlossaryError
    from app.exchange import service
    from app.exchange.formats import ImportFormat
    from app.terms.glossary import Glossary

    extensions = {".tbx": "tbx", ".xml": "tbx", ".csv": "csv", ".json": "json"}
    try:
        chosen = ImportFormat(fmt or extensions.get(file.suffix.lower(), ""))
    except ValueError as exc:
        raise typer.BadParameter("give --format tbx, tbx2, csv or json") from exc
    data = file.read_bytes()
    engine = make_engine(get_settings().database_url)
    try:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task(f"reading {file.name}", total=None)

            def track(entries):  # type: ignore[no-untyped-def]
                for entry in entries:
                    progress.advance(task)
                    yield entry
                progress.update(task, description="checking and writing")

            plan = service.plan_file(engine, Glossary(), data, chosen, track=track)
            if not dry_run:
                with unit_of_work(engine) as session:
                    service.apply_plan(session, plan, actor="import")
    except GlossaryError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        for error in exc.errors or []:
            line = f" (line {error['line']})" if error.get("line") else ""
            typer.echo(f"entry {error['entry']}{line} {error.get('slug') or ''}: {error['msg']}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    for outcome in plan.rejected:
        line = f" (line {outcome.line})" if outcome.line else ""
        typer.echo(f"rejected: entry {outcome.entry}{line} {outcome.slug or ''}: {outcome.reason}")
    verb = "would be" if dry_run else "were"
    console.print(
        f"{len(plan.created)} {verb} created, {len(plan.updated)} updated, {len(plan.restored)} restored, "
        f"{len(plan.unchanged)} unchanged, {len(plan.rejected)} rejected"
    )


# `glossary search` and `glossary annotate` live with the client they use.
from app.client.cli import register as _register_client_commands  # noqa: E402

_register_client_commands(cli)

if __name__ == "__main__":
    cli()
