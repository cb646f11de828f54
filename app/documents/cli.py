"""`glossary extract FILE`: the candidate coinages of a document, as POST /v1/extract gives them; `glossary
documents …` and `glossary drafts …`: the next report from the shell, as the HTTP API does it (the same services,
in a `unit_of_work`, recorded as the actor "cli"; like `glossary import`, the CLI is trusted and sends no ETag)."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.shell import CliError, migrated_engine, print_json, print_rows

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from app.annotate.index import TermAnnotator
    from app.terms.glossary import Glossary
    from app.terms.stored import StoredTerm

ACTOR = "cli"


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


# --- glossary documents / glossary drafts ---------------------------------------------------------------------

documents_cli = typer.Typer(help="The source documents: register a report, list them, show one.", no_args_is_help=True)
drafts_cli = typer.Typer(
    help="Draft entries from a document's candidates, and their review (approve, reject).", no_args_is_help=True
)
AsJson = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead of lines.")]


def register(cli: typer.Typer) -> None:
    cli.add_typer(documents_cli, name="documents")
    cli.add_typer(drafts_cli, name="drafts")


@contextlib.contextmanager
def _database() -> Iterator[Engine]:
    """An engine on the migrated database (DATABASE_URL), disposed afterwards; a problem from the services
    becomes the one-line error of `CliError`."""
    from app.errors import GlossaryError

    engine = migrated_engine()
    try:
        yield engine
    except GlossaryError as exc:
        raise CliError(_one_line(exc.detail)) from exc
    finally:
        engine.dispose()


def _one_line(detail: str) -> str:
    """A problem's detail as a line: pydantic's "Value error, " and a model-level error's empty location dropped."""
    return " ".join(detail.replace("Value error, ", "").removeprefix(": ").replace("; : ", "; ").split())


def _glossary(engine: Engine, *indexes: Any) -> Glossary:
    """The glossary as the database holds it now, with `indexes` built (slow-ish: every form is folded)."""
    from app.terms.glossary import Glossary
    from app.terms.service import refresh

    glossary = Glossary(indexes)
    refresh(engine, glossary)
    return glossary


def _live_terms(session: Session) -> list[StoredTerm]:
    """Every live concept as stored, in the glossary's order (footnoted first, by number, then by slug); for
    listing, no lookup forms computed."""
    from app.terms.repository import load_changed

    records, _deleted, _revision = load_changed(session, 0)
    return sorted(records, key=lambda r: (r.footnote is None, r.footnote or 0, r.slug))


def _read_document(file: str) -> str:

    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {file}: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        name = "standard input" if file == "-" else file
        raise CliError(
            f"{name} is not UTF-8 text (byte {exc.start}: {exc.object[exc.start : exc.start + 1]!r}); "
            "convert it first, e.g. iconv -f GB18030 -t UTF-8"
        ) from exc


def _document_rows(out: Any) -> list[tuple[str, str]]:
    return [
        ("id", out.id),
        ("title", out.title),
        ("title (en)", out.title_en),
        ("date", out.date or ""),
        ("place", out.place or ""),
        ("kind", out.kind),
        ("characters", str(out.characters)),
        ("terms", str(out.terms)),
    ]


@documents_cli.command("add")
def documents_add(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The full text, UTF-8; - reads standard input.")],
    document_id: Annotated[
        str, typer.Option("--id", help="A stable ASCII id, e.g. kunshan-2025-government-work-report.")
    ],
    title: Annotated[str, typer.Option(help="The title as sources cite it, e.g. 2025年昆山市政府工作报告.")],
    title_en: Annotated[str, typer.Option(help="The English title.")],
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    place: Annotated[str | None, typer.Option(help="Where it was issued, e.g. 昆山市.")] = None,
    kind: Annotated[str | None, typer.Option(help="Default government-work-report.")] = None,
) -> None:
    """Register a document: quotes citing its title are then checked verbatim against its text."""
    from pydantic import ValidationError

    from app.db import unit_of_work
    from app.documents import service

    text = _read_document(file)
    given = {"date": date, "place": place, "kind": kind}
    values = {"id": document_id, "title": title, "title_en": title_en, "text": text}
    try:
        document = service.DocumentIn.model_validate(values | {k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
        raise CliError(_one_line("; ".join(problems))) from exc
    with _database() as engine, unit_of_work(engine) as session:
        out = service.present(service.register(session, document), 0)
    typer.echo(f"document {out.id} registered ({out.characters} characters)")
    print_rows(_document_rows(out)[1:6])


@documents_cli.command("list")
def documents_list(as_json: AsJson = False) -> None:
    """The documents the glossary holds, oldest first, each with how many live terms cite it."""
    from app.db import read_session
    from app.documents import service

    with _database() as engine, read_session(engine) as session:
        rows = service.all_documents(session)
        counts = service.term_counts(_live_terms(session))
    items = [service.present(row, counts[row.title]) for row in rows]
    if as_json:
        print_json({"items": [item.model_dump(mode="json") for item in items]})
        return
    print_rows([(item.id, f"{item.title} ({item.date or 'undated'}; {item.terms} terms)") for item in items])
    if not items:
        typer.echo("no documents: glossary documents add FILE --id … registers one")


@documents_cli.command("show")
def documents_show(
    document_id: Annotated[str, typer.Argument(metavar="ID", help="The document's id.")], as_json: AsJson = False
) -> None:
    """One document (its text is at GET /v1/documents/ID/text)."""
    from app.db import read_session
    from app.documents import service

    with _database() as engine, read_session(engine) as session:
        row = service.get(session, document_id)
        out = service.present(row, service.term_counts(_live_terms(session))[row.title])
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    print_rows(_document_rows(out))


@drafts_cli.command("create")
def drafts_create(
    document_id: Annotated[str, typer.Argument(metavar="DOCUMENT_ID", help="A registered document's id.")],
    min_score: Annotated[float, typer.Option(min=0, max=1, help="Draft only candidates scoring at least this.")] = 0.6,
    as_json: AsJson = False,
) -> None:
    """Turn the document's candidate coinages the glossary lacks into draft entries (as POST
    /v1/documents/ID/drafts): slug and pinyin derived, the footnote as definition, English left for the editor."""
    from app.annotate.index import TermAnnotator
    from app.db import unit_of_work
    from app.documents import service

    with _database() as engine:
        glossary = _glossary(engine, TermAnnotator())
        with unit_of_work(engine) as session:
            outcome = service.create_drafts(session, glossary, document_id, min_score=min_score, actor=ACTOR)
    if as_json:
        print_json(outcome.model_dump(mode="json"))
        return
    for slug in outcome.created:
        typer.echo(f"drafted: {slug}")
    for skipped in outcome.skipped:
        typer.echo(f"skipped: {skipped['surface']}: {skipped['reason']}")
    typer.echo(f"{len(outcome.created)} drafts created, {len(outcome.skipped)} skipped; review: glossary drafts list")


@drafts_cli.command("list")
def drafts_list(
    document: Annotated[str | None, typer.Option(help="Only the drafts citing this document (its id).")] = None,
    as_json: AsJson = False,
) -> None:
    """The drafts awaiting review (as GET /v1/terms?status=draft), in the glossary's order."""
    from app.core.script import Script
    from app.db import read_session
    from app.documents import service
    from app.terms.glossary import present
    from app.terms.schemas import Status

    with _database() as engine, read_session(engine) as session:
        title = service.get(session, document).title if document is not None else None
        records = [
            r for r in _live_terms(session) if r.status == Status.draft and (title is None or title in r.documents())
        ]
    terms = [present(record, Script.hans) for record in records]
    if as_json:
        print_json({"items": [term.model_dump(mode="json") for term in terms]})
        return
    print_rows([(term.slug, f"{term.hans} ({term.kind}) — {term.en or 'English to write'}") for term in terms])
    if not terms:
        typer.echo("no drafts")


def _review(verb: str, slug: str, step: Any) -> Any:
    """One review step in its own unit of work; what it refuses is said in one line."""
    from app.db import unit_of_work
    from app.errors import GlossaryError
    from app.terms.repository import StaleVersionError

    with _database() as engine:
        try:
            with unit_of_work(engine) as session:
                return step(session, slug, ACTOR)
        except StaleVersionError as exc:
            raise CliError(f"cannot {verb} {slug}: it changed while this ran; run it again") from exc
        except GlossaryError as exc:
            raise CliError(f"cannot {verb} {slug}: {_one_line(exc.detail)}") from exc


@drafts_cli.command("approve")
def drafts_approve(slug: Annotated[str, typer.Argument(help="The draft's slug.")]) -> None:
    """The draft becomes an approved term (its English and both definitions must be written first)."""
    from app.terms.editing import approve_trusted

    record = _review("approve", slug, approve_trusted)
    typer.echo(f"{slug} approved (version {record.version})")


@drafts_cli.command("reject")
def drafts_reject(slug: Annotated[str, typer.Argument(help="The draft's slug.")]) -> None:
    """The draft leaves the glossary, recorded as rejected (its history stays; restore brings it back)."""
    from app.terms.editing import reject_trusted

    _review("reject", slug, reject_trusted)
    typer.echo(f"{slug} rejected")
