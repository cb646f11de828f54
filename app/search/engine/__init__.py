"""Ranked search over the glossary: whatever a user types (any script, pinyin, English, a typo) finds the term.

Plain data in (`Entry`), plain data out (`Hit`); nothing here knows HTTP, SQL or the app's models. The modules,
in the order a reader meets them:

    model       Entry and Hit
    keys        the text keys (form, pinyin, initials, words) and their definitions, one text at a time
    vectorised  the same keys of many texts at once (NumPy twins, pinned equal to `keys` by tests)
    hashes      the polynomial hashes that key the look-ups: of a text, its words, its typo neighbourhood
    postings    inverted indexes over those keys and their bulk builders (words, bigrams, typo neighbourhoods)
    columns     many short strings as one joined string with offsets
    build       entries -> surface rows by class and the definitions' tables, in bulk
    state       the tables of one build, the edits since, and the thread-safe `SearchIndex`
    ranking     one query's walk through the tiers, scored by the one table of bands (`BANDS`)

Scale: a glossary of 100,000 concepts is served from memory as columns rather than objects (no `Entry` is
kept). Each class of surface strings (written forms; pinyin keys and initials; English renderings) is one
joined string with int64 offsets and int32/uint8 columns for its concept and field; the written forms' string
is what prefixes and fragments are found in with `str.find`. Exact forms, pinyin keys and slugs are found
through sorted 32-bit hashes and checked against the text; prefixes of pinyin by bisection in the rows sorted
by text; Chinese definitions are one joined string too, with a bigram index over blocks of them; English words
go through inverted indexes by a 64-bit hash; typos are found by symmetric deletion and checked by a bounded
edit distance, never by a scan of the glossary. An edit appends to small side tables that every look-up reads
after the built ones, and a removed concept is only marked dead; once enough are dead or added, the tables are
compacted into a fresh build of the live concepts. Measured figures: bench/RESULTS-search.md.
"""

from app.search.engine.keys import content_words, form_key, initials_key, pinyin_key, within_one_edit, words
from app.search.engine.model import MAX_DEPTH, MAX_LIMIT, Entry, Hit, Page
from app.search.engine.state import SearchIndex
from app.search.engine.vectorised import form_keys

__all__ = [
    "MAX_DEPTH",
    "MAX_LIMIT",
    "Entry",
    "Hit",
    "Page",
    "SearchIndex",
    "content_words",
    "form_key",
    "form_keys",
    "initials_key",
    "pinyin_key",
    "within_one_edit",
    "words",
]
