"""`/docs` (Swagger UI) and `/redoc` (ReDoc) with their scripts served by the app, so that the API's
documentation works on a network that reaches no CDN. The assets come from the `fastapi-offline` package
(Swagger UI under the Apache 2.0 licence, ReDoc under MIT; their licence notes are in the bundles' headers);
only its static files are used. The pages carry no inline script: Swagger UI is started by
`static/swagger-init.js`, which reads the OpenAPI URL from the page."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web.pages import TEMPLATES

DOCS_ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"

# Swagger UI and ReDoc set styles inline and ReDoc runs its search in a worker made from a blob. ReDoc's
# "API docs by Redocly" footer asks its CDN for a logo: img-src refuses it and ReDoc hides the image.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_HEADERS = {"Content-Security-Policy": DOCS_CSP, "X-Content-Type-Options": "nosniff"}

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _docs_page(request: Request, template: str) -> HTMLResponse:
    openapi_url = request.scope.get("root_path", "") + (request.app.openapi_url or "/openapi.json")
    context = {"title": request.app.title, "openapi_url": openapi_url}
    return TEMPLATES.TemplateResponse(request, template, context, headers=DOCS_HEADERS)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return _docs_page(request, "docs_swagger.html")


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return _docs_page(request, "docs_redoc.html")
