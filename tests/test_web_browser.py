"""The translator's desk in a real browser: Playwright drives Debian's Chromium against the real app, served
by uvicorn on a loopback port over a seeded SQLite file.

Without Chromium (or Playwright) the tests skip with a message; in CI (CI=true) they fail instead, since
.ci/run installs Chromium. Screenshots of the main views are written to tests/screenshots/ (not committed)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import Database
from tests.editors import bearer, make_key, new_entry
from tests.liveserver import LiveServer

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# As root (CI) Chromium needs --no-sandbox; the rest keep it from reaching for the network at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # a container's small /dev/shm crashes tabs otherwise
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
TAIWAN_TEXT = "推行「資料得地」、數字徵信等改革舉措，深入實施“五百行動”。"


def _without_browser(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; in CI the browser tests must run (.ci/run installs chromium)")
    pytest.skip(f"{reason}: the browser tests are skipped (apt-get install chromium fonts-noto-cjk to run them)")


@pytest.fixture(scope="module")
def desk_db(tmp_path_factory: pytest.TempPathFactory, seeded_sqlite_template: Path) -> Database:
    directory = tmp_path_factory.mktemp("desk")
    shutil.copyfile(seeded_sqlite_template, directory / "glossary.db")
    return Database("sqlite", directory)


@pytest.fixture(scope="module")
def live(desk_db: Database) -> Iterator[LiveServer]:
    with LiveServer(create_app(Settings(database_url=desk_db.url))) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _without_browser("Playwright for Python is not installed")
    if not CHROMIUM.exists():
        _without_browser(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Desk:
    """A browser tab on the live app, recording every host the page loaded something from (requests to any
    other host are aborted, so that a test never reaches the network)."""

    def __init__(self, browser: Any, live: LiveServer, width: int = 1000) -> None:
        self.base = live.url
        self.context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.hosts: set[str] = set()
        self.errors: list[str] = []
        own = urlsplit(live.url).netloc
        self.context.route(
            lambda url: urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own,
            lambda route: route.abort(),
        )
        self.page.on("requestfinished", lambda request: self.hosts.add(urlsplit(request.url).netloc))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def goto(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def screenshot(self, name: str, full_page: bool = True) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def desk(browser: Any, live: LiveServer) -> Iterator[Desk]:
    tab = Desk(browser, live)
    yield tab
    tab.context.close()
    assert tab.hosts <= {urlsplit(live.url).netloc, ""}, "the page loaded something from another host"
    assert not tab.errors, tab.errors


def test_typing_initials_sjdd_shows_shu_ju_de_di_first(desk: Desk):
    page = desk.goto("/")
    page.locator("#q").press_sequentially("sjdd")
    first = page.locator("#results li.result").first
    first.locator(".hans").wait_for()
    assert first.locator(".hans").inner_text() == "数据得地"
    assert first.locator(".hant").inner_text() == "數據得地"
    assert first.locator(".fn").inner_text() == "⑧"
    assert first.locator(".py").inner_text() == "shù jù dé dì"
    assert first.locator(".en").inner_text() == "Data-Based Land Allocation"
    assert first.locator(".kind").inner_text() == "programme"
    assert page.locator("#q").get_attribute("aria-expanded") == "true"
    assert page.url.endswith("/?q=sjdd")  # the address is the page a reader without JavaScript gets
    desk.screenshot("search")


def test_term_page_of_liu_fu_liu_jin_shows_six_components_and_script_tw_shows_liu_fu_liu_jin_traditional(
    desk: Desk,
):
    page = desk.goto("/terms/liu-fu-liu-jin")
    assert page.locator("h1 [lang]").inner_text() == "六服六进"
    assert page.locator("table.components tbody tr").count() == 6
    assert page.locator("table.components tbody tr").first.locator("td").nth(1).inner_text() == "政务服务进园区"
    assert page.locator(".source mark").first.inner_text() == "六服六进"
    desk.screenshot("term")
    page = desk.goto("/terms/liu-fu-liu-jin?script=tw")
    assert page.locator("h1 [lang]").inner_text() == "六服六進"
    assert page.locator("h1 [lang]").get_attribute("lang") == "zh-Hant-TW"
    assert page.locator("table.components tbody tr").first.locator("td").nth(1).inner_text() == "政務服務進園區"
    page = desk.goto("/terms/liu-fu-liu-jin")  # remembered
    assert page.locator("h1 [lang]").inner_text() == "六服六進"
    with page.expect_navigation():
        page.locator("#script-select").select_option("hans")  # the switch applies itself
    assert page.locator("h1 [lang]").inner_text() == "六服六进"


def test_the_copy_button_copies_the_preferred_rendering(desk: Desk):
    desk.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=desk.base)
    page = desk.goto("/terms/shu-ju-de-di")
    page.get_by_role("button", name="Copy").click()
    page.locator(".preferred .copied").filter(has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == "Data-Based Land Allocation"


def test_pasting_taiwan_text_marks_zi_liao_de_di_as_shu_ju_de_di(desk: Desk):
    desk.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=desk.base)
    page = desk.goto("/text")
    page.get_by_label("Chinese text, in any script").fill(TAIWAN_TEXT)
    page.get_by_role("button", name="Find terms").click()
    marked = page.locator('#annotated a.term[data-hans="数据得地"]')
    marked.wait_for()
    assert marked.inner_text() == "資料得地"
    assert page.locator("#annotated a.term").all_inner_texts() == [
        "資料得地",
        "數字徵信",
        "五百行動",
    ]  # 数字征信 is a seed term too
    assert "".join(page.locator("#annotated").inner_text().split()).startswith("推行「資料得地")
    marked.hover()
    tip = page.locator("#" + marked.get_attribute("aria-describedby"))
    assert tip.is_visible()
    assert "Data-Based Land Allocation" in tip.inner_text()
    assert "数据得地" in tip.inner_text()
    page.locator("#annotate-heading").scroll_into_view_if_needed()
    desk.screenshot("text-marked", full_page=False)
    rows = page.locator("#found tbody tr")
    assert rows.count() == 3
    assert rows.first.locator("td").nth(1).inner_text() == "数据得地"
    page.get_by_role("button", name="Copy as TSV").click()
    tsv = page.locator("#glossary-out").input_value()
    assert "資料得地\tData-Based Land Allocation" in tsv.splitlines()
    assert "数据得地\tData-Based Land Allocation" in tsv.splitlines()
    assert page.evaluate("navigator.clipboard.readText()") == tsv
    page.get_by_role("button", name="Copy as Markdown table").click()
    markdown = page.locator("#glossary-out").input_value().splitlines()
    assert markdown[0] == "| Chinese | Pinyin | English | Avoid | Definition |"
    assert markdown[2].startswith("| 資料得地 (数据得地) | shù jù dé dì | Data-Based Land Allocation |")
    desk.screenshot("text")


def test_convert_pane_shows_what_protecting_the_terms_changed(desk: Desk):
    page = desk.goto("/text")
    page.get_by_label("Text", exact=True).fill("推行“数据得地”、数字征信等改革举措")
    page.get_by_label("OpenCC configuration").select_option("s2twp")
    page.get_by_role("button", name="Convert").click()
    page.locator("#convert-output").wait_for()
    assert page.locator("#converted").inner_text() == "推行“數據得地”、數字徵信等改革舉措"
    assert page.locator("#converted mark").all_inner_texts() == ["數據"]  # where OpenCC alone writes 資料
    changes = page.locator("#protection-changes li")
    assert changes.count() == 1
    assert "資" in changes.first.inner_text()
    page.get_by_label("Protect glossary terms").uncheck()
    page.get_by_role("button", name="Convert").click()
    page.locator("#convert-status").filter(has_text="not protected").wait_for()
    assert page.locator("#converted").inner_text() == "推行“資料得地”、數字徵信等改革舉措"


def test_qa_pane_flags_a_missing_rendering_and_marks_its_place(desk: Desk):
    page = desk.goto("/text")
    page.get_by_label("Chinese source").fill("推行“数据得地”改革。")
    page.get_by_label("English translation").fill("We will implement the Data for Land reform.")
    page.get_by_role("button", name="Check").click()
    issue = page.locator("#qa-issues li.missing")
    issue.wait_for()
    assert issue.count() == 1
    assert "数据得地" in issue.inner_text()
    assert "Data-Based Land Allocation" in issue.inner_text()
    place = page.locator("#qa-marked mark.qa-missing")
    assert place.inner_text() == "数据得地"
    assert page.locator("#qa-marked").inner_text() == "推行“数据得地”改革。"
    issue.locator("a").first.click()
    assert page.url.endswith("#qa-mark-0")
    page.get_by_label("English translation").fill("We will implement the Data-Based Land Allocation reform.")
    page.get_by_role("button", name="Check").click()
    page.locator("#qa-status").filter(has_text="No issues").wait_for()
    assert page.locator("#qa-issues li").count() == 0


HOSTILE_EN = '<img src=x onerror="window.__pwned=1">'
HOSTILE_NOTE = "<script>window.__pwned=2</script>"


def test_hostile_entry_content_stays_inert(desk: Desk, desk_db: Database, live: LiveServer):
    entry = new_entry(
        slug="e-yi-ci-tiao",
        hans="恶意词条",
        en=HOSTILE_EN,
        note=HOSTILE_NOTE,
        definition={"zh": "恶意<b>定义</b>", "en": '"><svg onload="window.__pwned=3">', "basis": "editorial"},
    )
    created = httpx.post(f"{live.url}/v1/terms", json=entry, headers=bearer(make_key(desk_db)))
    assert created.status_code == 201, created.text

    page = desk.goto("/terms/e-yi-ci-tiao")
    assert page.locator("#preferred-en").inner_text() == HOSTILE_EN
    assert page.locator(".note").inner_text() == HOSTILE_NOTE
    assert page.locator("main img, main svg, main script, main b").count() == 0

    page = desk.goto("/")
    page.locator("#q").press_sequentially("恶意词条")
    page.locator("#results li.result .en").first.wait_for()
    assert page.locator("#results li.result .en").first.inner_text() == HOSTILE_EN

    page = desk.goto("/text")
    page.get_by_label("Chinese text, in any script").fill("这是恶意词条。")
    page.get_by_role("button", name="Find terms").click()
    term = page.locator("#annotated a.term")
    term.wait_for()
    term.hover()
    assert HOSTILE_EN in page.locator("#annotated .tip").inner_text()
    page.get_by_role("button", name="Copy as Markdown table").click()
    assert HOSTILE_EN in page.locator("#glossary-out").input_value()
    assert page.locator("main img, main svg, main script").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_keyboard_only_search_open_and_read(desk: Desk):
    page = desk.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")  # skip the header: focus moves to the main content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("lflj")
    page.locator("#results li.result").first.wait_for()
    page.keyboard.press("ArrowDown")
    active = page.locator("#q").get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    assert page.locator(f"#{active} .hans").inner_text() == "六服六进"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/terms/liu-fu-liu-jin")
    # The header's links and the script switch come before the page, in reading order.
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    assert order[:7] == ["Skip to content", "Policy Glossary", "Search", "Text", "Editors", "API", "script-select"]
    assert order[7] == "Copy"


def test_keyboard_only_text_pane_shows_a_terms_rendering_on_focus(desk: Desk):
    page = desk.goto("/text")
    page.locator("#annotate-text").focus()
    page.keyboard.type("构建“1+22+3”大安全工作体系")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator("#annotated a.term").wait_for()
    page.keyboard.press("Tab")  # from the button to the first term marked in the text
    assert page.evaluate("document.activeElement.className") == "term"
    tip = page.locator("#annotated .tip").first
    assert tip.is_visible()
    assert "1+22+3" in tip.inner_text()


def test_an_editor_keeps_the_key_for_the_tab_and_edits_a_note_with_its_etag(desk: Desk, desk_db: Database):
    key = make_key(desk_db, name="desk-editor")
    page = desk.goto("/editor")
    page.locator("#drafts-status").filter(has_text="No drafts are waiting.").wait_for()
    page.get_by_label("Editor key").fill(key)
    page.get_by_role("button", name="Keep for this tab").click()
    assert page.evaluate("Object.values(sessionStorage)") == [key]
    assert page.evaluate("Object.keys(localStorage)") == []
    assert page.get_by_label("Editor key").input_value() == ""

    page = desk.goto("/terms/qian-wan-gong-cheng")
    page.locator("#edit").wait_for()
    page.locator(".edit-etag").filter(has_text="editing version").wait_for()
    page.get_by_role("textbox", name="Translator's note").fill("Agreed with the client.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.locator(".note").inner_text() == "Agreed with the client."

    # Someone else saves while the form is open: the stale ETag is refused and nothing is overwritten.
    page.locator(".edit-etag").filter(has_text="editing version").wait_for()
    current = httpx.get(f"{desk.base}/v1/terms/qian-wan-gong-cheng")
    changed = httpx.patch(
        f"{desk.base}/v1/terms/qian-wan-gong-cheng",
        json={"note": "Changed elsewhere."},
        headers={**bearer(key), "If-Match": current.headers["etag"], "Content-Type": "application/merge-patch+json"},
    )
    assert changed.status_code == 200
    page.get_by_role("textbox", name="Translator's note").fill("My late change.")
    page.get_by_role("button", name="Save").click()
    page.locator("#edit-status").filter(has_text="Someone changed this term").wait_for()
    assert httpx.get(f"{desk.base}/v1/terms/qian-wan-gong-cheng").json()["note"] == "Changed elsewhere."


def test_search_browse_and_term_pages_work_without_javascript(browser: Any, live: LiveServer):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live.url}/")
        page.get_by_label("Chinese in any script, pinyin, initials (sjdd) or English").fill("sjdd")
        with page.expect_navigation():
            page.get_by_role("button", name="Search").click()
        assert page.locator("#results li.result .hans").first.inner_text() == "数据得地"
        with page.expect_navigation():
            page.locator("#results li.result a").first.click()
        assert page.url.endswith("/terms/shu-ju-de-di")
        page.get_by_label("Chinese script").select_option("tw")
        with page.expect_navigation():
            page.get_by_role("button", name="Show").click()
        assert page.locator("h1 [lang]").inner_text() == "數據得地"
        assert page.locator(".copy").count() == 1
        assert page.locator(".copy").is_hidden()  # the copy button needs the script
        with page.expect_navigation():
            page.get_by_role("link", name="Search").first.click()
        with page.expect_navigation():
            page.get_by_role("link", name="Programmes").click()
        assert page.locator("#kind-heading").inner_text().startswith("Programmes")
        assert page.locator("section li.result").count() == 50
    finally:
        context.close()


def test_without_a_key_no_edit_form_is_shown(desk: Desk):
    page = desk.goto("/terms/liu-fu-liu-jin")
    assert page.locator("#edit").is_hidden()


@pytest.mark.parametrize("path", ["/", "/terms/liu-fu-liu-jin", "/text", "/editor", "/?q=sjdd"])
def test_pages_fit_a_360_px_screen(browser: Any, live: LiveServer, path: str):
    tab = Desk(browser, live, width=360)
    try:
        page = tab.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        if path == "/terms/liu-fu-liu-jin":
            tab.screenshot("term-360")
    finally:
        tab.context.close()


# Every Chinese character in the page is inside an element whose `lang` is Chinese, and every form control has
# a label (a select's options included: they carry their own lang).
UNTAGGED_CHINESE = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!/\\p{Script=Han}/u.test(node.data) || node.parentElement.closest('template, script')) continue;
    const tagged = node.parentElement.closest('[lang]');
    if (!tagged || !tagged.lang.startsWith('zh')) out.push(node.data.trim().slice(0, 20));
  }
  return out;
}"""
UNLABELLED = """() => Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
  .filter(control => control.labels.length === 0).map(control => control.id || control.name)"""


# The text whose colour has less than WCAG AA contrast (4.5:1, 3:1 for large text) against the first opaque
# background behind it.
LOW_CONTRAST = """() => {
  const rgb = text => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const background = element => {
    for (let e = element; e; e = e.parentElement) {
      const colour = rgb(getComputedStyle(e).backgroundColor);
      if (colour.length === 3 || colour[3] === 1) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.data.trim() || !element.checkVisibility() || element.closest('template')) continue;
    const style = getComputedStyle(element);
    const [a, b] = [luminance(rgb(style.color).slice(0, 3)), luminance(background(element))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && style.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) out.push(node.data.trim().slice(0, 20) + ' ' + ratio.toFixed(2));
  }
  return out;
}"""


@pytest.mark.parametrize("path", ["/", "/?q=sjdd", "/?kind=programme", "/terms/liu-fu-liu-jin?script=hk", "/text"])
def test_chinese_text_carries_lang_every_control_has_a_label_and_text_has_contrast(desk: Desk, path: str):
    page = desk.goto(path)
    if path == "/text":
        page.get_by_label("Chinese text, in any script").fill(TAIWAN_TEXT)
        page.get_by_role("button", name="Find terms").click()
        page.locator("#annotated a.term").first.wait_for()
    assert page.evaluate(UNTAGGED_CHINESE) == []
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate(LOW_CONTRAST) == []
    ids = page.evaluate("Array.from(document.querySelectorAll('[id]'), e => e.id)")
    assert len(ids) == len(set(ids))


def test_docs_and_redoc_render_offline(desk: Desk):
    page = desk.goto("/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() > 20
    page = desk.goto("/redoc")
    page.get_by_text("/v1/search").first.wait_for()
    desk.screenshot("redoc", full_page=False)


def test_an_editor_approves_and_rejects_drafts_from_the_queue(desk: Desk, desk_db: Database):
    key = make_key(desk_db, name="desk-reviewer")
    definition = {"zh": "用于测试的词条。", "en": "An entry used in tests."}
    for hans in ("测试草稿", "另一草稿"):
        entry = {"hans": hans, "en": "Test Draft", "definition": definition, "kind": "concept", "status": "draft"}
        assert httpx.post(f"{desk.base}/v1/terms", json=entry, headers=bearer(key)).status_code == 201
    page = desk.goto("/editor")
    page.get_by_label("Editor key").fill(key)
    page.get_by_role("button", name="Keep for this tab").click()
    page = desk.goto("/editor")
    drafts = page.locator("#draft-list li")
    drafts.first.wait_for()
    assert drafts.count() == 2
    page.locator("#draft-list li", has_text="测试草稿").get_by_role("button", name="Approve").click()
    page.locator("#drafts-status").filter(has_text="approved").wait_for()
    page.locator("#draft-list li", has_text="另一草稿").get_by_role("button", name="Reject").click()
    page.locator("#drafts-status").filter(has_text="rejected").wait_for()
    assert httpx.get(f"{desk.base}/v1/terms/ce-shi-cao-gao").json()["status"] == "approved"
    assert httpx.get(f"{desk.base}/v1/terms/ling-yi-cao-gao").status_code == 410
