"""Bad input gets a 4xx problem document, never a 500, and writes nothing."""

from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import models
from tests.appclient import AppClient
from tests.conftest import Database, client_for


def _is_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["detail"]
    assert "Traceback" not in response.text
    assert "SELECT" not in response.text
    return problem


@pytest.mark.parametrize("limit", [0, 201, -1, "many"])
def test_limit_out_of_range_is_422(client: AppClient, limit: object):
    _is_problem(client.get("/v1/terms", params={"limit": limit}), 422)


def test_a_forged_cursor_is_422(client: AppClient):
    _is_problem(client.get("/v1/terms", params={"cursor": "!!!"}), 422)


def test_unknown_script_is_422(client: AppClient):
    _is_problem(client.get("/v1/terms/liu-fu-liu-jin", params={"script": "latin"}), 422)


def test_nul_in_a_key_is_422(client: AppClient):
    _is_problem(client.get("/v1/terms/" + quote("六服\x00六进")), 422)


@pytest.mark.parametrize("text", ["数据\x00得地", "数据\ud800得地"], ids=["nul", "lone-surrogate"])
def test_nul_and_lone_surrogates_in_json_text_are_422(client: AppClient, text: str):
    import json

    body = json.dumps({"text": text, "config": "s2t"})  # json.dumps escapes the surrogate as \ud800
    response = client.post("/v1/convert", content=body, headers={"content-type": "application/json"})
    problem = _is_problem(response, 422)
    assert "forbidden character" in problem["detail"]
    lookup = json.dumps({"keys": [text]})
    _is_problem(client.post("/v1/lookup", content=lookup, headers={"content-type": "application/json"}), 422)


def test_malformed_json_is_a_422_problem(client: AppClient):
    _is_problem(client.post("/v1/lookup", content=b'{"keys": [', headers={"content-type": "application/json"}), 422)


def test_json_nested_too_deeply_is_a_422_problem(client: AppClient):
    body = b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    problem = _is_problem(client.post("/v1/convert", content=body, headers={"content-type": "application/json"}), 422)
    assert "nested too deeply" in problem["detail"]


def test_body_in_a_wrong_encoding_is_a_422_problem(client: AppClient):
    body = '{"text": "数据得地", "config": "s2t"}'.encode("gb18030")
    problem = _is_problem(client.post("/v1/convert", content=body, headers={"content-type": "application/json"}), 422)
    assert "not UTF-8" in problem["detail"]
    assert "offset 10" in problem["detail"]


def test_unknown_route_and_wrong_method_are_problems(client: AppClient):
    _is_problem(client.get("/v2/nothing"), 404)
    _is_problem(client.request("DELETE", "/v1/lookup"), 405)


def test_a_body_over_the_limit_is_413_before_it_is_parsed(fresh_db: Database):
    with client_for(fresh_db, max_body_bytes=4096) as client:
        big = '{"text": "' + "数" * 5000 + '", "config": "s2t"}'
        problem = _is_problem(
            client.post("/v1/convert", content=big, headers={"content-type": "application/json"}), 413
        )
        assert "4096" in problem["detail"]

        async def chunks():  # no Content-Length: the limit is enforced while reading
            for _ in range(10):
                yield b"x" * 1000

        streamed = client.post("/v1/lookup", content=chunks(), headers={"content-type": "application/json"})
        _is_problem(streamed, 413)
        assert client.get("/healthz").status_code == 200


def test_bad_requests_leave_the_database_untouched(fresh_db: Database):
    engine = fresh_db.engine()

    def state() -> tuple[int, int]:
        with Session(engine) as s:
            return (
                s.execute(select(models.GlossaryState.revision)).scalar_one(),
                s.execute(select(func.count()).select_from(models.Term)).scalar_one(),
            )

    before = state()
    with client_for(fresh_db, max_body_bytes=4096) as client:
        client.post("/v1/lookup", content=b"\xff\xfe", headers={"content-type": "application/json"})
        client.post("/v1/lookup", json={"keys": ["\x00"]})
        client.post("/v1/convert", content=b"x" * 10_000, headers={"content-type": "application/json"})
        client.get("/v1/terms", params={"limit": 999})
    assert state() == before
    engine.dispose()
