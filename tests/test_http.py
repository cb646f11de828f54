"""HTTP as clients expect it: HEAD, Allow, CORS, gzip, Cache-Control, nosniff, strict bodies and query
strings, operationIds and declared statuses; through the real app, on both engines."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from app.config import Settings
from app.main import create_app
from tests.appclient import AppClient
from tests.conftest import Database, client_for
from tests.editors import make_key

ORIGIN = "https://cat.example.com"


@pytest.fixture(scope="module")
def cors_client(seeded_db: Database) -> Iterator[AppClient]:
    with AppClient(create_app(Settings(database_url=seeded_db.url, cors_origins=f"{ORIGIN}, https://b.example"))) as c:
        yield c


GET_ROUTES = [
    "/v1/terms",
    "/v1/terms/shu-ju-de-di",
    "/v1/terms/shu-ju-de-di/history",
    "/v1/search?q=sjdd",
    "/v1/export?format=csv",
    "/healthz",
    "/metrics",
]


@pytest.mark.parametrize("path", GET_ROUTES)
def test_head_answers_as_get_without_the_body(client: AppClient, path: str) -> None:
    got = client.get(path, headers={"accept-encoding": "identity"})
    head = client.request("HEAD", path, headers={"accept-encoding": "identity"})
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    for name in ("content-type", "etag", "cache-control"):
        assert head.headers.get(name) == got.headers.get(name)
    if "content-length" in got.headers and path != "/metrics":  # metrics count the request before
        assert head.headers["content-length"] == got.headers["content-length"]


def test_every_get_operation_answers_head(client: AppClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        if "get" in operations and "{" not in path:
            assert client.request("HEAD", path).status_code != 405, path


def test_the_editing_recipe_takes_the_etag_from_head(client: AppClient) -> None:
    head = client.request("HEAD", "/v1/terms/shu-ju-de-di")
    assert head.headers["etag"] == client.get("/v1/terms/shu-ju-de-di").headers["etag"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/v1/terms/shu-ju-de-di", "GET, HEAD, PATCH, DELETE"),
        ("DELETE", "/v1/terms", "GET, HEAD, POST"),
        ("GET", "/v1/convert", "POST"),
        ("PATCH", "/v1/keys/1", "DELETE"),
        ("POST", "/healthz", "GET, HEAD"),
    ],
)
def test_a_405_names_every_method_the_path_answers(client: AppClient, method: str, path: str, allow: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.headers["content-type"] == "application/problem+json"


def test_nosniff_and_cache_control_on_every_answer(client: AppClient) -> None:
    answers = {
        "term": client.get("/v1/terms/shu-ju-de-di"),
        "list": client.get("/v1/terms"),
        "export": client.get("/v1/export?format=json"),
        "missing": client.get("/v1/terms/none-such"),
        "405": client.request("PUT", "/v1/terms"),
        "415": client.post("/v1/convert", content=b"x", headers={"content-type": "text/plain"}),
        "413": client.post("/v1/convert", content=b"x" * (2 << 20), headers={"content-type": "application/json"}),
        "write": client.post("/v1/convert", json={"text": "数据"}),
        "keys": client.get("/v1/keys"),
        "health": client.get("/healthz"),
    }
    for name, response in answers.items():
        assert response.headers["x-content-type-options"] == "nosniff", name
    for name in ("term", "list", "export"):
        assert answers[name].headers["cache-control"] == "no-cache", name
        assert answers[name].headers["etag"], name
    for name in ("missing", "405", "415", "413", "write", "keys", "health"):
        assert answers[name].headers["cache-control"] == "no-store", name


@pytest.mark.parametrize("path", ["/v1/terms?limit=3", "/v1/export?format=tbx", "/v1/search?q=sjdd"])
def test_lists_and_files_revalidate_with_their_etag(client: AppClient, path: str) -> None:
    first = client.get(path)
    etag = first.headers["etag"]
    again = client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = client.get(path + "&script=tw", headers={"if-none-match": etag})
    assert other.status_code == 200


def test_an_edit_changes_the_list_etag(fresh_db: Database) -> None:
    with client_for(fresh_db) as c:
        etag = c.get("/v1/terms?limit=2").headers["etag"]
        key = make_key(fresh_db)
        term = c.get("/v1/terms/shu-ju-de-di")
        patched = c.request(
            "PATCH",
            "/v1/terms/shu-ju-de-di",
            json={"note": "changed"},
            headers={"authorization": f"Bearer {key}", "if-match": term.headers["etag"]},
        )
        assert patched.status_code == 200, patched.text
        assert patched.headers["cache-control"] == "no-store"
        after = c.get("/v1/terms?limit=2", headers={"if-none-match": etag})
        assert after.status_code == 200
        assert after.headers["etag"] != etag


def test_gzip_above_the_threshold_only(client: AppClient) -> None:
    big = client.get("/v1/export?format=tbx", headers={"accept-encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in big.headers["vary"].lower()
    assert b"<tbx" in big.content  # httpx decoded it
    small = client.get("/healthz", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers
    plain = client.get("/v1/export?format=tbx", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    stamp = re.compile(rb"Exported from .*? at [0-9T:-]+Z")  # the export's time changes from one second to the next
    assert stamp.sub(b"", plain.content) == stamp.sub(b"", big.content)
    raw = client.get("/v1/terms", headers={"accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert int(raw.headers["content-length"]) < len(raw.content) < 10 * int(raw.headers["content-length"])


def test_cors_is_off_by_default(client: AppClient) -> None:
    response = client.get("/v1/terms/shu-ju-de-di", headers={"origin": ORIGIN})
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_the_configured_origins_with_preflight(cors_client: AppClient) -> None:
    simple = cors_client.get("/v1/terms/shu-ju-de-di", headers={"origin": ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ORIGIN
    assert "etag" in simple.headers["access-control-expose-headers"].lower()
    preflight = cors_client.request(
        "OPTIONS",
        "/v1/annotate",
        headers={
            "origin": "https://b.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://b.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    refused = cors_client.request(
        "OPTIONS",
        "/v1/annotate",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in refused.headers
    error = cors_client.get("/v1/terms/none-such", headers={"origin": ORIGIN})
    assert error.headers["access-control-allow-origin"] == ORIGIN


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/convert", {"text": "数据得地", "conifg": "s2twp"}, "conifg"),
        ("/v1/annotate", {"text": "数据得地", "kind": "brand"}, "kind"),
        ("/v1/qa", {"source": "数据得地", "target": "x", "strict": True}, "strict"),
        ("/v1/lookup", {"keys": ["数据得地"], "script": "tw"}, "script"),
    ],
)
def test_an_unknown_body_field_is_a_422_naming_it(client: AppClient, path: str, body: dict, field: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422
    problem = response.json()
    assert field in problem["detail"]
    assert ["body", field] in [e["loc"] for e in problem["errors"]]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/terms?kind=slogan&kind=brand", "kind"),
        ("/v1/terms?limit=1&limit=2", "limit"),
        ("/v1/search?q=sjdd&q=lflj", "q"),
        ("/v1/terms/shu-ju-de-di?script=tw&script=hk", "script"),
        ("/v1/export?format=csv&format=tbx", "format"),
    ],
)
def test_a_repeated_single_valued_parameter_is_a_422(client: AppClient, path: str, name: str) -> None:
    response = client.get(path)
    assert response.status_code == 422
    assert f"query.{name}: given more than once" in response.json()["detail"]


def test_operation_ids_are_short_unique_and_camel_case(client: AppClient) -> None:
    schema = client.get("/openapi.json").json()
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert operation_id.isalnum(), operation_id
        assert operation_id[0].islower(), operation_id
        assert len(operation_id) <= 24, operation_id
    assert schema["paths"]["/v1/terms/{key}"]["get"]["operationId"] == "getTerm"
    assert schema["paths"]["/v1/terms"]["get"]["operationId"] == "listTerms"


def test_every_status_is_declared_with_an_example_problem(client: AppClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            if path not in ("/healthz", "/metrics"):
                assert "429" in answers, (method, path)
            if "requestBody" in operation:
                assert {"408", "413"} <= answers.keys(), (method, path)
                if path != "/v1/import":
                    assert "415" in answers, (method, path)
            for status, answer in answers.items():
                if int(status) >= 400:
                    content = answer["content"]["application/problem+json"]
                    assert content["example"]["status"] == int(status), (method, path, status)
                    assert "application/json" not in answer["content"]
    for path in ("/v1/lookup", "/v1/terms", "/v1/keys", "/v1/import", "/v1/terms/{slug}/restore"):
        assert "413" in schema["paths"][path]["post"]["responses"]
    assert "415" in schema["paths"]["/v1/lookup"]["post"]["responses"]
