"""What the text endpoints (annotate, qa, convert, extract) share on the way in and out: the per-text size
limit, where the work runs, and compact JSON bodies."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import Response
from fastapi.concurrency import run_in_threadpool

from app.config import Settings
from app.errors import PayloadTooLargeError

# Texts up to this many characters are annotated or checked on the event loop: matching 4,096 characters
# takes about a millisecond, less than handing them to the thread pool and back costs (0.3–0.5 ms on this
# machine, more when the thread runs on the other core).
INLINE_CHARS = 4096


async def off_loop_if_long(chars: int, work: Callable[..., Response], *args: object) -> Response:
    """`work(*args)`: on the event loop for texts of up to `INLINE_CHARS` characters in all, else in the
    thread pool."""
    if chars <= INLINE_CHARS:
        return work(*args)
    return await run_in_threadpool(work, *args)


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_response(body: object) -> Response:
    """`body` as compact JSON, characters as they are (what FastAPI's JSONResponse writes)."""
    return json_bytes(dumps(body).encode())


def json_bytes(content: bytes) -> Response:
    return Response(content=content, media_type="application/json")


def check_size(settings: Settings, field: str, text: str) -> None:
    """413 for a text over `max_text_bytes` (UTF-8)."""
    limit = settings.max_text_bytes
    if len(text) * 4 > limit and (len(text) > limit or len(text.encode()) > limit):
        raise PayloadTooLargeError(f"{field}: the text is larger than the limit of {limit} bytes (UTF-8)")
