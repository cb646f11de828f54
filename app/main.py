"""The application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import anyio
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest
from pydantic import BaseModel
from sqlalchemy import Engine, text

from app.annotate.index import WithDrafts
from app.annotate.routes import router as annotate_router
from app.api import openapi, problems
from app.api.deps import EngineDep, GlossaryDep
from app.api.encoding import Utf8Middleware
from app.api.middleware import (
    BodyDeadlineMiddleware,
    ContentTypeMiddleware,
    RateLimitMiddleware,
    RequestContextMiddleware,
    RevalidationMiddleware,
)
from app.config import Settings, get_settings
from app.convert.routes import router as convert_router
from app.core import normalize
from app.db import make_engine
from app.documents.routes import router as documents_router
from app.errors import UnavailableError, responses
from app.exchange.routes import router as exchange_router
from app.indexes import derived_indexes
from app.keys.routes import router as keys_router
from app.mcp import mount as mount_mcp
from app.search import miss_store
from app.search.miss_routes import router as search_misses_router
from app.search.misses import MissCounter
from app.search.routes import router as search_router
from app.terms.glossary import Glossary
from app.terms.routes import router as terms_router
from app.terms.service import follow, refresh
from app.web import install as install_web

log = logging.getLogger("app")

# The sections of the docs, in their order.
OPENAPI_TAGS = [
    {
        "name": "terms",
        "description": "The glossary: list, look up; with an editor key, create, edit, delete, history and restore.",
    },
    {"name": "search", "description": "Find a term however it is typed: Chinese in any script, pinyin, English."},
    {"name": "keys", "description": "API keys for editors (admins only)."},
    {"name": "convert", "description": "Simplified/Traditional conversion with the glossary terms protected."},
    {"name": "annotate", "description": "Find the glossary terms in running text."},
    {"name": "qa", "description": "Check a translation against the approved renderings."},
    {"name": "files", "description": "Glossary files for translation tools: export; import (editors)."},
    {"name": "documents", "description": "Documents: the candidate coinages of a new report (extract)."},
    {"name": "health", "description": "Liveness and Prometheus metrics."},
    {"name": "web", "description": "The translator's desk: HTML pages over the same glossary (`/`, `/terms/{slug}`)."},
]

DESCRIPTION = """\
A bilingual Chinese–English glossary of the slogans, numbered formulas, programmes and platforms of Chinese
government documents: definitions, English renderings, pinyin, Traditional forms and verbatim sources.

Errors are RFC 9457 problem documents (`application/problem+json`).
"""


class Health(BaseModel):
    status: str


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        glossary = Glossary(derived_indexes())
        refresh(engine, glossary)
        app.state.engine, app.state.glossary, app.state.settings = engine, glossary, settings
        app.state.with_drafts = WithDrafts(glossary)
        app.state.search_misses = misses = MissCounter()
        follower = asyncio.create_task(follow(engine, glossary, settings.refresh_interval))
        flusher = asyncio.create_task(miss_store.flush_periodically(engine, misses, settings.miss_flush_interval))
        warming = asyncio.create_task(anyio.to_thread.run_sync(normalize.warm))  # running-text tables, off the loop
        try:
            async with mcp_sessions():
                yield
        finally:
            follower.cancel()
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            await anyio.to_thread.run_sync(_last_flush, engine, misses)
            await warming
            # A refresh already running in a worker thread outlives the cancelled task: wait for it to give its
            # connection back (it holds the refresh lock while it uses one), so that dispose closes them all.
            await anyio.to_thread.run_sync(_wait_for_refresh, glossary)
            engine.dispose()

    app = FastAPI(
        title="Policy Glossary",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc are the desk's, with their assets served here (app.web.docs)
        redoc_url=None,
        generate_unique_id_function=openapi.operation_id,
        dependencies=[Depends(openapi.reject_repeated_query)],
    )
    problems.install(app)
    openapi.install(app)
    _add_middleware(app, settings)
    _include_routers(app)
    mcp_sessions = mount_mcp(app, settings)  # /mcp; its session manager runs in the lifespan above
    install_web(app)

    _add_health_routes(app)
    return app


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    # Added innermost first: a request meets the request id (with nosniff, Cache-Control and HEAD on every
    # answer), CORS (preflights answered here), gzip, the 304 of an unchanged list or file, the body limit (413
    # before anything parses or authenticates) and deadline (408), the UTF-8 check of path, query and body
    # (422), the content type (415), the rate limit.
    if settings.rate_limit_per_minute:
        app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
    app.add_middleware(ContentTypeMiddleware)
    app.add_middleware(Utf8Middleware)
    app.add_middleware(BodyDeadlineMiddleware, seconds=settings.body_timeout)
    app.add_middleware(problems.BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RevalidationMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes, compresslevel=6)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "HEAD", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Request-ID"],
            expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID", "X-Glossary-Revision"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware)


def _include_routers(app: FastAPI) -> None:
    # Routes are matched in the order they are added, one by one: the text endpoints that translation
    # pipelines call in bulk come first (matching past every entry route first took about a tenth of a small
    # convert request's time). The docs keep their order through `openapi_tags`.
    app.include_router(annotate_router)
    app.include_router(convert_router)
    app.include_router(terms_router)
    app.include_router(search_misses_router)  # before any /v1/search/{…} route could take its path
    app.include_router(search_router)
    app.include_router(keys_router)
    app.include_router(exchange_router)
    app.include_router(documents_router)


def _add_health_routes(app: FastAPI) -> None:
    @app.get("/healthz", response_model=Health, tags=["health"], responses=responses(UnavailableError))
    def healthz(engine: EngineDep) -> Health:
        """`ok` once the database answers."""
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            raise UnavailableError("the database does not answer") from exc
        return Health(status="ok")

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse)
    def metrics(glossary: GlossaryDep) -> PlainTextResponse:
        """Prometheus metrics of this process (requests, latency, glossary size and revision)."""
        GLOSSARY_CONCEPTS.set(len(glossary))
        GLOSSARY_REVISION.set(glossary.revision)
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


GLOSSARY_CONCEPTS = Gauge("glossary_concepts", "Live concepts in this process's glossary snapshot")
GLOSSARY_REVISION = Gauge("glossary_revision", "Database revision this process's glossary snapshot is at")


def _last_flush(engine: Engine, misses: MissCounter) -> None:
    try:
        miss_store.flush(engine, misses)
    except Exception:  # shutting down with the database away: these counts are lost, the app still stops
        log.warning("the last flush of the search misses failed", exc_info=True)


def _wait_for_refresh(glossary: Glossary) -> None:
    with glossary.refresh_lock:
        pass
