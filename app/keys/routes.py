"""API keys over HTTP, for admins: create (the key is in the answer, once), list, revoke."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import EngineDep, WriteSessionDep
from app.auth import AdminDep, Scope, create_key, list_keys, revoke_key
from app.db import read_session
from app.errors import ForbiddenError, InvalidInputError, NotFoundError, UnauthorizedError, responses
from app.terms.schemas import KeyName

# Key ids are the column's 32-bit integers; a larger id names no key.
_MAX_KEY_ID = 2**31 - 1

router = APIRouter(prefix="/v1/keys", tags=["keys"])
_ERRORS = (UnauthorizedError, ForbiddenError, InvalidInputError)


class KeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: KeyName = Field(examples=["translation-desk"], description="Up to 100 characters, one line.")
    scope: Scope = Scope.editor


class KeyOut(BaseModel):
    id: int
    name: str
    scope: Scope
    prefix: str = Field(description="The key's first characters, to recognise it.")
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class NewKey(KeyOut):
    key: str = Field(description="The key itself: shown this once, never stored.")


def _out(row: object) -> dict[str, object]:
    return {f: getattr(row, f) for f in ("id", "name", "scope", "prefix", "created_at", "revoked_at")}


@router.post("", status_code=201, response_model=NewKey, responses=responses(*_ERRORS))
def create(request: KeyRequest, _caller: AdminDep, session: WriteSessionDep) -> NewKey:
    """Create a key (admin key)."""
    row, key = create_key(session, name=request.name, scope=request.scope)
    return NewKey(**_out(row), key=key)  # type: ignore[arg-type]


@router.get("", response_model=list[KeyOut], responses=responses(*_ERRORS))
def index(engine: EngineDep, _caller: AdminDep) -> list[KeyOut]:
    """Every key, without the keys themselves (admin key)."""
    with read_session(engine) as session:
        return [KeyOut(**_out(row)) for row in list_keys(session)]  # type: ignore[arg-type]


@router.delete("/{key_id}", status_code=204, responses=responses(*_ERRORS, NotFoundError))
def revoke(key_id: int, _caller: AdminDep, session: WriteSessionDep) -> Response:
    """Revoke a key: it answers 401 from now on (admin key)."""
    if not 0 < key_id <= _MAX_KEY_ID or not revoke_key(session, key_id):
        raise NotFoundError(f"no live key has the id {key_id}")
    return Response(status_code=204)
