"""A concept's history: paged, bounded, summaries by default and full records on request; who made a change
is told only to editors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.appclient import AppClient
from tests.conftest import Database, client_for
from tests.editors import bearer, make_key


@pytest.fixture
def edited(fresh_db: Database) -> Iterator[tuple[AppClient, dict[str, str]]]:
    """liu-fu-liu-jin edited five times by the key "desk"."""
    with client_for(fresh_db) as client:
        headers = bearer(make_key(fresh_db, name="desk"))
        for i in range(5):
            etag = client.get("/v1/terms/liu-fu-liu-jin").headers["etag"]
            response = client.request(
                "PATCH", "/v1/terms/liu-fu-liu-jin", json={"note": f"note {i}"}, headers={**headers, "If-Match": etag}
            )
            assert response.status_code == 200
        yield client, headers


def test_history_is_paged_newest_first_with_a_cursor(edited):
    client, _ = edited
    first = client.get("/v1/terms/liu-fu-liu-jin/history", params={"limit": 2}).json()
    assert [e["version"] for e in first["items"]] == [6, 5]
    second = client.get("/v1/terms/liu-fu-liu-jin/history", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [e["version"] for e in second["items"]] == [4, 3]
    third = client.get("/v1/terms/liu-fu-liu-jin/history", params={"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [e["version"] for e in third["items"]] == [2, 1]
    assert third["items"][-1]["action"] == "create"
    assert third["next_cursor"] is None


def test_a_history_entry_is_a_summary_of_what_changed_by_default(edited):
    client, _ = edited
    entry = client.get("/v1/terms/liu-fu-liu-jin/history", params={"limit": 1}).json()["items"][0]
    assert entry["action"] == "update"
    assert entry["changed"] == ["note"]
    assert "before" not in entry
    assert "after" not in entry


def test_full_records_on_request(edited):
    client, _ = edited
    entry = client.get("/v1/terms/liu-fu-liu-jin/history", params={"limit": 1, "full": "true"}).json()["items"][0]
    assert entry["before"]["note"] == "note 3"
    assert entry["after"]["note"] == "note 4"


def test_anonymous_readers_see_editor_and_editors_see_the_key(edited):
    client, headers = edited
    anonymous = client.get("/v1/terms/liu-fu-liu-jin/history", params={"limit": 1}).json()["items"][0]
    assert anonymous["actor"] == "editor"
    seen = client.get("/v1/terms/liu-fu-liu-jin/history", params={"limit": 1}, headers=headers).json()["items"][0]
    assert seen["actor"].endswith(":desk")
    created = client.get("/v1/terms/liu-fu-liu-jin/history", params={"limit": 100}).json()["items"][-1]
    assert created["actor"] == "seed"


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"cursor": "!!"}, {"cursor": "99999999999999999999"}])
def test_bad_history_paging_is_422(edited, params: dict[str, object]):
    client, _ = edited
    response = client.get("/v1/terms/liu-fu-liu-jin/history", params=params)
    assert response.status_code == 422, response.text


def test_history_of_an_unknown_slug_is_404(client: AppClient):
    assert client.get("/v1/terms/no-such-slug/history").status_code == 404


def test_a_patch_records_one_history_entry_with_its_before_and_after(edited):
    client, _ = edited
    items = client.get("/v1/terms/liu-fu-liu-jin/history", params={"full": "true", "limit": 100}).json()["items"]
    assert [e["action"] for e in items] == ["update"] * 5 + ["create"]
    assert [e["after"]["version"] for e in items[:5]] == [6, 5, 4, 3, 2]
    assert all(e["before"]["version"] == e["after"]["version"] - 1 for e in items[:5])
