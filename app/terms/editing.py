"""Changing the glossary: create, patch, delete and restore a concept, each recorded in history.

Every function takes the caller's session (an HTTP request's `WriteSessionDep`, or `app.db.unit_of_work`) and
never commits; what it refuses is a problem from `app.errors`. The process that made a change sees it once the
unit of work commits and refreshes the snapshot; other processes within their refresh interval
(`app.terms.service.follow`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.auth import Caller
from app.errors import (
    ConflictError,
    GoneError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
)
from app.terms import repository, writes
from app.terms.schemas import Status, TermFields, TermRecord

# The ETags of every representation of a record (`Glossary.etags`).
Etags = Callable[[TermRecord], set[str]]


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


def actor_of(caller: Caller) -> str:
    """How history names the key that made a change."""
    return f"key:{caller.key_id}:{caller.name}"[:100]


def _check_if_match(etags: Etags, record: TermRecord, if_match: str | None) -> None:
    if if_match is None:
        raise PreconditionRequiredError("send If-Match with the ETag of the current representation")
    offered = {tag.strip() for tag in if_match.split(",")}
    if "*" in offered:
        return
    if not offered & etags(record):
        raise PreconditionFailedError("the concept changed since that ETag was issued; fetch it again")


def _current(session: Session, slug: str) -> TermRecord:
    record, exists = repository.get_concept_state(session, slug)
    if record is None:
        if exists:
            raise GoneError(f"the concept {slug!r} was deleted")
        raise NotFoundError(f"no concept has the slug {slug!r}")
    return record


def create(session: Session, fields: TermFields, caller: Caller) -> TermRecord:
    record, _changed = writes.save(session, fields, actor=actor_of(caller), must_be_new=True, action="create")
    return record


def patch(
    session: Session, etags: Etags, slug: str, changes: dict[str, Any], if_match: str | None, caller: Caller
) -> TermRecord:
    current = _current(session, slug)
    _check_if_match(etags, current, if_match)
    merged = merge_patch(current.content(), changes)
    if merged.get("slug") != slug:
        raise InvalidInputError("slug: a concept's slug cannot be changed")
    fields = validated(merged)
    record, _changed = writes.save(session, fields, actor=actor_of(caller), expected_version=current.version)
    return record


def delete(session: Session, etags: Etags, slug: str, if_match: str | None, caller: Caller) -> None:
    current = _current(session, slug)
    _check_if_match(etags, current, if_match)
    writes.soft_delete(session, slug, expected_version=current.version, actor=actor_of(caller))


def restore(
    session: Session, etags: Etags, slug: str, version: int, if_match: str | None, caller: Caller
) -> TermRecord:
    """Make the concept what it was at `version` again (a new, recorded change; undeletes a deleted one)."""
    entry, exists = repository.revision_at(session, slug, version)
    if not exists:
        raise NotFoundError(f"no concept has the slug {slug!r}")
    if entry is None or entry.after is None:
        raise NotFoundError(f"the concept {slug!r} has no revision with version {version}")
    current, _exists = repository.get_concept_state(session, slug)
    if current is not None:
        _check_if_match(etags, current, if_match)
    # A version written under older rules may not pass today's: a 422 naming the rule.
    fields = validated({k: v for k, v in json.loads(entry.after).items() if k in TermFields.model_fields})
    record, _changed = writes.save(
        session,
        fields,
        actor=actor_of(caller),
        expected_version=current.version if current is not None else None,
        action="restore",
    )
    return record


def approve(session: Session, etags: Etags, slug: str, if_match: str | None, caller: Caller) -> TermRecord:
    """A draft becomes an approved term (422 if it still lacks its English or definitions)."""
    current = _current(session, slug)
    _check_if_match(etags, current, if_match)
    return _approve(session, current, actor_of(caller))


def _approve(session: Session, current: TermRecord, actor: str) -> TermRecord:
    if current.status == Status.approved:
        raise ConflictError(f"the concept {current.slug!r} is approved already")
    fields = validated({**current.content(), "status": str(Status.approved)})
    record, _changed = writes.save(session, fields, actor=actor, expected_version=current.version, action="approve")
    return record


def reject(session: Session, etags: Etags, slug: str, if_match: str | None, caller: Caller) -> None:
    """A draft leaves the glossary, recorded as rejected (its history stays; restore brings it back)."""
    current = _current(session, slug)
    _check_if_match(etags, current, if_match)
    _reject(session, current, actor_of(caller))


def _reject(session: Session, current: TermRecord, actor: str) -> None:
    if current.status == Status.approved:
        raise ConflictError(f"the concept {current.slug!r} is approved, not a draft: delete it instead")
    writes.soft_delete(session, current.slug, expected_version=current.version, actor=actor, action="reject")


def approve_trusted(session: Session, slug: str, actor: str) -> TermRecord:
    """`approve` for a trusted caller that sends no ETag (the CLI, as `glossary import`): the version read here
    is the one the write expects, so a change made in between still fails (`StaleVersionError`)."""
    return _approve(session, _current(session, slug), actor)


def reject_trusted(session: Session, slug: str, actor: str) -> None:
    """`reject` for a trusted caller that sends no ETag (see `approve_trusted`)."""
    _reject(session, _current(session, slug), actor)


def validated(data: dict[str, Any]) -> TermFields:
    """`data` as term fields, or a 422 naming each rule it breaks."""
    try:
        return TermFields.model_validate(data)
    except ValidationError as exc:
        errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
        raise InvalidInputError(detail, errors=errors) from exc
