"""The `glossary` command: migrate, seed, check the seed, serve, look a term up; the other commands are
registered from their domains (keys, export and import, documents and drafts, the client's search and
annotate), and what they all share is `app.shell`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.config import get_settings
from app.core.script import Script
from app.documents.cli import extract_command
from app.shell import (
    CliError,
    JsonOption,
    alembic_config,
    console,
    load_glossary,
    migrated_engine,
    print_json,
    print_rows,
)

if TYPE_CHECKING:
    from app.seeding import SeedReport

cli = typer.Typer(help="Policy Glossary: a bilingual glossary of Chinese policy terms.", no_args_is_help=True)
seeds_cli = typer.Typer(help="The seed glossary in seeds/.", no_args_is_help=True)
cli.add_typer(seeds_cli, name="seeds")
cli.command("extract")(extract_command)


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
    engine = migrated_engine()
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
        print_json({"entries": report.entries, "problems": [str(p) for p in report.problems]})
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

    migrated_engine().dispose()  # a plain "not migrated" here rather than a traceback from every worker
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

    glossary = load_glossary()
    record = glossary.resolve(key)
    if record is None:
        raise CliError(f"no term has the slug, headword or alias {key!r}")
    term = present(record, script)
    if as_json:
        print_json(term.model_dump(mode="json"))
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
    print_rows(rows)


# `glossary keys` and `glossary export|import` live with their routes.
from app.exchange.cli import register as _register_exchange_commands  # noqa: E402
from app.keys.cli import register as _register_key_commands  # noqa: E402

_register_key_commands(cli)
_register_exchange_commands(cli)
# `glossary search` and `glossary annotate` live with the client they use.
from app.client.cli import register as _register_client_commands  # noqa: E402

_register_client_commands(cli)
# `glossary documents` and `glossary drafts` live with the documents' routes and services.
from app.documents.cli import register as _register_document_commands  # noqa: E402

_register_document_commands(cli)

if __name__ == "__main__":
    main()
