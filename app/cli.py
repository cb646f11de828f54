"""The `glossary` command: migrate, seed, check the seed, serve, look a term up."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from app.config import get_settings
from app.core.script import Script
from app.documents.cli import extract_command

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.seeding import SeedReport
    from app.terms.glossary import Glossary

cli = typer.Typer(help="Policy Glossary: a bilingual glossary of Chinese policy terms.", no_args_is_help=True)
seeds_cli = typer.Typer(help="The seed glossary in seeds/.", no_args_is_help=True)
cli.add_typer(seeds_cli, name="seeds")
keys_cli = typer.Typer(help="API keys for editors and admins.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
console = Console()
cli.command("extract")(extract_command)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class CliError(Exception):
    """A failure the user can mend, said in one line (exit status 1)."""


def main() -> None:
    """The `glossary` entry point: usage errors and known failures are one line on stderr, not a traceback."""
    from sqlalchemy.exc import OperationalError

    try:
        code = cli(standalone_mode=False, prog_name="glossary")
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.TyperException as exc:  # typer's own click: usage errors, bad values, missing files
        message = (exc.format_message() if hasattr(exc, "format_message") else str(exc)).replace("Value error, ", "")
        ctx = getattr(exc, "ctx", None)
        if message:
            typer.echo(f"{ctx.command_path if ctx else 'glossary'}: {message}", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    except CliError as exc:
        typer.echo(f"glossary: {exc}", err=True)
        sys.exit(1)
    except OperationalError as exc:
        first = str(exc.orig or exc).strip().splitlines()[0]
        typer.echo(f"glossary: the database does not answer: {first}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _rows(rows: list[tuple[str, str]]) -> None:
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


def _engine() -> Engine:
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


def _load_glossary() -> Glossary:
    """The glossary as the database holds it now (a snapshot without derived indexes)."""
    from app.terms.glossary import Glossary
    from app.terms.service import refresh

    engine = _engine()
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
    from app.errors import GlossaryError
    from app.seeding import SeedError, load

    seeds = path or get_settings().seeds_dir
    if not any((seeds / "terms").glob("*.yaml")):
        raise CliError(f"no seed entries in {seeds / 'terms'} (set SEEDS_DIR or give the seeds directory)")
    engine = _engine()
    try:
        report = load(engine, seeds, take=take or (), keep=keep or ())
    except (SeedError, GlossaryError) as exc:
        raise CliError(exc.detail if isinstance(exc, GlossaryError) else str(exc)) from exc
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
    as_json: JsonOption = False,
) -> None:
    """Validate every seed entry against the schema and its source documents; list every problem."""
    from app.seeding import check

    settings = get_settings()
    sources = source or settings.sources_dir
    if not sources.is_dir():
        console.print(f"[red]source directory {sources} not found[/red]")
        raise typer.Exit(2)
    report = check(path or settings.seeds_dir, sources)
    if as_json:
        _print_json({"entries": report.entries, "problems": [str(p) for p in report.problems]})
        raise typer.Exit(1 if report.problems else 0)
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
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            envvar="FORWARDED_ALLOW_IPS",
            help="Addresses of the reverse proxies whose X-Forwarded-For/-Proto to believe (comma-separated, or *). "
            "Unset: none, so a client cannot pick the address the rate limit counts.",
        ),
    ] = None,
    limit_concurrency: Annotated[
        int | None,
        typer.Option(envvar="LIMIT_CONCURRENCY", min=1, help="Connections at once per worker; 503 beyond."),
    ] = None,
    timeout_keep_alive: Annotated[
        int, typer.Option(envvar="TIMEOUT_KEEP_ALIVE", min=1, help="Seconds an idle keep-alive connection stays.")
    ] = 5,
    header_timeout: Annotated[
        float | None,
        typer.Option(min=0.1, help="Seconds a request's head may take to arrive (408 after); HEADER_TIMEOUT, 10."),
    ] = None,
    body_timeout: Annotated[
        float | None,
        typer.Option(min=0.1, help="Seconds a request's body may take after its head (408 after); BODY_TIMEOUT, 30."),
    ] = None,
    max_header_bytes: Annotated[
        int,
        typer.Option(envvar="MAX_HEADER_BYTES", min=1024, help="Largest request head (line and headers); 400 above."),
    ] = 16384,
) -> None:
    """Serve the HTTP API with uvicorn (its h11 parser, with bounded heads and deadlines for slow clients)."""
    import copy
    import os

    import uvicorn

    _engine().dispose()  # a plain "not migrated" here rather than a traceback from every worker
    # The workers build their settings from the environment: the deadlines go there.
    if header_timeout is not None:
        os.environ["HEADER_TIMEOUT"] = str(header_timeout)
    if body_timeout is not None:
        os.environ["BODY_TIMEOUT"] = str(body_timeout)
    get_settings.cache_clear()  # read above, before the deadlines were set
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
        http="app.serving:BoundedH11Protocol",
        h11_max_incomplete_event_size=max_header_bytes,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips or "",
        limit_concurrency=limit_concurrency,
        timeout_keep_alive=timeout_keep_alive,
        log_level="info",
        access_log=False,
        log_config=log_config,
    )


@cli.command()
def lookup(
    key: Annotated[str, typer.Argument(help="A slug, headword or alias, in any script.")],
    script: Annotated[Script, typer.Option(help="Script of the Chinese fields.")] = Script.hans,
    as_json: JsonOption = False,
) -> None:
    """Print one term."""
    from app.terms.glossary import present

    glossary = _load_glossary()
    record = glossary.resolve(key)
    if record is None:
        raise CliError(f"no term has the slug, headword or alias {key!r}")
    term = present(record, script)
    if as_json:
        _print_json(term.model_dump(mode="json"))
        return
    rows = [
        ("slug", term.slug),
        ("hans / hant", f"{term.hans} / {term.hant}"),
        ("pinyin", term.pinyin),
        ("en", term.en),
    ]
    if term.en_alternatives:
        rows.append(("also", "; ".join(term.en_alternatives)))
    if term.en_avoid:
        rows.append(("avoid", "; ".join(term.en_avoid)))
    rows += [("definition", term.definition.zh), ("definition (en)", term.definition.en)]
    rows += [(f"  {i}", f"{c.hans} — {c.en}") for i, c in enumerate(term.components, 1)]
    if term.note:
        rows.append(("note", term.note))
    _rows(rows)


@keys_cli.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    scope: Annotated[str, typer.Option(help="editor (write terms, import) or admin (manage keys).")] = "editor",
) -> None:
    """Create a key; it is printed once, as the last line, and only its hash is stored."""
    from app.auth import Scope, create_key
    from app.db import unit_of_work

    try:
        chosen = Scope(scope)
    except ValueError as exc:
        raise typer.BadParameter("scope must be editor or admin") from exc
    engine = _engine()
    try:
        with unit_of_work(engine) as session:
            row, key = create_key(session, name=name, scope=chosen)
    finally:
        engine.dispose()
    console.print(f"key {row.id} ({row.name}, {row.scope}) created; store it now, it is not shown again:")
    typer.echo(key)


@keys_cli.command("list")
def keys_list(as_json: JsonOption = False) -> None:
    """List keys (never the keys themselves)."""
    from app.auth import list_keys
    from app.db import read_session

    engine = _engine()
    try:
        with read_session(engine) as session:
            rows = list_keys(session)
    finally:
        engine.dispose()
    if as_json:
        _print_json(
            [
                {
                    "id": row.id,
                    "name": row.name,
                    "scope": row.scope,
                    "prefix": row.prefix,
                    "created_at": row.created_at.isoformat(),
                    "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
                }
                for row in rows
            ]
        )
        return
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
    from app.db import unit_of_work

    engine = _engine()
    try:
        with unit_of_work(engine) as session:
            revoked = revoke_key(session, key_id)
    finally:
        engine.dispose()
    if not revoked:
        raise CliError(f"no live key has the id {key_id}")
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
    engine = _engine()
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
# `glossary documents` and `glossary drafts` live with the documents' routes and services.
from app.documents.cli import register as _register_document_commands  # noqa: E402

_register_document_commands(cli)

if __name__ == "__main__":
    main()
