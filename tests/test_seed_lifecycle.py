"""The seed is a content package: once the database exists it is the source of truth, and re-seeding (as every
start does) never undoes an editor's work, never resurrects a deleted concept and never crashes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from app.seeding import load
from tests.appclient import AppClient
from tests.conftest import SEEDS_DIR, Database, client_for
from tests.editors import bearer, make_key


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A copy of the seed that a test may change."""
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, copy)
    return copy


@pytest.fixture
def editor(fresh_db: Database) -> Iterator[tuple[AppClient, dict[str, str]]]:
    with client_for(fresh_db) as client:
        yield client, bearer(make_key(fresh_db))


def change_seed(seeds: Path, slug: str, **changes: object) -> None:
    path = seeds / "terms" / f"{slug}.yaml"
    entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry.update(changes)
    path.write_text(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False), encoding="utf-8")


def reseed(db: Database, seeds: Path, **options: object):  # type: ignore[no-untyped-def]
    engine = db.engine()
    try:
        return load(engine, seeds, **options)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def patch(client: AppClient, headers: dict[str, str], slug: str, changes: dict[str, object]) -> None:
    etag = client.get(f"/v1/terms/{slug}").headers["etag"]
    response = client.request("PATCH", f"/v1/terms/{slug}", json=changes, headers={**headers, "If-Match": etag})
    assert response.status_code == 200, response.text


def delete(client: AppClient, headers: dict[str, str], slug: str) -> None:
    etag = client.get(f"/v1/terms/{slug}").headers["etag"]
    response = client.request("DELETE", f"/v1/terms/{slug}", headers={**headers, "If-Match": etag})
    assert response.status_code == 204, response.text


def test_a_second_seed_with_nothing_new_has_nothing_to_do(fresh_db: Database):
    report = reseed(fresh_db, SEEDS_DIR)
    assert report.nothing_to_do
    assert report.created == report.updated == report.conflicts == report.deleted == []
    assert len(report.unchanged) >= 200


def test_an_api_delete_stays_deleted_and_is_reported_never_a_crash(editor, fresh_db: Database):
    client, headers = editor
    delete(client, headers, "shu-ju-de-di")
    report = reseed(fresh_db, SEEDS_DIR)
    assert report.deleted == ["shu-ju-de-di"]
    assert report.created == report.updated == []
    # 数字征信 relates to 数据得地: it lost that link with the deletion, which is not an edit to report
    assert report.kept == []
    assert report.nothing_to_do
    assert client.get("/v1/terms/shu-ju-de-di").status_code == 410
    assert reseed(fresh_db, SEEDS_DIR).deleted == ["shu-ju-de-di"]  # and again: still not resurrected


def test_an_api_edit_survives_a_reseed_of_an_unchanged_seed(editor, fresh_db: Database):
    client, headers = editor
    patch(client, headers, "liu-fu-liu-jin", {"note": "Agreed with the client."})
    report = reseed(fresh_db, SEEDS_DIR)
    assert report.updated == []
    assert report.conflicts == []
    assert report.kept == ["liu-fu-liu-jin"]
    assert report.nothing_to_do
    with client_for(fresh_db) as restarted:
        assert restarted.get("/v1/terms/liu-fu-liu-jin").json()["note"] == "Agreed with the client."


def test_a_seed_change_updates_an_entry_nobody_edited(fresh_db: Database, seeds: Path):
    change_seed(seeds, "liu-fu-liu-jin", note="A note the new seed brings.")
    report = reseed(fresh_db, seeds)
    assert report.updated == ["liu-fu-liu-jin"]
    assert not report.nothing_to_do
    with client_for(fresh_db) as client:
        term = client.get("/v1/terms/liu-fu-liu-jin").json()
    assert term["note"] == "A note the new seed brings."
    assert term["version"] == 2
    assert reseed(fresh_db, seeds).nothing_to_do


def test_a_seed_change_to_an_edited_entry_is_a_conflict_and_the_edit_is_kept(editor, fresh_db: Database, seeds: Path):
    client, headers = editor
    patch(client, headers, "liu-fu-liu-jin", {"note": "The editor's note."})
    change_seed(seeds, "liu-fu-liu-jin", note="The seed's note.")
    report = reseed(fresh_db, seeds)
    assert report.conflicts == ["liu-fu-liu-jin"]
    assert report.updated == []
    assert client.get("/v1/terms/liu-fu-liu-jin").json()["note"] == "The editor's note."
    assert reseed(fresh_db, seeds).conflicts == ["liu-fu-liu-jin"]  # reported until someone decides


def test_taking_the_seeds_version_on_purpose_and_keeping_the_editors(editor, fresh_db: Database, seeds: Path):
    client, headers = editor
    for slug in ("liu-fu-liu-jin", "shu-ju-de-di"):
        patch(client, headers, slug, {"note": "The editor's note."})
        change_seed(seeds, slug, note="The seed's note.")
    report = reseed(fresh_db, seeds, take={"liu-fu-liu-jin"}, keep={"shu-ju-de-di"})
    assert report.updated == ["liu-fu-liu-jin"]
    assert report.conflicts == []
    with client_for(fresh_db) as restarted:
        assert restarted.get("/v1/terms/liu-fu-liu-jin").json()["note"] == "The seed's note."
        assert restarted.get("/v1/terms/shu-ju-de-di").json()["note"] == "The editor's note."
    after = reseed(fresh_db, seeds)
    assert after.nothing_to_do  # the kept edit is no longer a conflict with this seed
    assert after.kept == ["shu-ju-de-di"]


def test_taking_the_seeds_version_of_a_deleted_concept_restores_it(editor, fresh_db: Database):
    client, headers = editor
    delete(client, headers, "shu-ju-de-di")
    report = reseed(fresh_db, SEEDS_DIR, take={"shu-ju-de-di"})
    assert report.restored == ["shu-ju-de-di"]
    with client_for(fresh_db) as restarted:
        assert restarted.get("/v1/terms/shu-ju-de-di").status_code == 200
        history = restarted.get("/v1/terms/shu-ju-de-di/history").json()["items"]
    assert history[0]["action"] == "restore"
    assert history[0]["actor"] == "seed"


def test_an_entry_new_in_the_seed_is_created_and_one_removed_from_it_is_left_alone(fresh_db: Database, seeds: Path):
    source = (seeds / "terms" / "liu-fu-liu-jin.yaml").read_text(encoding="utf-8")
    (seeds / "terms" / "liu-fu-liu-jin.yaml").unlink()
    new = yaml.safe_load(source)
    new.update(slug="liu-fu-liu-jin-xin", hans="六服六进新", pinyin="liù fú liù jìn xīn", aliases=[], components=[])
    new["definition"]["basis"] = "editorial"
    new["footnote"] = None
    (seeds / "terms" / "liu-fu-liu-jin-xin.yaml").write_text(yaml.safe_dump(new, allow_unicode=True), encoding="utf-8")
    report = reseed(fresh_db, seeds)
    assert report.created == ["liu-fu-liu-jin-xin"]
    assert report.removed == ["liu-fu-liu-jin"]
    with client_for(fresh_db) as client:
        assert client.get("/v1/terms/liu-fu-liu-jin").status_code == 200
        assert client.get("/v1/terms/liu-fu-liu-jin-xin").status_code == 200


def test_a_concept_made_through_the_api_that_the_seed_also_defines_is_a_conflict(
    editor, fresh_db: Database, seeds: Path
):
    client, headers = editor
    entry = yaml.safe_load((seeds / "terms" / "liu-fu-liu-jin.yaml").read_text(encoding="utf-8"))
    entry.update(slug="ce-shi-xin-ci", hans="测试新词", pinyin="cè shì xīn cí", aliases=[], components=[])
    entry["footnote"] = None
    entry["definition"]["basis"] = "editorial"
    assert client.post("/v1/terms", json=json.loads(json.dumps(entry, default=str)), headers=headers).status_code == 201
    changed = {**entry, "note": "The seed's own version."}
    (seeds / "terms" / "ce-shi-xin-ci.yaml").write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    report = reseed(fresh_db, seeds)
    assert report.conflicts == ["ce-shi-xin-ci"]
    assert client.get("/v1/terms/ce-shi-xin-ci").json()["note"] == entry["note"]


def _glossary(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).parent / "glossary"
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([str(command), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_seed_from_a_missing_or_empty_directory_fails_and_says_why(migrated_db: Database, tmp_path: Path):
    missing = _glossary("seed", str(tmp_path / "nowhere"), database_url=migrated_db.url, cwd=tmp_path)
    assert missing.returncode != 0
    assert "nowhere" in missing.stdout + missing.stderr
    assert "Traceback" not in missing.stderr
    (tmp_path / "empty" / "terms").mkdir(parents=True)
    empty = _glossary("seed", str(tmp_path / "empty"), database_url=migrated_db.url, cwd=tmp_path)
    assert empty.returncode != 0
    assert "no seed entries" in empty.stdout + empty.stderr


def test_edit_delete_change_the_seed_and_reseed_through_the_command(fresh_db: Database, seeds: Path, tmp_path: Path):
    """What `make run` and the Docker image do at every start, after an editor's work."""
    with client_for(fresh_db) as client:
        headers = bearer(make_key(fresh_db))
        patch(client, headers, "liu-fu-liu-jin", {"en": "Six Services Brought to Six Places"})
        delete(client, headers, "shu-ju-de-di")
    change_seed(seeds, "liu-fu-liu-jin", note="Changed in the seed too.")
    change_seed(seeds, "wu-bai-xing-dong", note="Changed in the seed only.")
    run = _glossary("seed", str(seeds), database_url=fresh_db.url, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("seeded: 0 created, 1 updated, 0 restored")
    assert any(line.startswith("conflict:") and line.endswith(": liu-fu-liu-jin") for line in lines), lines
    assert any(line.startswith("deleted through the API") and line.endswith(": shu-ju-de-di") for line in lines)
    assert any("--take SLUG" in line for line in lines)  # says how to take the seed's version on purpose
    again = _glossary("seed", str(seeds), database_url=fresh_db.url, cwd=tmp_path)
    assert again.returncode == 0
    assert "0 created, 0 updated" in again.stdout
    with client_for(fresh_db) as client:
        assert client.get("/v1/terms/liu-fu-liu-jin").json()["en"] == "Six Services Brought to Six Places"
        assert client.get("/v1/terms/wu-bai-xing-dong").json()["note"] == "Changed in the seed only."
        assert client.get("/v1/terms/shu-ju-de-di").status_code == 410
    took = _glossary("seed", str(seeds), "--take", "liu-fu-liu-jin", database_url=fresh_db.url, cwd=tmp_path)
    assert took.returncode == 0, took.stdout + took.stderr
    with client_for(fresh_db) as client:
        assert client.get("/v1/terms/liu-fu-liu-jin").json()["note"] == "Changed in the seed too."
