"""What the two clients share: the result types, the error, each API call as a request and a parser, the
retry policy and the ETag cache. The clients only send the requests (blocking or async)."""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter

from app.annotate.schemas import QaIssue, TermMatch, TextGlossaryTerm
from app.convert.schemas import ConvertResult
from app.terms.schemas import TermFields, TermOut

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
DEFAULT_LOOKUP_BATCH = 1000  # the server's MAX_LOOKUP_KEYS unless configured
MAX_RETRY_WAIT = 30.0  # never sleep longer than this for one retry, whatever Retry-After says
_CACHE_SIZE = 1024
PROBLEM_MEDIA_TYPE = "application/problem+json"


class Term(TermOut):
    """A term as the API returns it (`app.terms.schemas.TermOut`); fields a newer server adds are ignored."""

    model_config = ConfigDict(extra="ignore")


class SearchHit(BaseModel):
    term: Term
    score: float
    matched: str


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None = None


class GlossaryError(Exception):
    """The API answered with an error (`status`, and the RFC 9457 `problem` document when there is one), or
    it could not be reached (`status` None: a timeout or a connection error, the cause chained)."""

    def __init__(self, status: int | None, detail: str, problem: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{status}: {detail}" if status is not None else detail)
        self.status = status
        self.detail = detail
        self.problem: dict[str, Any] = dict(problem or {})

    @classmethod
    def of(cls, response: httpx.Response) -> GlossaryError:
        problem: dict[str, Any] | None = None
        if response.headers.get("content-type", "").startswith((PROBLEM_MEDIA_TYPE, "application/json")):
            try:
                body = response.json()
            except ValueError:
                body = None
            problem = body if isinstance(body, dict) else None
        detail = str((problem or {}).get("detail") or response.text[:500] or response.reason_phrase)
        return cls(response.status_code, detail, problem)


@dataclass
class Call(Generic[T]):
    """One request of the API and how to read its answer."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    ok: tuple[int, ...] = (200,)
    cache_key: tuple[str, str] | None = None  # a term read: answered from the ETag cache on 304

    def request(self, client: httpx.Client | httpx.AsyncClient, etag: str | None) -> httpx.Request:
        headers = dict(self.headers)
        if etag is not None:
            headers["If-None-Match"] = etag
        params = {k: v for k, v in self.params.items() if v is not None}
        return client.build_request(self.method, self.path, params=params, json=self.json, headers=headers)


def _model(adapter: TypeAdapter[T], key: str | None = None) -> Callable[[httpx.Response], T]:
    def parse(response: httpx.Response) -> T:
        body = response.json()
        return adapter.validate_python(body[key] if key is not None else body)

    return parse


_TERM = TypeAdapter(Term)
_TERMS_OR_NONE = TypeAdapter(list[Term | None])
_SEARCH = TypeAdapter(SearchPage)
_MATCHES = TypeAdapter(list[TermMatch])
_TEXT_TERMS = TypeAdapter(list[TextGlossaryTerm])
_CONVERTED = TypeAdapter(ConvertResult)
_ISSUES = TypeAdapter(list[QaIssue])


def _text(response: httpx.Response) -> str:
    return response.text


def _bytes(response: httpx.Response) -> bytes:
    return response.content


def _nothing(response: httpx.Response) -> None:
    return None


def get_term(key: str, script: str) -> Call[Term]:
    return Call("GET", f"/v1/terms/{_segment(key)}", _model(_TERM), {"script": script}, cache_key=(key, script))


def lookup(keys: Sequence[str], script: str) -> Call[list[Term | None]]:
    return Call("POST", "/v1/lookup", _model(_TERMS_OR_NONE, "results"), {"script": script}, {"keys": list(keys)})


def search(
    q: str, limit: int, kind: str | None, footnoted: bool | None, script: str, cursor: str | None
) -> Call[SearchPage]:
    params = {"q": q, "limit": limit, "kind": kind, "script": script, "cursor": cursor}
    params["footnoted"] = None if footnoted is None else str(footnoted).lower()
    return Call("GET", "/v1/search", _model(_SEARCH), params)


def annotate(text: str, kind: str | None) -> Call[list[TermMatch]]:
    return Call("POST", "/v1/annotate", _model(_MATCHES, "matches"), {"kind": kind}, {"text": text})


def text_glossary(text: str, kind: str | None) -> Call[list[TextGlossaryTerm]]:
    params = {"format": "terms", "kind": kind}
    return Call("POST", "/v1/annotate", _model(_TEXT_TERMS, "terms"), params, {"text": text})


def text_file(text: str, fmt: str, kind: str | None) -> Call[str]:
    return Call("POST", "/v1/annotate", _text, {"format": fmt, "kind": kind}, {"text": text})


def convert(text: str, config: str, protect_terms: bool) -> Call[ConvertResult]:
    body = {"text": text, "config": config, "protect_terms": protect_terms}
    return Call("POST", "/v1/convert", _model(_CONVERTED), json=body)


def qa(source: str, target: str) -> Call[list[QaIssue]]:
    return Call("POST", "/v1/qa", _model(_ISSUES, "issues"), json={"source": source, "target": target})


def export(fmt: str, script: str, kind: str | None, bom: bool) -> Call[bytes]:
    params = {"format": fmt, "script": script, "kind": kind, "bom": "true" if bom else None}
    return Call("GET", "/v1/export", _bytes, params)


def create_term(entry: TermFields | Mapping[str, Any]) -> Call[Term]:
    body = entry.content() if isinstance(entry, TermFields) else dict(entry)
    return Call("POST", "/v1/terms", _model(_TERM), json=body, ok=(201,))


def patch_term(slug: str, changes: Mapping[str, Any], if_match: str) -> Call[Term]:
    headers = {"If-Match": if_match, "Content-Type": "application/merge-patch+json"}
    return Call("PATCH", f"/v1/terms/{_segment(slug)}", _model(_TERM), json=dict(changes), headers=headers)


def delete_term(slug: str, if_match: str) -> Call[None]:
    return Call("DELETE", f"/v1/terms/{_segment(slug)}", _nothing, headers={"If-Match": if_match}, ok=(204,))


def _segment(key: str) -> str:
    """`key` as one path segment (a headword or alias may hold `/`, `?` or `#`)."""
    return urllib.parse.quote(key, safe="")


def batches(keys: Sequence[str], size: int) -> list[Sequence[str]]:
    return [keys[at : at + size] for at in range(0, len(keys), size)] or [keys]


class TermCache:
    """Terms by (key, script) with the ETag they were served with, least recently used dropped first."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], tuple[str, Any]] = OrderedDict()

    def get(self, key: tuple[str, str]) -> tuple[str, Any] | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: tuple[str, str], etag: str, value: Any) -> None:
        self._items[key] = (etag, value)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def forget(self, slug: str) -> None:
        """Drop every entry of a concept (after a write), whatever key it was read by."""
        for key in [k for k, (_etag, value) in self._items.items() if getattr(value, "slug", None) == slug]:
            del self._items[key]


RETRY_STATUSES = frozenset({429, 503})


def retry_delay(response: httpx.Response | None, attempt: int, backoff: float, cap: float = MAX_RETRY_WAIT) -> float:
    """Seconds to wait before retry `attempt` (0-based): the server's `Retry-After` (seconds or an HTTP
    date) if it sent one, else exponential backoff with jitter; never more than `cap`."""
    if response is not None:
        after = response.headers.get("retry-after")
        if after is not None:
            seconds = _retry_after_seconds(after)
            if seconds is not None:
                return min(max(seconds, 0.0), cap)
    return min(backoff * 2.0**attempt * (0.5 + random.random() / 2), cap)


def _retry_after_seconds(value: str) -> float | None:
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return float((when - dt.datetime.now(dt.UTC)).total_seconds())


def headers_for(api_key: str | None) -> dict[str, str]:
    headers = {"User-Agent": "policy-glossary-client/1.0"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers
