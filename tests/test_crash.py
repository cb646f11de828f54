"""A bulk write killed with SIGKILL midway leaves the database consistent: nothing half-written, on both engines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import text

from app.config import PROJECT_DIR
from tests.conftest import SEEDS_DIR, Database, client_for

SEED_CONCEPTS = len(list((SEEDS_DIR / "terms").glob("*.yaml")))

# A child process that loads many concepts in one transaction (as an import does), then edits one concept at
# a time in transactions of their own; it says when it starts each phase so the parent can kill it midway.
_CHILD = """
import sys
from app.db import make_engine, unit_of_work
from app.terms import writes
from app.terms.schemas import Definition, Source, TermFields

def entry(i, note=None):
    return TermFields(
        slug=f"bulk-{i}", hans=f"批量写入测试词条第{i}号", pinyin="pī", en=f"Bulk Entry {i}",
        definition=Definition(zh="批量写入的测试词条。", en="A bulk-written test entry."), kind="concept",
        sources=[Source(document="测试", quote="测试。")], note=note,
    )

engine = make_engine(sys.argv[1])
bulk = [entry(i) for i in range(int(sys.argv[2]))]
print("bulk", flush=True)
with unit_of_work(engine) as session:
    writes.insert_many(session, bulk, actor="crash-test")
print("single", flush=True)
for i in range(100000):
    with unit_of_work(engine) as session:
        writes.save(session, entry(100000 + i, note=f"n{i}"), actor="crash-test")
"""


def _run_and_kill(db: Database, count: int, phase: str, delay: float) -> None:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_DIR))
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, db.url, str(count)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        while (line := child.stdout.readline().strip()) != phase:
            assert line, "the child ended before the phase began"
        time.sleep(delay)
        assert child.poll() is None, "the child finished before it could be killed"
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()


def _assert_consistent(db: Database) -> int:
    engine = db.engine()
    with engine.connect() as conn:
        if db.backend == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        incomplete = conn.execute(
            text(
                """
                SELECT c.slug FROM concept c
                WHERE c.deleted_at IS NULL AND (
                    (SELECT count(*) FROM term t WHERE t.concept_id = c.id AND t.lang = 'zh'
                        AND t.status = 'preferred') != 1
                    OR (SELECT count(*) FROM term t WHERE t.concept_id = c.id AND t.lang = 'en'
                        AND t.status = 'preferred') != 1
                    OR (SELECT count(*) FROM definition d WHERE d.concept_id = c.id) != 2
                    OR (SELECT count(*) FROM lookup_key k WHERE k.concept_id = c.id) = 0
                    OR (SELECT count(*) FROM concept_history h WHERE h.concept_id = c.id) = 0
                )
                """
            )
        ).all()
        assert incomplete == []
        revision = conn.execute(text("SELECT revision FROM glossary_state")).scalar_one()
        assert revision >= conn.execute(text("SELECT max(revision) FROM concept")).scalar_one()
        count = conn.execute(text("SELECT count(*) FROM concept WHERE slug LIKE 'bulk-%'")).scalar_one()
    engine.dispose()
    return int(count)


def test_killed_during_a_bulk_write_nothing_of_it_is_stored(fresh_db: Database):
    _run_and_kill(fresh_db, 6000, "bulk", 0.5)
    assert _assert_consistent(fresh_db) == 0  # all or nothing: the transaction never committed
    with client_for(fresh_db) as client:  # and the service starts and serves on the database as left
        assert client.get("/healthz").status_code == 200
        assert client.get("/v1/terms/liu-fu-liu-jin").status_code == 200


def test_killed_between_single_edits_every_stored_concept_is_whole(fresh_db: Database):
    _run_and_kill(fresh_db, 10, "single", 1.5)
    stored = _assert_consistent(fresh_db)
    assert stored > 10  # the bulk phase and some single edits committed before the kill
    with client_for(fresh_db) as client:
        page = client.get("/v1/terms", params={"limit": 200}).json()
        assert page["total"] == SEED_CONCEPTS + stored
