"""`glossary extract FILE`: the candidate coinages of a document, as POST /v1/extract gives them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from app.annotate.index import TermAnnotator


def _annotator() -> TermAnnotator:
    """A term matcher over the glossary as the database (DATABASE_URL) holds it now."""
    from app.annotate.index import TermAnnotator
    from app.config import get_settings
    from app.db import make_engine
    from app.terms.glossary import Glossary
    from app.terms.service import refresh

    annotator = TermAnnotator()
    engine = make_engine(get_settings().database_url)
    try:
        refresh(engine, Glossary([annotator]))
    finally:
        engine.dispose()
    return annotator


def _read(file: str) -> str:
    data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    text = data.decode("utf-8-sig")
    from app.terms.schemas import clean

    return clean(text)


def extract_command(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The document, UTF-8 text; - reads standard input.")],
    as_json: Annotated[bool, typer.Option("--json", help='Print {"candidates": [...]} as the API does.')] = False,
    glossary: Annotated[
        bool, typer.Option(help="Mark the terms the glossary (DATABASE_URL) already has; --no-glossary skips it.")
    ] = True,
    min_score: Annotated[float, typer.Option(min=0, max=1, help="Leave out candidates scoring below this.")] = 0.0,
) -> None:
    """List a document's candidate coined terms: footnotes, quoted coinages, formulas, packages, slogans, names."""
    from app.documents.extraction import extract

    try:
        text = _read(file)
    except OSError as exc:
        typer.echo(f"cannot read {file}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from exc
    except UnicodeDecodeError as exc:
        typer.echo(f"{file} is not UTF-8 text (byte {exc.start}: {exc.object[exc.start : exc.start + 1]!r})", err=True)
        raise typer.Exit(2) from exc
    except ValueError as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    known = []
    if glossary:
        from sqlalchemy.exc import SQLAlchemyError

        from app.errors import GlossaryError

        try:
            annotator = _annotator()
        except (SQLAlchemyError, GlossaryError) as exc:
            typer.echo(
                f"the glossary database cannot be read ({type(exc).__name__}); run `glossary migrate` and "
                "`glossary seed`, set DATABASE_URL, or pass --no-glossary",
                err=True,
            )
            raise typer.Exit(1) from exc
        scan = annotator.scan(text).scan
        known = [(start, end, pattern.slug) for start, end, pattern in scan.spans()]
    candidates = [c for c in extract(text, known) if c.score >= min_score]
    if as_json:
        typer.echo(json.dumps({"candidates": [c.as_dict() for c in candidates]}, ensure_ascii=False, indent=1))
        return
    table = Table("score", "term", "count", "known", "fn", "found by", "at")
    for c in candidates:
        table.add_row(
            f"{c.score:.2f}",
            c.surface,
            str(c.count),
            c.known or "",
            str(c.footnote or ""),
            ", ".join(c.rules),
            str(c.start),
        )
    Console().print(table)
    Console(stderr=True).print(
        f"{len(candidates)} candidates, {sum(1 for c in candidates if c.known)} in the glossary, "
        f"{sum(1 for c in candidates if c.footnote)} footnoted"
    )
