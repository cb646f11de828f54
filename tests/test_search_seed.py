"""The search engine over the real seed glossary, without HTTP: properties of typing, and avoided renderings."""

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import PROJECT_DIR
from app.search.engine import Entry, SearchIndex, initials_key, pinyin_key
from app.search.engine.bands import PINYIN_PREFIX
from app.search.index import entries
from app.seeding import read_entries
from app.terms.schemas import TermRecord
from app.terms.stored import prepare

SEEDS = Path(PROJECT_DIR) / "seeds"


@pytest.fixture(scope="module")
def seed() -> tuple[SearchIndex, dict[str, tuple[str, str]]]:
    """The seed's search index, and each term's pinyin key and initials."""
    read, _report = read_entries(SEEDS)
    now = dt.datetime(2024, 1, 8, tzinfo=dt.UTC)
    records = [TermRecord(**e.fields.model_dump(), version=1, created_at=now, updated_at=now) for e in read]
    keys = {r.slug: (pinyin_key(r.pinyin), initials_key(r.pinyin)) for r in records}
    return SearchIndex(entries(prepare(records))), keys


def _check_prefix(seed: tuple[SearchIndex, dict[str, tuple[str, str]]], slug: str, key: str, length: int) -> None:
    index, keys = seed
    prefix = key[:length]
    hits = index.search(prefix, limit=10)
    sharing = sum(1 for other in keys.values() if any(k.startswith(prefix) for k in other))
    if sharing <= 10:
        assert slug in [h.slug for h in hits], (prefix, sharing, hits)
    else:  # more terms start so than fit in ten: the ten are all prefix matches (or better), never noise
        assert len(hits) == 10
        assert all(h.score >= PINYIN_PREFIX.low for h in hits), (prefix, hits)


_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_PROPERTY
@given(data=st.data())
def test_every_prefix_of_a_headwords_pinyin_finds_it_among_the_top_ten(seed, data):
    slug = data.draw(st.sampled_from(sorted(seed[1])))
    key = seed[1][slug][0]
    _check_prefix(seed, slug, key, data.draw(st.integers(1, len(key))))


@_PROPERTY
@given(data=st.data())
def test_every_prefix_of_a_headwords_initials_finds_it_among_the_top_ten(seed, data):
    slug = data.draw(st.sampled_from(sorted(seed[1])))
    key = seed[1][slug][1]
    _check_prefix(seed, slug, key, data.draw(st.integers(1, len(key))))


def test_the_property_holds_for_every_prefix_of_every_term(seed):
    """The same, exhaustively (5,000-odd prefixes): the seed is small enough."""
    for slug, (pinyin, initials) in seed[1].items():
        for key in (pinyin, initials):
            for length in range(1, len(key) + 1):
                _check_prefix(seed, slug, key, length)


def _entry(slug: str, en: str, *, avoid: tuple[str, ...] = (), footnote: int | None = None) -> Entry:
    return Entry(slug=slug, hans=slug, forms=(), pinyin="x", en=en, en_avoid=avoid, footnote=footnote)


def test_an_avoided_rendering_never_outranks_an_approved_one():
    # The term that lists it as avoided comes first in the glossary's order (footnoted, slug "a"), and still
    # ranks below the term whose approved rendering it is.
    approved = _entry("z-approved", "Data Gets Land")
    avoided = _entry("a-avoided", "Land Allocation by Data", avoid=("Data Gets Land",), footnote=1)
    index = SearchIndex([avoided, approved])
    hits = index.search("Data Gets Land")
    assert [(h.slug, h.matched) for h in hits] == [("z-approved", "en"), ("a-avoided", "en_avoid")]
    assert hits[0].score > hits[1].score
    # Typed in part, the same order.
    assert [h.slug for h in index.search("data gets la")] == ["z-approved", "a-avoided"]


def test_an_avoided_rendering_of_the_seed_names_its_term_and_says_it_is_avoided(seed):
    index, _keys = seed
    for q, slug in [
        ("Data Gets Land", "shu-ju-de-di"),
        ("Six Services and Six Advances", "liu-fu-liu-jin"),
        ("second-tier city", "ii-xing-da-cheng-shi"),
        ("One Belt, One Road", "yi-dai-yi-lu"),
    ]:
        hits = index.search(q, limit=5)
        assert (hits[0].slug, hits[0].matched) == (slug, "en_avoid"), q
        # Other terms' renderings that hold only some of the words rank below a rendering that holds them all.
        others = [h for h in index.search(q, limit=100) if h.matched.split(":")[0] in ("en", "en_alternatives")]
        assert all(h.score < hits[0].score for h in others)
