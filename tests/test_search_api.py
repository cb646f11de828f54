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
        ("得地", "hans:fragment"),
        ("数据", "hans:prefix"),
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
    assert (top["term"]["slug"], top["matched"]) == ("liu-fu-liu-jin", "initials:fuzzy")
    assert top["score"] < 0.3


def test_english_words_find_the_rendering(client: AppClient):
    top = _top(client, "data for land")
    assert top["term"]["slug"] == "shu-ju-de-di"
    assert top["matched"] in {"en", "en_alternatives"}


def test_an_english_typo_finds_the_rendering(client: AppClient):
    assert _top(client, "dat for land")["term"]["slug"] == "shu-ju-de-di"  # a prefix of a word
    top = _top(client, "dta for land")  # a real typo
    assert top["term"]["slug"] == "shu-ju-de-di"
    assert top["matched"] in {"en:fuzzy", "en_alternatives:fuzzy"}


def test_a_chinese_typo_finds_the_headword(client: AppClient):
    top = _top(client, "六服六近")
    assert (top["term"]["slug"], top["matched"]) == ("liu-fu-liu-jin", "hans:fuzzy")


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


# Issue 15: every way a new user typed these terms, each with the field `matched` names.
ISSUE_FORMS = [
    # The pinyin of the Chinese part alone of headwords with digits, letters or quotes.
    ("daanquangongzuotixi", "1-22-3-da-an-quan-gong-zuo-ti-xi", "pinyin"),
    ("xingdachengshi", "ii-xing-da-cheng-shi", "pinyin"),
    ("yingjizongheguanlipingtai", "ying-ji-365-zong-he-guan-li-ping-tai", "pinyin"),
    ("cujinkuajingmaoyibianlihuatiao", "cu-jin-kua-jing-mao-yi-bian-li-hua-12-tiao", "pinyin"),
    # A pinyin run from the middle or the end.
    ("kechuangzoulang", "chang-san-jiao-g60-ke-chuang-zou-lang", ":fragment"),
    ("jingaiqu", "kun-shan-jin-gai-qu", "pinyin"),
    # The pinyin of an alias (精网微格 of 精微网格).
    ("jingwangweige", "jing-wei-wang-ge", "alias.pinyin"),
    # Initials, complete or not.
    ("sj", "shu-ju-de-di", "initials:prefix"),
    ("sjd", "shu-ju-de-di", "initials:prefix"),
    ("lfl", "liu-fu-liu-jin", "initials:prefix"),
    ("kczl", "chang-san-jiao-g60-ke-chuang-zou-lang", "initials:fragment"),
    # English with more words than the rendering, and an acronym alone.
    ("Belt and Road Initiative (BRI)", "yi-dai-yi-lu", "en"),
    ("live on a tight budget (tighten belts)", "guo-jin-ri-zi", "en_alternatives"),
    ("pursue progress while ensuring stability", "wen-zhong-qiu-jin-gong-zuo-zong-ji-diao", "en"),
    ("BRI", "yi-dai-yi-lu", "en_alternatives"),
    # Renderings to avoid.
    ("Data Gets Land", "shu-ju-de-di", "en_avoid"),
    ("Six Services and Six Advances", "liu-fu-liu-jin", "en_avoid"),
    ("second-tier city", "ii-xing-da-cheng-shi", "en_avoid"),
]


@pytest.mark.parametrize(("q", "slug", "matched"), ISSUE_FORMS)
def test_every_form_a_new_user_typed_finds_its_term_in_the_top_five(client: AppClient, q: str, slug: str, matched: str):
    items = _search(client, q, limit=5)
    found = [i for i in items if i["term"]["slug"] == slug]
    assert found, f"{q!r}: {[i['term']['slug'] for i in items]}"
    said = found[0]["matched"]
    if ":" in matched:  # the field and how (":fragment": of whichever pinyin field)
        assert said.endswith(matched), said
    else:  # the field, exactly (pinyin: of the headword or of an alias)
        assert ":" not in said, said
        assert said.endswith(matched), said


# As typed, one character at a time: Latin forms from their third character (one or two letters are the start of
# too many terms to say which is meant), Chinese from the first.
TYPED = [
    ("daanquangongzuotixi", "1-22-3-da-an-quan-gong-zuo-ti-xi"),
    ("yingjizongheguanlipingtai", "ying-ji-365-zong-he-guan-li-ping-tai"),
    ("kechuangzoulang", "chang-san-jiao-g60-ke-chuang-zou-lang"),
    ("jingwangweige", "jing-wei-wang-ge"),
    ("sjdd", "shu-ju-de-di"),
    ("lflj", "liu-fu-liu-jin"),
    ("Belt and Road Initiative", "yi-dai-yi-lu"),
    ("live on a tight budget", "guo-jin-ri-zi"),
    ("Six Services and Six Advances", "liu-fu-liu-jin"),
    ("数据得地", "shu-ju-de-di"),
    ("长三角G60科创走廊", "chang-san-jiao-g60-ke-chuang-zou-lang"),
]


@pytest.mark.parametrize(("typed", "slug"), TYPED)
def test_while_typing_every_prefix_finds_the_term_in_the_top_ten(client: AppClient, typed: str, slug: str):
    start = 1 if not typed.isascii() else 3
    for end in range(start, len(typed) + 1):
        prefix = typed[:end]
        if prefix.endswith(" "):
            continue
        slugs = [i["term"]["slug"] for i in _search(client, prefix, limit=10)]
        assert slug in slugs, (prefix, slugs)


def test_an_avoided_rendering_says_so_and_ranks_below_the_approved_one(client: AppClient):
    items = _search(client, "Data Gets Land")
    assert (items[0]["term"]["slug"], items[0]["matched"]) == ("shu-ju-de-di", "en_avoid")
    # Its approved rendering is a better match of its own rendering than the avoided one is.
    top = _top(client, "Data-Based Land Allocation")
    assert (top["term"]["slug"], top["matched"]) == ("shu-ju-de-di", "en")
    assert top["score"] > items[0]["score"]


def test_pages_follow_one_another_without_gaps_or_repeats(client: AppClient):
    whole = client.get("/v1/search", params={"q": "xin", "limit": 100}).json()
    expected = [i["term"]["slug"] for i in whole["items"]]
    assert len(expected) > 12
    seen: list[str] = []
    cursor = None
    for _ in range(50):
        params: dict[str, object] = {"q": "xin", "limit": 5}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/v1/search", params=params).json()
        assert len(body["items"]) <= 5
        assert body["estimated_total"] >= len(seen) + len(body["items"])
        seen += [i["term"]["slug"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen[: len(expected)] == expected
    assert len(seen) == len(set(seen))


def test_the_last_page_has_no_next_cursor_and_a_total(client: AppClient):
    body = client.get("/v1/search", params={"q": "精微网格", "limit": 100}).json()
    assert body["next_cursor"] is None
    assert body["estimated_total"] == len(body["items"]) >= 1
    assert body["total_exact"] is True


@pytest.mark.parametrize("cursor", ["", "not-a-cursor", "eyJvIjotMSwicSI6IngifQ", "W10", "e30"])
def test_a_cursor_that_is_not_ours_is_a_422_problem(client: AppClient, cursor: str):
    response = client.get("/v1/search", params={"q": "xin", "cursor": cursor})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "cursor" in response.json()["detail"]


def test_a_cursor_of_another_query_is_a_422_problem(client: AppClient):
    cursor = client.get("/v1/search", params={"q": "xin", "limit": 2}).json()["next_cursor"]
    assert cursor
    response = client.get("/v1/search", params={"q": "shu", "cursor": cursor})
    assert response.status_code == 422
    assert "another query" in response.json()["detail"]
    other_filter = client.get("/v1/search", params={"q": "xin", "cursor": cursor, "kind": "programme"})
    assert other_filter.status_code == 422


def test_the_score_bands_keep_their_order_for_one_term(client: AppClient):
    """Whatever the table's numbers, a better kind of match scores above a worse one (the order of the
    bands, pinned through the API for one real term)."""
    queries = [
        ("数据得地", "hans"),
        ("数据得", "hans:prefix"),
        ("据得地", "hans:fragment"),
        ("shujudedi", "pinyin"),
        ("shujude", "pinyin:prefix"),
        ("Data-Based Land Allocation", "en"),
        ("Data Gets Land", "en_avoid"),
    ]
    scores = []
    for q, matched in queries:
        items = client.get("/v1/search", params={"q": q, "limit": 20}).json()["items"]
        [hit] = [i for i in items if i["term"]["slug"] == "shu-ju-de-di"]
        assert hit["matched"] == matched, (q, hit["matched"])
        scores.append(hit["score"])
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == len(scores)
