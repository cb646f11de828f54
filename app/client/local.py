"""`LocalTransport`: a `GlossaryClient` talking to an app in this process instead of over the network.

The app runs in a thread of its own with its lifespan entered, as a server would run it (the glossary
loaded, the indexes built, the MCP session manager started); requests go to it through httpx's ASGI
transport. The CLI uses it to run `glossary search` and `glossary annotate` against the local database
with the same client, and so the same output, as against a server.
"""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Any

import anyio.from_thread
import httpx
from starlette.types import ASGIApp


class LocalTransport(httpx.BaseTransport):
    """A blocking httpx transport into the ASGI `app`; use it as a context manager (it runs the lifespan)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._stack = contextlib.ExitStack()
        self._portal: anyio.from_thread.BlockingPortal | None = None
        self._inner = httpx.ASGITransport(app=app)

    def __enter__(self) -> LocalTransport:
        self._portal = portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        lifespan = self.app.router.lifespan_context(self.app)  # type: ignore[attr-defined]
        portal.call(lifespan.__aenter__)
        self._stack.callback(portal.call, lifespan.__aexit__, None, None, None)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None = None,
        value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._stack.close()  # stops the app (once: a second call finds nothing left to do)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._portal is None:
            raise RuntimeError("LocalTransport is used outside its `with` block")
        request.read()
        return self._portal.call(self._handle, request)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        # The raw bytes, as the headers describe them (a gzip body stays gzip: the outer response decodes it).
        body = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        headers: Any = response.headers
        return httpx.Response(response.status_code, headers=headers, content=body, extensions=response.extensions)
