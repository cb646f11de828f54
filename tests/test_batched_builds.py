"""The batched paths a large glossary loads through give exactly what the one-at-a-time paths give."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.forms import keyed_forms_many, lookup_keys
from app.core.matcher import patterns_of, term_patterns
from app.search.engine import form_key, form_keys
from app.seeding import read_entries
from app.terms import repository
from app.terms.schemas import TermFields, TermRecord
from app.terms.stored import StoredTerm
from tests.conftest import SEEDS_DIR, Database

ENTRIES: list[TermFields] = [e.fields for e in read_entries(SEEDS_DIR)[0] if e.fields is not None]


def test_batched_keys_say_where_each_key_comes_from() -> None:
    keyed = keyed_forms_many([(f.hans, f.aliases) for f in ENTRIES])
    by_slug = {f.slug: patterns_of(f.slug, *k) for f, k in zip(ENTRIES, keyed, strict=True)}
    # 数据得地 is found as written and as Taiwan's phrase-localised 資料得地 (marked as such).
    assert not by_slug["shu-ju-de-di"]["数据得地"].localised
    assert by_slug["shu-ju-de-di"]["资料得地"].localised
    # The alias 精网微格 is form 1 of 精微网格.
    assert by_slug["jing-wei-wang-ge"]["精网微格"].form == 1


def test_batched_definition_keys_equal_each_definitions_key() -> None:
    texts = [f.definition.zh for f in ENTRIES] + ["“１＋２２＋３”大安全工作體系 Ⅱ型大城市"]
    assert form_keys(texts) == [form_key(t) for t in texts]
    assert form_keys(texts)[-1] == "1+22+3大安全工作体系ii型大城市"


def test_full_load_gives_the_same_records_as_loading_each_concept(seeded_db: Database) -> None:
    engine = seeded_db.engine()
    with Session(engine) as session:
        records, deleted, revision = repository.load_changed(session, 0)
        assert revision == repository.current_revision(session)
        assert len(records) == len(ENTRIES)
        assert not deleted
        for record in records[:: max(1, len(records) // 40)]:
            one = repository.get_record(session, record.slug)
            assert one is not None
            assert record.full().model_dump() == one.model_dump()
    engine.dispose()
    by_slug = {r.slug: r.full() for r in records}
    assert by_slug["jing-wei-wang-ge"].aliases == ["精网微格"]
    assert by_slug["shu-ju-de-di"].model_fields_set == set(type(by_slug["shu-ju-de-di"]).model_fields)


def test_a_load_in_small_chunks_resolves_relations_across_chunks_and_reads_the_slugs_once(
    seeded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = seeded_db.engine()
    with Session(engine) as session:
        whole, _, _ = repository.load_changed(session, 0)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    monkeypatch.setattr(repository, "_LOAD_CHUNK", 7)  # 329 concepts: 47 chunks, relations across them
    with Session(engine) as session:
        chunked, _, _ = repository.load_changed(session, 0)
    engine.dispose()
    assert [r.full().model_dump() for r in chunked] == [r.full().model_dump() for r in whole]
    assert sum(1 for r in chunked if r.full().related) > 30
    slug_reads = [s for s in statements if re.match(r"SELECT \w+\.id, \w+\.slug\s+FROM", s)]
    assert len(slug_reads) == 1


def test_a_stored_term_gives_back_the_record_it_was_made_of(seeded_db: Database) -> None:
    """The snapshot's packed form loses nothing: dates, timestamps to the microsecond, components, sources."""
    engine = seeded_db.engine()
    with Session(engine) as session:
        records = [repository.get_record(session, e.slug) for e in ENTRIES]
    engine.dispose()
    for record in records:
        assert record is not None
        stored = StoredTerm.from_record(record)
        assert stored.full().model_dump() == record.model_dump()
        assert stored.full().model_dump_json() == record.model_dump_json()
    precise = records[0].model_copy(update={"updated_at": dt.datetime(2026, 11, 26, 18, 0, 0, 999_999, tzinfo=dt.UTC)})
    assert StoredTerm.from_record(precise).full().updated_at == precise.updated_at


def test_batched_lookup_keys_equal_each_terms_keys() -> None:
    terms = [(e.hans, e.aliases) for e in ENTRIES] + [("数据得地", ["资料得地", "“1+22+3”大安全工作体系"])]
    for (hans, aliases), (keys, origins) in zip(terms, keyed_forms_many(terms), strict=True):
        assert list(keys) == lookup_keys(hans, aliases)
        assert patterns_of("x", keys, origins) == term_patterns("x", hans, aliases)


def test_the_rendered_body_cache_stays_within_its_byte_budget() -> None:
    from app.core.script import Script
    from app.terms.glossary import Glossary

    now = "2024-01-08T00:00:00Z"
    glossary = Glossary([], rendered_cache_bytes=20_000)
    glossary.apply(
        [
            TermRecord.model_validate({**e.model_dump(), "version": 1, "created_at": now, "updated_at": now})
            for e in ENTRIES
        ],
        [],
        1,
    )
    for record in glossary.records():
        for script in Script:
            glossary.rendered(record, script)
    assert 0 < glossary._rendered_bytes <= 20_000
    assert glossary._rendered_bytes == sum(len(body) for body, _etag in glossary._rendered.values())
    last = next(reversed(glossary._rendered.values()))
    record = glossary.resolve(next(reversed(glossary._rendered))[0])
    assert record is not None
    assert glossary.rendered(record, list(Script)[-1]) is last  # the newest is still served from the cache


_PIECES = [
    *("数据", "信息", "项目", "软件", "鼠标", "打印机", "U盘", "得地", "體系", "资料", "型", "大", "昆山", "後", "发"),
    *("“", "”", "「", "」", "Ⅱ", "II", "１２", "3", "a", " "),
]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5).map("".join),
            st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4).map("".join), max_size=2),
        ),
        min_size=50,
        max_size=80,
    )
)
def test_keys_batched_sparsely_equal_the_keys_of_each_term(terms: list[tuple[str, list[str]]]) -> None:
    """The batched path (50 forms or more) compares whole passes as arrays and makes strings only for the lines
    that differ; it must give exactly what each term's own conversions give (phrase localisation that changes
    a line's length, quotes that fold away, Ⅱ that folds to two letters, forms that fold to nothing)."""
    for (hans, aliases), (keys, origins) in zip(terms, keyed_forms_many(terms), strict=True):
        assert list(keys) == lookup_keys(hans, aliases)
        assert patterns_of("x", keys, origins) == term_patterns("x", hans, aliases)


def test_the_listing_order_kept_in_step_by_edits_equals_a_fresh_sort() -> None:
    from app.terms.glossary import Glossary

    now = "2024-01-08T00:00:00Z"

    def record(entry: TermFields, version: int, **update: object) -> TermRecord:
        fields = {**entry.model_dump(), **update, "version": version, "created_at": now, "updated_at": now}
        return TermRecord.model_validate(fields)

    glossary = Glossary([])
    glossary.apply([record(e, 1) for e in ENTRIES], [], 1)
    footnoted = [e for e in ENTRIES if e.footnote is not None]
    plain = [e for e in ENTRIES if e.footnote is None]
    edits = [
        record(footnoted[0], 2, footnote=None),  # leaves the footnoted ones
        record(plain[0], 2, footnote=99),  # joins them, last
        record(plain[1], 2, en="Renamed"),  # same place
    ]
    glossary.apply(edits, [plain[2].slug], 2)
    expected = sorted((r.footnote if r.footnote is not None else 1 << 30, r.slug) for r in glossary.records())
    assert glossary._order == expected
    listed, cursor, total = glossary.page(kind=None, footnoted=None, limit=500, cursor=None)
    assert [r.slug for r in listed] == [slug for _n, slug in expected]
    assert cursor is None
    assert total == len(ENTRIES) - 1
    assert listed[len(footnoted) - 1].slug == plain[0].slug  # footnote 99 after the other footnoted terms
