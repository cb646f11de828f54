"""The extraction benchmark's labelled excerpts: every label verbatim in its text, every source named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parent.parent / "bench" / "extract_data"
EXCERPTS = sorted(DATA.glob("*.txt"))


def test_there_are_excerpts_of_several_reports():
    titles = {
        yaml.safe_load(p.with_suffix(".labels.yaml").read_text(encoding="utf-8"))["source"]["title"] for p in EXCERPTS
    }
    assert len(EXCERPTS) >= 5
    assert len({t.split("政府")[0][-4:] for t in titles}) >= 4  # Chaozhou, Chengdu, Hanbin, Hannan, Zhangwan


@pytest.mark.parametrize("path", EXCERPTS, ids=[p.stem for p in EXCERPTS])
def test_labels_are_verbatim_and_the_source_is_named(path: Path):
    text = path.read_text(encoding="utf-8")
    meta = yaml.safe_load(path.with_suffix(".labels.yaml").read_text(encoding="utf-8"))
    source = meta["source"]
    for field in ("title", "place", "year", "url", "found"):
        assert source.get(field), field
    assert str(source["url"]).startswith("http")
    assert "昆山" not in text  # other reports than the one the extractor was written against
    terms = meta["terms"]
    assert terms
    for item in terms:
        assert item["scope"] in ("local", "national")
        for form in [item["term"], *item.get("also", [])]:
            assert form in text, form
    assert len({item["term"] for item in terms}) == len(terms)
