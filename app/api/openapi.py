"""What the OpenAPI document promises clients: short stable operationIds, every status an operation can
answer declared with an example problem, and the one request rule FastAPI does not enforce (a single-valued
query parameter given twice is an error, not "the last one wins")."""

from __future__ import annotations

import copy
from typing import Any, get_args, get_origin

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from app.errors import PROBLEM_MEDIA_TYPE

# Route function names that are too generic, or read badly, as a generated client's method names.
_OPERATION_IDS = {
    ("annotate", "/v1/annotate"): "annotateText",
    ("lookup", "/v1/lookup"): "lookupTerms",
    ("term_history", "/v1/terms/{slug}/history"): "getTermHistory",
    ("search", "/v1/search"): "searchTerms",
    ("index", "/v1/keys"): "listKeys",
    ("create", "/v1/keys"): "createKey",
    ("revoke", "/v1/keys/{key_id}"): "revokeKey",
    ("healthz", "/healthz"): "getHealth",
    ("metrics", "/metrics"): "getMetrics",
}


def operation_id(route: APIRoute) -> str:
    """`getTerm` for `get_term`: the route function's name in camelCase, unless the table above names it."""
    explicit = _OPERATION_IDS.get((route.name, route.path))
    if explicit:
        return explicit
    head, *rest = route.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


# An example problem for each status an operation may answer.
_EXAMPLES: dict[int, tuple[str, str, str]] = {
    400: ("about:blank", "Bad request", "the request could not be read"),
    401: ("/problems/unauthorized", "Unauthorized", "this operation needs an API key: Authorization: Bearer <key>"),
    403: ("/problems/forbidden", "Forbidden", "this key's scope (editor) does not allow managing keys"),
    404: ("/problems/not-found", "Not found", "no term has the slug, headword or alias '六服六退'"),
    408: ("/problems/request-timeout", "Request timeout", "the request body did not arrive within 30 s"),
    409: ("/problems/conflict", "Conflict", "the slug 'liu-fu-liu-jin' is taken"),
    410: ("/problems/gone", "Gone", "the concept 'liu-fu-liu-jin' was deleted; its history is at …/history"),
    412: ("/problems/precondition-failed", "Precondition failed", "the term changed since that ETag: GET it again"),
    413: ("/problems/payload-too-large", "Payload too large", "the request body is larger than the limit"),
    415: (
        "/problems/unsupported-media-type",
        "Unsupported media type",
        "the body must be JSON (Content-Type: application/json), not text/plain",
    ),
    422: ("/problems/invalid-input", "Invalid input", "body.conifg: Extra inputs are not permitted"),
    428: ("/problems/precondition-required", "Precondition required", "If-Match with the term's ETag is required"),
    429: ("/problems/rate-limited", "Too many requests", "too many requests; retry after the time in Retry-After"),
    503: ("/problems/unavailable", "Service unavailable", "the database does not answer"),
}
_UNLIMITED = ("/healthz", "/metrics")  # exempt from the rate limit
_NO_JSON_CHECK = ("/v1/import",)  # takes files: no 415 from the content-type check


def _problem(status: int) -> dict[str, Any]:
    kind, title, detail = _EXAMPLES.get(status, ("about:blank", "Error", "the request failed"))
    return {
        "description": title,
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": {"type": kind, "title": title, "status": status, "detail": detail},
            }
        },
    }


def declare_statuses(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds the statuses the middleware answers for every operation (429 rate limit; 408, 413, 415 for bodies),
    renders every error as the problem document it is (FastAPI declares its 422 as `HTTPValidationError`
    JSON), and gives each an example."""
    schema = copy.deepcopy(schema)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            extra = []
            if path not in _UNLIMITED:
                extra.append(429)
            if "requestBody" in operation:
                extra += [408, 413]
                if not path.startswith(_NO_JSON_CHECK):
                    extra.append(415)
            for status in extra:
                answers.setdefault(str(status), {})
            for status, answer in answers.items():
                if not status.isdigit() or int(status) < 400:
                    continue
                problem = _problem(int(status))
                content = answer.get("content", {})
                content.pop("application/json", None)
                existing = content.get(PROBLEM_MEDIA_TYPE, {})
                existing.setdefault("schema", problem["content"][PROBLEM_MEDIA_TYPE]["schema"])
                existing.setdefault("example", problem["content"][PROBLEM_MEDIA_TYPE]["example"])
                content[PROBLEM_MEDIA_TYPE] = existing
                answer["content"] = content
                if not answer.get("description") or answer["description"] == "Validation Error":
                    answer["description"] = problem["description"]
            operation["responses"] = dict(sorted(answers.items()))
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_statuses(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# --- Repeated query parameters --------------------------------------------------------------------------------

_SCALARS: dict[int, frozenset[str]] = {}


def _is_sequence(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_is_sequence(arg) for arg in get_args(annotation)) if origin is not None else False


def _query_fields(dependant: Any) -> list[str]:
    """The aliases of the single-valued query parameters of a route and of its dependencies."""
    names = [f.alias for f in dependant.query_params if not _is_sequence(f.field_info.annotation)]
    for sub in dependant.dependencies:
        names += _query_fields(sub)
    return names


def _scalar_query_names(route: APIRoute) -> frozenset[str]:
    names = _SCALARS.get(id(route))
    if names is None:
        names = frozenset(_query_fields(route.dependant))
        _SCALARS[id(route)] = names
    return names


async def reject_repeated_query(request: Request) -> None:
    """422 naming a single-valued query parameter given more than once (`kind=a&kind=b`): FastAPI keeps the
    last one silently, so a client's mistake would pass as an answer to another question."""
    raw = request.scope.get("query_string", b"")
    if b"&" not in raw:
        return
    keys = request.query_params.keys()
    seen = list(request.query_params.multi_items())
    if len(seen) == len(set(keys)):
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    scalars = _scalar_query_names(route)
    counts: dict[str, int] = {}
    for key, _ in seen:
        counts[key] = counts.get(key, 0) + 1
    repeated = sorted(key for key, count in counts.items() if count > 1 and key in scalars)
    if repeated:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", key),
                    "msg": "given more than once; this parameter takes one value",
                    "type": "repeated",
                }
                for key in repeated
            ]
        )
