"""POST /v1/annotate through the real app: report passages in every script, html, kind, limits."""

from __future__ import annotations

import json
import threading

import anyio
import opencc
import pytest
from fastapi import Response

from app.annotate.schemas import AnnotateResult, TermMatch
from app.api.responses import INLINE_CHARS, off_loop_if_long
from tests.appclient import AppClient
from tests.conftest import REPORT, Database, client_for

PASSAGE = (
    "构建完善“1+22+3”大安全工作体系③，上线“应急365”综合管理平台④。推出优化营商环境“25条”，"
    "“昆如意”营商服务品牌持续擦亮。围绕降低企业综合成本，推行“数据得地”⑧、数字征信等改革举措。"
    "大力开展项目攻坚年行动，按照Ⅱ型大城市①定性，划分“精微网格”9153个。"
)
SLUGS = [
    "1-22-3-da-an-quan-gong-zuo-ti-xi",
    "ying-ji-365-zong-he-guan-li-ping-tai",
    "you-hua-ying-shang-huan-jing-25-tiao",
    "kun-ru-yi",
    "shu-ju-de-di",
    "shu-zi-zheng-xin",  # 数字征信, a seed term since the report was completed (issue 14)
    "xiang-mu-gong-jian-nian",
    "ii-xing-da-cheng-shi",
    "jing-wei-wang-ge",
]


def annotate(client: AppClient, text: str, **params: str) -> dict:  # type: ignore[type-arg]
    response = client.post("/v1/annotate", json={"text": text}, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    for m in body["matches"]:
        assert text[m["start"] : m["end"]] == m["surface"]
    return body


def test_simplified_report_passage_finds_every_term_with_its_rendering(client: AppClient):
    matches = annotate(client, PASSAGE)["matches"]
    assert [m["slug"] for m in matches] == SLUGS
    first = matches[0]
    assert first["surface"] == "“1+22+3”大安全工作体系"
    assert first["hans"] == "“1+22+3”大安全工作体系"
    assert first["en"] == "1+22+3 Comprehensive Safety Work System"
    assert first["kind"] == "programme"


@pytest.mark.parametrize("config", ["s2twp", "s2hk", "s2hkp", "s2tw"])
def test_traditional_report_passage_taiwan_and_hong_kong(client: AppClient, config: str):
    text = opencc.OpenCC(config).convert(PASSAGE)
    matches = annotate(client, text)["matches"]
    assert [m["slug"] for m in matches] == SLUGS
    surfaces = {m["slug"]: m["surface"] for m in matches}
    if config == "s2twp":
        assert surfaces["shu-ju-de-di"] == "資料得地"
        assert surfaces["xiang-mu-gong-jian-nian"] == "專案攻堅年"
    else:
        assert surfaces["shu-ju-de-di"] == "數據得地"


def test_mixed_script_passage(client: AppClient):
    text = "推行“數据得地”改革，發展新质生產力，落實智改数轉，精網微格全覆盖"
    matches = annotate(client, text)["matches"]
    assert [(m["surface"], m["slug"]) for m in matches] == [
        ("數据得地", "shu-ju-de-di"),
        ("新质生產力", "xin-zhi-sheng-chan-li"),
        ("智改数轉", "zhi-gai-shu-zhuan"),
        ("精網微格", "jing-wei-wang-ge"),
    ]


def test_surfaces_with_ascii_quotes_are_escaped_and_every_match_has_the_contract_fields_in_order(
    client: AppClient,
):
    text = '构建"1+22+3"大安全工作体系，\\"数据得地"\t与“数据得地”'
    body = annotate(client, text)
    AnnotateResult.model_validate(body)
    assert [m["surface"] for m in body["matches"]] == ['"1+22+3"大安全工作体系', "数据得地", "数据得地"]
    assert all(list(m) == list(TermMatch.model_fields) for m in body["matches"])
    assert list(body) == ["matches"]


def test_offsets_count_code_points_beyond_the_basic_plane(client: AppClient):
    text = "𠀀😀推行数据得地"
    (match,) = annotate(client, text)["matches"]
    assert (match["start"], match["end"]) == (4, 8)


def test_the_whole_report_in_taiwan_traditional_slices_back(client: AppClient):
    text = opencc.OpenCC("s2twp").convert(REPORT.read_text(encoding="utf-8"))
    matches = annotate(client, text)["matches"]
    assert len(matches) > 250
    assert "shu-ju-de-di" in {m["slug"] for m in matches}


def test_kind_keeps_only_that_kind(client: AppClient):
    matches = annotate(client, PASSAGE, kind="platform")["matches"]
    assert [m["slug"] for m in matches] == ["ying-ji-365-zong-he-guan-li-ping-tai"]
    assert client.post("/v1/annotate", json={"text": PASSAGE}, params={"kind": "poem"}).status_code == 422


def test_html_wraps_each_term_with_its_slug_and_rendering(client: AppClient):
    body = annotate(client, "推行“数据得地”改革", format="html")
    assert body["html"] == (
        '推行“<span class="term" data-slug="shu-ju-de-di" data-kind="programme" '
        'title="Data-Based Land Allocation">数据得地</span>”改革'
    )
    assert "html" not in annotate(client, "推行数据得地")


def test_html_escapes_hostile_text(client: AppClient):
    text = '<script>alert("x")</script>数据得地<img src=x onerror=alert(1)>&'
    body = annotate(client, text, format="html")
    assert "<script>" not in body["html"]
    assert "<img" not in body["html"]
    assert body["html"].startswith("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<span ")
    assert body["html"].endswith("&lt;img src=x onerror=alert(1)&gt;&amp;")


def test_chinese_is_returned_as_characters(client: AppClient):
    response = client.post("/v1/annotate", json={"text": "数据得地"})
    assert "数据得地".encode() in response.content
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("text", ["数据\x00得地", "数据\ud800得地"], ids=["nul", "lone-surrogate"])
@pytest.mark.parametrize("path", ["/v1/annotate", "/v1/convert"])
def test_nul_and_lone_surrogates_are_422(client: AppClient, text: str, path: str):
    body = json.dumps({"text": text})
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    qa = json.dumps({"source": text, "target": "x"})
    assert client.post("/v1/qa", content=qa, headers={"content-type": "application/json"}).status_code == 422


def test_a_megabyte_of_report_text_is_annotated(client: AppClient):
    report = REPORT.read_text(encoding="utf-8")
    text = (report * 30)[: 1_000_000 // 3]
    assert len(text.encode()) <= 1_000_000
    matches = annotate(client, text)["matches"]
    assert len(matches) > 5000


def test_text_over_the_limit_is_413(fresh_db: Database):
    with client_for(fresh_db, max_text_bytes=3000) as client:
        at_limit = "数" * 1000
        assert client.post("/v1/annotate", json={"text": at_limit}).status_code == 200
        for path, body in [
            ("/v1/annotate", {"text": at_limit + "a"}),
            ("/v1/convert", {"text": at_limit + "a", "config": "s2twp"}),
            ("/v1/qa", {"source": "数据得地", "target": "a" * 3001}),
        ]:
            response = client.post(path, json=body)
            assert response.status_code == 413, path
            assert response.headers["content-type"] == "application/problem+json"
            assert "3000" in response.json()["detail"]


def test_openapi_declares_the_error_statuses(client: AppClient):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/annotate", "/v1/convert", "/v1/qa"):
        assert {"200", "413", "422"} <= set(paths[path]["post"]["responses"]), path


def test_a_short_text_is_handled_on_the_event_loop_and_a_long_one_in_the_thread_pool():
    def work(_text: str) -> Response:
        return Response(str(threading.get_ident()))

    async def threads() -> tuple[int, bytes, bytes]:
        short = await off_loop_if_long(INLINE_CHARS, work, "x")
        long = await off_loop_if_long(INLINE_CHARS + 1, work, "x")
        return threading.get_ident(), bytes(short.body), bytes(long.body)

    loop_thread, short, long = anyio.run(threads)
    assert int(short) == loop_thread
    assert int(long) != loop_thread


def test_the_same_answer_on_the_event_loop_and_in_the_thread_pool(client: AppClient):
    # The passage repeated to just past the inline limit goes to the thread pool; its first copy does not.
    long = PASSAGE * (INLINE_CHARS // len(PASSAGE) + 1)
    short, whole = (client.post("/v1/annotate", json={"text": t}).json() for t in (PASSAGE, long))
    assert whole["matches"][: len(short["matches"])] == short["matches"]
    assert len(whole["matches"]) == len(short["matches"]) * (INLINE_CHARS // len(PASSAGE) + 1)
