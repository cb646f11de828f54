"""`glossary keys create|list|revoke`: API keys for editors and admins, from the shell (the CLI is trusted:
it needs no key itself)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from app.shell import CliError, JsonOption, console, migrated_engine, print_json

keys_cli = typer.Typer(help="API keys for editors and admins.", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    cli.add_typer(keys_cli, name="keys")


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
    engine = migrated_engine()
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

    engine = migrated_engine()
    try:
        with read_session(engine) as session:
            rows = list_keys(session)
    finally:
        engine.dispose()
    if as_json:
        print_json(
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

    engine = migrated_engine()
    try:
        with unit_of_work(engine) as session:
            revoked = revoke_key(session, key_id)
    finally:
        engine.dispose()
    if not revoked:
        raise CliError(f"no live key has the id {key_id}")
    console.print(f"key {key_id} revoked")
