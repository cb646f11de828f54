"""Keeping the in-memory glossary in step with the database."""

from __future__ import annotations

import asyncio
import logging

import anyio
from sqlalchemy import Engine

from app.db import read_session
from app.terms import repository
from app.terms.glossary import Glossary

log = logging.getLogger("app.terms")


def refresh(engine: Engine, glossary: Glossary) -> bool:
    """Apply to `glossary` what changed in the database since its revision; True if anything did."""
    with glossary.refresh_lock, read_session(engine) as session:
        if repository.current_revision(session) == glossary.revision:
            return False
        changed, deleted, revision = repository.load_changed(session, glossary.revision)
        glossary.apply(changed, deleted, revision)
    log.info("glossary at revision %s: %s changed, %s deleted", revision, len(changed), len(deleted))
    return True


async def follow(engine: Engine, glossary: Glossary, interval: float) -> None:
    """Poll for edits made by other processes (other replicas, the CLI) until cancelled."""
    while True:
        await asyncio.sleep(interval)
        try:
            await anyio.to_thread.run_sync(refresh, engine, glossary)
        except Exception:  # the database may be briefly away; the next poll tries again
            log.warning("glossary refresh failed", exc_info=True)
