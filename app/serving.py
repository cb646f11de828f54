"""uvicorn's h11 protocol with a deadline for a request's head: a client that sends half a header (or one
byte every few seconds) is answered 408 and disconnected after `HEADER_TIMEOUT` seconds instead of holding the
connection for ever (uvicorn bounds only idle keep-alive connections, and only after a first response).
h11 also bounds the head's size (`h11_max_incomplete_event_size`), which the httptools parser does not.
Request bodies have their own deadline in the app (`BODY_TIMEOUT`, app.api.middleware.BodyDeadlineMiddleware)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.config import get_settings

_PROBLEM = json.dumps(
    {
        "type": "/problems/request-timeout",
        "title": "Request timeout",
        "status": 408,
        "detail": "the request's header did not arrive in time",
    }
).encode()
_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\nconnection: close\r\n"
    b"x-content-type-options: nosniff\r\ncontent-length: " + str(len(_PROBLEM)).encode() + b"\r\n\r\n" + _PROBLEM
)


class BoundedH11Protocol(H11Protocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = get_settings().header_timeout
        self._head_timer: asyncio.TimerHandle | None = None
        self._partial_head = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_timer is not None:
            self._partial_head = True
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._stop_waiting()  # the head is complete: the request is the app's now

    def on_response_complete(self) -> None:
        # Armed before uvicorn starts the next cycle, which may read a pipelined request's head at once.
        if not self.transport.is_closing():
            self._await_head()
        super().on_response_complete()

    def _await_head(self) -> None:
        self._stop_waiting()
        self._partial_head = False
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _stop_waiting(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self._partial_head:  # a connection that sent nothing at all is just closed
            self.transport.write(_TIMED_OUT)
        self.transport.close()
