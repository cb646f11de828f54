from app.core.forms import lookup_keys, written_forms
from app.core.script import Script, available_configs, convert, to_script


def test_headword_traditional_forms_are_character_conversions_not_phrase_localisation():
    assert to_script("数据得地", Script.tw) == "數據得地"
    assert to_script("数据得地", Script.hk) == "數據得地"
    assert to_script("六服六进", Script.hant) == "六服六進"
    assert convert("数据得地", "s2twp") == "資料得地"  # what Taiwan phrase localisation would do


def test_hong_kong_keeps_its_own_character_variants():
    assert to_script("综合管理平台", Script.hk) == "綜合管理平台"
    assert to_script("综合管理平台", Script.tw) == "綜合管理平臺"


def test_the_installed_opencc_configs_are_all_offered():
    configs = available_configs()
    for config in ("s2t", "s2tw", "s2twp", "s2hk", "t2s", "tw2sp", "hk2s"):
        assert config in configs


def test_phrase_localised_forms_are_lookup_keys_of_the_headword():
    assert "資料得地" in written_forms("数据得地")
    assert "资料得地" in lookup_keys("数据得地")


def test_batched_lookup_keys_equal_one_by_one():
    """The batch path with a line break in a form (it cannot join forms by line breaks then)."""
    from app.core.forms import keyed_forms_many

    entries = [
        ("数据得地", ["数據得地"]),
        ("“1+22+3”大安全工作体系", []),
        ("项目攻坚年", ["项目\n年"]),
        ("昆山之链", []),
    ]
    assert [list(keys) for keys, _ in keyed_forms_many(entries)] == [lookup_keys(h, a) for h, a in entries]
