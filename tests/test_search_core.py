"""The pure search core and its place in the glossary snapshot: keys, typo bounds, ranking, incremental edits."""

import datetime as dt

from app.search.engine import Entry, SearchIndex, form_key
from app.search.engine.vectorised import CHUNK
from app.search.index import TermSearch, entries
from app.terms.glossary import Glossary
from app.terms.schemas import Definition, Kind, TermRecord
from app.terms.stored import prepare


def _entry(slug: str, hans: str, pinyin: str, en: str, **more: object) -> Entry:
    return Entry(slug=slug, hans=hans, forms=(), pinyin=pinyin, en=en, **more)  # type: ignore[arg-type]


SIX = _entry("liu-fu-liu-jin", "六服六进", "liù fú liù jìn", "Six Services in Six Places", footnote=7, kind="programme")
DATA = _entry("shu-ju-de-di", "数据得地", "shù jù dé dì", "Data-Based Land Allocation", footnote=8, kind="programme")
GREEN = _entry("lv-se", "绿色", "lǜ sè", "Green", kind="concept")


def test_an_edit_is_searchable_at_once_and_a_removal_is_gone_at_once():
    index = SearchIndex([SIX])
    assert index.search("sjdd") == []
    index.add([DATA])
    assert [h.slug for h in index.search("sjdd")] == ["shu-ju-de-di"]
    assert [h.slug for h in index.search("dta for land")] == ["shu-ju-de-di"]  # the fuzzy tables too
    assert [h.slug for h in index.search("数据得")] == ["shu-ju-de-di"]
    index.remove(["shu-ju-de-di"])
    for q in ["sjdd", "数据得地", "data", "shujudedi", "shujudedu"]:
        assert index.search(q) == [], q


def test_replacing_an_entry_drops_its_old_forms():
    index = SearchIndex([DATA])
    renamed = _entry("shu-ju-de-di", "数据供地", "shù jù gōng dì", "Land by Data")
    index.update([renamed], ())
    assert [h.matched for h in index.search("数据得地")] == ["hans:fuzzy"]  # only a typo away now
    assert index.search("Allocation") == []
    assert [(h.slug, h.matched) for h in index.search("数据供地")] == [("shu-ju-de-di", "hans")]
    assert len(index) == 1


def test_many_removals_rebuild_the_tables_and_keep_the_rest():
    many = [_entry(f"t-{i}", f"测试词{i}", "cè shì cí", f"Test {i}") for i in range(1500)]
    index = SearchIndex([SIX, *many])
    index.remove([e.slug for e in many])
    assert len(index) == 1
    assert [h.slug for h in index.search("lflj")] == ["liu-fu-liu-jin"]
    assert index.search("测试词") == []


def test_equal_scores_keep_the_glossary_order():
    twins = [_entry(slug, hans, "cè shì", "Test") for slug, hans in [("b", "测试乙"), ("a", "测试甲"), ("c", "测试丙")]]
    footnoted = _entry("z", "测试丁", "cè shì", "Test", footnote=3)
    index = SearchIndex([*twins, footnoted])
    assert [h.slug for h in index.search("测试")] == ["z", "a", "b", "c"]


def test_filters_and_limit():
    index = SearchIndex([SIX, DATA, GREEN])
    # English is ranked by overlap, not every word required: the terms holding at least half the words, by how
    # many, then by how much of their rendering the query covers.
    assert [h.slug for h in index.search("data land green", limit=5)] == ["shu-ju-de-di"]
    assert [h.slug for h in index.search("green land", limit=5)] == ["lv-se", "shu-ju-de-di"]
    assert {h.slug for h in index.search("六", kind="programme")} == {"liu-fu-liu-jin"}
    assert {h.slug for h in index.search("lvse", footnoted=False)} == {"lv-se"}
    assert index.search("lvse", footnoted=True) == []
    assert [h.slug for h in index.search("lüse")] == ["lv-se"]
    assert [h.slug for h in index.search("luse")] == ["lv-se"]  # ü typed as u


def _record(slug: str, hans: str, pinyin: str, en: str, aliases: list[str] | None = None) -> TermRecord:
    now = dt.datetime(2024, 1, 8, tzinfo=dt.UTC)
    return TermRecord(
        slug=slug,
        hans=hans,
        pinyin=pinyin,
        en=en,
        aliases=aliases or [],
        definition=Definition(zh="报告中的一个词。", en="A term of the report."),
        kind=Kind.concept,
        version=1,
        created_at=now,
        updated_at=now,
    )


def test_the_glossary_keeps_search_in_step_with_its_edits():
    glossary = Glossary([TermSearch()])
    glossary.apply([_record("shu-ju-de-di", "数据得地", "shù jù dé dì", "Data-Based Land Allocation")], [], 1)
    search = glossary.index(TermSearch)
    assert [h.matched for h in search.search("資料得地")] == ["hant"]
    glossary.apply([_record("jing-wei-wang-ge", "精微网格", "jīng wēi wǎng gé", "Fine Grid", ["精网微格"])], [], 2)
    assert [(h.slug, h.matched) for h in search.search("精網微格")] == [("jing-wei-wang-ge", "alias")]
    glossary.apply([], ["shu-ju-de-di"], 3)
    assert search.search("数据得地") == []


def test_forms_converted_in_one_batch_equal_forms_converted_one_by_one():
    from app.core.forms import written_forms

    records = [
        _record("shu-ju-de-di", "数据得地", "shù jù dé dì", "x"),
        _record("ying-ji", "“应急365”综合管理平台", "yìng jí 365 zōng hé guǎn lǐ píng tái", "x", ["应急365"]),
        _record("ruan-jian", "软件信息服务", "ruǎn jiàn xìn xī fú wù", "x"),
    ]
    for record, entry in zip(records, entries(prepare(records)), strict=True):
        batch = {form_key(text) for text, field in entry.forms} | {form_key(entry.hans)}
        alone = set().union(*(written_forms(f) for f in [record.hans, *record.aliases]))
        assert batch == {form_key(f) for f in alone}


def test_a_bulk_build_and_one_by_one_edits_answer_alike():
    grid = _entry("jing-wei-wang-ge", "精微网格", "jīng wēi wǎng gé", "Refined Micro-Grids", en_avoid=("microgrid",))
    grid = Entry(**{**{f: getattr(grid, f) for f in grid.__slots__}, "forms": (("精网微格", "alias"),)})
    seeded = [SIX, DATA, GREEN, grid, _entry("ii", "Ⅱ型大城市", "Ⅱ xíng dà chéng shì", "Type II City")]
    many = [_entry(f"t-{i}", f"测试词{i}", "cè shì cí", f"Test {i}") for i in range(60)]  # past the bulk threshold
    bulk = SearchIndex([*seeded, *many])
    edited = SearchIndex()
    for entry in [*seeded, *many]:
        edited.add([entry])
    queries = ["sjdd", "lfjl", "数据得", "数据的地", "II型大城市", "data land", "dta", "lvse", "luse"]
    queries += ["测试词7", "tset 7", "jingwangweige", "xingdachengshi", "microgrid", "jwwg", "chengshi", "sj"]
    for q in queries:
        assert bulk.search(q) == edited.search(q), q


def test_edits_then_a_rebuild_answer_as_a_fresh_build_of_the_same_entries():
    many = [
        _entry(
            f"t-{i}", f"测试词{i}", "cè shì cí", f"Test {i}", definition_zh=f"第{i}个定义", definition_en=f"entry {i}"
        )
        for i in range(1200)
    ]
    index = SearchIndex([SIX, DATA, GREEN, *many])
    renamed = [_entry(e.slug, e.hans + "乙", "cè shì cí yǐ", e.en + " revised") for e in many[:300]]
    index.update(renamed, [e.slug for e in many[300:1100]])  # past the threshold: the tables are compacted
    assert index._state.slugs.base == 403  # compacted: no concept added or dead since
    live = [SIX, DATA, GREEN, *many[1100:], *renamed]
    fresh = SearchIndex(live)
    assert len(index) == len(fresh) == len(live)
    for q in [
        "测试词7",
        "测试词1150乙",
        "测试",
        "revised",
        "test 1150",
        "tset",
        "第1150个",
        "第7个",
        "entry 7",
        "csc",
        "sjdd",
    ]:
        for kind in (None, "concept", "programme"):
            assert index.search(q, limit=30, kind=kind) == fresh.search(q, limit=30, kind=kind), (q, kind)


def test_added_entries_keep_the_glossary_order_among_built_ones():
    twins = [_entry(slug, hans, "cè shì", "Test") for slug, hans in [("a", "测试甲"), ("c", "测试丙"), ("e", "测试戊")]]
    index = SearchIndex(twins)
    index.add([_entry("d", "测试丁", "cè shì", "Test"), _entry("b", "测试乙", "cè shì", "Test", footnote=1)])
    assert [h.slug for h in index.search("测试")] == ["b", "a", "c", "d", "e"]
    index.update([_entry("a", "测试甲", "cè shì", "Test")], ())  # replaced: now an added entry itself
    assert [h.slug for h in index.search("测试")] == ["b", "a", "c", "d", "e"]


def test_an_edited_definition_is_searchable_at_once():
    index = SearchIndex([SIX, DATA, GREEN])
    assert index.search("园区服务") == []
    index.update([_entry("lv-se", "绿色", "lǜ sè", "Green", definition_zh="进园区服务的绿色发展。")], ())
    assert [(h.slug, h.matched) for h in index.search("园区服务")] == [("lv-se", "definition.zh")]
    index.remove(["lv-se"])
    assert index.search("园区服务") == []


def test_an_added_entry_of_a_new_kind_is_found_by_its_kind():
    index = SearchIndex([SIX, DATA])
    index.add([GREEN])  # "concept": no built entry has that kind
    assert [h.slug for h in index.search("lvse", kind="concept")] == ["lv-se"]
    assert index.search("lvse", kind="programme") == []


def test_an_index_built_a_part_at_a_time_is_the_index_built_at_once():
    """TermSearch builds a large glossary's index from parts of its records (never every Entry at once); across
    part boundaries (10,240 entries a part) the index must answer exactly as one built from the whole list."""
    import random

    rng = random.Random(7)
    chars = "数据得地六服六进新质生产力绿色低碳智慧城市乡村振兴科技创新开放合作营商环境民生保障"
    syllables = ["shu", "ju", "de", "di", "liu", "fu", "jin", "xin", "zhi", "lv", "se", "cheng", "shi"]
    words_ = ["data", "land", "green", "city", "reform", "service", "rural", "pilot", "zone", "grid"]
    made: list[Entry] = []
    seen: set[str] = set()
    while len(made) < CHUNK + 1500:
        hans = "".join(rng.choices(chars, k=rng.randint(3, 7)))
        if hans in seen:
            continue
        seen.add(hans)
        i = len(made)
        made.append(
            Entry(
                slug=f"t-{i}",
                hans=hans,
                forms=((hans[::-1], "alias"),) if i % 7 == 0 else (),
                pinyin=" ".join(rng.choices(syllables, k=len(hans))),
                en=" ".join(rng.sample(words_, 3)).title(),
                en_alternatives=(" ".join(rng.sample(words_, 2)),) if i % 3 == 0 else (),
                definition_zh="".join(rng.choices(chars, k=30)) + "。",
                definition_en=" ".join(rng.choices(words_, k=12)),
                kind=rng.choice(["slogan", "programme", "platform"]),
                footnote=i if i % 997 == 0 else None,
            )
        )
    whole = SearchIndex(made)
    parts = SearchIndex.built_in_parts(len(made), lambda start, end: made[start:end])
    assert len(parts) == len(whole) == len(made)
    queries = ["数据", "得地", "shu ju", "sjd", "green city", "grid", "lvse", "data lnd", "数据得"]
    for entry in made[CHUNK - 40 : CHUNK + 40] + made[:: len(made) // 60]:
        queries += [entry.hans, entry.hans[1:4], entry.pinyin, entry.en, entry.definition_zh[3:7], entry.slug]
    for query in queries:
        for kind in (None, "platform"):
            assert parts.search(query, limit=20, kind=kind) == whole.search(query, limit=20, kind=kind), query


def test_pages_stop_at_the_depth_limit_and_the_last_page_is_cut_to_it():
    from app.search.engine import MAX_DEPTH

    many = [_entry(f"t-{i:04d}", f"测试词{i}", "cè shì cí", f"Test {i}") for i in range(MAX_DEPTH + 50)]
    index = SearchIndex(many)
    last = index.search_page("测试", limit=100, offset=MAX_DEPTH - 30)
    assert len(last.hits) == 30
    assert not last.more
    assert index.search_page("测试", limit=5, offset=MAX_DEPTH).hits == []
    first = index.search_page("测试", limit=5)
    assert first.more
    assert [h.slug for h in first.hits] == [f"t-{i:04d}" for i in range(5)]
