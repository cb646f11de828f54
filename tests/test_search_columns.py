"""Columns: the vectorised find is the `str.find` walk it replaces."""

import pytest

from app.search.engine.columns import Column

TEXTS = ["shujudedi", "sjdd", "dedidedi", "liufuliujin", "数据得地", "得地数据", "g60kechuangzoulang", "d", ""]


@pytest.mark.parametrize("q", ["de", "dedi", "d", "s", "数据", "得地", "地", "kczl", "zoulang", "shujudedix", "𠀀"])
def test_find_all_finds_what_occurrences_finds(q: str):
    column = Column(TEXTS, list(range(len(TEXTS))), [0] * len(TEXTS)).with_codes()
    rows, prefix = column.find_all(q)
    assert sorted(zip(rows.tolist(), prefix.tolist(), strict=True)) == sorted(column.occurrences(q))


def test_added_rows_are_found_apart_from_the_built_ones():
    column = Column(TEXTS[:3], [0, 1, 2], [0, 0, 0]).with_codes()
    column.append(3, 0, "dedi")
    assert list(column.added_occurrences("di")) == [(3, False)]
    assert list(column.added_occurrences("de")) == [(3, True)]
    assert 3 not in column.find_all("de")[0].tolist()


@pytest.mark.parametrize("copies", [1, 1200])  # a rare key (str.find) and a common one (a NumPy pass)
@pytest.mark.parametrize("q", ["de", "dedi", "d", "kczl", "zoulang", "数"])
def test_an_ascii_column_finds_rare_and_common_keys_alike(q: str, copies: int):
    texts = [t for t in TEXTS if t.isascii()] * copies
    column = Column(texts, list(range(len(texts))), [0] * len(texts)).with_codes()
    rows, prefix = column.find_all(q)
    assert sorted(zip(rows.tolist(), prefix.tolist(), strict=True)) == sorted(column.occurrences(q))
