"""API keys over HTTP, for admins: create (the key is in the answer, once), list, revoke."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from app.api.deps import EngineDep
from app.auth import AdminDep, Scope, create_key, list_keys, revoke_key
from app.db import writer
from app.errors import ForbiddenError, InvalidInputError, NotFoundError, UnauthorizedError, responses
from app.terms.schemas import Line

router = APIRouter(prefix="/v1/keys", tags=["keys"])
_ERRORS = (UnauthorizedError, ForbiddenError, InvalidInputError)


class KeyRequest(BaseModel):
    model_config = {"extra": "forbid"}  # a misspelt field is a 422 naming it, not ignored
    name: Line = Field(max_length=100, examples=["translation-desk"])
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
def create(request: KeyRequest, engine: EngineDep, _caller: AdminDep) -> NewKey:
    """Create a key (admin key)."""
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():
        row, key = create_key(session, name=request.name, scope=request.scope)
    return NewKey(**_out(row), key=key)  # type: ignore[arg-type]


@router.get("", response_model=list[KeyOut], responses=responses(*_ERRORS))
def index(engine: EngineDep, _caller: AdminDep) -> list[KeyOut]:
    """Every key, without the keys themselves (admin key)."""
    with Session(engine) as session:
        return [KeyOut(**_out(row)) for row in list_keys(session)]  # type: ignore[arg-type]


@router.delete("/{key_id}", status_code=204, responses=responses(*_ERRORS, NotFoundError))
def revoke(key_id: int, engine: EngineDep, _caller: AdminDep) -> Response:
    """Revoke a key: it answers 401 from now on (admin key)."""
    with Session(writer(engine)) as session, session.begin():
        revoked = revoke_key(session, key_id)
    if not revoked:
        raise NotFoundError(f"no live key has the id {key_id}")
    return Response(status_code=204)
