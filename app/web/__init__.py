"""The translator's desk: server-rendered HTML pages beside the JSON API (search, one page per term, a text
pane for annotating, converting and checking, editing with a key), and the API docs served offline."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web.docs import DOCS_ASSETS
from app.web.docs import router as docs_router
from app.web.pages import STATIC_DIR
from app.web.routes import router as pages_router


def install(app: FastAPI) -> None:
    """Add the pages, their static files and the offline docs to `app` (created with docs_url=None and
    redoc_url=None, so that FastAPI's CDN-loading docs pages are not there too)."""
    app.include_router(pages_router)
    app.include_router(docs_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/docs/assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
