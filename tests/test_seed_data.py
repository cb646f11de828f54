"""The seed glossary against its source: footnotes verbatim, quotes verbatim, formulas complete; and the checker."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from app.seeding import check, read_entries, stated_count
from tests.conftest import REPORT, SEEDS_DIR, SOURCES_DIR

needs_report = pytest.mark.skipif(
    not REPORT.is_file(), reason=f"the source report is not at {REPORT} (CI always has ../shared/sources)"
)
MARKERS = "①②③④⑤⑥⑦⑧⑨⑩⑪"


def _footnotes() -> dict[int, str]:
    """Footnote number → its explanation, as the report's 名词解释 section writes it."""
    text = REPORT.read_text(encoding="utf-8")
    section = text[text.index("名 词 解 释") :]
    notes = {}
    for line in section.splitlines():
        if line and line[0] in MARKERS:
            notes[MARKERS.index(line[0]) + 1] = line.split("：", 1)[1]
    return notes


def _footnoted() -> dict[str, dict]:  # type: ignore[type-arg]
    entries, _report = read_entries(SEEDS_DIR)
    return {e.data["hans"]: e.data for e in entries if e.data.get("footnote") is not None}


def test_the_twelve_footnoted_terms_are_all_there():
    footnoted = _footnoted()
    assert sorted(d["footnote"] for d in footnoted.values()) == [1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11]
    assert {h for h, d in footnoted.items() if d["footnote"] == 5} == {"四个走在前", "四个新"}


@needs_report
def test_each_footnoted_definition_is_the_footnote_verbatim():
    notes = _footnotes()
    for hans, data in _footnoted().items():
        note = notes[data["footnote"]]
        if data["footnote"] == 5:  # ⑤ defines two terms: each gets its own half
            first, second = note.split("；")
            note = first if hans == "四个走在前" else second
        assert data["definition"]["zh"] == note, hans
        assert data["definition"]["basis"] == "footnote"


@needs_report
def test_each_footnoted_term_quotes_the_report_sentence_carrying_its_marker():
    text = REPORT.read_text(encoding="utf-8")
    sentences = set(re.findall(r"[^。！？\n]*[。！？]", text))
    for hans, data in _footnoted().items():
        marker = MARKERS[data["footnote"] - 1]
        carrying = [s["quote"] for s in data["sources"] if marker in s["quote"] and s["section"] != "名词解释"]
        assert carrying, f"{hans}: no source quote carries {marker}"
        assert carrying[0] in sentences, f"{hans}: the quote is not one whole sentence of the report"


def test_numbered_formulas_list_every_part():
    expected = {
        "五大行动": 5,
        "三大工程": 3,
        "四个走在前": 4,
        "四个新": 4,
        "六服六进": 6,
        "五百行动": 5,
        "六个不发生": 6,
    }
    footnoted = _footnoted()
    for hans, count in expected.items():
        components = footnoted[hans]["components"]
        assert len(components) == count, hans
        assert all(c["hans"] and c["en"] for c in components)
    assert len(footnoted["“1+22+3”大安全工作体系"]["components"]) == 3


def test_headwords_state_their_count():
    assert stated_count("五大行动") == 5
    assert stated_count("六服六进") == 6
    assert stated_count("稳外贸7条") == 7
    assert stated_count("优化营商环境“25条”") == 25
    assert stated_count("数据得地") is None


@needs_report
def test_glossary_seeds_check_passes_on_the_seed():
    result = CliRunner().invoke(cli, ["seeds", "check", "--source", str(SOURCES_DIR)])
    assert result.exit_code == 0, result.output
    assert "208 entries, no problems" in result.output or "no problems" in result.output


@needs_report
def test_the_checker_reports_every_problem_with_its_entry_and_field(tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    path = seeds / "terms" / "liu-fu-liu-jin.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sources"][0]["quote"] = "这句话不在报告里。"
    data["related"] = ["no-such-slug"]
    data["pinyin"] = "liù fú liù"
    data["components"] = data["components"][:5]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    other = seeds / "terms" / "shu-ju-de-di.yaml"
    data = yaml.safe_load(other.read_text(encoding="utf-8"))
    data["en"] = ""
    other.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    third = seeds / "terms" / "ii-xing-da-cheng-shi.yaml"
    data = yaml.safe_load(third.read_text(encoding="utf-8"))
    data["aliases"] = ["六服六進"]  # another concept's headword, in Traditional
    third.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    report = check(seeds, SOURCES_DIR)
    found = {(p.entry, p.field.split(".")[0]) for p in report.problems}
    assert ("liu-fu-liu-jin.yaml", "sources") in found
    assert ("liu-fu-liu-jin.yaml", "related") in found
    assert ("liu-fu-liu-jin.yaml", "pinyin") in found
    assert ("liu-fu-liu-jin.yaml", "components") in found
    assert ("shu-ju-de-di.yaml", "en") in found
    assert ("ii-xing-da-cheng-shi.yaml", "hans/aliases/hant") in found
    result = CliRunner().invoke(cli, ["seeds", "check", str(seeds), "--source", str(SOURCES_DIR)])
    assert result.exit_code == 1
    assert "problems in" in result.output
