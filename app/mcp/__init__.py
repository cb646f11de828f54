"""The MCP endpoint at /mcp (streamable HTTP): `mount` adds it to the app and returns what the app's lifespan
must run (the SDK's session manager, which a mounted MCP app cannot start by itself)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.config import Settings

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

PATH = "/mcp"


def mount(app: FastAPI, settings: Settings) -> Callable[[], AbstractAsyncContextManager[Any]]:
    """Serve the MCP tools at /mcp; the app's lifespan enters the returned context manager.

    Stateless JSON answers: every request stands alone, so any worker or replica can answer it (a session
    held in one process's memory would need sticky routing). The SDK's Host/Origin check is off: the
    tools serve the same public, read-only data as the HTTP API, which has no such check either, and its
    default admits only localhost, which would refuse every deployment behind a real hostname; browsers
    are governed by the app's CORS settings as on every other path.

    The SDK is imported, and the server built, on the first call to /mcp: importing it costs some 26 MB of
    resident memory (bench/RESULTS-search.md), which a process that never serves MCP need not pay.
    """
    endpoint = _Endpoint(app, settings)
    # POST only: the tools never push messages, so there is no server-to-client stream to open with GET (the
    # SDK would hold such a request open, idle, for as long as the client waits) and no session to DELETE;
    # the other methods get the app's 405 problem with `Allow: POST`, as the MCP transport spec provides.
    endpoint.route = Route(PATH, endpoint=endpoint, methods=["POST"])
    app.router.routes.append(endpoint.route)
    return endpoint.running


class _Endpoint:
    """The ASGI endpoint at /mcp, answering through a session manager started on the first call and stopped
    with the lifespan (the SDK's manager runs once: an app whose lifespan runs again gets a new one)."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.manager: StreamableHTTPSessionManager | None = None
        self.route: Route | None = None
        self._live = False
        self._starting: asyncio.Lock | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self.route  # the access log and metrics label requests by route, as FastAPI's routes do
        if not self._live or self._starting is None:
            raise RuntimeError("the MCP endpoint is not running: the app's lifespan has not started")
        if self.manager is None:
            async with self._starting:
                if self.manager is None:
                    await self._start()
        assert self.manager is not None
        await self.manager.asgi_app(scope, receive, send)

    async def _start(self) -> None:
        """Build the server and run its session manager in a task of its own: the manager holds a task group,
        which must be entered and left by one task, and it outlives the request that started it."""
        from mcp.server.transport_security import TransportSecuritySettings

        from app.mcp.server import build

        server = build(self.app)
        server.streamable_http_app(  # a new session manager, with the options of /mcp
            streamable_http_path=PATH,
            stateless_http=True,
            json_response=True,
            max_request_body_size=self.settings.max_body_bytes,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = server.session_manager
        started, stop = asyncio.Event(), asyncio.Event()

        async def run() -> None:
            async with manager.run():
                started.set()
                await stop.wait()

        task = asyncio.create_task(run(), name="mcp-session-manager")
        waiting = asyncio.create_task(started.wait())
        await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():  # it failed to start: say why
            waiting.cancel()
            task.result()
        self._task, self._stop, self.manager = task, stop, manager

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Serve /mcp for as long as the block lasts; stop the session manager if a call started one."""
        self._live, self._starting = True, asyncio.Lock()
        try:
            yield
        finally:
            self._live = False
            task, stop = self._task, self._stop
            self.manager = self._task = self._stop = None
            if task is not None and stop is not None:
                stop.set()
                await task
