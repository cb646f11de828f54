"""Request dependencies: the glossary snapshot, the script parameter, validated keys.

Each is `async def`: they only read application state or check a short string, and FastAPI runs a plain
`def` dependency in the thread pool, a thread hop per dependency on every request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy import Engine

from app.config import Settings
from app.core.script import Script
from app.errors import InvalidInputError
from app.terms.glossary import Glossary
from app.terms.schemas import clean


async def get_glossary(request: Request) -> Glossary:
    return request.app.state.glossary  # type: ignore[no-any-return]


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


GlossaryDep = Annotated[Glossary, Depends(get_glossary)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
KeyDep = Annotated[str, Depends(valid_key)]
ScriptDep = Annotated[
    Script,
    Query(description="Script of the returned Chinese fields: hans (Simplified), hant, tw (Taiwan) or hk (Hong Kong)."),
]
