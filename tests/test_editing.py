"""Editors change the glossary: keys and scopes, ETags and If-Match, history and restore."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from app.auth import Scope
from tests.appclient import AppClient
from tests.conftest import Database, client_for
from tests.editors import bearer, make_key, new_entry


@pytest.fixture
def editor(fresh_db: Database) -> Iterator[tuple[AppClient, dict[str, str]]]:
    with client_for(fresh_db) as client:
        yield client, bearer(make_key(fresh_db))


def test_writes_without_a_key_are_401_with_a_bearer_challenge(editor):
    client, _ = editor
    response = client.post("/v1/terms", json=new_entry())
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


def test_an_unknown_or_revoked_key_is_401(editor, fresh_db: Database):
    client, _ = editor
    revoked = make_key(fresh_db, name="gone", revoked=True)
    for key in ("pgk_not-a-key-at-all", revoked, "短".encode().decode("latin-1")):
        response = client.post(
            "/v1/terms", json=new_entry(), headers={"Authorization": f"Bearer {key}".encode("latin-1")}
        )
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_an_editor_key_cannot_manage_keys_but_an_admin_key_can(editor, fresh_db: Database):
    client, headers = editor
    assert client.post("/v1/keys", json={"name": "x"}, headers=headers).status_code == 403
    admin = bearer(make_key(fresh_db, Scope.admin, "root"))
    created = client.post("/v1/keys", json={"name": "desk", "scope": "editor"}, headers=admin)
    assert created.status_code == 201
    key = created.json()["key"]
    assert client.post("/v1/terms", json=new_entry(), headers=bearer(key)).status_code == 201
    assert client.request("DELETE", f"/v1/keys/{created.json()['id']}", headers=admin).status_code == 204
    assert client.post("/v1/terms", json=new_entry(slug="x-y"), headers=bearer(key)).status_code == 401
    assert all("key" not in k for k in client.get("/v1/keys", headers=admin).json())


def test_create_answers_201_with_location_and_etag_and_the_term_is_readable_at_once(editor):
    client, headers = editor
    response = client.post("/v1/terms", json=new_entry(), headers=headers)
    assert response.status_code == 201
    assert response.headers["location"] == "/v1/terms/ce-shi-ci-tiao"
    term = response.json()
    assert term["version"] == 1
    assert term["hant"] == "測試詞條"
    fetched = client.get("/v1/terms/" + quote("測試詞條"))
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == response.headers["etag"]


def test_a_taken_slug_headword_or_alias_is_409_and_writes_nothing(editor):
    client, headers = editor
    taken_slug = new_entry(slug="liu-fu-liu-jin", related=[])
    assert client.post("/v1/terms", json=taken_slug, headers=headers).status_code == 409
    assert client.post("/v1/terms", json=new_entry(hans="六服六進"), headers=headers).status_code == 409
    assert client.post("/v1/terms", json=new_entry(aliases=["精网微格"]), headers=headers).status_code == 409
    assert client.get("/v1/terms/ce-shi-ci-tiao").status_code == 404


@pytest.mark.parametrize(
    "changes",
    [
        {"colour": "red"},
        {"related": ["no-such-slug"]},
        {"kind": "gadget"},
        {"en": ""},
        {"hans": "测试\x00词条"},
        {"note": "x" * 20_001},
        {"slug": "Not A Slug"},
    ],
    ids=["unknown-field", "unknown-related", "bad-kind", "empty-rendering", "nul", "over-long", "bad-slug"],
)
def test_invalid_entries_are_422(editor, changes):
    client, headers = editor
    response = client.post("/v1/terms", json=new_entry(**changes), headers=headers)
    assert response.status_code == 422, response.text
    assert client.get("/v1/terms/ce-shi-ci-tiao").status_code == 404


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"related": ["ce-shi-ci-tiao"]}, "related: a concept is not related to itself"),
        ({"related": ["liu-fu-liu-jin", "liu-fu-liu-jin"]}, "related: 'liu-fu-liu-jin' is listed twice"),
        ({"aliases": ["测试条目", "測試條目"]}, "aliases: '測試條目' is listed twice"),
        ({"aliases": ["測試詞條"]}, "aliases: '測試詞條' is the headword"),
        ({"en_alternatives": ["trial entry", "Trial Entry"]}, "en_alternatives: 'Trial Entry' is listed twice"),
        ({"en_avoid": ["test entry"]}, "en_avoid: 'test entry' is also approved"),
        ({"en_avoid": ["Trial Entry"]}, "en_avoid: 'Trial Entry' is also approved"),
        ({"aliases": [f"测试别名{i}" for i in range(51)]}, "aliases: at most 50 items, not 51"),
    ],
    ids=[
        "self-related",
        "related-twice",
        "alias-twice",
        "alias-is-headword",
        "rendering-twice",
        "avoid-en",
        "avoid-alt",
        "too-many-aliases",
    ],
)
def test_an_entry_that_contradicts_itself_is_422_naming_what(editor, changes, says):
    client, headers = editor
    response = client.post("/v1/terms", json=new_entry(**changes), headers=headers)
    assert response.status_code == 422, response.text
    assert says in response.json()["detail"]
    assert client.get("/v1/terms/ce-shi-ci-tiao").status_code == 404


@pytest.mark.parametrize(
    "patch",
    [{"related": ["shu-ju-de-di"]}, {"en_avoid": ["data-based land allocation"]}, {"aliases": ["數據得地"]}],
    ids=["self-related", "avoid-en", "alias-is-headword"],
)
def test_a_patch_that_makes_an_entry_contradict_itself_is_422_and_changes_nothing(editor, patch):
    client, headers = editor
    before = client.get("/v1/terms/shu-ju-de-di")
    response = client.request(
        "PATCH", "/v1/terms/shu-ju-de-di", json=patch, headers=headers | {"If-Match": before.headers["etag"]}
    )
    assert response.status_code == 422, response.text
    assert client.get("/v1/terms/shu-ju-de-di").json() == before.json()


def test_patch_needs_if_match_and_a_stale_etag_changes_nothing(editor):
    client, headers = editor
    etag = client.get("/v1/terms/liu-fu-liu-jin").headers["etag"]
    assert client.request("PATCH", "/v1/terms/liu-fu-liu-jin", json={"note": "n"}, headers=headers).status_code == 428
    ok = client.request(
        "PATCH", "/v1/terms/liu-fu-liu-jin", json={"note": "First."}, headers=headers | {"If-Match": etag}
    )
    assert ok.status_code == 200
    assert ok.json()["note"] == "First."
    assert ok.json()["version"] == 2
    assert ok.headers["etag"] != etag
    stale = client.request(
        "PATCH", "/v1/terms/liu-fu-liu-jin", json={"note": "Second."}, headers=headers | {"If-Match": etag}
    )
    assert stale.status_code == 412
    assert client.get("/v1/terms/liu-fu-liu-jin").json()["note"] == "First."


def test_delete_with_a_stale_etag_is_412_and_deletes_nothing(editor):
    client, headers = editor
    stale = client.get("/v1/terms/liu-fu-liu-jin").headers["etag"]
    response = client.request(
        "PATCH", "/v1/terms/liu-fu-liu-jin", json={"note": "Newer."}, headers=headers | {"If-Match": stale}
    )
    assert response.status_code == 200
    deleted = client.request("DELETE", "/v1/terms/liu-fu-liu-jin", headers=headers | {"If-Match": stale})
    assert deleted.status_code == 412
    assert client.get("/v1/terms/liu-fu-liu-jin").json()["note"] == "Newer."


def test_merge_patch_null_removes_and_nested_objects_merge(editor):
    client, headers = editor
    etag = client.get("/v1/terms/shu-ju-de-di").headers["etag"]
    patched = client.request(
        "PATCH",
        "/v1/terms/shu-ju-de-di",
        json={"definition": {"en": "Land by data."}, "note": None},
        headers=headers | {"If-Match": etag, "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    term = patched.json()
    assert term["definition"]["en"] == "Land by data."
    assert term["definition"]["zh"].startswith("围绕企业成长")
    assert term["note"] is None


def test_patch_cannot_rename_a_slug(editor):
    client, headers = editor
    etag = client.get("/v1/terms/shu-ju-de-di").headers["etag"]
    response = client.request(
        "PATCH", "/v1/terms/shu-ju-de-di", json={"slug": "other"}, headers=headers | {"If-Match": etag}
    )
    assert response.status_code == 422


def test_delete_answers_410_afterwards_and_restore_brings_it_back(editor):
    client, headers = editor
    etag = client.get("/v1/terms/liu-fu-liu-jin").headers["etag"]
    assert client.request("DELETE", "/v1/terms/liu-fu-liu-jin", headers=headers).status_code == 428
    assert client.request("DELETE", "/v1/terms/liu-fu-liu-jin", headers=headers | {"If-Match": etag}).status_code == 204
    assert client.get("/v1/terms/liu-fu-liu-jin").status_code == 410
    assert client.get("/v1/terms/" + quote("六服六进")).status_code == 404
    history = client.get("/v1/terms/liu-fu-liu-jin/history", params={"full": "true"}, headers=headers).json()["items"]
    assert [h["action"] for h in history] == ["delete", "create"]
    assert history[0]["after"] is None
    assert history[0]["before"]["hans"] == "六服六进"
    assert history[0]["actor"].endswith("test-editor")
    restored = client.post("/v1/terms/liu-fu-liu-jin/restore", json={"version": 1}, headers=headers)
    assert restored.status_code == 200
    assert restored.json()["version"] == 3
    assert client.get("/v1/terms/" + quote("六服六進")).json()["footnote"] == 7
    assert client.get("/v1/terms/liu-fu-liu-jin/history").json()["items"][0]["action"] == "restore"


def test_restore_of_an_earlier_version_is_a_new_recorded_change(editor):
    client, headers = editor
    etag = client.get("/v1/terms/shu-ju-de-di").headers["etag"]
    changed = client.request(
        "PATCH", "/v1/terms/shu-ju-de-di", json={"en": "Land Allocated by Data"}, headers=headers | {"If-Match": etag}
    )
    restored = client.post(
        "/v1/terms/shu-ju-de-di/restore", json={"version": 1}, headers=headers | {"If-Match": changed.headers["etag"]}
    )
    assert restored.status_code == 200
    assert restored.json()["en"] != "Land Allocated by Data"
    assert restored.json()["version"] == 3
    assert client.post("/v1/terms/shu-ju-de-di/restore", json={"version": 99}, headers=headers).status_code == 404


def test_two_replicas_with_the_same_if_match_exactly_one_succeeds(fresh_db: Database):
    key = bearer(make_key(fresh_db))
    with client_for(fresh_db) as a, client_for(fresh_db) as b:
        etag = a.get("/v1/terms/liu-fu-liu-jin").headers["etag"]
        statuses: list[int] = []
        barrier = threading.Barrier(2)

        def edit(client: AppClient, note: str) -> None:
            barrier.wait()
            response = client.request(
                "PATCH", "/v1/terms/liu-fu-liu-jin", json={"note": note}, headers=key | {"If-Match": etag}
            )
            statuses.append(response.status_code)

        threads = [threading.Thread(target=edit, args=(c, n)) for c, n in ((a, "from A"), (b, "from B"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [200, 412]
        history = a.get("/v1/terms/liu-fu-liu-jin/history").json()["items"]
        assert [h["action"] for h in history] == ["update", "create"]


def test_json_is_required_where_the_api_takes_json(editor):
    client, headers = editor
    response = client.post("/v1/terms", content=b"slug=x", headers=headers | {"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert client.post("/v1/lookup", content=b"<keys/>", headers={"Content-Type": "application/xml"}).status_code == 415


def test_a_body_over_the_limit_is_413_before_auth(fresh_db: Database):
    with client_for(fresh_db, max_body_bytes=2048) as client:
        response = client.post("/v1/terms", json=new_entry(note="x" * 4000))
        assert response.status_code == 413


def test_search_and_annotate_see_an_edit_at_once_in_the_same_process(editor):
    client, headers = editor
    assert client.post("/v1/terms", json=new_entry(), headers=headers).status_code == 201
    found = client.get("/v1/search", params={"q": "测试词条"}).json()["items"]
    assert found[0]["term"]["slug"] == "ce-shi-ci-tiao"
    matches = client.post("/v1/annotate", json={"text": "这是一个測試詞條。"}).json()["matches"]
    assert [m["slug"] for m in matches] == ["ce-shi-ci-tiao"]
    etag = client.get("/v1/terms/ce-shi-ci-tiao").headers["etag"]
    client.request("DELETE", "/v1/terms/ce-shi-ci-tiao", headers=headers | {"If-Match": etag})
    assert client.post("/v1/annotate", json={"text": "这是一个測試詞條。"}).json()["matches"] == []
    assert all(
        i["term"]["slug"] != "ce-shi-ci-tiao"
        for i in client.get("/v1/search", params={"q": "测试词条"}).json()["items"]
    )


def test_convert_sees_a_new_traditional_override_at_once(editor):
    # Protected forms are remembered with the matcher's snapshot: an edit must not leave the old one answering.
    client, headers = editor
    assert client.post("/v1/terms", json=new_entry(), headers=headers).status_code == 201
    body = {"text": "这是测试词条。", "config": "s2twp"}
    assert client.post("/v1/convert", json=body).json()["text"] == "這是測試詞條。"
    etag = client.get("/v1/terms/ce-shi-ci-tiao").headers["etag"]
    patched = client.request(
        "PATCH", "/v1/terms/ce-shi-ci-tiao", json={"hant": "測試辭條"}, headers=headers | {"If-Match": etag}
    )
    assert patched.status_code == 200, patched.text
    assert client.post("/v1/convert", json=body).json()["text"] == "這是測試辭條。"


def test_restoring_a_version_that_todays_rules_refuse_is_422_and_changes_nothing(fresh_db: Database):
    from app.db import unit_of_work
    from app.terms import repository, writes
    from app.terms.schemas import TermFields

    engine = fresh_db.engine()
    with unit_of_work(engine) as session:  # a version written before the rule existed
        current = repository.get_record(session, "shu-ju-de-di")
        assert current is not None
        legacy = TermFields.model_construct(**{**dict(current), "aliases": ["數據得地"]})
        writes.save(session, legacy, actor="legacy", expected_version=current.version)
        writes.save(session, current, actor="fix", expected_version=current.version + 1)
    engine.dispose()
    with client_for(fresh_db) as client:
        headers = bearer(make_key(fresh_db))
        before = client.get("/v1/terms/shu-ju-de-di")
        response = client.post(
            "/v1/terms/shu-ju-de-di/restore",
            json={"version": before.json()["version"] - 1},
            headers=headers | {"If-Match": before.headers["etag"]},
        )
        assert response.status_code == 422, response.text
        assert "is the headword" in response.json()["detail"]
        assert client.get("/v1/terms/shu-ju-de-di").json() == before.json()
