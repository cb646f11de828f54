"""One form, one concept, whatever is invisible: look-alike headwords are refused or collide, the Traditional
override is a form its concept owns, and a footnote marks one footnote of one document."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from app.core.normalize import fold
from tests.appclient import AppClient
from tests.conftest import Database, client_for
from tests.editors import bearer, make_key, new_entry

# Each looks exactly like 数据得地 (or nearly so) on screen.
INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "zero-width non-joiner": "\u200c",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "right-to-left mark": "\u200f",
    "combining grapheme joiner": "\u034f",
    "combining acute accent": "\u0301",
    "variation selector 1": "\ufe00",
    "variation selector 17": "\U000e0100",
    "soft hyphen": "\u00ad",
    "ideographic space": "\u3000",
    "no-break space": "\u00a0",
    "hangul filler": "\u3164",
    "halfwidth hangul filler": "\uffa0",
    "tag latin small a": "\U000e0061",
    "noncharacter U+FFFF": "\uffff",
    "noncharacter U+FDD0": "\ufdd0",
    "mongolian vowel separator": "\u180e",
}


@pytest.fixture
def editor(fresh_db: Database) -> Iterator[tuple[AppClient, dict[str, str]]]:
    with client_for(fresh_db) as client:
        yield client, bearer(make_key(fresh_db))


@pytest.mark.parametrize("name", list(INVISIBLE))
def test_a_headword_with_an_invisible_character_is_422_naming_it_and_its_place(editor, name: str):
    client, headers = editor
    char = INVISIBLE[name]
    response = client.post("/v1/terms", json=new_entry(hans="数据" + char + "得地"), headers=headers)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert f"U+{ord(char):04X}" in detail
    assert "index 2" in detail
    assert client.get("/v1/terms/ce-shi-ci-tiao").status_code == 404


@pytest.mark.parametrize("field", ["aliases", "hant"])
def test_an_alias_or_traditional_override_with_an_invisible_character_is_422(editor, field: str):
    client, headers = editor
    value = "測試\u200b詞條"
    entry = new_entry(**{field: [value] if field == "aliases" else value})
    response = client.post("/v1/terms", json=entry, headers=headers)
    assert response.status_code == 422, response.text
    assert "U+200B" in response.json()["detail"]


@pytest.mark.parametrize("hans", ["“”", "「」", "\"'", "“ ”"])
def test_a_headword_that_folds_to_nothing_is_422(editor, hans: str):
    client, headers = editor
    response = client.post("/v1/terms", json=new_entry(hans=hans), headers=headers)
    assert response.status_code == 422, response.text
    assert "folds to nothing" in response.json()["detail"] or "U+" in response.json()["detail"]


def test_the_fold_drops_invisible_characters_so_running_text_still_finds_the_real_term(client: AppClient):
    for name, char in INVISIBLE.items():
        if name in ("ideographic space", "no-break space", "combining acute accent"):
            continue  # visible, or a space: not dropped by the fold, only refused in forms
        assert fold("数据" + char + "得地") == fold("数据得地"), name
    text = "推行“数据\u200b得地”、“六服\u2060六进”改革。"
    matches = client.post("/v1/annotate", json={"text": text}).json()["matches"]
    assert [(m["slug"], text[m["start"] : m["end"]]) for m in matches] == [
        ("shu-ju-de-di", "数据\u200b得地"),
        ("liu-fu-liu-jin", "六服\u2060六进"),
    ]
    assert client.get("/v1/terms/" + quote("数据\u200b得地")).json()["slug"] == "shu-ju-de-di"


def test_the_traditional_override_is_a_form_its_concept_owns(editor):
    client, headers = editor
    taken = client.post("/v1/terms", json=new_entry(hant="數據得地"), headers=headers)
    assert taken.status_code == 409, taken.text
    assert "shu-ju-de-di" in taken.json()["detail"]
    created = client.post("/v1/terms", json=new_entry(hant="測試辭條"), headers=headers)
    assert created.status_code == 201, created.text
    assert client.get("/v1/terms/" + quote("測試辭條")).json()["slug"] == "ce-shi-ci-tiao"
    other = new_entry(slug="ling-yi-ge", hans="另一个", pinyin="lìng yī gè", aliases=["測試辭條"])
    assert client.post("/v1/terms", json=other, headers=headers).status_code == 409


def test_a_footnote_number_marks_one_footnote_of_one_document(editor):
    client, headers = editor
    footnote_one = new_entry(
        footnote=1,
        sources=[
            {
                "document": "2024年昆山市政府工作报告",
                "date": "2024-01-08",
                "quote": "围绕降低企业综合成本，优化各类要素配置，推行“数据得地”⑧、数字征信等改革举措。",
            }
        ],
    )
    response = client.post("/v1/terms", json=footnote_one, headers=headers)
    assert response.status_code == 409, response.text
    assert "footnote 1" in response.json()["detail"]
    elsewhere = new_entry(footnote=1)  # footnote 1 of another document is another footnote
    assert client.post("/v1/terms", json=elsewhere, headers=headers).status_code == 201


def test_the_two_terms_footnote_5_defines_share_it(client: AppClient):
    five = [t["slug"] for t in client.get("/v1/terms", params={"footnoted": "true", "limit": 50}).json()["items"]]
    assert {"si-ge-zou-zai-qian", "si-ge-xin"} <= set(five)
