"""The pure extractor on the Kunshan report: footnotes, coinages, glossary terms, ordinary vocabulary, scripts."""

from __future__ import annotations

import functools

import opencc
import pytest

from app.core.matcher import TermMatcher
from app.core.normalize import fold
from app.documents.drafting import draft_entries, draft_entry
from app.documents.extraction import Candidate, extract
from app.documents.footnotes import footnote_terms
from app.documents.text import simplified_view
from app.seeding import read_entries
from app.terms.schemas import TermFields
from tests.conftest import REPORT, SEEDS_DIR

TEXT = REPORT.read_text(encoding="utf-8")
ENTRIES: list[TermFields] = [e.fields for e in read_entries(SEEDS_DIR)[0] if e.fields is not None]
MATCHER = TermMatcher.from_terms((f.slug, f.hans, f.aliases) for f in ENTRIES)
FOOTNOTED = {f.hans: f for f in ENTRIES if f.footnote is not None}


def known_spans(text: str) -> list[tuple[int, int, str]]:
    return [(start, end, pattern.slug) for start, end, pattern in MATCHER.spans(text)]


@functools.cache
def report_candidates() -> list[Candidate]:
    return checked(TEXT, extract(TEXT, known_spans(TEXT)))


@functools.cache
def rules_only() -> list[Candidate]:
    return checked(TEXT, extract(TEXT))


def checked(text: str, candidates: list[Candidate]) -> list[Candidate]:
    """The invariants every answer keeps."""
    for c in candidates:
        assert text[c.start : c.end] == c.surface
        assert c.count >= 1
        assert 0 < c.score <= 1
        assert c.context
        assert c.context in text
    assert [c.start for c in candidates] == sorted(c.start for c in candidates)
    assert len({fold(c.surface) for c in candidates}) == len(candidates)
    return candidates


def by_surface(candidates: list[Candidate]) -> dict[str, Candidate]:
    return {fold(c.surface): c for c in candidates}


def test_all_twelve_footnoted_terms_with_their_explanations_verbatim_and_marker_sentences():
    footnoted = [c for c in rules_only() if c.footnote is not None]
    assert sorted((c.footnote, c.hans) for c in footnoted) == sorted((f.footnote, f.hans) for f in FOOTNOTED.values())
    assert len(footnoted) == 12
    for c in footnoted:
        entry = FOOTNOTED[c.hans]
        assert c.definition_zh == entry.definition.zh, c.hans  # the seed's definitions are checked verbatim
        assert c.definition_zh in TEXT
        marker = "①②③④⑤⑥⑦⑧⑨⑩⑪"[c.footnote - 1]
        assert marker in c.context
        assert c.context in [s.quote for s in entry.sources], c.hans  # the seed's quote of the marker sentence
        assert c.score == 1.0


def test_one_entry_defining_two_terms_gives_each_its_part_of_the_explanation():
    found = by_surface(rules_only())
    first, second = found["四个走在前"], found["四个新"]
    assert first.footnote == second.footnote == 5
    assert first.definition_zh == (
        "在科技自立自强上走在前、在构建新发展格局上走在前、在推进农业现代化上走在前、在强化基层治理和民生保障上走在前"
    )
    assert second.definition_zh is not None
    assert second.definition_zh.endswith("在推进社会治理现代化上实现新提升。")
    assert first.context == second.context


def test_footnoted_term_written_with_inner_quotes_keeps_them_and_is_found_where_first_used():
    c = by_surface(rules_only())[fold("“1+22+3”大安全工作体系")]
    assert c.surface == "“1+22+3”大安全工作体系"
    assert c.start < TEXT.index("名 词 解 释")
    assert c.count == 2  # the body once, the 名词解释 once


@pytest.mark.parametrize(
    ("surface", "rule"),
    [
        ("数据得地", "quoted"),
        ("昆如意", "quoted"),
        ("牡丹停", "quoted"),
        ("钱袋子", "quoted"),
        ("两个维护", "quoted"),
        ("八大工程", "numbered-formula"),
        ("百项重点合作事项", "numbered-formula"),
        ("千村万企、千家万户", "quoted"),
        ("优化营商环境“25条”", "numbered-package"),
        ("推动经济运行率先整体好转45条", "quoted"),
        ("以文兴业、以文润城、以文惠民", "parallel-slogan"),
        ("精心规划、精致建设、精细管理、精明增长、精益涵养", "parallel-slogan"),
        ("元宇宙产业三年行动计划", "named"),
        ("祖冲之攻关计划", "named"),
        ("城市生命线安全工程", "named"),
        ("“法治政府”固本工程", "quoted-name"),
    ],
)
def test_coinages_of_each_kind_are_found(surface: str, rule: str):
    found = by_surface(rules_only())
    assert fold(surface) in found, surface
    assert rule in found[fold(surface)].rules


def test_a_part_only_ever_inside_a_longer_name_is_not_listed_apart():
    found = by_surface(rules_only())
    assert "千村万企" not in found  # only in “千村万企、千家万户”
    assert "固本工程" not in found  # only in “法治政府”固本工程
    assert "应急365" not in found  # only in the footnoted “应急365”综合管理平台
    assert "25条" not in found  # only in 优化营商环境“25条”


@pytest.mark.parametrize(
    "ordinary",
    [
        "地区生产总值",
        "固定资产投资",
        "一般公共预算收入",
        "社会消费品零售总额",
        "规上工业总产值",
        "进出口总额",
        "实际使用外资",
        "城镇调查失业率",
        "居民人均可支配收入",
        "综合监管服务平台",
        "工业互联网平台",
    ],
)
def test_ordinary_vocabulary_is_not_flagged(ordinary: str):
    assert ordinary in TEXT
    for candidates in (rules_only(), report_candidates()):
        assert not [c.surface for c in candidates if ordinary in c.surface], ordinary


def test_counts_of_things_are_not_formulas():
    surfaces = [c.surface for c in rules_only()]
    assert not [s for s in surfaces if s.startswith(("22个", "21条", "156项"))]


def test_every_glossary_term_in_the_text_is_listed_as_known_with_its_slug():
    candidates = report_candidates()
    present = {slug for _, _, slug in known_spans(TEXT)}
    # every seed term is in the report it came from, but 五五购物节, which it writes “五五”“双十二”购物节
    assert {e.slug for e in ENTRIES} - present == {"wu-wu-gou-wu-jie"}
    assert {c.known for c in candidates if c.known} == present
    found = by_surface(candidates)
    assert found["数据得地"].known == "shu-ju-de-di"
    assert found["数据得地"].footnote == 8
    assert found["数据得地"].score == 1.0
    assert found[fold("“应急365”综合管理平台")].known == "ying-ji-365-zong-he-guan-li-ping-tai"


def test_a_known_term_counts_every_form_it_is_written_in():
    text = "推行“数据得地”改革。推行「數據得地」改革。推行資料得地改革。"
    [c] = [c for c in checked(text, extract(text, known_spans(text))) if c.known]
    assert (c.surface, c.start, c.known, c.count) == ("数据得地", 3, "shu-ju-de-di", 3)
    assert c.context == "推行“数据得地”改革。"


@pytest.mark.parametrize("config", ["s2tw", "s2hk", "s2t"])
def test_traditional_report_gives_the_same_candidates_at_the_same_offsets(config: str):
    converted = opencc.OpenCC(config).convert(TEXT)
    assert len(converted) == len(TEXT)
    simplified, traditional = report_candidates(), checked(converted, extract(converted, known_spans(converted)))

    def shape(c: Candidate) -> tuple[object, ...]:
        return (c.start, c.end, c.count, c.score, c.known, c.footnote, c.hans, c.kind, c.rules)

    assert [shape(c) for c in traditional] == [shape(c) for c in simplified]
    convert = opencc.OpenCC(config).convert
    for s, t in zip(simplified, traditional, strict=True):
        assert t.surface == converted[s.start : s.end]
        assert t.context == convert(s.context)
        assert t.definition_zh == (convert(s.definition_zh) if s.definition_zh else None)


def test_traditional_footnote_heading_and_entries_parse():
    text = "全面落實“四個走在前”⑤重大任務。\n\n名詞解釋\n\n⑤“四個走在前”：在科技自立自強上走在前。"
    [c] = checked(text, extract(text))
    assert (c.surface, c.footnote, c.definition_zh) == ("四個走在前", 5, "在科技自立自強上走在前。")
    assert c.context == "全面落實“四個走在前”⑤重大任務。"


def test_numbered_footnote_lists_and_bracket_markers():
    text = (
        "全力做好“六稳”[1]工作、落实“六保”[2]任务。\n\n《政府工作报告》名词解释\n"
        "1.“六稳”：稳就业、稳金融、稳外贸、稳外资、稳投资、稳预期。\n"
        "2.“六保”：保居民就业、保基本民生。\n3.地区生产总值（GDP）：指本地区所有常住单位的最终成果。\n"
    )
    candidates = checked(text, extract(text))
    found = by_surface(candidates)
    assert found["六稳"].footnote == 1
    assert found["六稳"].definition_zh == "稳就业、稳金融、稳外贸、稳外资、稳投资、稳预期。"
    assert found["六稳"].context == "全力做好“六稳”[1]工作、落实“六保”[2]任务。"
    assert found["六保"].footnote == 2
    assert not [c for c in candidates if "地区生产总值" in c.surface]  # defined, but ordinary vocabulary


@pytest.mark.parametrize(
    "text", ["", "。", "①", "名词解释", "名词解释\n①：", "“”", "「」“", "\n\n\n", "一二三四五六", "a" * 1000, "\ud800"]
)
def test_degenerate_texts_give_well_formed_answers(text: str):
    checked(text, extract(text))


def test_the_view_keeps_length_markers_and_punctuation():
    text = "①“數據得地”，Ⅱ型大城市１２３"
    view = simplified_view(text)
    assert len(view) == len(text)
    assert view == "①“数据得地”，Ⅱ型大城市123"


def test_footnote_entries_without_a_heading_are_not_footnotes():
    text = "推行“数据得地”⑧改革。\n⑧“数据得地”：围绕企业成长进行量化评估。"
    assert footnote_terms(simplified_view(text)) == []


def test_draft_entry_of_a_footnoted_candidate():
    c = by_surface(rules_only())["数据得地"]
    draft = draft_entry(c, document="2024年昆山市政府工作报告", date="2024-01-08")
    assert draft["slug"] == "shu-ju-de-di"
    assert draft["hans"] == "数据得地"
    assert draft["pinyin"] == "shù jù dé dì"
    assert draft["status"] == "draft"
    assert draft["footnote"] == 8
    assert draft["definition"] == {"zh": FOOTNOTED["数据得地"].definition.zh, "basis": "footnote"}
    assert draft["sources"][0]["quote"] == c.context
    assert "⑧" in draft["sources"][0]["quote"]
    assert draft["aliases"] == []


def test_draft_entry_of_a_traditional_candidate_takes_the_simplified_headword():
    text = "構建“1+22+3”大安全工作體系。"
    [c] = [c for c in extract(text) if "quoted-name" in c.rules]
    draft = draft_entry(c)
    assert (draft["hans"], draft["slug"]) == ("“1+22+3”大安全工作体系", "1-22-3-da-an-quan-gong-zuo-ti-xi")
    assert draft["definition"] is None
    assert draft["aliases"] == []
    assert draft["kind"] == "programme"


def test_draft_entries_leave_out_known_terms_and_keep_slugs_unique():
    report = TEXT + "深入推进“三新并举”行动。"  # a coinage the seed lacks
    candidates = checked(report, extract(report, known_spans(report)))
    drafts = draft_entries(candidates, document="2024年昆山市政府工作报告", date="2024-01-08", min_score=0.6)
    headwords = [d["hans"] for d in drafts]
    assert "三新并举" in headwords
    assert "数据得地" not in headwords  # the glossary has it
    assert len({d["slug"] for d in drafts}) == len(drafts)
    assert all(d["status"] == "draft" and d["sources"][0]["quote"] in report for d in drafts)
    text = "推行“数据得地”改革，推行“数据得第”改革。"
    slugs = {d["hans"]: d["slug"] for d in draft_entries(extract(text))}
    assert (slugs["数据得地"], slugs["数据得第"]) == ("shu-ju-de-di", "shu-ju-de-di-2")


def test_the_pure_modules_import_no_web_or_database_framework():
    import subprocess
    import sys

    code = (
        "import sys, app.documents.extraction, app.documents.drafting; "
        "print(sorted(m for m in ('fastapi', 'starlette', 'sqlalchemy', 'sqlmodel') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
