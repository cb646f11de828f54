"""The one settings object, read from the environment (and a .env file if present)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
# A built wheel carries copies of the top-level migrations/ and seeds/ here (see setup.py).
BUNDLED_DIR = Path(__file__).resolve().parent / "_bundled"


def _data_dir(name: str) -> Path:
    """The checkout's folder when the package runs from one (an editable install, the tests), else the copy
    the wheel carries."""
    checkout = PROJECT_DIR / name
    if (PROJECT_DIR / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return BUNDLED_DIR / name


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
    miss_flush_interval: float = Field(
        default=10.0,
        gt=0,
        description="Seconds between writes of the searches that found nothing (counted in memory between them).",
    )
    rate_limit_per_minute: int | None = Field(
        default=None, ge=1, description="Requests a minute per client address and per API key; unset: no limit."
    )
    cors_origins: str = Field(
        default="",
        description="Comma-separated origins (https://cat.example.com) whose browser pages may call the API; "
        "none by default; * for any.",
    )
    gzip_min_bytes: int = Field(default=1024, ge=0, description="Answers at least this large are gzipped on request.")
    body_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a request's body may take to arrive after its headers (408 after)."
    )
    header_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a request's head (request line and headers) may take (408 after)."
    )
    seeds_dir: Path = Field(
        default_factory=lambda: _data_dir("seeds"),
        description="The seed glossary; by default the checkout's seeds/, else the copy the package carries.",
    )
    migrations_dir: Path = Field(
        default_factory=lambda: _data_dir("migrations"),
        description="Alembic's scripts; by default the checkout's migrations/, else the copy the package carries.",
    )
    sources_dir: Path = PROJECT_DIR.parent / "shared" / "sources"

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]


@cache
def get_settings() -> Settings:
    return Settings()
