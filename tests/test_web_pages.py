"""The translator's desk as HTML over HTTP, without a browser: what a page without JavaScript shows, its
headers (CSP, the remembered script), its escaping, its weight, and the offline docs. The browser tests are
in test_web_browser.py."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from app.annotate.index import TermAnnotator
from app.terms.glossary import Glossary
from app.web.pages import PAGE_CSP, chosen_script, footnote_marker, highlighted, tag_chinese
from tests.appclient import AppClient
from tests.conftest import Database, client_for
from tests.editors import bearer, make_key, new_entry

PAGES = [
    "/",
    "/?q=sjdd",
    "/?kind=slogan",
    "/terms/liu-fu-liu-jin",
    "/terms/liu-fu-liu-jin?script=tw",
    "/text",
    "/editor",
]
_ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def _first_result(html: str) -> str:
    results = html.split('id="results"', 1)[1]
    return re.search(r'<span class="hans" lang="zh-Hans">([^<]+)</span>', results).group(1)  # type: ignore[union-attr]


def test_search_without_javascript_answers_q_with_shu_ju_de_di_first(client: AppClient):
    response = client.get("/", params={"q": "sjdd"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert _first_result(response.text) == "数据得地"
    assert "數據得地" in response.text
    assert "⑧" in response.text
    assert "Data-Based Land Allocation" in response.text
    assert 'href="/v1/search?q=sjdd&amp;script=hans"' in response.text  # the JSON view beside the HTML one


def test_home_lists_the_twelve_footnoted_terms_in_order_and_every_kind(client: AppClient):
    html = client.get("/").text
    footnoted = html.split('id="footnoted-heading"', 1)[1].split("</ol>", 1)[0]
    markers = re.findall(r'<span class="fn">(.)</span>', footnoted)
    assert markers == ["①", "②", "③", "④", "⑤", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩", "⑪"]
    for kind in ("slogan", "programme", "platform", "policy-package", "concept", "brand", "place"):
        assert f'href="/?kind={kind}"' in html


def test_a_kind_is_listed_in_pages_with_a_link_to_the_next(client: AppClient):
    html = client.get("/", params={"kind": "concept"}).text.split('id="kind-heading"', 1)[1]
    assert html.count('class="result"') == 50
    following = re.search(r'href="(/\?kind=concept&amp;cursor=[^"]+)" rel="next"', html)
    assert following is not None
    rest = client.get(following.group(1).replace("&amp;", "&")).text.split('id="kind-heading"', 1)[1]
    assert 0 < rest.count('class="result"') <= 50


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"q": "数据\x00得地"}, "forbidden character U+0000"),
        ({"q": "长" * 201}, "longer than 200"),
        ({"kind": "slogans"}, "There is no kind"),
        ({"kind": "slogan", "cursor": "not-ours"}, "not one this site made"),
    ],
    ids=["nul", "too-long", "kind", "cursor"],
)
def test_a_bad_query_is_a_422_page_that_says_what_was_wrong(client: AppClient, params: dict[str, str], says: str):
    response = client.get("/", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert says in response.text


def test_term_page_shows_forms_renderings_components_sources_and_note(client: AppClient):
    response = client.get("/terms/liu-fu-liu-jin")
    assert response.status_code == 200
    html = response.text
    assert '<h1><span lang="zh-Hans">六服六进</span>' in html
    assert '<dd lang="zh-Hant-TW">六服六進</dd>' in html
    assert '<dd lang="zh-Hant-HK">六服六進</dd>' in html
    assert '<strong id="preferred-en" lang="en">Six Services in Six Places</strong>' in html
    assert "six services brought into six places" in html
    assert '<s lang="en">Six Services and Six Advances</s>' in html  # marked as one to avoid
    components = html.split('class="components"', 1)[1].split("</table>", 1)[0]
    assert components.count("<tr>") == 7  # the header and six components
    assert "<mark>六服六进</mark>" in html  # the term in each quote
    assert html.count("<mark>") == 2
    assert 'href="/terms/ma-shang-ban"' in html
    assert '<span lang="zh-Hans">进</span> means that the services are brought into the places named' in html


def test_script_switch_is_remembered_in_a_cookie(client: AppClient):
    response = client.get("/terms/liu-fu-liu-jin", params={"script": "tw"})
    assert '<h1><span lang="zh-Hant-TW">六服六進</span>' in response.text
    assert "政務服務進園區" in response.text
    assert re.match(r"script=tw; .*Path=/", response.headers["set-cookie"])
    later = client.get("/terms/liu-fu-liu-jin", headers={"Cookie": "script=tw"})
    assert '<h1><span lang="zh-Hant-TW">六服六進</span>' in later.text
    assert "set-cookie" not in later.headers
    assert '<option value="tw" lang="zh-Hant" selected>' in later.text
    unknown = client.get("/terms/liu-fu-liu-jin", params={"script": "klingon"}, headers={"Cookie": "script=hk"})
    assert '<h1><span lang="zh-Hant-HK">' in unknown.text


def test_a_headword_in_any_script_redirects_to_the_stable_slug_url(client: AppClient):
    response = client.get(f"/terms/{quote('六服六進')}", params={"script": "tw"}, follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/terms/liu-fu-liu-jin?script=tw"


@pytest.mark.parametrize("key", ["no-such-term", "不存在的词", "x" * 300, "a\x00b"])
def test_an_unknown_term_is_a_404_html_page(client: AppClient, key: str):
    response = client.get(f"/terms/{quote(key)}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "No such term" in response.text
    assert response.headers["content-security-policy"] == PAGE_CSP


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_csp_without_inline_script_and_loads_nothing_from_another_host(client: AppClient, path: str):
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    html = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handler
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # nothing from another host
    assert '<html lang="en">' in html


@pytest.mark.parametrize("path", PAGES)
def test_a_page_with_its_css_and_js_weighs_under_100_kb(client: AppClient, path: str):
    html = client.get(path).content
    assets = set(_ASSET.findall(html.decode()))
    assert any(a.startswith("/static/desk.js") for a in assets)
    assert any(a.startswith("/static/desk.css") for a in assets)
    total = len(html)
    for asset in assets:
        response = client.get(asset.replace("&amp;", "&"))
        assert response.status_code == 200
        total += len(response.content)
    assert total < 100_000


def test_hostile_entry_content_is_escaped_on_every_page(fresh_db: Database):
    hostile = new_entry(
        slug="e-yi-ci-tiao",
        hans="恶意词条",
        en='<img src=x onerror="alert(1)">',
        note="<script>alert(2)</script>",
        definition={"zh": "恶意<b>定义</b>", "en": '"><svg onload=alert(3)>', "basis": "editorial"},
        components=[{"hans": "恶意<i>成分</i>", "en": "<iframe src=//evil>"}],
    )
    with client_for(fresh_db) as client:
        assert client.post("/v1/terms", json=hostile, headers=bearer(make_key(fresh_db))).status_code == 201
        for path in ("/terms/e-yi-ci-tiao", f"/?q={quote('恶意词条')}", "/?kind=concept"):
            html = client.get(path).text
            assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
            assert "<img" not in html
            assert not re.search(r"<[a-z][^>]*\son[a-z]+=", html)  # no element got an event handler
        html = client.get("/terms/e-yi-ci-tiao").text
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
        assert "<svg" not in html
        assert "<iframe" not in html
        assert "<b>" not in html
        assert "<i>" not in html


def test_a_deleted_term_is_a_410_page(fresh_db: Database):
    with client_for(fresh_db) as client:
        headers = bearer(make_key(fresh_db))
        etag = client.post("/v1/terms", json=new_entry(), headers=headers).headers["etag"]
        assert (
            client.request("DELETE", "/v1/terms/ce-shi-ci-tiao", headers={**headers, "If-Match": etag}).status_code
            == 204
        )
        response = client.get("/terms/ce-shi-ci-tiao")
        assert response.status_code == 410
        assert "This term was deleted" in response.text


def test_docs_and_redoc_are_served_with_their_assets_from_the_app(client: AppClient):
    for path, assets in (
        ("/docs", ["/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"]),
        ("/redoc", ["/docs/assets/redoc.standalone.js"]),
    ):
        page = client.get(path)
        assert page.status_code == 200
        assert "unsafe-inline" not in page.headers["content-security-policy"].split("style-src")[0]
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page.text)
        for asset in assets:
            assert asset in page.text
            response = client.get(asset)
            assert response.status_code == 200
            assert len(response.content) > 100_000
    assert 'data-openapi-url="/openapi.json"' in client.get("/docs").text


def test_the_openapi_document_describes_the_html_pages(client: AppClient):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/", "/terms/{slug}"):
        assert "text/html" in paths[path]["get"]["responses"]["200"]["content"]
    assert "text/html" in paths["/terms/{slug}"]["get"]["responses"]["404"]["content"]
    assert "/docs" not in paths
    assert "/static" not in paths


def test_footnote_markers_are_the_reports_circled_numbers():
    assert [footnote_marker(n) for n in (1, 5, 11, 20)] == ["①", "⑤", "⑪", "⑳"]
    assert footnote_marker(21) == "[21]"
    assert footnote_marker(None) == ""


def test_the_script_parameter_wins_over_the_cookie_and_nonsense_falls_back():
    assert chosen_script("tw", "hk") == ("tw", True)
    assert chosen_script(None, "hk") == ("hk", False)
    assert chosen_script("zz", "zz") == ("hans", False)


def test_a_quote_marks_the_term_in_any_script_and_only_that_term(client: AppClient):
    glossary: Glossary = client.app.state.glossary
    annotator = glossary.index(TermAnnotator)
    segments = highlighted("围绕“馬上辦”“六服六進”⑦等重点任务", "liu-fu-liu-jin", [], annotator)
    assert [s.text for s in segments if s.term] == ["六服六進"]
    assert "".join(s.text for s in segments) == "围绕“馬上辦”“六服六進”⑦等重点任务"
    # Where a longer term covers it, the written forms are found as they are.
    fallback = highlighted("甲乙丙", "no-such-slug", ["乙"], annotator)
    assert [(s.text, s.term) for s in fallback] == [("甲", False), ("乙", True), ("丙", False)]


def test_chinese_in_english_text_is_tagged_and_everything_escaped():
    tagged = tag_chinese('进 means "advance" <b>not</b>; 服 abbreviates 服务（services）.', "zh-Hant-TW")
    assert str(tagged) == (
        '<span lang="zh-Hant-TW">进</span> means &#34;advance&#34; &lt;b&gt;not&lt;/b&gt;; '
        '<span lang="zh-Hant-TW">服</span> abbreviates <span lang="zh-Hant-TW">服务（</span>services'
        '<span lang="zh-Hant-TW">）</span>.'
    )
    assert str(tag_chinese("<script>", "zh-Hans")) == "&lt;script&gt;"
