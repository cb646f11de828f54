from hypothesis import given
from hypothesis import strategies as st

from app.core.normalize import FoldedText, fold


def test_full_width_digits_fold_to_ascii():
    assert fold("１＋２２＋３") == fold("1+22+3") == "1+22+3"


def test_roman_numeral_two_and_latin_ii_compare_equal():
    assert fold("Ⅱ型大城市") == fold("II型大城市") == fold("ii型大城市")


def test_inner_quotation_marks_do_not_count():
    assert fold("“1+22+3”大安全工作体系") == fold("1+22+3大安全工作体系")
    assert fold("優化營商環境「25條」") == fold("优化营商环境“25条”")


def test_traditional_taiwan_and_hong_kong_characters_fold_to_simplified():
    assert fold("數據得地") == "数据得地"
    assert fold("六服六進") == "六服六进"
    assert fold("崑山") == "昆山"
    assert fold("應急365綜合管理平台") == fold("应急365综合管理平台")


def test_mixed_scripts_inside_one_term():
    assert fold("数據得地") == fold("數据得地") == "数据得地"


def test_offsets_map_back_through_deleted_and_expanded_code_points():
    text = "在“1+22+3”大安全体系与Ⅱ型大城市"
    folded = FoldedText(text)
    start = folded.folded.index("1+22+3大安全")
    span = folded.span(start, start + len("1+22+3大安全"))
    assert span is not None
    assert text[span[0] : span[1]] == "1+22+3”大安全"
    start = folded.folded.index("ii型")
    span = folded.span(start, start + 3)
    assert span is not None
    assert text[span[0] : span[1]] == "Ⅱ型"


def test_a_match_cutting_through_an_expansion_has_no_span():
    folded = FoldedText("Ⅱ型")
    assert folded.folded == "ii型"
    assert folded.span(1, 3) is None


@given(st.text())
def test_every_folded_code_point_maps_inside_the_original(text: str):
    folded = FoldedText(text)
    for i in range(len(folded.folded)):
        span = folded.span(i, i + 1)
        if span is not None:
            assert 0 <= span[0] < span[1] <= len(text)
            assert fold(text[span[0] : span[1]]) == folded.folded[i]


def test_the_running_text_tables_fold_every_code_point_as_the_definition_does():
    from app.core.normalize import _LIMIT, _fold_lengths, _tables, fold_char

    table, irregular = _tables()
    lengths = _fold_lengths()
    for cp in range(_LIMIT):
        if 0xD800 <= cp < 0xE000:
            continue
        expected = fold_char(chr(cp))
        if irregular[cp]:
            assert len(expected) != 1, hex(cp)
            assert lengths[cp] == len(expected), hex(cp)
        else:
            assert chr(table[cp]) == expected, hex(cp)


def test_folded_text_and_fold_agree_on_report_text_in_every_script():
    import opencc

    from tests.conftest import REPORT

    if not REPORT.is_file():
        import pytest

        pytest.skip(f"the report is not at {REPORT}")
    text = REPORT.read_text(encoding="utf-8")[:20_000]
    for config in ("s2t", "s2twp", "s2hk"):
        converted = opencc.OpenCC(config).convert(text)
        assert FoldedText(converted).folded == fold(converted)


# FoldedText.spans and its helpers: the array forms must agree with the one-span definitions.

_IRREGULAR_TEXT = st.text(
    alphabet=st.sampled_from(list("“”‘’「」『』\"'＂＇«»〝〞〟ⅡⅢⅱﬁ㍿型大城市數據得地数据12a+ "))
    | st.characters(exclude_categories=["Cs"]),
    max_size=40,
)


@given(_IRREGULAR_TEXT)
def test_spans_agrees_with_span_on_every_folded_span(text: str):
    import numpy as np

    folded = FoldedText(text)
    length = len(folded.folded)
    pairs = [(i, j) for i in range(length) for j in range(i + 1, min(length, i + 8) + 1)]
    starts = np.array([i for i, _ in pairs], dtype=np.int64)
    ends = np.array([j for _, j in pairs], dtype=np.int64)
    first, last, ok = folded.spans(starts, ends)
    for k, (i, j) in enumerate(pairs):
        expected = folded.span(i, j)
        assert bool(ok[k]) == (expected is not None), (i, j)
        if expected is not None:
            assert (int(first[k]), int(last[k])) == expected, (i, j)


@given(_IRREGULAR_TEXT)
def test_folded_codes_deleted_and_unchanged_agree_with_the_text(text: str):
    import numpy as np

    from app.core.normalize import fold_char

    folded = FoldedText(text)
    assert "".join(map(chr, folded.folded_codes.tolist())) == folded.folded == fold(text)
    pairs = [(i, j) for i in range(len(text) + 1) for j in range(i, min(len(text), i + 8) + 1)]
    starts = np.array([i for i, _ in pairs], dtype=np.int64)
    ends = np.array([j for _, j in pairs], dtype=np.int64)
    deleted = folded.deleted_between(starts, ends)
    unchanged = folded.unchanged(starts, ends)
    for k, (i, j) in enumerate(pairs):
        assert deleted[k] == sum(fold_char(c) == "" for c in text[i:j])
        assert bool(unchanged[k]) == all(fold_char(c) == c for c in text[i:j]), (i, j)


def test_spans_of_a_text_with_nothing_irregular_are_the_folded_spans():
    import numpy as np

    folded = FoldedText("數據得地与数据得地")
    starts, ends = np.array([0, 5], dtype=np.int64), np.array([4, 9], dtype=np.int64)
    first, last, ok = folded.spans(starts, ends)
    assert first.tolist() == [0, 5]
    assert last.tolist() == [4, 9]
    assert ok.all()
    assert folded.unchanged(starts, ends).tolist() == [False, True]
