"""`glossary export` and `glossary import`: the glossary's files (TBX, CSV, JSON, DeepL, Google …) from the
shell, through the same service as the HTTP API (an import is planned, then applied in one unit of work)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.shell import CliError, console, load_glossary, migrated_engine


def register(cli: typer.Typer) -> None:
    cli.command("export")(export_file)
    cli.command("import")(import_file)


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
    glossary = load_glossary()
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


def import_file(
    file: Annotated[Path, typer.Argument(help="A TBX (v3 or v2), full CSV or JSON glossary file, UTF-8.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="tbx, tbx2, csv or json; by default from the file's extension.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change; store nothing.")] = False,
) -> None:
    """Create and update concepts from a file, all or nothing; lists every rejected entry with its position."""
    from rich.progress import Progress

    from app.db import unit_of_work
    from app.errors import GlossaryError
    from app.exchange import service
    from app.exchange.formats import ImportFormat
    from app.terms.glossary import Glossary

    extensions = {".tbx": "tbx", ".xml": "tbx", ".csv": "csv", ".json": "json"}
    try:
        chosen = ImportFormat(fmt or extensions.get(file.suffix.lower(), ""))
    except ValueError as exc:
        raise typer.BadParameter("give --format tbx, tbx2, csv or json") from exc
    if not file.is_file():
        raise CliError(f"no file {file}")
    data = file.read_bytes()
    engine = migrated_engine()
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
