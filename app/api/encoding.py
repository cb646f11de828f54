"""Requests are UTF-8: a path, a query or a body that is not is a 422 problem naming the bytes.

Servers decode a path's percent-escapes with replacement (so %FF reaches a route as U+FFFD) and `json.loads`
reads UTF-16 and UTF-32 bodies as readily as UTF-8; both would turn a client's mistake into a wrong answer
(a 404 for a key that is really unreadable, a body read in an encoding the API never promised).
"""

from __future__ import annotations

import codecs
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import problem_response
from app.errors import InvalidInputError


def _not_utf8(where: str, data: bytes, error: UnicodeDecodeError, offset: int = 0) -> InvalidInputError:
    bad = data[error.start : error.start + 1].hex()
    return InvalidInputError(
        f"the {where} is not UTF-8: byte 0x{bad} at offset {offset + error.start} ({error.reason})"
    )


def url_problem(scope: Scope) -> InvalidInputError | None:
    """What is not UTF-8 in the request's path or query, if anything."""
    raw_path = scope.get("raw_path")
    for where, raw in (("path", raw_path), ("query", scope.get("query_string", b""))):
        if not raw:
            continue
        data = unquote_to_bytes(raw.replace(b"+", b" ") if where == "query" else raw)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _not_utf8(where, data, exc)
    return None


class Utf8Middleware:
    """422 for a path or query that is not UTF-8 before routing; a body that is not UTF-8 (checked as it is
    read, a chunk at a time) fails its reading with a 422 too. File imports decode their files themselves,
    naming the line of the first bad byte, and are left to do so."""

    def __init__(self, app: ASGIApp, files_prefix: str = "/v1/import") -> None:
        self.app = app
        self.files_prefix = files_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = url_problem(scope)
        if problem is not None:
            await problem_response(problem.problem())(scope, receive, send)
            return
        if scope["path"].startswith(self.files_prefix):
            await self.app(scope, receive, send)
            return
        decoder = codecs.getincrementaldecoder("utf-8")()
        read = 0

        async def checked_receive() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                try:
                    decoder.decode(chunk, final=not message.get("more_body", False))
                except UnicodeDecodeError as exc:
                    raise _not_utf8("body", chunk, exc, read) from exc
                read += len(chunk)
            return message

        await self.app(scope, checked_receive, send)
