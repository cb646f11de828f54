from app.core.pinyin import headword_tokens, pinyin_problems, strip_tones, suggest


def test_tokens_keep_digit_runs_and_drop_quotation_marks():
    assert headword_tokens("“1+22+3”大安全工作体系")[:2] == ["1+22+3", "大"]
    assert headword_tokens("昆如意·会客厅") == list("昆如意会客厅")


def test_correct_pinyin_has_no_problems():
    assert pinyin_problems("六服六进", "liù fú liù jìn") == []
    assert pinyin_problems("“应急365”综合管理平台", "yìng jí 365 zōng hé guǎn lǐ píng tái") == []


def test_wrong_tone_wrong_count_and_wrong_digits_are_reported():
    assert pinyin_problems("六服六进", "liù fú liù jīn")
    assert pinyin_problems("六服六进", "liù fú liù")
    assert pinyin_problems("应急365", "yìng jí 366")


def test_a_polyphone_accepts_each_of_its_readings():
    assert pinyin_problems("长三角", "cháng sān jiǎo") == []
    assert pinyin_problems("市长", "shì zhǎng") == []


def test_tones_strip_to_input_method_spelling():
    assert strip_tones("lǜ") == "lv"
    assert strip_tones("Liù") == "liu"
    assert suggest("数据得地") == "shù jù dé dì"


def test_a_neutral_tone_is_admitted_after_the_first_syllable_only():
    assert pinyin_problems("妈妈岗", "mā ma gǎng") == []
    assert pinyin_problems("妈妈岗", "ma mā gǎng")


def test_serving_does_not_load_pypinyin() -> None:
    """pypinyin's dictionaries cost ~55 MB: the server imports them only when an entry's pinyin is checked."""
    import subprocess
    import sys

    code = "import sys, app.main; app.main.create_app(); print('pypinyin' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
