"""ASGI middleware: request ids with a JSON access log and Prometheus metrics, rate limiting, and the
JSON content-type check. Plain ASGI (no BaseHTTPMiddleware) so that they cost little per request."""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
import uuid
from collections import OrderedDict

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import problem_response
from app.errors import RateLimitedError, UnsupportedMediaTypeError

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


class RequestContextMiddleware:
    """Gives every request an id (the client's `X-Request-ID` if sane, else a new one), echoes it, logs one
    JSON line per request and records Prometheus metrics by route template (bounded label values)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = _header(scope, b"x-request-id")
        request_id = offered if offered and _VALID_REQUEST_ID.match(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
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
