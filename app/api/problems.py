"""One handler renders every error as a problem document; one middleware caps request bodies."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import database_problem
from app.errors import PROBLEM_MEDIA_TYPE, GlossaryError, PayloadTooLargeError, Problem

log = logging.getLogger("app.errors")

_TITLES = {
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    408: "Request timeout",
    413: "Payload too large",
}
# The statuses raised as Starlette HTTP exceptions (while a body is read) that have a problem type of their own.
_TYPES = {408: "/problems/request-timeout", 413: "/problems/payload-too-large"}
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> ProblemResponse:
    return ProblemResponse(problem.model_dump(exclude_none=True), status_code=problem.status, headers=headers)


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        item = {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        out.append(item)
    return out


def _unreadable_body(cause: BaseException | None) -> str | None:
    """What was wrong with a body FastAPI could not parse (it says only 400 "error parsing the body"), for the
    causes a client can mend: bytes that are not UTF-8, JSON nested thousands deep, a number too long."""
    if isinstance(cause, GlossaryError):  # raised while the body was read (app.api.encoding)
        return cause.detail
    if isinstance(cause, UnicodeDecodeError):
        bad = cause.object[cause.start : cause.start + 1].hex()
        return f"the body is not UTF-8: byte 0x{bad} at offset {cause.start} ({cause.reason})"
    if isinstance(cause, RecursionError):
        return "the body's JSON is nested too deeply to parse"
    if isinstance(cause, ValueError) and "digits" in str(cause):  # int() refuses over 4,300 digits
        return f"a number in the body has more digits than can be read (at most {sys.get_int_max_str_digits()})"
    return None


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """The methods some route answers at the scope's path. Asked of each route through Starlette's public
    `matches`, which nested routers answer too (FastAPI 0.165 keeps included routers as branches, not flat
    routes with a `path_regex`). HEAD wherever GET (the middleware answers it)."""
    allowed = []
    for method in _METHODS:
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in app.router.routes):
            allowed.append(method)
    if "GET" in allowed:
        allowed.insert(1, "HEAD")
    return allowed


def install(app: FastAPI) -> None:
    @app.exception_handler(GlossaryError)
    async def glossary_error(_request: Request, exc: GlossaryError) -> ProblemResponse:
        return problem_response(exc.problem(), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = _jsonable_errors(exc.errors())
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5]) or "the request is not valid"
        problem = Problem(
            type="/problems/invalid-input", title="Invalid input", status=422, detail=detail, errors=errors
        )
        return problem_response(problem)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        unreadable = _unreadable_body(exc.__cause__)
        if unreadable is not None:
            return problem_response(
                Problem(type="/problems/invalid-input", title="Invalid input", status=422, detail=unreadable)
            )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # name every method the path answers, not just those of the first route
            headers["Allow"] = ", ".join(allowed_methods(_request.app, _request.scope))
        title = _TITLES.get(exc.status_code, "HTTP error")
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else title
        kind = _TYPES.get(exc.status_code, "about:blank")
        problem = Problem(type=kind, title=title, status=exc.status_code, detail=detail)
        return problem_response(problem, headers)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(_request: Request, exc: SQLAlchemyError) -> ProblemResponse:
        error = database_problem(exc)  # a read outside a unit of work: the same fixed sentences
        return problem_response(error.problem(), error.headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> ProblemResponse:
        log.exception("unhandled error", exc_info=exc)
        problem = Problem(type="about:blank", title="Internal error", status=500, detail="the server failed to answer")
        return problem_response(problem)


class _BodyTooLarge(StarletteHTTPException):
    """Raised while the body is read: FastAPI lets HTTP exceptions through its body parsing untouched."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit} bytes", {"Connection": "close"})


class StartTracking:
    """An ASGI `send` that remembers whether the response has started: a body middleware that fails while
    the app reads the body may answer for it only if it has not."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class BodyLimitMiddleware:
    """Answers 413 for a body over `max_bytes` before anything parses it or reads more of it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_large = int(value) > limit
                except ValueError:
                    too_large = False
                if too_large:
                    await self._reject(send, scope)
                    return
        received = 0
        sending = StartTracking(send)

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counting_receive, sending)
        except _BodyTooLarge:
            if not sending.started:
                await self._reject(send, scope)

    async def _reject(self, send: Send, scope: Scope) -> None:
        error = PayloadTooLargeError(f"the request body is larger than the limit of {self.max_bytes} bytes")
        response = problem_response(error.problem(), {"Connection": "close"})
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
