"""The service's errors, each rendered as one RFC 9457 problem document.

    GlossaryError                      status  type
     ├── InvalidInputError              422    /problems/invalid-input
     ├── UnauthorizedError              401    /problems/unauthorized
     ├── ForbiddenError                 403    /problems/forbidden
     ├── NotFoundError                  404    /problems/not-found
     ├── GoneError                      410    /problems/gone
     ├── ConflictError                  409    /problems/conflict
     ├── PreconditionFailedError        412    /problems/precondition-failed
     ├── PreconditionRequiredError      428    /problems/precondition-required
     ├── RequestTimeoutError            408    /problems/request-timeout
     ├── PayloadTooLargeError           413    /problems/payload-too-large
     ├── UnsupportedMediaTypeError      415    /problems/unsupported-media-type
     ├── RateLimitedError               429    /problems/rate-limited
     └── UnavailableError               503    /problems/unavailable

Request validation (FastAPI's 422s) and routing errors (404, 405) are rendered in the same shape.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["no term has the slug, headword or alias '六服六退'"])
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For invalid input: each problem with its location."
    )


class GlossaryError(Exception):
    status: ClassVar[int] = 500
    type: ClassVar[str] = "about:blank"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self, detail: str, *, headers: dict[str, str] | None = None, errors: list[dict[str, Any]] | None = None
    ):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors

    def problem(self) -> Problem:
        return Problem(type=self.type, title=self.title, status=self.status, detail=self.detail, errors=self.errors)


class InvalidInputError(GlossaryError):
    status, type, title = 422, "/problems/invalid-input", "Invalid input"


class UnauthorizedError(GlossaryError):
    status, type, title = 401, "/problems/unauthorized", "Unauthorized"


class ForbiddenError(GlossaryError):
    status, type, title = 403, "/problems/forbidden", "Forbidden"


class PreconditionFailedError(GlossaryError):
    status, type, title = 412, "/problems/precondition-failed", "Precondition failed"


class PreconditionRequiredError(GlossaryError):
    status, type, title = 428, "/problems/precondition-required", "Precondition required"


class RateLimitedError(GlossaryError):
    status, type, title = 429, "/problems/rate-limited", "Too many requests"


class NotFoundError(GlossaryError):
    status, type, title = 404, "/problems/not-found", "Not found"


class GoneError(GlossaryError):
    status, type, title = 410, "/problems/gone", "Gone"


class ConflictError(GlossaryError):
    status, type, title = 409, "/problems/conflict", "Conflict"


class RequestTimeoutError(GlossaryError):
    status, type, title = 408, "/problems/request-timeout", "Request timeout"


class PayloadTooLargeError(GlossaryError):
    status, type, title = 413, "/problems/payload-too-large", "Payload too large"


class UnsupportedMediaTypeError(GlossaryError):
    status, type, title = 415, "/problems/unsupported-media-type", "Unsupported media type"


class UnavailableError(GlossaryError):
    status, type, title = 503, "/problems/unavailable", "Service unavailable"


def responses(*errors: type[GlossaryError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries declaring the problem documents an endpoint can answer with."""
    out: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        out[error.status] = {
            "model": Problem,
            "description": error.title,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
