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


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-32-be"])
def test_a_body_in_utf16_or_utf32_is_422_not_read_as_json(client: AppClient, encoding: str):
    body = '{"keys": ["数据得地"]}'.encode(encoding)
    problem = _is_problem(client.post("/v1/lookup", content=body, headers={"content-type": "application/json"}), 422)
    assert "not UTF-8" in problem["detail"]


def test_a_number_too_long_to_parse_is_a_422_problem(client: AppClient):
    body = b'{"keys": ["x"], "n": ' + b"9" * 5000 + b"}"
    problem = _is_problem(client.post("/v1/lookup", content=body, headers={"content-type": "application/json"}), 422)
    assert "digits" in problem["detail"]


@pytest.mark.parametrize(
    "path",
    ["/v1/terms/%FF%FE", "/v1/terms/%ED%A0%80", "/v1/terms/%E5%85", "/v1/search?q=%FF", "/v1/terms?cursor=%ED%A0%80"],
    ids=["latin-1 bytes", "utf-8 of a lone surrogate", "a cut-off character", "query", "query surrogate"],
)
def test_bytes_that_are_not_utf8_in_a_path_or_query_are_422(client: AppClient, path: str):
    problem = _is_problem(client.get(path), 422)
    assert "UTF-8" in problem["detail"]


def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413(fresh_db: Database):
    limit = 4096
    with client_for(fresh_db, max_body_bytes=limit) as client:
        prefix, suffix = b'{"keys": ["', b'"]}'
        exact = prefix + b"x" * (limit - len(prefix) - len(suffix)) + suffix
        assert len(exact) == limit
        over = prefix + b"x" * (limit - len(prefix) - len(suffix) + 1) + suffix
        json_type = {"content-type": "application/json"}
        assert client.post("/v1/lookup", content=exact, headers=json_type).status_code == 422  # read: key too long
        _is_problem(client.post("/v1/lookup", content=over, headers=json_type), 413)

        def streamed(body: bytes):  # type: ignore[no-untyped-def]
            async def chunks():  # type: ignore[no-untyped-def]
                for i in range(0, len(body), 1000):
                    yield body[i : i + 1000]

            return chunks()

        assert client.post("/v1/lookup", content=streamed(exact), headers=json_type).status_code == 422
        _is_problem(client.post("/v1/lookup", content=streamed(over), headers=json_type), 413)


@pytest.mark.parametrize("key_id", ["2147483648", "9223372036854775808", "99999999999999999999999"])
def test_a_key_id_past_the_column_is_404(fresh_db: Database, key_id: str):
    from app.auth import Scope
    from tests.editors import bearer, make_key

    with client_for(fresh_db) as client:
        admin = bearer(make_key(fresh_db, Scope.admin, "root"))
        _is_problem(client.request("DELETE", f"/v1/keys/{key_id}", headers=admin), 404)


def test_a_key_name_over_100_characters_is_422_on_every_engine(fresh_db: Database):
    from app.auth import Scope
    from tests.editors import bearer, make_key

    with client_for(fresh_db) as client:
        admin = bearer(make_key(fresh_db, Scope.admin, "root"))
        problem = _is_problem(client.post("/v1/keys", json={"name": "k" * 101}, headers=admin), 422)
        assert "100" in problem["detail"]
        assert client.post("/v1/keys", json={"name": "k" * 100}, headers=admin).status_code == 201


def test_a_headword_whose_folded_key_is_too_long_is_422_through_the_api_and_import(fresh_db: Database):
    import json

    from tests.editors import bearer, make_key, new_entry

    hans = "\ufdfa" * 100  # one code point that NFKC expands to 18
    with client_for(fresh_db) as client:
        editor = bearer(make_key(fresh_db))
        problem = _is_problem(client.post("/v1/terms", json=new_entry(hans=hans), headers=editor), 422)
        assert "folds to" in problem["detail"]
        body = json.dumps([new_entry(hans=hans)], ensure_ascii=False).encode()
        dry = client.post("/v1/import", params={"format": "json", "dry_run": "true"}, content=body, headers=editor)
        assert dry.status_code == 200, dry.text
        assert dry.json()["rejected"], dry.text
        _is_problem(client.post("/v1/import", params={"format": "json"}, content=body, headers=editor), 422)


def test_a_database_error_never_shows_sql_or_driver_text(fresh_db: Database):
    """A write the database itself refuses (a constraint the rules above do not know of) is a fixed sentence."""
    from sqlalchemy import text

    from tests.editors import bearer, make_key, new_entry

    engine = fresh_db.engine()
    with engine.begin() as connection:
        if fresh_db.backend == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_note BEFORE INSERT ON concept WHEN NEW.note = 'refused' "
                    "BEGIN SELECT RAISE(ABORT, 'secret driver text'); END"
                )
            )
        else:
            connection.execute(
                text("ALTER TABLE concept ADD CONSTRAINT secret_check CHECK (note IS DISTINCT FROM 'refused')")
            )
    engine.dispose()
    with client_for(fresh_db) as client:
        editor = bearer(make_key(fresh_db))
        response = client.post("/v1/terms", json=new_entry(note="refused"), headers=editor)
        assert response.status_code in (409, 422, 503), response.text
        for leak in ("secret", "INSERT", "sqlite3", "psycopg", "CHECK", "[SQL", "refuse_note"):
            assert leak not in response.json()["detail"], response.text
