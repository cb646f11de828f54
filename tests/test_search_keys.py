"""The search keys and their vectorised twins: every bulk computation equals its one-text definition."""

import pytest

from app.search.engine.keys import (
    form_key,
    initials_key,
    initials_of_toneless,
    pinyin_key,
    pinyin_of_toneless,
    within_one_edit,
    words,
)
from app.search.engine.vectorised import form_keys, initials_of_toneless_many, pinyin_of_toneless_many, word_strings


@pytest.mark.parametrize("typed", ["shù jù dé dì", "shu4 ju4 de2 di4", "Shuju Dedi", "shujudedi", "SHU JU DE DI"])
def test_every_spelling_of_pinyin_has_one_key(typed: str):
    assert pinyin_key(typed) == "shujudedi"


@pytest.mark.parametrize("typed", ["lǜ sè", "lü se", "lu:se", "lv4 se4"])
def test_u_umlaut_is_v_however_typed(typed: str):
    assert pinyin_key(typed) == "lvse"


def test_digits_of_a_headword_are_not_tone_numbers():
    assert pinyin_key("1+22+3 dà ān quán") == "1223daanquan"
    assert pinyin_key("cháng sān jiǎo G60") == "changsanjiaog60"


def test_initials_keep_numbers_whole():
    assert initials_key("liù fú liù jìn") == "lflj"
    assert initials_key("1+22+3 dà ān quán gōng zuò tǐ xì") == "1223daqgztx"


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("lflj", "lfjl", True),  # neighbours swapped
        ("lflj", "lflx", True),  # one substituted
        ("lflj", "lfj", True),  # one deleted
        ("data", "dta", True),
        ("lflj", "jlfl", False),
        ("abcd", "badc", False),  # two swaps
        ("", "a", True),
        ("ab", "abcd", False),
    ],
)
def test_one_edit_means_one(a: str, b: str, near: bool):
    assert within_one_edit(a, b) is near
    assert within_one_edit(b, a) is near


def test_bulk_keys_equal_keys_one_by_one():
    toneless = ["lv4 se4", "g60 cheng", "1+22+3 da an", "a'b c", "  x  y ", "", "ab12 c", "12ab", "u:e", "shu4ju4"]
    toneless += ["5g", "a5 b6", "x\ty\x1cz", "abc-def", "'", "a1b2", "lü", "ǜ"]
    toneless *= 6  # past the bulk threshold; "lü" and "ǜ" are not ASCII and go one by one
    assert pinyin_of_toneless_many(toneless) == [pinyin_of_toneless(t) for t in toneless]
    assert initials_of_toneless_many(toneless) == [initials_of_toneless(t) for t in toneless]
    english = ["Data-Based Land Allocation", " -Data--Based- ", "Ⅱ型 City don't", "don't", "", "x\x00y", "C++ & C#"]
    english *= 10
    assert word_strings(english) == [" ".join(words(t)) for t in english]
    forms = [
        "Ⅱ型大城市",
        "“应急365”  综合管理平台",
        "１＋２２＋３大安全",
        "℃ 温度",
        "a\u3000b",
        "數據得地",
        "",
        "ß",
    ] * 10
    assert form_keys(forms) == [form_key(t) for t in forms]


def test_the_chinese_part_of_a_headword_has_its_own_pinyin():
    from app.search.engine.keys import chinese_part_pinyin

    assert (
        chinese_part_pinyin("“1+22+3”大安全工作体系", "1+22+3 dà ān quán gōng zuò tǐ xì") == "dà ān quán gōng zuò tǐ xì"
    )
    assert chinese_part_pinyin("Ⅱ型大城市", "Ⅱ xíng dà chéng shì") == "xíng dà chéng shì"
    assert chinese_part_pinyin("长三角G60科创走廊", "cháng sān jiǎo G60 kē chuàng zǒu láng") == (
        "cháng sān jiǎo kē chuàng zǒu láng"
    )
    assert chinese_part_pinyin("数据得地", "shù jù dé dì") is None  # Han characters only: the pinyin is it
    assert chinese_part_pinyin("12345", "12345") is None  # no Chinese part
    assert chinese_part_pinyin("Ⅱ型大城市", "xíng dà chéng shì") is None  # does not spell it token by token


def test_an_alias_is_spelled_from_the_headwords_readings():
    from app.search.engine.keys import alias_pinyin

    assert alias_pinyin("精微网格", "jīng wēi wǎng gé", "精网微格") == "jīng wǎng wēi gé"
    assert alias_pinyin("昆山金改区", "kūn shān jīn gǎi qū", "金改区") == "jīn gǎi qū"
    assert alias_pinyin("12345", "12345", "12345热线") is None  # 热线: characters the headword does not have
    assert alias_pinyin("长三角G60科创走廊", "cháng sān jiǎo G60 kē chuàng zǒu láng", "g60科创走廊") == (
        "G60 kē chuàng zǒu láng"  # as the headword spells it
    )


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("pursue", "pursu"),
        ("pursuing", "pursu"),
        ("pursued", "pursu"),
        ("belts", "belt"),
        ("belt", "belt"),
        ("is", None),
    ],
)
def test_a_word_and_its_inflections_share_a_stem(word: str, stem: str | None):
    from app.search.engine.keys import word_stem

    assert word_stem(word) == stem
