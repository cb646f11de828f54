"""The desk's pages: `/` (search and browse), `/terms/{slug}` (one term), `/text` (annotate, convert, QA)
and `/editor` (the key and the draft queue). Each is the HTML view of JSON the API serves, and links to it.

Query parameters are taken as plain strings and checked here, so that a bad value gets an HTML page that
says what was wrong rather than the API's JSON problem."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import GlossaryDep
from app.core.script import Script, available_configs
from app.search.index import TermSearch, count_if_missed
from app.terms.glossary import BadCursorError, Glossary, present
from app.terms.schemas import Kind, clean
from app.web.pages import (
    KIND_LABELS,
    PAGE_HEADERS,
    SCRIPT_COOKIE,
    SCRIPT_LANG,
    TEMPLATES,
    chosen_script,
    kind_counts,
    shown_terms,
    term_page,
)

router = APIRouter(tags=["web"], default_response_class=HTMLResponse)

MAX_QUERY = 200  # as GET /v1/search
SEARCH_LIMIT = 20
KIND_PAGE = 50
_HTML = {"text/html": {"schema": {"type": "string"}}}


def _page(
    request: Request,
    template: str,
    script: Script,
    remember: bool,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    context.update(script=script, zh_lang=SCRIPT_LANG[script], path=request.url.path)
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status, headers=PAGE_HEADERS)
    if remember:  # the switch is remembered without JavaScript: a year, this site only
        response.set_cookie(SCRIPT_COOKIE, script.value, max_age=365 * 86400, samesite="lax", path="/")
    return response


ScriptParam = Annotated[str | None, Cookie(alias=SCRIPT_COOKIE, include_in_schema=False)]
# Plain strings, checked by the pages themselves (see the module docstring).
ScriptQuery = Annotated[
    str | None,
    Query(description="hans, tw, hk or hant: the script of the Chinese on the page, remembered in a cookie."),
]


@router.get(
    "/",
    summary="The translator's desk: search and browse (HTML)",
    responses={200: {"content": _HTML}, 422: {"description": "A bad query, shown on the page", "content": _HTML}},
)
def home(
    request: Request,
    glossary: GlossaryDep,
    q: Annotated[str | None, Query(description="A search, as in GET /v1/search (up to 200 characters).")] = None,
    kind: Annotated[str | None, Query(description="List the terms of this kind (when there is no q).")] = None,
    cursor: Annotated[str | None, Query(description="The next page of a kind's list, from its link.")] = None,
    script: ScriptQuery = None,
    remembered: ScriptParam = None,
) -> HTMLResponse:
    """Search as you type (`q=` works without JavaScript), the footnoted terms ①–⑪, and the terms by kind
    (`kind=`, paged with `cursor=`). `script=hans|tw|hk|hant` is remembered in a cookie."""
    shown, remember = chosen_script(script, remembered)
    query = (q or "").strip()
    context: dict[str, Any] = {"q": q or "", "kinds": kind_counts(glossary), "results": None, "error": None}
    problem = _query_problem(query)
    if problem:
        context["error"] = problem
        return _page(request, "home.html", shown, remember, 422, **context)
    if query:
        index = glossary.index(TermSearch)
        hits = index.search(query, limit=SEARCH_LIMIT)
        count_if_missed(request.app.state.search_misses, index, query, hits)
        results = []
        for hit in hits:
            record = glossary.resolve(hit.slug)
            if record is not None:
                results.append((present(record, shown), hit.matched))
        context["results"] = results
        context["json_url"] = "/v1/search?" + urlencode({"q": query, "script": shown.value})
    elif kind:
        return _kind_page(request, glossary, shown, remember, context, kind, cursor)
    footnoted, _, _ = glossary.page(kind=None, footnoted=True, limit=200, cursor=None)
    context["footnoted"] = shown_terms(footnoted, shown)
    return _page(request, "home.html", shown, remember, **context)


def _query_problem(query: str) -> str | None:
    if len(query) > MAX_QUERY:
        return f"The query is longer than {MAX_QUERY} characters."
    try:
        clean(query)
    except ValueError as exc:
        return f"The query {exc}."
    return None


def _kind_page(
    request: Request,
    glossary: Glossary,
    shown: Script,
    remember: bool,
    context: dict[str, Any],
    kind: str,
    cursor: str | None,
) -> HTMLResponse:
    if kind not in {k.value for k in Kind}:
        context["error"] = f"There is no kind {kind!r}; the kinds are {', '.join(k.value for k in Kind)}."
        return _page(request, "home.html", shown, remember, 422, **context)
    try:
        records, next_cursor, total = glossary.page(kind=kind, footnoted=None, limit=KIND_PAGE, cursor=cursor)
    except BadCursorError:
        context["error"] = "That page link is not one this site made."
        return _page(request, "home.html", shown, remember, 422, **context)
    context.update(
        kind=Kind(kind),
        kind_label=KIND_LABELS[Kind(kind)],
        listed=shown_terms(records, shown),
        total=total,
        next_url="/?" + urlencode({"kind": kind, "cursor": next_cursor}) if next_cursor else None,
        json_url="/v1/terms?" + urlencode({"kind": kind, "script": shown.value}),
    )
    return _page(request, "home.html", shown, remember, **context)


@router.get(
    "/terms/{slug}",
    summary="One term's page (HTML)",
    responses={
        200: {"content": _HTML},
        308: {"description": "A headword or alias: redirected to the term's slug"},
        404: {"description": "No such term: a page that says so", "content": _HTML},
        410: {"description": "The term was deleted: a page that says so", "content": _HTML},
    },
)
def term(
    request: Request,
    slug: str,
    glossary: GlossaryDep,
    script: ScriptQuery = None,
    remembered: ScriptParam = None,
) -> Response:
    """Everything about one term: its forms, renderings, definitions, components, related terms, sources and
    note. A headword or alias in any script redirects to the slug's stable URL."""
    shown, remember = chosen_script(script, remembered)
    try:
        record = glossary.resolve(clean(slug)) if len(slug) <= MAX_QUERY else None
    except ValueError:
        record = None
    if record is None:
        gone = glossary.is_gone(slug)
        return _page(request, "missing.html", shown, remember, 410 if gone else 404, key=slug, gone=gone)
    if record.slug != slug:
        target = f"/terms/{record.slug}" + (f"?{urlencode({'script': script})}" if remember else "")
        return RedirectResponse(target, status_code=308, headers={"Cache-Control": "no-cache"})
    page = term_page(glossary, record, shown)
    _, etag = glossary.rendered(record, Script.hans)
    json_url = f"/v1/terms/{record.slug}?" + urlencode({"script": shown.value})
    return _page(request, "term.html", shown, remember, page=page, t=page.term, etag=etag, json_url=json_url)


@router.get("/text", summary="The text pane: annotate, convert, check a translation (HTML)")
def text_pane(request: Request, script: ScriptQuery = None, remembered: ScriptParam = None) -> HTMLResponse:
    """Paste Chinese in any script: the terms marked, the glossary for the text (TSV, Markdown), conversion
    with the terms protected, and QA of a translation. The pane calls the JSON API."""
    shown, remember = chosen_script(script, remembered)
    return _page(request, "text.html", shown, remember, configs=available_configs())


@router.get("/editor", summary="Editors: the API key for this tab, and the draft queue (HTML)")
def editor(request: Request, script: ScriptQuery = None, remembered: ScriptParam = None) -> HTMLResponse:
    """Enter an editor key once (kept for the tab only, in sessionStorage); edit forms appear on term pages."""
    shown, remember = chosen_script(script, remembered)
    return _page(request, "editor.html", shown, remember)
