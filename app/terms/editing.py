"""Changing the glossary: each change in one transaction, recorded in history, visible at once in this process.

Other processes see it within their refresh interval (see `app.terms.service.follow`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.auth import Caller
from app.db import writer
from app.errors import (
    ConflictError,
    GoneError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
    UnavailableError,
)
from app.terms import repository
from app.terms.glossary import Glossary
from app.terms.schemas import TermFields, TermRecord
from app.terms.service import refresh


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge recursively, null removes a member, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _actor(caller: Caller) -> str:
    return f"key:{caller.key_id}:{caller.name}"[:100]


class _Transaction:
    """One writing transaction; database failures become problem documents, never a 2xx."""

    def __init__(self, engine: Engine, glossary: Glossary) -> None:
        self.engine, self.glossary = engine, glossary

    def __enter__(self) -> Session:
        self.session = Session(writer(self.engine), expire_on_commit=False)
        self.session.begin()
        return self.session

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: object) -> None:
        try:
            if exc is None:
                self.session.commit()
            else:
                self.session.rollback()
        except IntegrityError as commit_error:
            self.session.rollback()
            raise ConflictError("the change conflicts with another concept") from commit_error
        except DBAPIError as commit_error:  # the commit itself failed: nothing was written
            self.session.rollback()
            raise UnavailableError(
                "the database could not commit the change; nothing was written", headers={"Retry-After": "1"}
            ) from commit_error
        finally:
            self.session.close()
        if exc is None:
            refresh(self.engine, self.glossary)
            return
        mapped = _map(exc)
        if mapped is not None:
            raise mapped from exc


def _map(exc: BaseException) -> Exception | None:
    if isinstance(exc, repository.ConflictError):
        return ConflictError(str(exc))
    if isinstance(exc, repository.UnknownRelatedError):
        return InvalidInputError(f"related: no concept has the slug {exc}")
    if isinstance(exc, IntegrityError):
        return ConflictError("the change conflicts with another concept (slug, headword or alias)")
    if isinstance(exc, repository.StaleVersionError):
        return PreconditionFailedError("the concept changed since that ETag was issued; fetch it again")
    if isinstance(exc, OperationalError):
        return UnavailableError("the database is busy; retry", headers={"Retry-After": "1"})
    return None


def _check_if_match(glossary: Glossary, record: TermRecord, if_match: str | None) -> None:
    if if_match is None:
        raise PreconditionRequiredError("send If-Match with the ETag of the current representation")
    offered = {tag.strip() for tag in if_match.split(",")}
    if "*" in offered:
        return
    if not offered & glossary.etags(record):
        raise PreconditionFailedError("the concept changed since that ETag was issued; fetch it again")


def _current(session: Session, slug: str) -> TermRecord:
    record, exists = repository.get_concept_state(session, slug)
    if record is None:
        if exists:
            raise GoneError(f"the concept {slug!r} was deleted")
        raise NotFoundError(f"no concept has the slug {slug!r}")
    return record


def create(engine: Engine, glossary: Glossary, fields: TermFields, caller: Caller) -> TermRecord:
    with _Transaction(engine, glossary) as session:
        _record, exists = repository.get_concept_state(session, fields.slug)
        if exists:
            raise ConflictError(f"the slug {fields.slug!r} is taken (by a live or a deleted concept)")
        record, _changed = repository.save(session, fields, actor=_actor(caller), action="create")
    return record


def patch(
    engine: Engine, glossary: Glossary, slug: str, changes: dict[str, Any], if_match: str | None, caller: Caller
) -> TermRecord:
    with _Transaction(engine, glossary) as session:
        current = _current(session, slug)
        _check_if_match(glossary, current, if_match)
        merged = merge_patch(current.content(), changes)
        if merged.get("slug") != slug:
            raise InvalidInputError("slug: a concept's slug cannot be changed")
        try:
            fields = TermFields.model_validate(merged)
        except ValidationError as exc:
            raise _invalid(exc) from exc
        record, _changed = repository.save(session, fields, actor=_actor(caller), expected_version=current.version)
    return record


def delete(engine: Engine, glossary: Glossary, slug: str, if_match: str | None, caller: Caller) -> None:
    with _Transaction(engine, glossary) as session:
        current = _current(session, slug)
        _check_if_match(glossary, current, if_match)
        repository.soft_delete(session, slug, expected_version=current.version, actor=_actor(caller))


def restore(
    engine: Engine, glossary: Glossary, slug: str, version: int, if_match: str | None, caller: Caller
) -> TermRecord:
    """Make the concept what it was at `version` again (a new, recorded change)."""
    with _Transaction(engine, glossary) as session:
        entries = repository.history(session, slug)
        if entries is None:
            raise NotFoundError(f"no concept has the slug {slug!r}")
        state = next((e.after for e in entries if e.version == version and e.after is not None), None)
        if state is None:
            raise NotFoundError(f"the concept {slug!r} has no revision with version {version}")
        current, _exists = repository.get_concept_state(session, slug)
        expected = None
        if current is not None:
            _check_if_match(glossary, current, if_match)
            expected = current.version
        try:  # a version written under older rules may not pass today's
            fields = TermFields.model_validate(
                {k: v for k, v in json.loads(state).items() if k in TermFields.model_fields}
            )
        except ValidationError as exc:
            raise _invalid(exc) from exc
        record, _changed = repository.save(
            session, fields, actor=_actor(caller), expected_version=expected, action="restore"
        )
    return record


@dataclass
class BatchResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def save_many(session: Session, entries: Sequence[TermFields], actor: str) -> BatchResult:
    """Create or update many concepts in the caller's transaction (imports): history is recorded for each.

    New concepts are created in bulk before any is linked, so `related` may point at concepts of the batch.
    """
    result = BatchResult()
    existing = repository.live_slugs(session)
    new = [f for f in entries if f.slug not in existing]
    if new:
        repository.insert_many(session, new, actor=actor)
        result.created = [f.slug for f in new]
    for f in entries:
        if f.slug in existing:
            _record, changed = repository.save(session, f, actor=actor)
            (result.updated if changed else result.unchanged).append(f.slug)
    return result


def _invalid(exc: ValidationError) -> InvalidInputError:
    errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
    return InvalidInputError(detail, errors=errors)
