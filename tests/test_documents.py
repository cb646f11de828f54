"""Documents are data, and the next report comes in through them: register it, draft its new coinages, review
(edit, approve, reject), and its known terms gain a source. Drafts take no part in annotate, qa, convert
protection, search or exports."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.appclient import AppClient
from tests.conftest import Database, client_for
from tests.editors import bearer, make_key

REPORT_ID = "kunshan-2024-government-work-report"
REPORT_TITLE = "2024年昆山市政府工作报告"

# A second report written for the test: the first one's wording rearranged, with two coinages it lacks
# (“三新并举” is footnoted, “惠企直通车” is quoted) and terms the glossary has (数据得地, 六服六进).
SECOND = (
    "二〇二五年，我们将继续推行“数据得地”改革，深化“六服六进”，全面实施“三新并举”①行动，"
    "打造“惠企直通车”服务平台，让企业办事更便捷。\n\n名词解释\n\n"
    "①“三新并举”：建设新城市、发展新产业、布局新赛道。\n"
)
SECOND_DOC = {
    "id": "test-2025-report",
    "title": "2025年测试市政府工作报告",
    "title_en": "Report on the Work of a Test Municipal Government (2025)",
    "date": "2025-01-10",
    "place": "测试市",
    "kind": "government-work-report",
    "text": SECOND,
}


@pytest.fixture
def editor(fresh_db: Database) -> Iterator[tuple[AppClient, dict[str, str]]]:
    with client_for(fresh_db) as client:
        yield client, bearer(make_key(fresh_db))


def test_the_seed_document_is_listed_with_its_terms(client: AppClient):
    items = client.get("/v1/documents").json()["items"]
    [report] = [d for d in items if d["id"] == REPORT_ID]
    assert report["title"] == REPORT_TITLE
    assert report["date"] == "2024-01-08"
    assert report["terms"] == client.get("/v1/terms", params={"limit": 1}).json()["total"]
    assert client.get(f"/v1/documents/{REPORT_ID}").json() == report
    text = client.get(f"/v1/documents/{REPORT_ID}/text").text
    assert "⑧“数据得地”：围绕企业成长" in text
    assert client.get("/v1/documents/no-such-report").status_code == 404


def test_terms_are_listed_by_document(client: AppClient):
    page = client.get("/v1/terms", params={"document": REPORT_ID, "limit": 200}).json()
    assert page["total"] == client.get("/v1/terms", params={"limit": 1}).json()["total"]
    assert client.get("/v1/terms", params={"document": "no-such-report"}).status_code == 422


def test_a_quote_from_a_stored_document_must_be_verbatim(editor):
    client, headers = editor
    etag = client.get("/v1/terms/shu-ju-de-di").headers["etag"]
    term = client.get("/v1/terms/shu-ju-de-di").json()
    sources = [{**term["sources"][0], "quote": "推行“数据得地”改革举措。"}]  # not the report's words
    response = client.request(
        "PATCH", "/v1/terms/shu-ju-de-di", json={"sources": sources}, headers={**headers, "If-Match": etag}
    )
    assert response.status_code == 422, response.text
    assert "not verbatim" in response.json()["detail"]


def test_a_second_report_end_to_end(editor):
    client, headers = editor
    created = client.post("/v1/documents", json=SECOND_DOC, headers=headers)
    assert created.status_code == 201, created.text
    assert client.post("/v1/documents", json=SECOND_DOC, headers=headers).status_code == 409

    drafts = client.post(f"/v1/documents/{SECOND_DOC['id']}/drafts", json={}, headers=headers)
    assert drafts.status_code == 200, drafts.text
    made = drafts.json()["created"]
    assert {"san-xin-bing-ju", "hui-qi-zhi-tong-che"} <= set(made)
    assert "shu-ju-de-di" not in made  # known terms are not drafted

    queue = client.get("/v1/terms", params={"status": "draft", "limit": 200}).json()
    assert {t["slug"] for t in queue["items"]} == set(made)
    footnoted = client.get("/v1/terms/san-xin-bing-ju").json()
    assert footnoted["status"] == "draft"
    assert footnoted["definition"]["zh"] == "建设新城市、发展新产业、布局新赛道。"
    assert footnoted["sources"][0]["quote"] in SECOND
    assert footnoted["en"] == ""

    # A draft takes no part in annotate, search or exports.
    text = "全面实施“三新并举”行动"
    assert client.post("/v1/annotate", json={"text": text}).json()["matches"] == []
    assert all(
        i["term"]["slug"] != "san-xin-bing-ju"
        for i in client.get("/v1/search", params={"q": "三新并举"}).json()["items"]
    )
    assert "三新并举" not in client.get("/v1/export", params={"format": "deepl"}).text
    # … unless a request asks for them.
    asked = client.post("/v1/annotate", params={"include_drafts": "true"}, json={"text": text}).json()["matches"]
    assert [m["slug"] for m in asked] == ["san-xin-bing-ju"]
    qa = client.post("/v1/qa", params={"include_drafts": "true"}, json={"source": text, "target": "Three"}).json()
    assert [i["slug"] for i in qa["issues"]] == ["san-xin-bing-ju"]
    assert client.post("/v1/qa", json={"source": text, "target": "Three"}).json()["issues"] == []
    listed = client.get("/v1/export", params={"format": "json", "status": "draft"}).json()["items"]
    assert "san-xin-bing-ju" in {t["slug"] for t in listed}

    # Approving needs the English; the edit and the approval are each recorded.
    etag = client.get("/v1/terms/san-xin-bing-ju").headers["etag"]
    early = client.post("/v1/terms/san-xin-bing-ju/approve", headers={**headers, "If-Match": etag})
    assert early.status_code == 422, early.text
    patch = {"en": "Three News Together", "definition": {"en": "New city, new industries, new tracks."}}
    edited = client.request("PATCH", "/v1/terms/san-xin-bing-ju", json=patch, headers={**headers, "If-Match": etag})
    assert edited.status_code == 200, edited.text
    approved = client.post("/v1/terms/san-xin-bing-ju/approve", headers={**headers, "If-Match": edited.headers["etag"]})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    matches = client.post("/v1/annotate", json={"text": text}).json()["matches"]
    assert [m["slug"] for m in matches] == ["san-xin-bing-ju"]
    actions = [h["action"] for h in client.get("/v1/terms/san-xin-bing-ju/history").json()["items"]]
    assert actions == ["approve", "update", "draft"]

    # Rejecting a draft is recorded too.
    etag = client.get("/v1/terms/hui-qi-zhi-tong-che").headers["etag"]
    rejected = client.post("/v1/terms/hui-qi-zhi-tong-che/reject", headers={**headers, "If-Match": etag})
    assert rejected.status_code == 204, rejected.text
    assert client.get("/v1/terms/hui-qi-zhi-tong-che").status_code == 410
    assert client.get("/v1/terms/hui-qi-zhi-tong-che/history").json()["items"][0]["action"] == "reject"

    # A known term gains the second report as a source; the document lists it.
    term = client.get("/v1/terms/shu-ju-de-di")
    source = {
        "document": SECOND_DOC["title"],
        "date": "2025-01-10",
        "quote": "二〇二五年，我们将继续推行“数据得地”改革，",
    }
    patched = client.request(
        "PATCH",
        "/v1/terms/shu-ju-de-di",
        json={"sources": [*term.json()["sources"], source]},
        headers={**headers, "If-Match": term.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    listed = client.get("/v1/terms", params={"document": SECOND_DOC["id"], "status": "all"}).json()
    cited = {t["slug"] for t in listed["items"]}
    assert {"shu-ju-de-di", "san-xin-bing-ju"} <= cited <= {"shu-ju-de-di", *made} - {"hui-qi-zhi-tong-che"}
    assert client.get(f"/v1/documents/{SECOND_DOC['id']}").json()["terms"] == len(cited)


def test_slug_and_pinyin_are_derived_when_left_out_and_an_explicit_value_wins(editor):
    client, headers = editor
    entry = {
        "hans": "测试词条",
        "en": "Test Entry",
        "definition": {"zh": "用于测试的词条。", "en": "An entry used in tests."},
        "kind": "concept",
    }
    derived = client.post("/v1/terms", json=entry, headers=headers)
    assert derived.status_code == 201, derived.text
    assert (derived.json()["slug"], derived.json()["pinyin"]) == ("ce-shi-ci-tiao", "cè shì cí tiáo")
    explicit = client.post("/v1/terms", json={**entry, "hans": "测验词条", "slug": "my-own"}, headers=headers)
    assert explicit.json()["slug"] == "my-own"
    assert client.get("/v1/terms/" + quote("测验词条")).json()["slug"] == "my-own"


def test_an_approved_term_needs_its_english(editor):
    client, headers = editor
    entry = {"hans": "测试词条", "en": "", "definition": {"zh": "测试。", "en": "A test."}, "kind": "concept"}
    response = client.post("/v1/terms", json=entry, headers=headers)
    assert response.status_code == 422
    assert "approved term needs it" in response.json()["detail"]
    assert client.post("/v1/terms", json={**entry, "status": "draft"}, headers=headers).status_code == 201
