"""POST /v1/extract: the candidate coinages of a document, for editors bringing in a new report.

Extraction is pure (`extraction.extract`); the route adds what the glossary already has, from the same term
matcher annotate uses, and the same limits as annotate (the body limit, then `max_text_bytes` per text).
A 50 KB report takes a few tens of milliseconds (bench/RESULTS-extract.md): a long text is still handled off
the event loop, as annotate does.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from app.annotate.index import TermAnnotator
from app.api.deps import EngineDep, GlossaryDep, SettingsDep, WriteSessionDep
from app.api.responses import check_size, json_response, off_loop_if_long
from app.auth import EditorDep
from app.db import read_session
from app.documents import service
from app.documents.extraction import extract
from app.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    UnauthorizedError,
    UnavailableError,
    UnsupportedMediaTypeError,
    responses,
)
from app.terms.editing import actor_of
from app.terms.schemas import Kind, Slug, Text

router = APIRouter(prefix="/v1")

_PASSAGE = (
    "推行“数据得地”⑧、数字征信等改革举措。坚持以文兴业、以文润城、以文惠民。\n\n名 词 解 释\n\n"
    "⑧“数据得地”：围绕企业成长、经济效益等内容，对有供地需求的企业进行量化评估。"
)


class ExtractRequest(BaseModel):
    text: Text = Field(
        description="A document's full text, Simplified or Traditional; its 名词解释 section (if any) at the end.",
        examples=[_PASSAGE],
    )


class Candidate(BaseModel):
    surface: str = Field(description="The term as first written in the text (outer quotation marks left out).")
    start: int = Field(description="Code-point offset of its first occurrence: `text[start:end] == surface`.")
    end: int
    count: int = Field(description="How many times it occurs.")
    score: float = Field(description="0–1: how likely a coinage (1.0 footnoted, 0.95 in the glossary).")
    context: str = Field(description="The sentence it stands in; for a footnoted term, the one with its marker.")
    known: str | None = Field(description="The slug when the glossary has the term in any script.")
    footnote: int | None = Field(description="Its number in the document's 名词解释 (① → 1).")
    definition_zh: str | None = Field(description="The footnote's explanation, verbatim.")
    hans: str = Field(description="The surface in Simplified characters.")
    kind: Kind = Field(description="A guess at its kind, for a draft entry.")
    rules: list[str] = Field(description="What found it: footnote, glossary, quoted, numbered-formula, …")


class ExtractResult(BaseModel):
    candidates: list[Candidate] = Field(description="In the order of their first occurrence.")


_ERRORS = responses(InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError)


@router.post("/extract", response_model=ExtractResult, tags=["documents"], responses=_ERRORS)
async def extract_candidates(request: ExtractRequest, glossary: GlossaryDep, settings: SettingsDep) -> Response:
    """Candidate coined terms of a document it has never seen.

    The 名词解释 footnotes parsed (term, explanation verbatim, the sentence carrying the marker); quoted
    coinages; numbered formulas (四个走在前, 五大行动, 五百行动) and packages (优化营商环境“25条”); parallel
    slogans (以文兴业、以文润城、以文惠民); named platforms, programmes and brands; and every glossary term
    present, with its slug in `known`. Ordinary vocabulary (地区生产总值, 固定资产投资) is left out.
    """
    check_size(settings, "text", request.text)
    annotator = glossary.index(TermAnnotator)
    return await off_loop_if_long(len(request.text), _extract, annotator, request.text)


def _extract(annotator: TermAnnotator, text: str) -> Response:
    known = [(start, end, pattern.slug) for start, end, pattern in annotator.scan(text).scan.spans()]
    return json_response({"candidates": [c.as_dict() for c in extract(text, known)]})


# --- Documents and drafts ------------------------------------------------------------------------------------


class DocumentPage(BaseModel):
    items: list[service.DocumentOut]


class DraftsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_score: float = Field(
        default=0.6, ge=0, le=1, strict=True, description="Draft only candidates scoring at least this."
    )


_WRITE = (UnauthorizedError, ForbiddenError, InvalidInputError, ConflictError, UnavailableError)


@router.get("/documents", response_model=DocumentPage, tags=["documents"])
def list_documents(engine: EngineDep, glossary: GlossaryDep) -> DocumentPage:
    """The source documents the glossary holds, oldest first, each with how many live terms cite it."""
    with read_session(engine) as session:
        rows = service.all_documents(session)
    counts = service.term_counts(glossary.records())
    return DocumentPage(items=[service.present(row, counts[row.title]) for row in rows])


@router.get("/documents/{document_id}", response_model=service.DocumentOut, tags=["documents"],
            responses=responses(NotFoundError))  # fmt: skip
def get_document(document_id: Slug, engine: EngineDep, glossary: GlossaryDep) -> service.DocumentOut:
    """One document (its text is at …/text)."""
    with read_session(engine) as session:
        row = service.get(session, document_id)
    return service.present(row, service.term_counts(glossary.records())[row.title])


@router.get("/documents/{document_id}/text", response_class=PlainTextResponse, tags=["documents"],
            responses=responses(NotFoundError))  # fmt: skip
def document_text(document_id: Slug, engine: EngineDep) -> PlainTextResponse:
    """The document's full text, verbatim, as the quotes are checked against it."""
    with read_session(engine) as session:
        return PlainTextResponse(service.get(session, document_id).text)


@router.post("/documents", status_code=201, response_model=service.DocumentOut, tags=["documents"],
             responses=responses(*_WRITE))  # fmt: skip
def register_document(
    document: service.DocumentIn, _caller: EditorDep, session: WriteSessionDep
) -> service.DocumentOut:
    """Register a document (editor key): quotes citing its title are checked verbatim against its text."""
    return service.present(service.register(session, document), 0)


@router.post("/documents/{document_id}/drafts", response_model=service.DraftOutcome, tags=["documents"],
             responses=responses(*_WRITE, NotFoundError))  # fmt: skip
def create_drafts(
    document_id: Slug, request: DraftsRequest, caller: EditorDep, session: WriteSessionDep, glossary: GlossaryDep
) -> service.DraftOutcome:
    """Turn the document's candidate coinages the glossary lacks into draft entries (editor key): slug and
    pinyin derived, the footnote as definition where there is one, the sentence as the source quote, English
    left for the editor. Drafts are listed by `GET /v1/terms?status=draft`, then approved or rejected."""
    return service.create_drafts(session, glossary, document_id, min_score=request.min_score, actor=actor_of(caller))
