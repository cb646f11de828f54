"""`GET /v1/search` over HTTP on SQLite and PostgreSQL: every way a user types a term finds real seed terms."""

import pytest

from tests.appclient import AppClient


def _search(client: AppClient, q: str, **params: object) -> list[dict]:
    response = client.get("/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _top(client: AppClient, q: str, **params: object) -> dict:
    items = _search(client, q, **params)
    assert items, f"nothing found for {q!r}"
    return items[0]


@pytest.mark.parametrize(
    ("q", "matched"),
    [
        ("数据得地", "hans"),
        ("數據得地", "hant"),  # Taiwan, character by character
        ("資料得地", "hant"),  # Taiwan, phrase-localised by s2twp
        ("数據得地", "hant"),  # a mix
        ("shuju dedi", "pinyin"),
        ("shujudedi", "pinyin"),
        ("shu4 ju4 de2 di4", "pinyin"),
        ("shù jù dé dì", "pinyin"),
        ("sjdd", "initials"),
        ("shu-ju-de-di", "slug"),
        ("得地", "hans"),  # a fragment
    ],
)
def test_every_way_of_typing_data_for_land_finds_it_first(client: AppClient, q: str, matched: str):
    top = _top(client, q)
    assert top["term"]["slug"] == "shu-ju-de-di"
    assert top["matched"] == matched


def test_hong_kong_form_finds_the_emergency_platform(client: AppClient):
    top = _top(client, "“應急365”綜合管理平台")
    assert (top["term"]["slug"], top["matched"], top["score"]) == ("ying-ji-365-zong-he-guan-li-ping-tai", "hant", 1.0)


def test_initials_find_six_services(client: AppClient):
    top = _top(client, "lflj")
    assert (top["term"]["slug"], top["matched"]) == ("liu-fu-liu-jin", "initials")


def test_a_swapped_pair_of_initials_still_finds_six_services(client: AppClient):
    top = _top(client, "lfjl")
    assert (top["term"]["slug"], top["matched"]) == ("liu-fu-liu-jin", "initials~")
    assert top["score"] < 0.3


def test_english_words_find_the_rendering(client: AppClient):
    top = _top(client, "data for land")
    assert top["term"]["slug"] == "shu-ju-de-di"
    assert top["matched"] in {"en", "en_alternatives"}


def test_an_english_typo_finds_the_rendering(client: AppClient):
    assert _top(client, "dat for land")["term"]["slug"] == "shu-ju-de-di"  # a prefix of a word
    top = _top(client, "dta for land")  # a real typo
    assert (top["term"]["slug"], top["matched"]) == ("shu-ju-de-di", "en~")


def test_a_chinese_typo_finds_the_headword(client: AppClient):
    top = _top(client, "六服六近")
    assert (top["term"]["slug"], top["matched"]) == ("liu-fu-liu-jin", "hans~")


def test_full_width_digits_find_the_safety_system_by_prefix(client: AppClient):
    top = _top(client, "１＋２２＋３")
    assert top["term"]["slug"] == "1-22-3-da-an-quan-gong-zuo-ti-xi"
    assert 0.85 <= top["score"] < 0.95  # a prefix of the headword


@pytest.mark.parametrize("q", ["II型大城市", "Ⅱ型大城市", "ii型大城市"])
def test_roman_numeral_look_alikes_find_type_ii_city(client: AppClient, q: str):
    top = _top(client, q)
    assert (top["term"]["slug"], top["score"]) == ("ii-xing-da-cheng-shi", 1.0)


def test_the_report_form_with_inner_quotes_and_the_bare_form_are_exact(client: AppClient):
    for q in ["优化营商环境“25条”", "优化营商环境25条"]:
        top = _top(client, q)
        assert (top["term"]["slug"], top["score"]) == ("you-hua-ying-shang-huan-jing-25-tiao", 1.0)


def test_an_alias_is_exact_and_says_alias(client: AppClient):
    top = _top(client, "精网微格")
    assert (top["term"]["slug"], top["matched"]) == ("jing-wei-wang-ge", "alias")


def test_exact_headword_outranks_terms_that_merely_contain_it(client: AppClient):
    items = _search(client, "昆如意")
    assert items[0]["term"]["slug"] == "kun-ru-yi"
    assert items[0]["score"] == 1.0
    others = [i for i in items[1:] if "昆如意" in i["term"]["hans"]]
    assert others, "the longer terms that contain 昆如意 are found too"
    assert all(i["score"] < 1.0 for i in others)


def test_scores_never_increase_down_the_list(client: AppClient):
    for q in ["新质", "xin", "digital", "智改"]:
        scores = [i["score"] for i in _search(client, q, limit=100)]
        assert scores == sorted(scores, reverse=True)


def test_definition_text_finds_a_term_when_nothing_else_does(client: AppClient):
    # From the footnote of 六服六进: 政务服务进园区 appears in no headword, only in the definition.
    items = _search(client, "政务服务进园区")
    assert items[0]["term"]["slug"] == "liu-fu-liu-jin"
    assert items[0]["matched"] == "definition.zh"


def test_kind_and_footnoted_filters(client: AppClient):
    items = _search(client, "智改", kind="programme")
    assert items
    assert all(i["term"]["kind"] == "programme" for i in items)
    footnoted = _search(client, "shu", footnoted="true", limit=100)
    assert footnoted
    assert all(i["term"]["footnote"] is not None for i in footnoted)
    assert not any(i["term"]["footnote"] is not None for i in _search(client, "shu", footnoted="false", limit=100))


def test_limit_caps_the_items(client: AppClient):
    assert len(_search(client, "a", limit=3)) == 3


def test_terms_come_in_the_requested_script(client: AppClient):
    term = _top(client, "六服六进", script="tw")["term"]
    assert term["hant"] == "六服六進"
    assert term["definition"]["zh"].startswith("政務服務進園區")


def test_the_same_query_gives_the_same_order_every_time(client: AppClient):
    first = [i["term"]["slug"] for i in _search(client, "an", limit=100)]
    assert first == [i["term"]["slug"] for i in _search(client, "an", limit=100)]


def test_a_query_that_matches_nothing_is_an_empty_list(client: AppClient):
    assert _search(client, "zzzzqqqq") == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "数" * 201},
        {"q": "x", "limit": 0},
        {"q": "x", "limit": 101},
        {"q": "x", "limit": "many"},
        {"q": "数据\x00得地"},
        {"q": "x", "kind": "nonsense"},
    ],
    ids=["missing", "empty", "blank", "too-long", "limit-0", "limit-101", "limit-word", "nul", "kind"],
)
def test_bad_input_is_a_422_problem(client: AppClient, params: dict):
    response = client.get("/v1/search", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 422


@pytest.mark.parametrize("q", ["%", "'\"", "\\", "*", "[", "((", "\u0301", "ﷺ", "𠀀𠀀𠀀", "ǚ", "0", "~"])
def test_odd_input_never_fails(client: AppClient, q: str):
    response = client.get("/v1/search", params={"q": q})
    assert response.status_code in (200, 422), response.text


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%E6%95%B0%E6"], ids=["surrogate", "not-utf8", "cut"])
def test_query_bytes_that_are_not_utf8_never_fail(client: AppClient, raw: str):
    response = client.get(f"/v1/search?q={raw}")
    assert response.status_code in (200, 422), response.text


def test_the_openapi_document_declares_the_422_and_the_matched_fields(client: AppClient):
    operation = client.get("/openapi.json").json()["paths"]["/v1/search"]["get"]
    assert "422" in operation["responses"]
    assert "initials" in operation["description"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "limit", "kind", "footnoted", "script"}
