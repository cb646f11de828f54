"""The real app for the search benchmark, plus one bare route returning a constant dict (the ratio's baseline):
async, like `GET /v1/terms/{key}`, so that the ratio compares the route's work, not a thread hop.

uvicorn --factory bench.search_app:create      (database from DATABASE_URL, as the app reads it)
"""

from __future__ import annotations

from fastapi import FastAPI

from app.config import Settings
from app.main import create_app


def create() -> FastAPI:
    app = create_app(Settings())

    @app.get("/bench/bare", include_in_schema=False)
    async def bare() -> dict[str, str]:
        return {"status": "ok"}

    return app
