"""The pure term matcher over the seed glossary: every script, width and quoting, exact offsets."""

from __future__ import annotations

import functools
import itertools

import ahocorasick_rs
import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.forms import lookup_keys
from app.core.matcher import TermMatcher
from app.core.normalize import QUOTES, fold
from app.core.script import convert
from app.seeding import read_entries
from app.terms.schemas import TermFields
from tests.conftest import REPORT, SEEDS_DIR

ENTRIES: list[TermFields] = [e.fields for e in read_entries(SEEDS_DIR)[0] if e.fields is not None]
MATCHER = TermMatcher.from_terms((f.slug, f.hans, f.aliases) for f in ENTRIES)
BY_SLUG = {f.slug: f for f in ENTRIES}


def found(text: str) -> list[tuple[str, str]]:
    matches = MATCHER.find(text)
    for m in matches:
        assert text[m.start : m.end] == m.surface
    return [(m.surface, m.slug) for m in matches]


def test_report_passages_in_simplified_find_the_footnoted_terms_with_their_quotes():
    text = (
        "构建完善“1+22+3”大安全工作体系③，上线“应急365”综合管理平台④。"
        "推出优化营商环境“25条”，“昆如意”营商服务品牌持续擦亮。推行“数据得地”⑧、数字征信等改革举措。"
    )
    assert found(text) == [
        ("“1+22+3”大安全工作体系", "1-22-3-da-an-quan-gong-zuo-ti-xi"),
        ("“应急365”综合管理平台", "ying-ji-365-zong-he-guan-li-ping-tai"),
        ("优化营商环境“25条”", "you-hua-ying-shang-huan-jing-25-tiao"),
        ("昆如意", "kun-ru-yi"),
        ("数据得地", "shu-ju-de-di"),
        ("数字征信", "shu-zi-zheng-xin"),  # a seed term since the report was completed (issue 14)
    ]


@pytest.mark.parametrize("config", ["s2twp", "s2tw", "s2hk", "s2hkp", "s2t"])
def test_traditional_text_finds_the_same_terms_as_simplified(config: str):
    simplified = "大力开展项目攻坚年行动，推行“数据得地”改革，按照Ⅱ型大城市定性，昆山金改区，划分“精微网格”9153个。"
    traditional = convert(simplified, config)
    assert (
        [slug for _, slug in found(traditional)]
        == [slug for _, slug in found(simplified)]
        == [
            "xiang-mu-gong-jian-nian",
            "shu-ju-de-di",
            "ii-xing-da-cheng-shi",
            "kun-shan-jin-gai-qu",
            "jing-wei-wang-ge",
        ]
    )


def test_taiwan_phrase_localised_forms_are_found():
    text = opencc.OpenCC("s2twp").convert("大力开展项目攻坚年行动，推行数据得地，昆山金改区")
    assert found(text) == [
        ("專案攻堅年", "xiang-mu-gong-jian-nian"),
        ("資料得地", "shu-ju-de-di"),
        ("崑山金改區", "kun-shan-jin-gai-qu"),
    ]


def test_scripts_mixed_inside_one_term():
    assert found("推行數据得地與资料得地，新質生产力") == [
        ("數据得地", "shu-ju-de-di"),
        ("资料得地", "shu-ju-de-di"),
        ("新質生产力", "xin-zhi-sheng-chan-li"),
    ]


def test_full_width_and_roman_numeral_variants():
    assert found("构建１＋２２＋３大安全工作体系，Ⅱ型大城市与II型大城市与ⅱ型大城市，拨打１２３４５热线") == [
        ("１＋２２＋３大安全工作体系", "1-22-3-da-an-quan-gong-zuo-ti-xi"),
        ("Ⅱ型大城市", "ii-xing-da-cheng-shi"),
        ("II型大城市", "ii-xing-da-cheng-shi"),
        ("ⅱ型大城市", "ii-xing-da-cheng-shi"),
        ("１２３４５热线", "12345"),
    ]


def test_other_quote_styles_are_taken_into_the_surface_when_inside_the_term():
    assert found('構建「1+22+3」大安全工作體系，優化營商環境「25條」，"应急365"综合管理平台') == [
        ("「1+22+3」大安全工作體系", "1-22-3-da-an-quan-gong-zuo-ti-xi"),
        ("優化營商環境「25條」", "you-hua-ying-shang-huan-jing-25-tiao"),
        ('"应急365"综合管理平台', "ying-ji-365-zong-he-guan-li-ping-tai"),
    ]


def test_quotes_around_a_whole_term_stay_outside_its_surface():
    assert found("推行“数据得地”改革") == [("数据得地", "shu-ju-de-di")]


def test_every_alias_is_found_as_its_concept():
    for entry in ENTRIES:
        for alias in entry.aliases:
            matches = MATCHER.find(f"（{alias}）")
            assert [(m.surface, m.slug, m.pattern.form) for m in matches][:1] == [
                (alias, entry.slug, entry.aliases.index(alias) + 1)
            ], alias


def test_leftmost_longest_prefers_the_longer_term():
    assert found("昆如意·会客厅") == [("昆如意·会客厅", "kun-ru-yi-hui-ke-ting")]
    assert found("智改数转网联") == [("智改数转网联", "zhi-gai-shu-zhuan-wang-lian")]


def test_a_number_inside_a_longer_number_is_not_a_term():
    assert found("编号123456与012345") == []
    assert found("拨打12345。") == [("12345", "12345")]


def test_half_of_an_expanded_character_is_not_a_term():
    # Ⅲ folds to "iii": the "ii" of Ⅱ型 would cut through it.
    assert found("Ⅲ型大城市") == []


def test_empty_and_termless_text():
    assert found("") == []
    assert found("今天天气很好。") == []


def test_the_whole_report_slices_back_to_every_surface():
    text = REPORT.read_text(encoding="utf-8")
    matches = MATCHER.find(text)
    written_in_report = {f.slug for f in ENTRIES if f.hans in text}
    assert len(written_in_report) > 150
    assert written_in_report <= {m.slug for m in matches}
    for previous, current in itertools.pairwise(matches):
        assert previous.end <= current.start
    for m in matches:
        assert text[m.start : m.end] == m.surface
        assert fold(m.surface) in lookup_keys(BY_SLUG[m.slug].hans, BY_SLUG[m.slug].aliases)


# The property: any text, any script, terms embedded anywhere.

_KEY_CHARS = {c for f in ENTRIES for k in lookup_keys(f.hans, f.aliases) for c in k}
# Filler no key can use: CJK characters no term contains, and punctuation that is not a quotation mark.
_FILLER = [
    c
    for c in "的了在是我有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天"
    "而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长，。、；：！？（）·… \n"
    if fold(c) not in _KEY_CHARS and c not in QUOTES
]
_CHARACTER_CONFIGS = ["s2t", "s2tw", "s2hk"]
_PHRASE_CONFIGS = ["s2twp", "s2hkp"]


def _widen(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def written_term(draw: st.DrawFn) -> tuple[str, str]:
    """A glossary term as someone might write it: any form, script, mix of scripts, width and quote style."""
    entry = draw(st.sampled_from(ENTRIES))
    form = draw(st.sampled_from([entry.hans, *entry.aliases]))
    how = draw(st.sampled_from(["as-is", "mixed", "phrase", "wide", "corner-quotes", "no-quotes", "roman"]))
    if how == "mixed":
        variants = [form] + [v for v in (convert(form, c) for c in _CHARACTER_CONFIGS) if len(v) == len(form)]
        picks = draw(st.lists(st.sampled_from(variants), min_size=len(form), max_size=len(form)))
        form = "".join(v[i] for i, v in enumerate(picks))
    elif how == "phrase":
        form = convert(form, draw(st.sampled_from(_PHRASE_CONFIGS)))
    elif how == "wide":
        form = _widen(form)
    elif how == "corner-quotes":
        form = form.replace("“", "「").replace("”", "」")
    elif how == "no-quotes":
        form = form.replace("“", "").replace("”", "")
    elif how == "roman":
        form = form.replace("Ⅱ", draw(st.sampled_from(["II", "ⅱ", "ＩＩ"])))
    return form, entry.slug


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(
        st.tuples(st.text(st.sampled_from(_FILLER), min_size=1, max_size=6), written_term()), min_size=1, max_size=6
    ),
    tail=st.text(st.sampled_from(_FILLER), max_size=6),
)
def test_property_embedded_terms_are_found_at_their_exact_offsets(pieces: list[tuple[str, tuple[str, str]]], tail: str):
    text = ""
    expected = []
    for filler, (term, slug) in pieces:
        text += filler
        expected.append((len(text), len(text) + len(term), slug))
        text += term
    text += tail
    matches = MATCHER.find(text)
    assert [(m.start, m.end, m.slug) for m in matches] == expected
    assert all(text[m.start : m.end] == m.surface for m in matches)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60), written_term())
def test_property_any_text_slices_back_to_every_surface(noise: str, term: tuple[str, str]):
    text = noise[: len(noise) // 2] + term[0] + noise[len(noise) // 2 :]
    matches = MATCHER.find(text)
    for previous, current in itertools.pairwise(matches):
        assert previous.end <= current.start
    for m in matches:
        assert text[m.start : m.end] == m.surface
        assert fold(m.surface) in lookup_keys(BY_SLUG[m.slug].hans, BY_SLUG[m.slug].aliases)


# `TermMatcher.scan` applies the rules to arrays; this is the same rules one match at a time, as they are
# defined (the automaton's raw matches, then FoldedText.span, the glued-digit rule and the quote rule in order).


@functools.cache
def _reference_automaton(keys: tuple[str, ...]) -> ahocorasick_rs.AhoCorasick:
    return ahocorasick_rs.AhoCorasick(keys, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)


def _one_by_one(matcher: TermMatcher, text: str) -> list[tuple[int, int, str, int, bool]]:
    from app.core.matcher import _ASCII_ALNUM, _CLOSERS, _PAIRS, _take_in_quotes
    from app.core.normalize import FoldedText

    folded = FoldedText(text)
    out: list[tuple[int, int, str, int, bool]] = []
    last_end = 0
    # The reference scans the folded characters (UTF-8) with the same keys: the matcher's own automaton runs
    # over two bytes a character, and must find exactly the same.
    reference = _reference_automaton(tuple(matcher.keys))
    for index, fstart, fend in reference.find_matches_as_indexes(folded.folded):
        key = folded.folded[fstart:fend]
        if key[0] in _ASCII_ALNUM and fstart > 0 and folded.folded[fstart - 1] in _ASCII_ALNUM:
            continue
        if key[-1] in _ASCII_ALNUM and fend < len(folded.folded) and folded.folded[fend] in _ASCII_ALNUM:
            continue
        span = folded.span(fstart, fend)
        if span is None:
            continue
        start, end = span
        if (start > last_end and text[start - 1] in _PAIRS) or (end < len(text) and text[end] in _CLOSERS):
            start, end = _take_in_quotes(text, start, end, last_end)
        pattern = matcher._patterns[index]
        out.append((start, end, pattern.slug, pattern.form, pattern.localised))
        last_end = end
    return out


_TRICKY = st.text(st.sampled_from(list("“”‘’「」『』\"'＂«»ⅡⅢ1234567890aI+型的，。 ")), max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(written_term().map(lambda t: t[0]), _TRICKY, st.text(max_size=3)), max_size=10))
def test_property_scan_applies_the_rules_as_one_match_at_a_time_does(parts: list[str]):
    text = "".join(parts)
    scan = MATCHER.scan(text)
    assert [(s, e, p.slug, p.form, p.localised) for s, e, p in scan.spans()] == _one_by_one(MATCHER, text)
    group, members = scan.groups()
    for i, (start, end, _pattern) in enumerate(scan.spans()):
        assert members[group[i]] == (text[start:end], int(scan.which[i]))


def test_scan_of_the_report_in_every_script_agrees_with_one_match_at_a_time():
    text = REPORT.read_text(encoding="utf-8")
    for written in (text, *(opencc.OpenCC(c).convert(text) for c in ("s2twp", "s2hk"))):
        scan = MATCHER.scan(written)
        spans = scan.spans()
        assert [(s, e, p.slug, p.form, p.localised) for s, e, p in spans] == _one_by_one(MATCHER, written)
        group, members = scan.groups()
        assert [members[g] for g in group.tolist()] == [
            (written[s:e], w) for (s, e, _), w in zip(spans, scan.which.tolist(), strict=True)
        ]


def test_the_two_byte_automaton_matches_exactly_what_one_over_characters_does():
    """Keys are scanned as two bytes a character; characters the keys never use (emoji, CJK extension B,
    anything above the largest key character) become one reserved pair that no key holds."""
    from app.core.matcher import Pattern

    keys = ["数据得地", "数据", "得地改革", "𠀀字", "1+22+3", "ab", "b数"]
    matcher = TermMatcher({k: Pattern(f"s{i}", 0, False) for i, k in enumerate(keys)})
    assert matcher._units is not None
    text = "ab数据得地改革😀𠀀字𠀁数据1+22+3ab数据得地😀得地改革b数" * 3
    assert [(s, e, p.slug) for s, e, p in matcher.spans(text)] == [
        (s, e, slug) for s, e, slug, _f, _l in _one_by_one(matcher, text)
    ]
    surfaces = {text[s:e] for s, e, _p in matcher.spans(text)}
    assert {"数据得地", "得地改革", "𠀀字"} <= surfaces
    assert not any("😀" in surface or "𠀁" in surface for surface in surfaces)


def test_keys_with_more_characters_than_two_byte_units_fall_back_to_characters():
    from app.core.matcher import _MAX_UNITS, Pattern
    from app.core.normalize import fold

    plain = [c for c in map(chr, [*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)]) if fold(c) == c]
    keys = [plain[i] + plain[i + 1] for i in range(0, len(plain) - 1, 2)]
    assert len(plain) > _MAX_UNITS
    matcher = TermMatcher({k: Pattern(f"s{i}", 0, False) for i, k in enumerate(keys)})
    assert matcher._units is None
    text = "".join(keys[::997]) + "，" + keys[-1]
    assert [(s, e, p.slug) for s, e, p in matcher.spans(text)] == [
        (s, e, slug) for s, e, slug, _f, _l in _one_by_one(matcher, text)
    ]
    assert len(matcher.spans(text)) == len(keys[::997]) + 1
