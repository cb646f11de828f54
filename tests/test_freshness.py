"""The matcher follows the glossary: in the process that applies a change, and in a second API process that
shares the same PostgreSQL database (two real uvicorn processes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.annotate.index import TermAnnotator
from app.config import PROJECT_DIR
from app.db import unit_of_work
from app.seeding import read_entries
from app.terms import writes
from app.terms.schemas import TermFields, TermRecord
from app.terms.stored import StoredTerm, prepare
from tests.conftest import SEEDS_DIR, Database

ENTRIES = [e.fields for e in read_entries(SEEDS_DIR)[0] if e.fields is not None]


def record(fields: TermFields, version: int = 1) -> StoredTerm:
    now = "2024-01-08T00:00:00Z"
    full = TermRecord.model_validate({**fields.model_dump(), "version": version, "created_at": now, "updated_at": now})
    return prepare([full])[0]


def seed_records() -> list[StoredTerm]:
    return prepare([record(f) for f in ENTRIES])


def slugs(annotator: TermAnnotator, text: str) -> list[str]:
    return [a.record.slug for a in annotator.annotate(text)]


NEW = next(f for f in ENTRIES if f.slug == "xin-zhi-sheng-chan-li").model_copy(
    update={"slug": "di-kong-fei-xing-fu-wu-zhan", "hans": "低空飞行服务站", "pinyin": "dī kōng fēi xíng fú wù zhàn"}
)


@pytest.mark.parametrize("background", [False, True], ids=["rebuilt-at-once", "rebuilt-in-background"])
def test_an_update_adds_changes_and_drops_terms(background: bool):
    annotator = TermAnnotator(background_above=0 if background else 10**9)
    annotator.reset(seed_records())
    text = "建设低空飞行服务站，推行数据得地，发展新质生产力"
    assert slugs(annotator, text) == ["shu-ju-de-di", "xin-zhi-sheng-chan-li"]

    renamed = next(f for f in ENTRIES if f.slug == "shu-ju-de-di").model_copy(update={"aliases": ["数据供地"]})
    annotator.update([record(NEW), record(renamed, 2)], ["xin-zhi-sheng-chan-li"])
    assert annotator.wait_until_current(timeout=10)
    assert slugs(annotator, text + "，数据供地") == ["di-kong-fei-xing-fu-wu-zhan", "shu-ju-de-di", "shu-ju-de-di"]


def test_a_background_rebuild_folds_changes_that_arrive_meanwhile():
    annotator = TermAnnotator(background_above=0)
    annotator.reset(seed_records())
    for i, entry in enumerate(ENTRIES[:20]):
        annotator.update([record(entry.model_copy(update={"en": f"rendering {i}"}), 2)], [])
    assert annotator.wait_until_current(timeout=10)
    assert annotator.current
    assert [a.record.en for a in annotator.annotate(ENTRIES[19].hans)] == ["rendering 19"]


# Two processes over one PostgreSQL database.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, db: Database, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": db.url, "REFRESH_INTERVAL": "0.5"}
        command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--port", str(self.port)]
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--log-level", "warning"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server exited at start"
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("the server did not come up")

    def annotate(self, text: str) -> list[tuple[str, str]]:
        response = httpx.post(self.url + "/v1/annotate", json={"text": text}, timeout=5)
        assert response.status_code == 200, response.text
        return [(m["slug"], m["en"]) for m in response.json()["matches"]]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture
def postgres_db(tmp_path: Path) -> Iterator[Database]:
    db = Database("postgres", tmp_path)
    db.seed()
    yield db
    db.drop()


@pytest.mark.postgres
@pytest.mark.slow
def test_a_second_process_sees_an_edit_within_two_seconds(postgres_db: Database, tmp_path: Path):
    servers = [Server(postgres_db, tmp_path / f"server-{name}.log") for name in "ab"]
    try:
        for server in servers:
            server.wait_until_up()
        text = "建设低空飞行服务站，发展新质生产力"
        before = [("xin-zhi-sheng-chan-li", "new quality productive forces")]
        assert all(server.annotate(text) == before for server in servers)

        engine = postgres_db.engine()
        with unit_of_work(engine) as session:
            writes.save(session, NEW, actor="test")
            edited = next(f for f in ENTRIES if f.slug == "xin-zhi-sheng-chan-li")
            writes.save(session, edited.model_copy(update={"en": "new productive forces of quality"}), actor="test")
        committed = time.monotonic()
        engine.dispose()

        after = [
            ("di-kong-fei-xing-fu-wu-zhan", "new quality productive forces"),
            ("xin-zhi-sheng-chan-li", "new productive forces of quality"),
        ]
        for server in servers:
            while server.annotate(text) != after:
                assert time.monotonic() - committed < 2.0, "the edit did not show within two seconds"
                time.sleep(0.05)
        assert time.monotonic() - committed < 2.0
    finally:
        for server in servers:
            server.stop()
