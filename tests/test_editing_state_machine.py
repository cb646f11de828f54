"""A Hypothesis state machine of create / patch / delete / restore with ETags, against a simple model."""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from app.config import Settings
from app.main import create_app
from tests.appclient import AppClient
from tests.conftest import Database
from tests.editors import bearer, make_key, new_entry

_NOTES = st.sampled_from(["Plain note.", "带中文的说明。", "Quote “1+22+3”.", "Another"])
_counter = itertools.count()


@dataclass
class Concept:
    """What the model knows of one concept: its version, its note, whether it is deleted, its versions' notes."""

    version: int = 1
    note: str | None = None
    deleted: bool = False
    etag: str = ""
    notes_by_version: dict[int, str | None] = field(default_factory=lambda: {1: None})


class Editing(RuleBasedStateMachine):
    client: AppClient
    headers: dict[str, str]

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, Concept] = {}

    @initialize()
    def start(self) -> None:
        self.run = next(_counter)

    def live(self) -> list[str]:
        return [slug for slug, c in self.model.items() if not c.deleted]

    def deleted(self) -> list[str]:
        return [slug for slug, c in self.model.items() if c.deleted]

    @rule()
    def create(self) -> None:
        n = len(self.model)
        slug = f"zhuang-tai-{self.run}-{n}"
        hans = f"状态机词条{self.run}甲{n}乙"
        response = self.client.post("/v1/terms", json=new_entry(slug=slug, hans=hans, related=[]), headers=self.headers)
        assert response.status_code == 201, response.text
        self.model[slug] = Concept(etag=response.headers["etag"])

    @precondition(lambda self: self.live())
    @rule(data=st.data(), note=_NOTES, stale=st.booleans())
    def patch(self, data: st.DataObject, note: str, stale: bool) -> None:
        slug = data.draw(st.sampled_from(self.live()))
        concept = self.model[slug]
        etag = '"not-the-current-etag"' if stale else concept.etag
        response = self.client.request(
            "PATCH", f"/v1/terms/{slug}", json={"note": note}, headers=self.headers | {"If-Match": etag}
        )
        if stale:
            assert response.status_code == 412
            return
        assert response.status_code == 200, response.text
        if note == concept.note:  # the same content: nothing changes, not even the version
            assert response.json()["version"] == concept.version
            return
        concept.version += 1
        concept.note = note
        concept.notes_by_version[concept.version] = note
        concept.etag = response.headers["etag"]

    @precondition(lambda self: self.live())
    @rule(data=st.data(), with_etag=st.booleans())
    def delete(self, data: st.DataObject, with_etag: bool) -> None:
        slug = data.draw(st.sampled_from(self.live()))
        concept = self.model[slug]
        headers = self.headers | ({"If-Match": concept.etag} if with_etag else {})
        response = self.client.request("DELETE", f"/v1/terms/{slug}", headers=headers)
        if not with_etag:
            assert response.status_code == 428
            return
        assert response.status_code == 204
        concept.deleted = True
        concept.version += 1

    @precondition(lambda self: self.deleted())
    @rule(data=st.data())
    def restore(self, data: st.DataObject) -> None:
        slug = data.draw(st.sampled_from(self.deleted()))
        concept = self.model[slug]
        version = data.draw(st.sampled_from(sorted(concept.notes_by_version)))
        response = self.client.post(f"/v1/terms/{slug}/restore", json={"version": version}, headers=self.headers)
        assert response.status_code == 200, response.text
        concept.deleted = False
        concept.version += 1
        concept.note = concept.notes_by_version[version]
        concept.notes_by_version[concept.version] = concept.note
        concept.etag = response.headers["etag"]

    @invariant()
    def the_service_agrees_with_the_model(self) -> None:
        for slug, concept in self.model.items():
            response = self.client.get(f"/v1/terms/{slug}")
            if concept.deleted:
                assert response.status_code == 410
                continue
            assert response.status_code == 200
            term = response.json()
            assert (term["version"], term["note"]) == (concept.version, concept.note)
            assert response.headers["etag"] == concept.etag


@pytest.fixture(scope="module")
def editing_client(seeded_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("state-machine")
    shutil.copyfile(seeded_sqlite_template, base / "glossary.db")
    db = Database("sqlite", base)
    with AppClient(create_app(Settings(database_url=db.url))) as client:
        yield client, bearer(make_key(db))


def test_editing_agrees_with_a_simple_model(editing_client) -> None:  # type: ignore[no-untyped-def]
    Editing.client, Editing.headers = editing_client
    Editing.TestCase.settings = settings(
        max_examples=12, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
    )
    Editing.TestCase().runTest()
