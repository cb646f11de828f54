"""ASGI middleware: request ids with a JSON access log and Prometheus metrics, the headers every answer
carries (nosniff, Cache-Control), HEAD, revalidation of lists and files, rate limiting, the JSON content-type
check and a deadline for slow request bodies. Plain ASGI (no BaseHTTPMiddleware) so that they cost little per
request."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
import time
import uuid
from collections import OrderedDict

import anyio
from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import StartTracking, problem_response
from app.errors import RateLimitedError, RequestTimeoutError, UnsupportedMediaTypeError

access_log = logging.getLogger("app.access")

REQUESTS = Counter("glossary_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "glossary_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


_SAFE_METHODS = ("GET", "HEAD")
_NOSNIFF = (b"x-content-type-options", b"nosniff")


def _cache_control(method: str, path: str, status: int) -> bytes:
    """The default Cache-Control of an answer that does not set its own: reads revalidate (their ETag makes that
    cheap), keys, writes, errors and metrics are never stored."""
    if method not in _SAFE_METHODS or status >= 400 or path.startswith("/v1/keys") or path in ("/metrics", "/healthz"):
        return b"no-store"
    return b"no-cache"


def _merge_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    values: dict[bytes, bytes] = {}
    for name, value in headers:
        if name.lower() == b"vary":
            for item in value.split(b","):
                values.setdefault(item.strip().lower(), item.strip())
    others = [(name, value) for name, value in headers if name.lower() != b"vary"]
    return [*others, (b"vary", b", ".join(values.values()))]


class RequestContextMiddleware:
    """Gives every request an id (the client's `X-Request-ID` if sane, else a new one), echoes it, logs one
    JSON line per request and records Prometheus metrics by route template (bounded label values). Every
    answer, whoever wrote it, gets `X-Content-Type-Options: nosniff` and a Cache-Control. HEAD is answered as
    GET would be, without the body, so every GET route answers HEAD (FastAPI's routes do not)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "HEAD":
            scope = {**scope, "method": "GET"}
        offered = _header(scope, b"x-request-id")
        request_id = offered if offered and _VALID_REQUEST_ID.match(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        headless = method == "HEAD"
        ended = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, ended
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                names = {name.lower() for name, _ in headers}
                if b"vary" in names:  # gzip adds Accept-Encoding to a Vary the route may have set already
                    headers = _merge_vary(headers)
                if b"x-content-type-options" not in names:
                    headers.append(_NOSNIFF)
                if b"cache-control" not in names:
                    headers.append((b"cache-control", _cache_control(method, scope["path"], status)))
                message["headers"] = headers
            elif headless and message["type"] == "http.response.body":
                if ended:
                    return
                ended = not message.get("more_body", False)
                if not ended:
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    json.dumps(
                        {
                            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                            "request_id": request_id,
                            "method": method,
                            "path": scope["path"],
                            "route": template,
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 2),
                            "client": client[0] if client else None,
                        },
                        ensure_ascii=False,
                    )
                )


class ContentTypeMiddleware:
    """415 for a request body that is not JSON where the API takes JSON (every write under /v1 except the
    file imports, which declare their own formats)."""

    def __init__(self, app: ASGIApp, exempt_prefixes: tuple[str, ...] = ("/v1/import",)) -> None:
        self.app = app
        self.exempt = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("POST", "PUT", "PATCH")
            and scope["path"].startswith("/v1/")
            and not scope["path"].startswith(self.exempt)
            and _has_body(scope)
        ):
            media_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
            if not (
                media_type == "application/json"
                or (media_type.startswith("application/") and media_type.endswith("+json"))
            ):
                error = UnsupportedMediaTypeError(
                    f"the body must be JSON (Content-Type: application/json), not {media_type or 'unlabelled'}"
                )
                await problem_response(error.problem())(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return _header(scope, b"transfer-encoding") is not None


class RateLimitMiddleware:
    """A token bucket per client address and per presented API key: `per_minute` requests a minute, bursts
    up to the same number; 429 with `Retry-After` beyond. Off unless configured."""

    def __init__(self, app: ASGIApp, per_minute: int, exempt: tuple[str, ...] = ("/healthz", "/metrics")) -> None:
        self.app = app
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.exempt = exempt
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _take(self, identity: str, now: float) -> float:
        """0 if a token was taken, else the seconds until one is available."""
        with self._lock:
            tokens, last = self._buckets.pop(identity, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[identity] = (tokens, now)
            while len(self._buckets) > 100_000:  # forget the longest-idle clients
                self._buckets.popitem(last=False)
            return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        client = scope.get("client")
        identities = [f"ip:{client[0] if client else '-'}"]
        authorization = _header(scope, b"authorization")
        if authorization and authorization.lower().startswith("bearer "):
            identities.append("key:" + authorization[7:].strip()[:12])
        wait = max(self._take(identity, now) for identity in identities)
        if wait > 0:
            error = RateLimitedError(
                "too many requests; retry after the time in Retry-After",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
            await problem_response(error.problem(), error.headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class RevalidationMiddleware:
    """A weak ETag on the reads that have none of their own (lists, search, history, exported files): the
    glossary's revision and the request's path and query, so `If-None-Match` answers 304 before anything is
    rendered. The revision is read before the answer is made, so a tag is never newer than its body."""

    def __init__(
        self, app: ASGIApp, prefixes: tuple[str, ...] = ("/v1/",), exempt: tuple[str, ...] = ("/v1/keys",)
    ) -> None:
        self.app = app
        self.prefixes = prefixes
        self.exempt = exempt  # answers that do not follow the glossary's revision

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        glossary = getattr(getattr(scope.get("app"), "state", None), "glossary", None)
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or glossary is None
            or not scope["path"].startswith(self.prefixes)
            or scope["path"].startswith(self.exempt)
        ):
            await self.app(scope, receive, send)
            return
        digest = hashlib.blake2b(digest_size=8)
        digest.update(scope.get("raw_path") or scope["path"].encode())
        digest.update(b"?" + scope.get("query_string", b""))
        etag = f'W/"r{glossary.revision}-{digest.hexdigest()}"'
        offered = _header(scope, b"if-none-match")
        if offered is not None and _weak_match(offered, etag):
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": [(b"etag", etag.encode()), (b"vary", b"Accept-Encoding")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def tagging_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"etag" for name, _ in headers):
                    headers.append((b"etag", etag.encode()))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, tagging_send)


def _weak_match(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


class _BodyTimedOut(StarletteHTTPException):
    """Raised while the body is read: FastAPI lets HTTP exceptions through its body parsing untouched."""

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body did not arrive within {seconds:g} s", {"Connection": "close"})


class BodyDeadlineMiddleware:
    """408 for a request whose body has not all arrived `seconds` after its headers: a client that sends 4 of
    100 promised bytes, or one byte a second, does not hold a connection and a worker for ever."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = time.monotonic() + self.seconds
        complete = False
        sending = StartTracking(send)

        async def bounded_receive() -> Message:
            nonlocal complete
            if complete:  # after the body, receive only waits for the client to go away
                return await receive()
            try:
                with anyio.fail_after(max(0.0, deadline - time.monotonic())):
                    message = await receive()
            except TimeoutError:
                raise _BodyTimedOut(self.seconds) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        try:
            await self.app(scope, bounded_receive, sending)
        except _BodyTimedOut:
            if not sending.started:
                error = RequestTimeoutError(f"the request body did not arrive within {self.seconds:g} s")
                await problem_response(error.problem(), {"Connection": "close"})(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
