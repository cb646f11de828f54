"""The one settings object, read from the environment (and a .env file if present)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///glossary.db",
        description="SQLAlchemy URL; postgresql://… is used with psycopg 3; a relative SQLite path is relative "
        "to the working directory.",
    )
    max_body_bytes: int = Field(default=1 << 20, ge=1024, description="Largest request body accepted (413 above).")
    max_text_bytes: int = Field(
        default=1_000_000,
        ge=1,
        description="Largest text (UTF-8 bytes) annotate, convert and qa take per field (413 above); the body "
        "limit `max_body_bytes` applies first.",
    )
    max_lookup_keys: int = Field(default=1000, ge=1)
    refresh_interval: float = Field(
        default=0.5, gt=0, description="Seconds between checks for edits made by other processes."
    )
    rate_limit_per_minute: int | None = Field(
        default=None, ge=1, description="Requests a minute per client address and per API key; unset: no limit."
    )
    seeds_dir: Path = PROJECT_DIR / "seeds"
    migrations_dir: Path = PROJECT_DIR / "migrations"
    sources_dir: Path = PROJECT_DIR.parent / "shared" / "sources"


@cache
def get_settings() -> Settings:
    return Settings()
