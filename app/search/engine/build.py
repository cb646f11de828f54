"""A build: entries become surface rows by class and the definitions' tables, in bulk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.search.engine.columns import Joined
from app.search.engine.model import Entry
from app.search.engine.postings import (
    EMPTY,
    IntArray,
    Postings,
    bigram_blocks,
    definition_block_size,
    str_hashes,
    word_postings,
)
from app.search.engine.vectorised import (
    CHUNK,
    form_key_chunks,
    form_keys,
    initials_of_toneless_many,
    pinyin_of_toneless_many,
    toneless_many,
    word_strings,
)

# What a stored surface string is, by the kind of index it sits in.
CJK_FIELDS = ("hans", "alias", "hant")
FIELD_RANK = {field: rank for rank, field in enumerate(CJK_FIELDS)}
ENGLISH_FIELDS = ("en", "en_alternatives")
NO_FOOTNOTE = 1 << 30  # sorts after every footnote


@dataclass(slots=True)
class Rows:
    """What a build stores, before its indexes: the concepts' columns and their surface rows by class, each in
    the concepts' order and, within a concept, in the order of `surface_rows`."""

    slugs: list[str]
    kinds: list[int]
    footnotes: list[int]  # NO_FOOTNOTE for none
    cjk: tuple[list[str], IntArray, IntArray]  # (texts, docs, field codes)
    pinyin: tuple[list[str], IntArray, IntArray]
    english: tuple[list[str], IntArray, IntArray]
    definitions: Definitions


@dataclass(slots=True)
class Definitions:
    """The definitions' tables, built before the surface rows so that their temporaries (the bigram pairs, the
    largest of a build) never coexist with those of the rows."""

    texts: Joined  # the folded Chinese definitions
    block: int  # definitions per block of `zh`
    zh: Postings  # bigram → blocks of the built definitions
    en: Postings  # word → concepts, of the English definitions

    @classmethod
    def of(cls, chunks: list[str], count: int, en: Postings) -> Definitions:
        """From the folded Chinese definitions as `form_key_chunks` gives them."""
        block = definition_block_size(count)
        zh = bigram_blocks(chunks, block)
        return cls(Joined(chunks, count), block, zh, en)


# What `surface_rows` is given when the definitions' tables are built elsewhere (`surface_rows_in_parts`).
NO_DEFINITIONS = Definitions(Joined([], 0), 1, Postings(), Postings())


def surface_rows(
    entries: Sequence[Entry],
    field_names: list[str],
    kind_names: list[str],
    *,
    definitions: Definitions | None = None,
) -> Rows:
    """The surface rows of many entries at once: each text kind folded in one pass over all of them, each
    concept's strings deduplicated (a string is stored once per concept, under its first field in the order
    written forms by field rank, pinyin, its ü-as-u spelling, initials, English rendering, alternatives)."""
    code, codes = numbering(field_names)
    kind_code, _kinds = numbering(kind_names)

    n = len(entries)
    if definitions is None:
        definitions = Definitions.of(
            form_key_chunks([entry.definition_zh for entry in entries]),
            n,
            word_postings([entry.definition_en for entry in entries], range(n)),
        )
    # Written forms, by field rank within a concept (stable).
    written = form_keys([text for entry in entries for text, _ in ((entry.hans, ""), *entry.forms)])
    form_fields = [field for entry in entries for _, field in entry.forms]
    for field in set(form_fields):
        code(field)
    hans_code = codes["hans"]
    cjk_counts = np.fromiter((1 + len(entry.forms) for entry in entries), dtype=np.int64, count=n)
    cjk_fields = np.empty(len(written), dtype=np.int64)
    is_hans = np.zeros(len(written), dtype=np.bool_)
    is_hans[np.cumsum(cjk_counts) - cjk_counts] = True
    cjk_fields[is_hans] = hans_code
    cjk_fields[~is_hans] = np.fromiter(map(codes.__getitem__, form_fields), dtype=np.int64, count=len(form_fields))
    del form_fields, is_hans
    cjk_docs = np.repeat(np.arange(n), cjk_counts)
    field_rank = np.array([FIELD_RANK.get(name, 9) for name in field_names], dtype=np.int64)
    order = np.lexsort((np.arange(len(written)), field_rank[cjk_fields], cjk_docs))
    written = [written[i] for i in order.tolist()]
    cjk_fields, cjk_docs = cjk_fields[order], cjk_docs[order]
    # Pinyin: the key, its ü-as-u spelling where it has a ü (lü typed as lu, as many people do), the initials.
    toneless = toneless_many([entry.pinyin for entry in entries])
    keys = pinyin_of_toneless_many(toneless)
    initials = initials_of_toneless_many(toneless)
    del toneless
    with_v = [doc for doc, key in enumerate(keys) if "v" in key]
    candidates = [*keys, *(keys[doc].replace("v", "u") for doc in with_v), *initials]
    pinyin_code, initials_code = codes["pinyin"], codes["initials"]
    py_docs_all = np.concatenate([np.arange(n), np.asarray(with_v, dtype=np.int64), np.arange(n)])
    slot = np.repeat(np.arange(3), [n, len(with_v), n])  # within a concept: the key, its u spelling, initials
    order = np.lexsort((slot, py_docs_all))
    py_texts = [candidates[i] for i in order.tolist()]
    py_docs = py_docs_all[order]
    py_fields = np.where(slot[order] == 2, initials_code, pinyin_code)
    del keys, initials, candidates, with_v, py_docs_all, slot, order
    # English renderings as their words joined by spaces.
    en_raw = [text for entry in entries for text in (entry.en, *entry.en_alternatives)]
    en_texts = word_strings(en_raw)
    del en_raw
    en_code, alt_code = codes["en"], codes["en_alternatives"]
    en_counts = np.fromiter((1 + len(entry.en_alternatives) for entry in entries), dtype=np.int64, count=n)
    en_fields = np.full(int(en_counts.sum()), alt_code, dtype=np.int64)
    en_fields[np.cumsum(en_counts) - en_counts] = en_code
    en_docs = np.repeat(np.arange(n), en_counts)
    # A string once per concept: the first of its (doc, hash) group in the order above, never an empty one.
    classes = (written, py_texts, en_texts)
    all_texts = [*written, *py_texts, *en_texts]
    docs = np.concatenate([cjk_docs, py_docs, en_docs])
    hashes = str_hashes(all_texts)
    keep = np.fromiter(map(len, all_texts), dtype=np.int64, count=len(all_texts)) > 0
    del all_texts
    order = np.lexsort((hashes, docs))  # stable: within a group, the order above (classes as preferred)
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = (docs[order][1:] == docs[order][:-1]) & (hashes[order][1:] == hashes[order][:-1])
    keep[order[repeat]] = False
    del order, repeat, hashes
    out = []
    at = 0
    for texts, fields in zip(classes, (cjk_fields, py_fields, en_fields), strict=True):
        mask = keep[at : at + len(texts)]
        rows = np.flatnonzero(mask)
        out.append(
            (
                [texts[i] for i in rows.tolist()],
                docs[at : at + len(texts)][rows],
                np.asarray(fields, dtype=np.int64)[rows],
            )
        )
        at += len(texts)
    return Rows(
        slugs=[entry.slug for entry in entries],
        kinds=[kind_code(entry.kind) for entry in entries],
        footnotes=[NO_FOOTNOTE if entry.footnote is None else entry.footnote for entry in entries],
        cjk=out[0],
        pinyin=out[1],
        english=out[2],
        definitions=definitions,
    )


def numbering(names: list[str]) -> tuple[Callable[[str], int], dict[str, int]]:
    """The number of a name in `names`, appending the names it has not seen; and the numbers so far."""
    numbers = {name: number for number, name in enumerate(names)}

    def number(name: str) -> int:
        if name not in numbers:
            numbers[name] = len(names)
            names.append(name)
        return numbers[name]

    return number, numbers


Surfaces = tuple[list[str], IntArray, IntArray]  # (texts, docs, field codes)


def surface_rows_in_parts(
    count: int, part: Callable[[int, int], Sequence[Entry]], field_names: list[str], kind_names: list[str]
) -> Rows:
    """`surface_rows` of `count` entries made `CHUNK` at a time by `part(start, end)`: only one part's entries (with
    their definitions, the bulk of an `Entry`) exist at once. The parts' rows are concatenated, their ids
    shifted; the definitions' tables are built once over every part (a part is a whole number of chunks)."""
    pieces: list[tuple[Rows, int]] = []
    zh: list[str] = []
    en: list[tuple[Postings, int]] = []
    for start in range(0, count, CHUNK):
        entries = part(start, min(count, start + CHUNK))
        zh += form_key_chunks([entry.definition_zh for entry in entries])
        en.append((word_postings([entry.definition_en for entry in entries], range(len(entries))), start))
        pieces.append((surface_rows(entries, field_names, kind_names, definitions=NO_DEFINITIONS), start))
        del entries
    definitions = Definitions.of(zh, count, Postings.merged(en))
    del zh, en

    def column(which: Callable[[Rows], Surfaces]) -> Surfaces:
        texts = [text for rows, _ in pieces for text in which(rows)[0]]
        docs = np.concatenate([EMPTY, *(which(rows)[1] + start for rows, start in pieces)])
        fields = np.concatenate([EMPTY, *(which(rows)[2] for rows, _ in pieces)])
        return texts, docs, fields

    return Rows(
        slugs=[slug for rows, _ in pieces for slug in rows.slugs],
        kinds=[kind for rows, _ in pieces for kind in rows.kinds],
        footnotes=[footnote for rows, _ in pieces for footnote in rows.footnotes],
        cjk=column(lambda rows: rows.cjk),
        pinyin=column(lambda rows: rows.pinyin),
        english=column(lambda rows: rows.english),
        definitions=definitions,
    )
