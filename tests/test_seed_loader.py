"""The seed loader: idempotent, in place, all or nothing."""

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import models
from app.seeding import load
from app.terms import repository
from tests.conftest import SEEDS_DIR, Database


def _copy_seeds(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, target)
    return target


def test_loading_twice_changes_nothing(fresh_db: Database):
    engine = fresh_db.engine()
    with Session(engine) as s:
        revision = repository.current_revision(s)
    result = load(engine, SEEDS_DIR)
    assert result.created == result.updated == []
    with Session(engine) as s:
        assert repository.current_revision(s) == revision
        assert s.execute(select(func.max(models.Concept.version))).scalar() == 1
    engine.dispose()


def test_a_changed_entry_updates_in_place_and_bumps_its_version(fresh_db: Database, tmp_path: Path):
    seeds = _copy_seeds(tmp_path)
    path = seeds / "terms" / "liu-fu-liu-jin.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["note"] = "A changed note."
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    engine = fresh_db.engine()
    with Session(engine) as s:
        before = repository.get_record(s, "liu-fu-liu-jin")
        count = s.execute(select(func.count()).select_from(models.Concept)).scalar()
    result = load(engine, seeds)
    assert result.updated == ["liu-fu-liu-jin"]
    with Session(engine) as s:
        after = repository.get_record(s, "liu-fu-liu-jin")
        assert s.execute(select(func.count()).select_from(models.Concept)).scalar() == count
    assert before is not None
    assert after is not None
    assert after.version == before.version + 1
    assert after.note == "A changed note."
    assert after.created_at == before.created_at
    engine.dispose()


def test_a_seed_with_a_broken_entry_writes_nothing(migrated_db: Database, tmp_path: Path):
    seeds = _copy_seeds(tmp_path)
    (seeds / "terms" / "zz-broken.yaml").write_text("slug: zz-broken\nhans: 坏\n", encoding="utf-8")
    engine = migrated_db.engine()
    with pytest.raises(ValueError, match="zz-broken"):
        load(engine, seeds)
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(models.Concept)).scalar() == 0
    engine.dispose()
