"""Terms in running text (annotate) and a translation check against the glossary (qa).

Matching a megabyte is CPU work that must not hold the event loop, so a long text is handled in the thread
pool (`off_loop_if_long`); a short one, the common case of a CAT tool sending a segment, is handled on the
loop, where it costs less than the hand-over to a thread would. The responses are encoded here with the
standard library's JSON encoder, which is several times faster than validating thousands of matches through
the response model (the model still documents the shape).
"""

from __future__ import annotations

import html
import operator
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from app.annotate.glossary import azure_markup, deepl_entries, text_terms
from app.annotate.index import Annotation, Found, TermAnnotator
from app.api.deps import IncludeDraftsDep, SettingsDep, WithDraftsDep
from app.api.responses import check_size, dumps, json_bytes, json_response, off_loop_if_long
from app.core import qa
from app.errors import InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError, responses
from app.terms.schemas import Kind, Text

router = APIRouter(prefix="/v1")

_PASSAGE = "全面落实“四个走在前”“四个新”重大任务，推行“数据得地”改革，构建“1+22+3”大安全工作体系。"


class AnnotateRequest(BaseModel):
    model_config = {"extra": "forbid"}  # a misspelt field is a 422 naming it, not ignored
    text: Text = Field(description="The text to annotate, in any Chinese script or a mix.", examples=[_PASSAGE])


class TermMatch(BaseModel):
    start: int = Field(description="Code-point offset into the text as sent: `text[start:end] == surface`.")
    end: int
    surface: str = Field(description="The term as written in the text.")
    slug: str
    hans: str = Field(description="The headword, Simplified.")
    en: str = Field(description="The preferred English rendering.")
    kind: Kind


class AnnotateResult(BaseModel):
    matches: list[TermMatch]
    html: str | None = Field(
        default=None,
        description='With `format=html` only: the text, HTML-escaped, each term wrapped in `<span class="term" '
        'data-slug="…" data-kind="…" title="English rendering">`.',
    )


class TextGlossaryTerm(BaseModel):
    slug: str
    hans: str = Field(description="The headword, Simplified.")
    surfaces: list[str] = Field(description="How the text writes the term, each form once, in order of appearance.")
    en: str = Field(description="The preferred English rendering: the one to use.")
    en_alternatives: list[str] = Field(description="Admitted renderings.")
    en_avoid: list[str] = Field(description="Renderings a translation must not use.")
    definition_en: str = Field(description="What the term means, in English.")
    count: int = Field(description="How often the concept occurs in the text.")


class TextGlossary(BaseModel):
    terms: list[TextGlossaryTerm] = Field(description="Each concept found in the text once, in order of appearance.")


AnnotateFormat = Literal["json", "html", "terms", "tsv", "azure"]

FORMATS = """`json`: the matches; `html`: the matches and the text marked up; `terms`: the glossary of this text, each
concept once (`{"terms": [...]}`), for an LLM prompt or an MT request; `tsv`: that glossary as DeepL entries,
`surface<TAB>rendering` lines (text/tab-separated-values), each source once, by DeepL's entry rules; `azure`:
the text (HTML-escaped) with `<mstrans:dictionary translation="…">…</mstrans:dictionary>` around each term,
for Azure Translator's dynamic dictionary with `textType=html` (text/plain)."""


class QaRequest(BaseModel):
    model_config = {"extra": "forbid"}  # a misspelt field is a 422 naming it, not ignored
    source: Text = Field(description="The Chinese source text.", examples=["推行“数据得地”改革，发展新质生产力。"])
    target: Text = Field(
        description="Its English translation.",
        examples=["We will carry out the Land for Data reform and develop new quality productive forces."],
    )


class QaIssue(BaseModel):
    slug: str
    start: int = Field(description="Where the term is in the source (code-point offsets).")
    end: int
    surface: str = Field(description="The term as written in the source.")
    kind: Literal["missing", "avoided"] = Field(
        description="missing: no approved rendering is in the target; avoided: a rendering to avoid is."
    )
    expected: list[str] = Field(description="The approved renderings: the preferred one first.")
    found: str | None = Field(description="For `avoided`: the rendering to avoid as the target writes it.")


class QaResult(BaseModel):
    issues: list[QaIssue] = Field(description="Empty when the translation used the glossary.")


def _matches_json(found: Found) -> bytes:
    """The `matches` array as UTF-8 JSON, written directly: each distinct (surface, pattern) is encoded once,
    not once per match (a megabyte of report text has 17,000 matches and a few hundred distinct terms), and
    each match adds only its offsets, formatted as bytes (no str to widen and encode afterwards). Keys in the
    order of `TermMatch`; the same bytes as `json.dumps` of the dicts, encoded."""
    scan, records = found.scan, found.records
    if not len(scan):
        return b"[]"
    group, members = scan.groups()
    string = encode_basestring  # what json.dumps(ensure_ascii=False) writes for a str
    concepts: dict[str, str] = {}  # slug → its fields from "slug" on
    rests = []  # per group: the match's fields from "surface" on
    for surface, w in members:
        r = records[w]
        concept = concepts.get(r.slug)
        if concept is None:
            concept = concepts[r.slug] = (
                f'"slug":{string(r.slug)},"hans":{string(r.hans)},"en":{string(r.en)},"kind":{string(r.kind)}}}'
            )
        rests.append(f'"surface":{string(surface)},{concept}'.encode())
    per_match = operator.itemgetter(*group.tolist())(rests) if len(group) > 1 else (rests[group[0]],)
    head = b'{"start":%d,"end":%d,%b'.__mod__
    return b"[" + b",".join(map(head, zip(scan.starts.tolist(), scan.ends.tolist(), per_match, strict=True))) + b"]"


def _html(text: str, annotations: list[Annotation]) -> str:
    out = []
    pos = 0
    for a in annotations:
        r = a.record
        out += [
            html.escape(text[pos : a.start]),
            f'<span class="term" data-slug="{html.escape(r.slug)}" data-kind="{html.escape(r.kind)}" '
            f'title="{html.escape(r.en)}">{html.escape(a.surface)}</span>',
        ]
        pos = a.end
    out.append(html.escape(text[pos:]))
    return "".join(out)


_ERRORS = responses(InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError)


_TEXT_SCHEMA = {"schema": {"type": "string"}}


@router.post(
    "/annotate",
    response_model=AnnotateResult | TextGlossary,
    tags=["annotate"],
    responses={
        200: {
            "description": "The matches (json, html), the text's glossary (terms), DeepL entries (tsv) or the "
            "text marked up for Azure (azure).",
            "content": {"text/tab-separated-values": _TEXT_SCHEMA, "text/plain": _TEXT_SCHEMA},
        },
        **_ERRORS,
    },
)
async def annotate(
    request: AnnotateRequest,
    with_drafts: WithDraftsDep,
    settings: SettingsDep,
    kind: Annotated[Kind | None, Query(description="Only the terms of this kind.")] = None,
    format: Annotated[AnnotateFormat, Query(description=FORMATS)] = "json",
    include_drafts: IncludeDraftsDep = False,
) -> Response:
    """Every glossary term in the text, leftmost-longest and not overlapping.

    Simplified, Traditional as Taiwan or Hong Kong writes it (including phrase-localised forms such as
    資料得地 for 数据得地), a mix of scripts even within a term, full- or half-width, with or without the
    quotation marks the report writes inside a term, and every alias. `kind` filters the terms found (a longer
    term of another kind is not split to find a shorter one of this kind).
    """
    check_size(settings, "text", request.text)
    annotator = with_drafts.annotator(include_drafts)
    return await off_loop_if_long(len(request.text), _annotate, annotator, request.text, kind, format)


def _annotate(annotator: TermAnnotator, text: str, kind: str | None, format: str) -> Response:
    found = annotator.scan(text, kind=kind)
    if format == "terms":
        return json_response({"terms": [t.as_json() for t in text_terms(found)]})
    if format == "tsv":
        entries = "".join(deepl_entries(text_terms(found)))
        return Response(entries, media_type="text/tab-separated-values; charset=utf-8")
    if format == "azure":
        return Response(azure_markup(text, found), media_type="text/plain; charset=utf-8")
    html_member = f',"html":{dumps(_html(text, found.annotations()))}'.encode() if format == "html" else b""
    return json_bytes(b'{"matches":' + _matches_json(found) + html_member + b"}")


@router.post("/qa", response_model=QaResult, tags=["qa"], responses=_ERRORS)
async def check_translation(
    request: QaRequest, with_drafts: WithDraftsDep, settings: SettingsDep, include_drafts: IncludeDraftsDep = False
) -> Response:
    """Check an English translation against the glossary terms of its Chinese source.

    For each concept in the source (one issue per concept, at its first place): `missing` when the target has
    none of its approved renderings, `avoided` when it has a rendering to avoid. Matching ignores case,
    plural and possessive endings, hyphen or space between words, quotation-mark style and a leading article.
    """
    check_size(settings, "source", request.source)
    check_size(settings, "target", request.target)
    chars = len(request.source) + len(request.target)
    annotator = with_drafts.annotator(include_drafts)
    return await off_loop_if_long(chars, _check_translation, annotator, request.source, request.target)


def _check_translation(annotator: TermAnnotator, source: str, target: str) -> Response:
    return json_response({"issues": qa_issues(annotator, source, target)})


def qa_issues(annotator: TermAnnotator, source: str, target: str) -> list[dict[str, object]]:
    """The `issues` of `POST /v1/qa` (the MCP tool's too)."""
    annotations = annotator.annotate(source)
    surfaces: dict[str, str] = {}
    terms = []
    for a in annotations:
        r = a.record
        surfaces.setdefault(r.slug, a.surface)
        terms.append(qa.SourceTerm(r.slug, a.start, a.end, qa.Renderings([r.en, *r.en_alternatives], r.en_avoid)))
    issues: list[dict[str, object]] = [
        {
            "slug": i.slug,
            "start": i.start,
            "end": i.end,
            "surface": surfaces[i.slug],
            "kind": i.kind,
            "expected": i.expected,
            "found": i.found,
        }
        for i in qa.check(terms, target)
    ]
    return issues
