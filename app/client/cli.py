"""`glossary search` and `glossary annotate`: the client's calls from the shell, against a server (`--url`) or
the local database (DATABASE_URL), through the same client either way."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # imported when a command runs: `glossary --help` stays quick
    from app.client import GlossaryClient

Url = Annotated[
    str | None,
    typer.Option("--url", help="A Policy Glossary server (http://host:port); by default the local database."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead of a table.")]
Kind = Annotated[str | None, typer.Option(help="Only the terms of this kind.")]


def register(cli: typer.Typer) -> None:
    cli.command("search")(search)
    cli.command("annotate")(annotate)


@contextlib.contextmanager
def _client(url: str | None) -> Iterator[GlossaryClient]:
    """A client of `url`, or of the app over the local database (started here, stopped afterwards)."""
    from app.client import GlossaryClient, GlossaryError, LocalTransport

    try:
        if url is not None:
            with GlossaryClient(url) as client:
                yield client
            return
        from app.main import create_app

        with LocalTransport(create_app()) as transport, GlossaryClient("http://local", transport=transport) as client:
            yield client
    except GlossaryError as exc:
        typer.echo(f"error: {exc.detail}" if exc.status is None else f"error {exc.status}: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


def _print_json(value: Any) -> None:
    from pydantic import BaseModel

    if isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    elif isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="Chinese in any script, pinyin, initials, English.")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many results.")] = 10,
    kind: Kind = None,
    script: Annotated[str, typer.Option(help="Script of the Chinese fields: hans, hant, tw or hk.")] = "hans",
    url: Url = None,
    as_json: AsJson = False,
) -> None:
    """Find terms however they are typed: 數據得地, shujudedi, sjdd, data for land."""
    with _client(url) as client:
        page = client.search(query, limit=limit, kind=kind, script=script)
    if as_json:
        _print_json(page)
        return
    if not page.items:
        typer.echo(f"no term matches {query!r}", err=True)
        raise typer.Exit(1)
    table = Table("slug", "term", "en", "score", "matched")
    for hit in page.items:
        term = hit.term
        table.add_row(term.slug, term.hans if script == "hans" else term.hant, term.en, f"{hit.score:.2f}", hit.matched)
    Console().print(table)


def annotate(
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="A UTF-8 text file, or - for standard input.")],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="matches (every term with its offsets), terms (the text's glossary, each concept once), "
            "tsv (DeepL glossary entries) or azure (the text with Azure dynamic-dictionary markup).",
        ),
    ] = "matches",
    kind: Kind = None,
    url: Url = None,
    as_json: AsJson = False,
) -> None:
    """The glossary terms of a text: where each is, or the text's glossary for an MT engine or an LLM prompt."""
    if format not in ("matches", "terms", "tsv", "azure"):
        raise typer.BadParameter("give matches, terms, tsv or azure", param_hint="--format")
    text = _read(file)
    with _client(url) as client:
        if format == "tsv":
            sys.stdout.write(client.deepl_tsv(text, kind=kind))
            return
        if format == "azure":
            sys.stdout.write(client.azure_markup(text, kind=kind))
            return
        found: list[Any] = client.annotate(text, kind=kind) if format == "matches" else client.glossary(text, kind=kind)
    if as_json:
        _print_json(found)
        return
    if format == "matches":
        table = Table("start", "end", "surface", "slug", "en")
        for m in found:
            table.add_row(str(m.start), str(m.end), m.surface, m.slug, m.en)
    else:
        table = Table("slug", "as written", "en", "avoid", "count")
        for t in found:
            table.add_row(t.slug, " / ".join(t.surfaces), t.en, "; ".join(t.en_avoid), str(t.count))
    Console().print(table)


def _read(file: str) -> str:
    data = sys.stdin.buffer.read() if file == "-" else _read_file(Path(file))
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise typer.BadParameter(
            f"the text is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", param_hint="FILE"
        ) from exc


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}", param_hint="FILE") from exc
