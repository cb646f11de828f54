"""The batched paths a large glossary loads through give exactly what the one-at-a-time paths give."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.core.matcher import term_patterns, term_patterns_many
from app.core.search import form_key, form_keys
from app.seeding import read_entries
from app.terms import repository
from app.terms.schemas import TermFields
from tests.conftest import SEEDS_DIR, Database

ENTRIES: list[TermFields] = [e.fields for e in read_entries(SEEDS_DIR)[0] if e.fields is not None]


def test_batched_matcher_patterns_equal_the_patterns_of_each_term() -> None:
    terms = [(f.slug, f.hans, f.aliases) for f in ENTRIES]
    batched = term_patterns_many(terms)
    assert batched == [term_patterns(*t) for t in terms]
    by_slug = dict(zip([f.slug for f in ENTRIES], batched, strict=True))
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
            assert record.model_dump() == one.model_dump()
    engine.dispose()
    by_slug = {r.slug: r for r in records}
    assert by_slug["jing-wei-wang-ge"].aliases == ["精网微格"]
    assert by_slug["shu-ju-de-di"].model_fields_set == set(type(by_slug["shu-ju-de-di"]).model_fields)
