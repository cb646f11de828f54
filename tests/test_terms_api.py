"""Reading the glossary over HTTP, on SQLite and PostgreSQL (the `client` fixture runs on each)."""

from urllib.parse import quote

import pytest

from tests.appclient import AppClient
from tests.conftest import Database, client_for

FOOTNOTE_7 = "政务服务进园区、企业服务进银行、高频服务进楼宇、自助服务进商圈、便民服务进景区、邻里服务进社区。"


def test_traditional_taiwan_key_returns_footnote_seven_in_traditional_with_six_components(client: AppClient):
    response = client.get(f"/v1/terms/{quote('六服六進')}", params={"script": "tw"})
    assert response.status_code == 200
    term = response.json()
    assert term["slug"] == "liu-fu-liu-jin"
    assert term["hans"] == "六服六进"
    assert term["hant"] == "六服六進"
    assert term["footnote"] == 7
    assert (
        term["definition"]["zh"]
        == "政務服務進園區、企業服務進銀行、高頻服務進樓宇、自助服務進商圈、便民服務進景區、鄰里服務進社區。"
    )
    assert next(c["hans"] for c in term["components"]) == "政務服務進園區"
    assert len(term["components"]) == 6


def test_simplified_is_the_default_script(client: AppClient):
    term = client.get(f"/v1/terms/{quote('六服六进')}").json()
    assert term["definition"]["zh"] == FOOTNOTE_7
    assert term["hant"] == "六服六進"


@pytest.mark.parametrize(
    "key",
    ["shu-ju-de-di", "数据得地", "數據得地", "資料得地", "数據得地", " 数据得地 "],
    ids=["slug", "hans", "tw", "twp", "mixed", "padded"],
)
def test_every_exact_form_of_a_headword_finds_it(client: AppClient, key: str):
    response = client.get(f"/v1/terms/{quote(key)}")
    assert response.status_code == 200, response.text
    assert response.json()["slug"] == "shu-ju-de-di"


@pytest.mark.parametrize("key", ["Ⅱ型大城市", "II型大城市", "ii型大城市"])
def test_roman_numeral_and_latin_letters_find_type_ii_city(client: AppClient, key: str):
    assert client.get(f"/v1/terms/{quote(key)}").json()["slug"] == "ii-xing-da-cheng-shi"


@pytest.mark.parametrize("key", ["“1+22+3”大安全工作体系", "1+22+3大安全工作体系", "１＋２２＋３大安全工作體系"])
def test_forms_with_and_without_inner_quotes_find_the_safety_system(client: AppClient, key: str):
    assert client.get(f"/v1/terms/{quote(key)}").json()["footnote"] == 3


def test_hong_kong_script_uses_hong_kong_variants(client: AppClient):
    term = client.get(f"/v1/terms/{quote('“应急365”综合管理平台')}", params={"script": "hk"}).json()
    assert term["hant"] == "“應急365”綜合管理平台"
    tw = client.get(f"/v1/terms/{quote('“应急365”综合管理平台')}", params={"script": "tw"}).json()
    assert tw["hant"] == "“應急365”綜合管理平臺"


def test_an_alias_finds_its_concept(client: AppClient):
    # The report writes both 精微网格 (2023) and 精网微格 (2024).
    assert client.get(f"/v1/terms/{quote('精网微格')}").json()["slug"] == "jing-wei-wang-ge"


def test_unknown_key_is_a_404_problem_naming_the_key(client: AppClient):
    response = client.get(f"/v1/terms/{quote('六服六退')}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404
    assert "六服六退" in problem["detail"]
    assert set(problem) >= {"type", "title", "status", "detail"}


def test_pinyin_is_not_a_lookup_key(client: AppClient):
    assert client.get("/v1/terms/shujudedi").status_code == 404


def test_etag_and_if_none_match_answer_304(client: AppClient):
    first = client.get("/v1/terms/liu-fu-liu-jin")
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    again = client.get("/v1/terms/liu-fu-liu-jin", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other_script = client.get("/v1/terms/liu-fu-liu-jin", params={"script": "tw"}, headers={"If-None-Match": etag})
    assert other_script.status_code == 200
    assert other_script.headers["etag"] != etag


def test_chinese_is_returned_as_characters_not_escapes(client: AppClient):
    for url in ("/v1/terms/liu-fu-liu-jin", "/v1/terms?footnoted=true", "/v1/search?q=lflj"):
        body = client.get(url).content.decode()
        assert "六服六进" in body
        assert "\\u" not in body


def test_footnoted_filter_lists_the_twelve_in_footnote_order(client: AppClient):
    page = client.get("/v1/terms", params={"footnoted": "true", "limit": 200}).json()
    assert page["total"] == 12
    assert [t["footnote"] for t in page["items"]] == [1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11]
    assert {t["hans"] for t in page["items"] if t["footnote"] == 5} == {"四个走在前", "四个新"}
    assert page["next_cursor"] is None


def test_cursor_paging_visits_every_term_once(client: AppClient):
    seen: list[str] = []
    cursor = None
    total = None
    while True:
        params = {"limit": 37} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/terms", params=params).json()
        total = page["total"]
        seen += [t["slug"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == total
    assert total > 100


def test_kind_filter(client: AppClient):
    page = client.get("/v1/terms", params={"kind": "policy-package", "limit": 200}).json()
    assert page["total"] >= 5
    assert {t["kind"] for t in page["items"]} == {"policy-package"}


def test_lookup_answers_in_order_with_null_for_unknown_keys(client: AppClient):
    keys = ["六服六进", "不存在", "數據得地", "liu-ge-bu-fa-sheng"]
    response = client.post("/v1/lookup", json={"keys": keys}, params={"script": "hk"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r and r["slug"] for r in results] == ["liu-fu-liu-jin", None, "shu-ju-de-di", "liu-ge-bu-fa-sheng"]
    assert results[2]["definition"]["zh"].startswith("圍繞企業成長")


def test_lookup_refuses_more_than_1000_keys(client: AppClient):
    response = client.post("/v1/lookup", json={"keys": ["六服六进"] * 1001})
    assert response.status_code == 422
    assert "at most 1000 keys" in response.json()["detail"]


def test_the_lookup_cap_is_one_setting_that_can_be_raised(seeded_db: Database):
    with client_for(seeded_db, max_lookup_keys=1500) as client:
        response = client.post("/v1/lookup", json={"keys": ["六服六进"] * 1500})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 1500
        assert client.post("/v1/lookup", json={"keys": ["六服六进"] * 1501}).status_code == 422


def test_health(client: AppClient):
    assert client.get("/healthz").json() == {"status": "ok"}
