"""The glossary of one text (POST /v1/annotate?format=terms|tsv|azure), read the way each engine reads it."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from app.exchange.formats.tabular import DEEPL_MAX_BYTES
from tests.appclient import AppClient
from tests.conftest import REPORT, Database, client_for
from tests.editors import bearer, make_key, new_entry
from tests.test_annotate_api import PASSAGE, SLUGS

# 数据得地 three times, once as Taiwan writes it (資料得地), once in Traditional characters (數據得地).
REPEATED = "推行“数据得地”改革。資料得地提高效率，數據得地让企业受益，数据得地持续推进。深入实施“五百行动”。"
TERM_FIELDS = ["slug", "hans", "surfaces", "en", "en_alternatives", "en_avoid", "definition_en", "count"]
_DICTIONARY = re.compile(r'<mstrans:dictionary translation="([^"]*)">(.*?)</mstrans:dictionary>')


def glossary(client: AppClient, text: str, **params: str) -> list[dict]:  # type: ignore[type-arg]
    response = client.post("/v1/annotate", json={"text": text}, params={"format": "terms", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()["terms"]  # type: ignore[no-any-return]


def test_each_concept_once_in_order_of_appearance_with_the_terms_entry_fields(client: AppClient):
    terms = glossary(client, PASSAGE)
    assert [t["slug"] for t in terms] == SLUGS
    for t in terms:
        assert list(t) == TERM_FIELDS
        entry = client.get(f"/v1/terms/{t['slug']}").json()
        assert (t["hans"], t["en"], t["en_alternatives"], t["en_avoid"]) == (
            entry["hans"],
            entry["en"],
            entry["en_alternatives"],
            entry["en_avoid"],
        )
        assert t["definition_en"] == entry["definition"]["en"]
        assert t["count"] == 1
        assert all(s in PASSAGE for s in t["surfaces"])


def test_one_concept_written_three_ways_is_one_entry_with_every_surface_and_the_count(client: AppClient):
    terms = glossary(client, REPEATED)
    assert [t["slug"] for t in terms] == ["shu-ju-de-di", "wu-bai-xing-dong"]
    data = terms[0]
    assert data["surfaces"] == ["数据得地", "資料得地", "數據得地"]
    assert data["count"] == 4
    assert data["en"] == "Data-Based Land Allocation"


def test_counts_add_up_to_the_matches_of_plain_annotate_on_the_whole_report(client: AppClient):
    report = REPORT.read_text(encoding="utf-8")
    matches = client.post("/v1/annotate", json={"text": report}).json()["matches"]
    terms = glossary(client, report)
    assert sum(t["count"] for t in terms) == len(matches)
    assert {t["slug"] for t in terms} == {m["slug"] for m in matches}
    assert {s for t in terms for s in t["surfaces"]} == {m["surface"] for m in matches}
    assert len(terms) > 100


def test_kind_filters_the_text_glossary(client: AppClient):
    terms = glossary(client, PASSAGE, kind="platform")
    assert terms
    kinds = {t["slug"]: client.get(f"/v1/terms/{t['slug']}").json()["kind"] for t in terms}
    assert set(kinds.values()) == {"platform"}


def test_a_text_without_terms_has_an_empty_glossary_in_every_format(client: AppClient):
    assert glossary(client, "今天天气很好。") == []
    tsv = client.post("/v1/annotate?format=tsv", json={"text": "今天天气很好。"})
    assert (tsv.status_code, tsv.text) == (200, "")
    azure = client.post("/v1/annotate?format=azure", json={"text": "a < b & c"})
    assert (azure.status_code, azure.text) == (200, "a &lt; b &amp; c")


def test_tsv_is_deepl_entries_each_source_once(client: AppClient):
    response = client.post("/v1/annotate?format=tsv", json={"text": REPEATED + PASSAGE})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    lines = response.text.split("\n")
    assert lines[-1] == ""  # every entry ends its line
    entries = [line.split("\t") for line in lines[:-1]]
    # DeepL's entry rules: exactly one tab; no empty phrase, no leading or trailing whitespace, no control
    # characters, at most 1024 UTF-8 bytes; a source at most once.
    for entry in entries:
        assert len(entry) == 2
        for phrase in entry:
            assert phrase
            assert phrase == phrase.strip()
            assert len(phrase.encode()) <= DEEPL_MAX_BYTES
            assert not any(ord(c) < 32 or 127 <= ord(c) <= 159 or c in "\u2028\u2029" for c in phrase)
    sources = [s for s, _ in entries]
    assert len(sources) == len(set(sources))
    table = dict(entries)
    assert table["数据得地"] == table["資料得地"] == table["數據得地"] == "Data-Based Land Allocation"
    security = client.get("/v1/terms/1-22-3-da-an-quan-gong-zuo-ti-xi").json()["en"]
    assert table["“1+22+3”大安全工作体系"] == security  # the surface as written, its quotes included


def test_azure_wraps_each_term_with_its_rendering_and_gives_back_the_text(client: AppClient):
    response = client.post("/v1/annotate?format=azure", json={"text": REPEATED})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    marked = response.text
    wrapped = _DICTIONARY.findall(marked)
    assert wrapped == [
        ("Data-Based Land Allocation", "数据得地"),
        ("Data-Based Land Allocation", "資料得地"),
        ("Data-Based Land Allocation", "數據得地"),
        ("Data-Based Land Allocation", "数据得地"),
        ("Five Actions for a Hundred Villages", "五百行动"),
    ]
    assert html.unescape(_DICTIONARY.sub(lambda m: m.group(2), marked)) == REPEATED


@pytest.fixture
def editor_client(fresh_db: Database):  # type: ignore[no-untyped-def]
    with client_for(fresh_db) as client:
        yield client, bearer(make_key(fresh_db))


def test_azure_escapes_the_text_and_the_rendering_so_markup_cannot_be_injected(editor_client):  # type: ignore[no-untyped-def]
    client, auth = editor_client
    hostile_en = 'Test "Entry" & <Co>'
    created = client.post("/v1/terms", json=new_entry(en=hostile_en), headers=auth)
    assert created.status_code == 201, created.text
    text = '<mstrans:dictionary translation="x">测试词条</mstrans:dictionary> & 测试词条'
    marked = client.post("/v1/annotate?format=azure", json={"text": text}).text
    escaped_en = "Test &quot;Entry&quot; &amp; &lt;Co&gt;"
    term = f'<mstrans:dictionary translation="{escaped_en}">测试词条</mstrans:dictionary>'
    assert marked == f'&lt;mstrans:dictionary translation="x"&gt;{term}&lt;/mstrans:dictionary&gt; &amp; {term}'
    assert marked.count("<mstrans:dictionary ") == 2
    tsv = client.post("/v1/annotate?format=tsv", json={"text": text}).text
    assert tsv == f"测试词条\t{hostile_en}\n"


def test_openapi_documents_the_formats(client: AppClient):
    operation = client.get("/openapi.json").json()["paths"]["/v1/annotate"]["post"]
    formats = next(p for p in operation["parameters"] if p["name"] == "format")
    assert formats["schema"]["enum"] == ["json", "html", "terms", "tsv", "azure"]
    assert {"application/json", "text/tab-separated-values", "text/plain"} <= set(
        operation["responses"]["200"]["content"]
    )


def _amazon(client: AppClient, **params: str) -> list[list[str]]:
    response = client.get("/v1/export", params={"format": "amazon", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "-amazon" in response.headers["content-disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))


def test_amazon_terminology_follows_amazons_rules(client: AppClient):
    rows = _amazon(client)
    assert rows[0] == ["zh", "en"]
    body = rows[1:]
    # Amazon Translate's rules: a header of language codes, two cells a row, no source twice, each term at
    # most 200 UTF-8 bytes, the file at most 10 MB.
    assert all(len(row) == 2 and all(row) for row in body)
    sources = [zh for zh, _ in body]
    assert len(sources) == len(set(sources))
    assert all(len(cell.encode()) <= 200 for row in body for cell in row)
    table = dict(body)
    assert table["数据得地"] == "Data-Based Land Allocation"
    assert table["精网微格"] == table["精微网格"]  # the alias is a source of its own
    assert len(body) >= 208


def test_amazon_traditional_has_the_zh_tw_header_and_traditional_sources(client: AppClient):
    rows = _amazon(client, script="tw")
    assert rows[0] == ["zh-TW", "en"]
    assert dict(rows[1:])["數據得地"] == "Data-Based Land Allocation"


@pytest.mark.parametrize("fmt", ["json", "amazon", "deepl"])
def test_exports_filter_by_kind(client: AppClient, fmt: str):
    listed = client.get("/v1/terms", params={"kind": "platform", "limit": 200}).json()
    response = client.get("/v1/export", params={"format": fmt, "kind": "platform"})
    assert response.status_code == 200
    if fmt == "json":
        items = response.json()["items"]
        assert [t["slug"] for t in items] == [t["slug"] for t in listed["items"]]
    else:
        rows = list(csv.reader(io.StringIO(response.text), delimiter="," if fmt == "amazon" else "\t"))
        sources = {row[0] for row in (rows[1:] if fmt == "amazon" else rows)}
        assert "数据得地" not in sources  # a programme
        assert {t["hans"] for t in listed["items"]} <= sources
    assert 0 < listed["total"] < 208


def test_an_unknown_kind_is_422(client: AppClient):
    response = client.get("/v1/export", params={"format": "json", "kind": "nonsense"})
    assert response.status_code == 422
