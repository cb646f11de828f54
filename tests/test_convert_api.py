import numpy as np
import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.convert.protect import _cut, convert_replacing
from app.convert.routes import SCAN_ON_LOOP_CHARS
from app.core.script import Script, available_configs, convert, line_slices, to_script
from tests.appclient import AppClient
from tests.conftest import REPORT
from tests.test_annotate_matcher import BY_SLUG, MATCHER

SCRIPT = {"s2twp": Script.tw, "s2hkp": Script.hk, "s2t": Script.hant}

TEXT = "围绕“马上办”“六服六进”等重点任务，推行“数据得地”、数字征信等改革举措。"


@pytest.mark.parametrize("config", available_configs())
def test_every_installed_config_converts(client: AppClient, config: str):
    response = client.post("/v1/convert", json={"text": TEXT, "config": config, "protect_terms": False})
    assert response.status_code == 200
    assert response.json()["config"] == config


def test_s2tw_converts_characters(client: AppClient):
    out = client.post("/v1/convert", json={"text": "数据得地", "config": "s2tw"}).json()
    assert out == {"text": "數據得地", "config": "s2tw"}


def test_unknown_config_is_422_listing_the_valid_ones(client: AppClient):
    response = client.post("/v1/convert", json={"text": TEXT, "config": "s2klingon"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "s2klingon" in detail
    assert "s2twp" in detail
    assert "hk2s" in detail


# Term protection (protect_terms, on by default).

REPORT_TEXT = REPORT.read_text(encoding="utf-8")
SENTENCE = "大力开展项目攻坚年行动，推行“数据得地”改革，昆山的项目数据全部上云。"


def converted(client: AppClient, text: str, config: str, protect: bool = True) -> str:
    response = client.post("/v1/convert", json={"text": text, "config": config, "protect_terms": protect})
    assert response.status_code == 200, response.text
    return str(response.json()["text"])


def test_s2twp_keeps_terms_character_level_and_localises_the_rest(client: AppClient):
    expected = "大力開展項目攻堅年行動，推行“數據得地”改革，崑山的專案資料全部上雲。"
    assert converted(client, SENTENCE, "s2twp") == expected
    assert converted(client, SENTENCE, "s2twp", protect=False) == opencc.OpenCC("s2twp").convert(SENTENCE)
    assert "資料得地" in converted(client, SENTENCE, "s2twp", protect=False)


@pytest.mark.parametrize("config", ["s2hk", "s2hkp"])
def test_hong_kong_configs_keep_the_headword_form(client: AppClient, config: str):
    out = converted(client, "构建“1+22+3”大安全工作体系，推行数据得地", config)
    assert out == to_script("构建“1+22+3”大安全工作体系，推行数据得地", Script.hk)


def test_reverse_configs_give_terms_back_their_simplified_headword(client: AppClient):
    taiwan = "大力開展專案攻堅年行動，推行「資料得地」改革，崑山的專案資料全部上雲。"
    expected = "大力开展项目攻坚年行动，推行「数据得地」改革，昆山的项目数据全部上云。"
    assert converted(client, taiwan, "tw2sp") == expected
    assert converted(client, "推行數據得地改革", "hk2s") == "推行数据得地改革"


def test_an_alias_stays_the_alias(client: AppClient):
    assert converted(client, "推进精网微格建设", "s2twp") == "推進精網微格建設"


def test_the_writers_quotes_and_width_stay_as_written(client: AppClient):
    assert converted(client, "构建１＋２２＋３大安全工作体系", "s2twp") == "構建１＋２２＋３大安全工作體系"
    assert converted(client, "優化營商環境「25條」", "tw2sp") == "优化营商环境「25条」"


@pytest.mark.parametrize("config", available_configs())
@pytest.mark.parametrize("lines", [1, 300], ids=["short", "long"])  # 300 lines: over INLINE_CHARS
def test_text_without_terms_converts_exactly_as_opencc(client: AppClient, config: str, lines: int):
    text = "软件和数据库的项目管理，鼠标与信息，乾隆皇帝的头发\n" * lines
    assert converted(client, text, config) == opencc.OpenCC(config).convert(text)


@pytest.mark.parametrize(
    ("config", "source"), [("s2twp", "hans"), ("s2hkp", "hans"), ("s2t", "hans"), ("tw2sp", "s2twp"), ("hk2s", "s2hk")]
)
def test_whole_report_differs_from_opencc_only_inside_terms(client: AppClient, config: str, source: str):
    text = REPORT_TEXT if source == "hans" else opencc.OpenCC(source).convert(REPORT_TEXT)
    matches = MATCHER.find(text)
    raw = opencc.OpenCC(config).convert
    pieces, protected, pos = [], [], 0
    for m in matches:
        between = raw(text[pos : m.start])
        pieces += [between, raw(m.surface)]
        if config.startswith("s2"):  # the Simplified report has no phrase-localised surface
            form = to_script(m.surface, SCRIPT[config])
        elif m.pattern.localised:  # 資料得地 → the Simplified form itself
            entry = BY_SLUG[m.slug]
            form = [entry.hans, *entry.aliases][m.pattern.form]
        else:  # the config without its phrase localisation (tw2sp → tw2s)
            form = opencc.OpenCC(config.removesuffix("p")).convert(m.surface)
        protected += [between, form]
        pos = m.end
    pieces.append(raw(text[pos:]))
    protected.append(raw(text[pos:]))
    # OpenCC segments the text the same way whether or not it is cut at the terms, so protection changes
    # nothing outside them:
    assert "".join(pieces) == raw(text)
    assert converted(client, text, config) == "".join(protected)


def test_protect_terms_false_is_exactly_opencc_on_the_report(client: AppClient):
    assert converted(client, REPORT_TEXT, "s2twp", protect=False) == opencc.OpenCC("s2twp").convert(REPORT_TEXT)


# The cut-and-convert step itself (app/convert/protect.py).


@given(st.text(alphabet="数据得地改革“”\ue000a1", max_size=30), st.data())
def test_cut_puts_the_placeholder_in_place_of_each_span(text: str, data: st.DataObject):
    bounds = sorted(data.draw(st.sets(st.integers(0, len(text)), max_size=8)))
    spans = list(zip(bounds[::2], bounds[1::2], strict=False))  # non-empty, non-overlapping, in order
    starts, ends = [s for s, _ in spans], [e for _, e in spans]
    pieces = [text[a:b] for a, b in zip([0, *ends], [*starts, len(text)], strict=True)]
    assert _cut(text, np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), "\ue001") == (
        "\ue001".join(pieces)
    )


def test_convert_replacing_when_the_text_uses_every_private_use_character():
    text = "推行数据得地改革，数据全部上云"
    expected = convert("推行", "s2twp") + "數據得地" + convert("改革，数据全部上云", "s2twp")
    assert convert_replacing(text, "s2twp", np.array([2]), np.array([6]), ["數據得地"]) == expected
    crowded = text + "".join(map(chr, range(0xE000, 0xF900)))  # no character is left to stand for the terms
    assert convert_replacing(crowded, "s2twp", [2], [6], ["數據得地"]) == expected + crowded[len(text) :]


@given(st.text(alphabet="数据得地\n“”a", max_size=60), st.integers(1, 12))
def test_line_slices_cover_the_text_and_end_at_line_breaks(text: str, size: int):
    slices = line_slices(text, size)
    assert [s for s, _ in slices] == [0, *(e for _, e in slices[:-1])]
    assert slices[-1][1] == len(text)
    assert all(text[end - 1] == "\n" for _, end in slices[:-1])
    # A slice runs past `size` only when no line break lets it stop earlier.
    assert all(end - start <= size or "\n" not in text[start : start + size] for start, end in slices[:-1])


@pytest.mark.parametrize("config", ["s2twp", "s2hk", "tw2sp"])
def test_opencc_converts_a_text_slice_by_slice_as_in_one_go(config: str):
    raw = opencc.OpenCC(config).convert
    text = REPORT_TEXT if config.startswith("s2") else opencc.OpenCC("s2twp").convert(REPORT_TEXT)
    assert "".join(raw(text[s:e]) for s, e in line_slices(text, 500)) == raw(text)


@pytest.mark.parametrize("protect", [True, False])
def test_a_text_long_enough_to_be_scanned_in_the_thread_pool_converts_as_the_report_does(
    client: AppClient, protect: bool
):
    # The report ends with a line break, so five copies convert as five times one copy; the five are longer
    # than SCAN_ON_LOOP_CHARS, the one is not.
    assert REPORT_TEXT.endswith("\n")
    assert len(REPORT_TEXT) * 5 > SCAN_ON_LOOP_CHARS > len(REPORT_TEXT)
    one = converted(client, REPORT_TEXT, "s2twp", protect)
    assert converted(client, REPORT_TEXT * 5, "s2twp", protect) == one * 5


def test_a_long_text_using_every_private_use_character_is_converted_piece_by_piece(client: AppClient):
    every = "".join(map(chr, range(0xE000, 0xF900)))  # OpenCC passes them through
    expected = converted(client, SENTENCE, "s2twp") + every + "\n" + converted(client, REPORT_TEXT, "s2twp")
    assert converted(client, SENTENCE + every + "\n" + REPORT_TEXT, "s2twp") == expected
