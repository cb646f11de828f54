"""The MCP endpoint at /mcp (streamable HTTP): `mount` adds it to the app and returns what the app's lifespan
must run (the SDK's session manager, which a mounted MCP app cannot start by itself)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI
from mcp.server import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.config import Settings
from app.mcp.server import build

PATH = "/mcp"


def mount(app: FastAPI, settings: Settings) -> Callable[[], AbstractAsyncContextManager[Any]]:
    """Serve the MCP tools at /mcp; the app's lifespan enters the returned context manager.

    Stateless JSON answers: every request stands alone, so any worker or replica can answer it (a session
    held in one process's memory would need sticky routing). The SDK's Host/Origin check is off: the
    tools serve the same public, read-only data as the HTTP API, which has no such check either, and its
    default admits only localhost, which would refuse every deployment behind a real hostname; browsers
    are governed by the app's CORS settings as on every other path.
    """
    endpoint = _Endpoint(build(app), settings)
    # POST only: the tools never push messages, so there is no server-to-client stream to open with GET (the
    # SDK would hold such a request open, idle, for as long as the client waits) and no session to DELETE;
    # the other methods get the app's 405 problem with `Allow: POST`, as the MCP transport spec provides.
    endpoint.route = Route(PATH, endpoint=endpoint, methods=["POST"])
    app.router.routes.append(endpoint.route)
    return endpoint.running


class _Endpoint:
    """The ASGI endpoint at /mcp, answering through the session manager of the current lifespan (the SDK's
    manager runs once: an app whose lifespan runs again gets a new one)."""

    def __init__(self, server: MCPServer, settings: Settings) -> None:
        self.server = server
        self.settings = settings
        self.manager: StreamableHTTPSessionManager | None = None
        self.route: Route | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self.route  # the access log and metrics label requests by route, as FastAPI's routes do
        if self.manager is None:
            raise RuntimeError("the MCP session manager is not running: the app's lifespan has not started")
        await self.manager.asgi_app(scope, receive, send)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run a new session manager for as long as the block lasts.

        The manager holds a task group, which must be entered and left by one task; a lifespan may be entered
        and left by two (a test harness's portal calls each half separately), so the manager runs in a task of
        its own, told to stop when the block ends.
        """
        self.server.streamable_http_app(  # a new session manager, with the options of /mcp
            streamable_http_path=PATH,
            stateless_http=True,
            json_response=True,
            max_request_body_size=self.settings.max_body_bytes,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = self.server.session_manager
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
        self.manager = manager
        try:
            yield
        finally:
            self.manager = None
            stop.set()
            await task
