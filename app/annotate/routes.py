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

from app.annotate.glossary import azure_markup, deepl_entries, text_terms
from app.annotate.index import Annotation, Found, TermAnnotator
from app.annotate.qa import qa_issues
from app.annotate.schemas import AnnotateRequest, AnnotateResult, QaRequest, QaResult, TextGlossary
from app.api.deps import IncludeDraftsDep, SettingsDep, WithDraftsDep
from app.api.responses import check_size, dumps, json_bytes, json_response, off_loop_if_long
from app.errors import InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError, responses
from app.terms.schemas import Kind

router = APIRouter(prefix="/v1")


AnnotateFormat = Literal["json", "html", "terms", "tsv", "azure"]

FORMATS = """`json`: the matches; `html`: the matches and the text marked up; `terms`: the glossary of this text, each
concept once (`{"terms": [...]}`), for an LLM prompt or an MT request; `tsv`: that glossary as DeepL entries,
`surface<TAB>rendering` lines (text/tab-separated-values), each source once, by DeepL's entry rules; `azure`:
the text (HTML-escaped) with `<mstrans:dictionary translation="…">…</mstrans:dictionary>` around each term,
for Azure Translator's dynamic dictionary with `textType=html` (text/plain)."""


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
