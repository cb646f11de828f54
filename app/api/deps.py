"""Request dependencies: the glossary snapshot, the write session, the script parameter, validated keys.

The readers are `async def`: they only read application state or check a short string, and FastAPI runs a
plain `def` dependency in the thread pool, a thread hop per dependency on every request."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.annotate.index import WithDrafts
from app.config import Settings
from app.core.script import Script
from app.db import unit_of_work
from app.errors import InvalidInputError
from app.terms.glossary import Glossary
from app.terms.schemas import clean
from app.terms.service import refresh

log = logging.getLogger("app.api")


async def get_glossary(request: Request) -> Glossary:
    return request.app.state.glossary  # type: ignore[no-any-return]


async def get_with_drafts(request: Request) -> WithDrafts:
    return request.app.state.with_drafts  # type: ignore[no-any-return]


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def valid_key(
    key: Annotated[
        str,
        Path(
            description="A slug, or a headword or alias in Simplified or any Traditional form (URL-encoded).",
            max_length=200,
            examples=["liu-fu-liu-jin", "六服六进", "六服六進", "數據得地"],
        ),
    ],
) -> str:
    try:
        return clean(key)
    except ValueError as exc:
        raise InvalidInputError(f"key: {exc}") from exc


def write_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: the route's changes commit when it returns (before the answer is sent, so
    a failed commit is the answer), then this process's snapshot takes them in."""
    engine: Engine = request.app.state.engine
    with unit_of_work(engine) as session:
        yield session
    try:
        refresh(engine, request.app.state.glossary)
    except Exception:  # committed: the poller will bring the snapshot up to date
        log.warning("refresh after a write failed", exc_info=True)


GlossaryDep = Annotated[Glossary, Depends(get_glossary)]
WithDraftsDep = Annotated[WithDrafts, Depends(get_with_drafts)]
IncludeDraftsDep = Annotated[
    bool, Query(description="true: draft terms (under review) count too; by default only approved terms do.")
]
# scope="function": the commit runs when the route returns, not after the response is sent.
WriteSessionDep = Annotated[Session, Depends(write_session, scope="function")]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
KeyDep = Annotated[str, Depends(valid_key)]
ScriptDep = Annotated[
    Script,
    Query(description="Script of the returned Chinese fields: hans (Simplified), hant, tw (Taiwan) or hk (Hong Kong)."),
]
