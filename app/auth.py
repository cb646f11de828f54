"""API keys: creation, verification and the scopes writes need.

A key is shown once, when created: `pgk_` followed by 43 URL-safe characters. The database holds its first 12
characters (to find the row) and the SHA-256 of the whole key, compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from app import models
from app.api.deps import EngineDep
from app.db import read_session
from app.errors import ForbiddenError, UnauthorizedError

PREFIX_LENGTH = 12
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer pgk_…`")


class Scope(enum.StrEnum):
    editor = "editor"  # write terms, import
    admin = "admin"  # manage keys (and everything an editor may do)


@dataclass(frozen=True)
class Caller:
    key_id: int
    name: str
    scope: Scope

    def allows(self, needed: Scope) -> bool:
        return self.scope is Scope.admin or self.scope is needed


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, *, name: str, scope: Scope) -> tuple[models.ApiKey, str]:
    """A new key: the row, and the key itself (which is never stored)."""
    key = "pgk_" + secrets.token_urlsafe(32)
    row = models.ApiKey(name=name, scope=str(scope), prefix=key[:PREFIX_LENGTH], key_hash=_hash(key))
    session.add(row)
    session.flush()
    return row, key


def list_keys(session: Session) -> list[models.ApiKey]:
    return list(session.execute(select(models.ApiKey).order_by(col(models.ApiKey.id))).scalars())


def revoke_key(session: Session, key_id: int) -> bool:
    result = session.execute(
        update(models.ApiKey)
        .where(col(models.ApiKey.id) == key_id, col(models.ApiKey.revoked_at).is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def verify(session: Session, key: str) -> Caller | None:
    """The caller a key belongs to, or None for an unknown or revoked key."""
    if not key.isascii() or len(key) > 200:
        return None
    row = (
        session.execute(select(models.ApiKey).where(col(models.ApiKey.prefix) == key[:PREFIX_LENGTH])).scalars().first()
    )
    # Compare even when no row matched, so that timing does not tell a known prefix from an unknown one.
    expected = row.key_hash if row is not None else _hash("")
    if not hmac.compare_digest(expected, _hash(key)) or row is None or row.revoked_at is not None:
        return None
    assert row.id is not None
    return Caller(key_id=row.id, name=row.name, scope=Scope(row.scope))


def _challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="policy-glossary"' + (f', error="{error}"' if error else "")
    return {"WWW-Authenticate": value}


def _caller(
    request: Request,
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorizedError("this request needs an API key: Authorization: Bearer <key>", headers=_challenge())
    with read_session(engine) as session:
        caller = verify(session, credentials.credentials)
    if caller is None:
        raise UnauthorizedError("the API key is unknown or revoked", headers=_challenge("invalid_token"))
    request.state.caller = caller
    return caller


def _optional_caller(
    request: Request,
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller | None:
    """The caller of a request that does not need a key, if it sent one (a wrong key is still 401)."""
    return None if credentials is None else _caller(request, engine, credentials)


def require(scope: Scope):  # type: ignore[no-untyped-def]
    def dependency(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
        if not caller.allows(scope):
            raise ForbiddenError(f"the key {caller.name!r} has scope {caller.scope}; this needs {scope}")
        return caller

    return dependency


EditorDep = Annotated[Caller, Depends(require(Scope.editor))]
AdminDep = Annotated[Caller, Depends(require(Scope.admin))]
OptionalCallerDep = Annotated[Caller | None, Depends(_optional_caller)]
