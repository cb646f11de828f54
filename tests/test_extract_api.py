"""POST /v1/extract and `glossary extract` through the real app and the real CLI, on both engines."""

from __future__ import annotations

import json

import opencc
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from tests.appclient import AppClient
from tests.conftest import REPORT, Database, client_for

TEXT = REPORT.read_text(encoding="utf-8")
FIELDS = ["surface", "start", "end", "count", "score", "context", "known", "footnote", "definition_zh"]


def extract(client: AppClient, text: str) -> list[dict]:  # type: ignore[type-arg]
    response = client.post("/v1/extract", json={"text": text})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    candidates = response.json()["candidates"]
    for c in candidates:
        assert list(c)[: len(FIELDS)] == FIELDS
        assert text[c["start"] : c["end"]] == c["surface"]
    return candidates


def test_the_report_gives_its_footnotes_coinages_and_glossary_terms(client: AppClient):
    candidates = extract(client, TEXT)
    footnoted = {c["footnote"] for c in candidates if c["footnote"]}
    assert footnoted == set(range(1, 12))
    by_surface = {c["surface"]: c for c in candidates}
    land = by_surface["数据得地"]
    assert (land["known"], land["footnote"], land["score"]) == ("shu-ju-de-di", 8, 1.0)
    assert land["definition_zh"].startswith("围绕企业成长、经济效益、技术创新")
    assert "⑧" in land["context"]
    # Every seed term is in the report and listed as known; coinages the seed lacks are listed as unknown.
    # (but for 五五购物节, which the report writes “五五”“双十二”购物节).
    assert len({c["known"] for c in candidates if c["known"]}) == client.get("/v1/terms").json()["total"] - 1
    assert by_surface["以文兴业、以文润城、以文惠民"]["known"] == "yi-wen-xing-ye-yi-wen-run-cheng-yi-wen-hui-min"
    assert not [c for c in candidates if "地区生产总值" in c["surface"] or "固定资产投资" in c["surface"]]
    # Characters, not \\u escapes.
    assert "数据得地".encode() in client.post("/v1/extract", json={"text": "推行“数据得地”。"}).content


def test_traditional_text_gives_the_same_candidates(client: AppClient):
    traditional = opencc.OpenCC("s2tw").convert(TEXT)
    simplified, converted = extract(client, TEXT), extract(client, traditional)
    assert [(c["start"], c["end"], c["known"], c["footnote"], c["count"]) for c in converted] == [
        (c["start"], c["end"], c["known"], c["footnote"], c["count"]) for c in simplified
    ]
    assert "數據得地" in {c["surface"] for c in converted}


def test_phrase_localised_taiwan_text_finds_the_known_term(client: AppClient):
    candidates = extract(client, "推行「資料得地」、數位徵信等改革舉措。")
    assert [(c["surface"], c["known"]) for c in candidates if c["known"]] == [("資料得地", "shu-ju-de-di")]


def test_short_and_empty_texts(client: AppClient):
    assert extract(client, "") == []
    assert extract(client, "今天天气很好。") == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": "推行\u0000数据得地"}, 422),
        ({"text": 5}, 422),
        ({}, 422),
        ({"text": "\ud800"}, 422),
    ],
)
def test_bad_bodies_are_problems(client: AppClient, body: dict, status: int):  # type: ignore[type-arg]
    response = client.post("/v1/extract", content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_not_json_is_415(client: AppClient):
    response = client.post("/v1/extract", content="推行数据得地", headers={"content-type": "text/plain"})
    assert response.status_code == 415


def test_text_over_the_limit_is_413_and_the_body_limit_applies_first(fresh_db: Database):
    with client_for(fresh_db, max_text_bytes=3000, max_body_bytes=8192) as client:
        at_limit = "数" * 1000
        assert client.post("/v1/extract", json={"text": at_limit}).status_code == 200
        response = client.post("/v1/extract", json={"text": at_limit + "a"})
        assert response.status_code == 413
        assert "3000" in response.json()["detail"]
        assert client.post("/v1/extract", json={"text": "a" * 9000}).status_code == 413


def test_a_long_text_is_extracted_off_the_loop_with_the_same_answer(client: AppClient):
    doubled = TEXT + "\n" + TEXT
    once, twice = extract(client, TEXT), extract(client, doubled)
    counts = {c["surface"]: c["count"] for c in once}
    assert {c["surface"]: c["count"] for c in twice if c["surface"] in counts and not c["known"]} == {
        s: 2 * n for s, n in counts.items() if s in {c["surface"] for c in twice if not c["known"]}
    }


def test_openapi_declares_the_endpoint_and_its_errors(client: AppClient):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/extract"]["post"]
    assert {"200", "413", "415", "422"} <= set(operation["responses"])
    schema = spec["components"]["schemas"]["Candidate"]
    assert set(FIELDS) <= set(schema["properties"])


@pytest.fixture
def cli_database(seeded_db: Database, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", seeded_db.url)
    get_settings.cache_clear()
    yield seeded_db
    get_settings.cache_clear()


def test_cli_extract_json_is_the_api_answer(cli_database: Database, client: AppClient, tmp_path):  # type: ignore[no-untyped-def]
    passage = "推行“数据得地”⑧改革，坚持以文兴业、以文润城、以文惠民。\n名词解释\n⑧“数据得地”：对企业进行量化评估。"
    path = tmp_path / "report.txt"
    path.write_text(passage, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"candidates": extract(client, passage)}
    stdin = CliRunner().invoke(cli, ["extract", "-", "--json", "--no-glossary"], input=passage.encode())
    assert stdin.exit_code == 0, stdin.output
    assert [c["known"] for c in json.loads(stdin.stdout)["candidates"]] == [None, None]


def test_cli_extract_table_and_bad_files(cli_database: Database, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "report.txt"
    path.write_text("推行“数据得地”改革。", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    assert "数据得地" in result.stdout
    assert "shu-ju-de-di" in result.stdout
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("数据得地".encode("gbk"))
    result = CliRunner().invoke(cli, ["extract", str(bad)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2


def test_cli_extract_without_a_database_says_what_to_do(tmp_path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        path = tmp_path / "report.txt"
        path.write_text("推行“数据得地”改革。", encoding="utf-8")
        result = CliRunner().invoke(cli, ["extract", str(path)])
        assert result.exit_code == 1
        assert "--no-glossary" in result.stderr
        assert "Traceback" not in result.output
        result = CliRunner().invoke(cli, ["extract", str(path), "--no-glossary", "--json"])
        assert result.exit_code == 0
        candidates = json.loads(result.stdout)["candidates"]
        assert "数据得地" in [c["surface"] for c in candidates]
        assert not [c for c in candidates if c["known"]]
    finally:
        get_settings.cache_clear()
