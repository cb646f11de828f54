"""A synchronous httpx client for the real ASGI app, with its lifespan run as a server would run it."""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Any

import anyio.from_thread
import httpx
from fastapi import FastAPI


class AppClient:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> AppClient:
        self.portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        lifespan = self.app.router.lifespan_context(self.app)
        self.portal.call(lifespan.__aenter__)
        self._stack.callback(self.portal.call, lifespan.__aexit__, None, None, None)
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver")
        self._stack.callback(self.portal.call, self._client.aclose)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(partial(self._client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)
