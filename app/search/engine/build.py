"""A build: entries become surface rows by class and the definitions' tables, in bulk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.core.memory import release_free_memory
from app.search.engine.columns import Joined
from app.search.engine.hashes import EMPTY, IntArray, str_hashes
from app.search.engine.keys import alias_pinyin, chinese_part_pinyin
from app.search.engine.model import Entry
from app.search.engine.postings import Postings, bigram_blocks, definition_block_size, word_postings
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
PINYIN_FIELDS = ("pinyin", "initials", "alias.pinyin", "alias.initials")
ENGLISH_FIELDS = ("en", "en_alternatives", "en_avoid")
FIELD_NAMES = (*CJK_FIELDS, *PINYIN_FIELDS, *ENGLISH_FIELDS)
NO_FOOTNOTE = 1 << 30  # sorts after every footnote


@dataclass(slots=True)
class Rows:
    """What a build stores, before its indexes: the concepts' columns and their surface rows by class, each in
    the concepts' order and, within a concept, in the order of `surface_rows`. `State` consumes it: it lets each
    class's texts go (`NO_SURFACES`) as soon as their tables are built."""

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
    for field in {field for entry in entries for _, field in entry.forms}:
        code(field)
    field_rank = np.array([FIELD_RANK.get(name, 9) for name in field_names], dtype=np.int64)
    cjk, pinyin, english = once_per_concept(
        [written_rows(entries, codes, field_rank), pinyin_rows(entries, codes), english_rows(entries, codes)]
    )
    return Rows(
        slugs=[entry.slug for entry in entries],
        kinds=[kind_code(entry.kind) for entry in entries],
        footnotes=[NO_FOOTNOTE if entry.footnote is None else entry.footnote for entry in entries],
        cjk=cjk,
        pinyin=pinyin,
        english=english,
        definitions=definitions,
    )


def written_rows(entries: Sequence[Entry], codes: dict[str, int], field_rank: IntArray) -> Surfaces:
    """The written forms (headword, then `forms`) as form keys, by field rank within a concept (stable)."""
    n = len(entries)
    written = form_keys([text for entry in entries for text, _ in ((entry.hans, ""), *entry.forms)])
    form_fields = [field for entry in entries for _, field in entry.forms]
    counts = np.fromiter((1 + len(entry.forms) for entry in entries), dtype=np.int64, count=n)
    fields = np.empty(len(written), dtype=np.int64)
    is_hans = np.zeros(len(written), dtype=np.bool_)
    is_hans[np.cumsum(counts) - counts] = True
    fields[is_hans] = codes["hans"]
    fields[~is_hans] = np.fromiter(map(codes.__getitem__, form_fields), dtype=np.int64, count=len(form_fields))
    docs = np.repeat(np.arange(n), counts)
    order = np.lexsort((np.arange(len(written)), field_rank[fields], docs))
    return [written[i] for i in order.tolist()], docs[order], fields[order]


def pinyin_rows(entries: Sequence[Entry], codes: dict[str, int]) -> Surfaces:
    """Within a concept: the pinyin key, its ü-as-u spelling where it has a ü (lü typed as lu, as many people
    do), the initials; then, for the few concepts that have them, the pinyin of the headword's Chinese part
    alone and of aliases (`more_pinyin`), and their initials."""
    n = len(entries)
    extra_docs, extra_pinyin, extra_fields = more_pinyin(entries, codes)
    toneless = toneless_many([entry.pinyin for entry in entries] + extra_pinyin)
    keys = pinyin_of_toneless_many(toneless)
    initials = initials_of_toneless_many(toneless)
    del toneless
    m = len(extra_docs)
    with_v = [doc for doc, key in enumerate(keys[:n]) if "v" in key]
    candidates = [*keys[:n], *(keys[doc].replace("v", "u") for doc in with_v), *initials[:n], *keys[n:], *initials[n:]]
    pinyin_code, initials_code = codes["pinyin"], codes["initials"]
    extra_doc_array = np.asarray(extra_docs, dtype=np.int64)
    docs = np.concatenate(
        [np.arange(n), np.asarray(with_v, dtype=np.int64), np.arange(n), extra_doc_array, extra_doc_array]
    )
    slot = np.repeat(np.arange(5), [n, len(with_v), n, m, m])
    initials_of = {pinyin_code: initials_code, codes["alias.pinyin"]: codes["alias.initials"]}
    extra_initials = np.asarray([initials_of[field] for field in extra_fields], dtype=np.int64)
    fields = np.concatenate(
        [np.full(2 * n + len(with_v), pinyin_code), np.asarray(extra_fields, dtype=np.int64), extra_initials]
    )
    fields[n + len(with_v) : 2 * n + len(with_v)] = initials_code
    order = np.lexsort((slot, docs))
    return [candidates[i] for i in order.tolist()], docs[order], fields[order]


def english_rows(entries: Sequence[Entry], codes: dict[str, int]) -> Surfaces:
    """The renderings (preferred, alternatives, to avoid) as their words joined by spaces."""
    texts = word_strings([text for entry in entries for text in (entry.en, *entry.en_alternatives, *entry.en_avoid)])
    en_code, alt_code, avoid_code = codes["en"], codes["en_alternatives"], codes["en_avoid"]
    fields = [
        code_
        for entry in entries
        for code_ in (en_code, *(alt_code,) * len(entry.en_alternatives), *(avoid_code,) * len(entry.en_avoid))
    ]
    counts = np.fromiter(
        (1 + len(entry.en_alternatives) + len(entry.en_avoid) for entry in entries), dtype=np.int64, count=len(entries)
    )
    return texts, np.repeat(np.arange(len(entries)), counts), np.asarray(fields, dtype=np.int64)


def once_per_concept(classes: list[Surfaces]) -> list[Surfaces]:
    """The classes' rows with each string once per concept: the first of its (doc, text) group in the order
    of the classes and of their rows, never an empty one."""
    all_texts = [text for texts, _, _ in classes for text in texts]
    docs = np.concatenate([class_docs for _, class_docs, _ in classes])
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
    for texts, class_docs, fields in classes:
        rows = np.flatnonzero(keep[at : at + len(texts)])
        out.append(([texts[i] for i in rows.tolist()], class_docs[rows], fields[rows]))
        at += len(texts)
    return out


def more_pinyin(entries: Sequence[Entry], codes: dict[str, int]) -> tuple[list[int], list[str], list[int]]:
    """The extra pinyin rows of the concepts that have any, as (docs, spaced pinyin, field codes): the pinyin of
    a headword's Chinese part alone (Ⅱ型大城市 is found by xingdachengshi, "应急365"综合管理平台 by
    yingjizongheguanlipingtai) and of each alias the headword's readings spell."""
    docs: list[int] = []
    texts: list[str] = []
    fields: list[int] = []
    pinyin_code, alias_code = codes["pinyin"], codes["alias.pinyin"]
    for doc, entry in enumerate(entries):
        chinese = chinese_part_pinyin(entry.hans, entry.pinyin)
        if chinese is not None:
            docs.append(doc)
            texts.append(chinese)
            fields.append(pinyin_code)
        for form, field in entry.forms:
            if field == "alias":
                spelled = alias_pinyin(entry.hans, entry.pinyin, form)
                if spelled is not None:
                    docs.append(doc)
                    texts.append(spelled)
                    fields.append(alias_code)
    return docs, texts, fields


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
NO_SURFACES: Surfaces = ([], EMPTY, EMPTY)  # what a surface class of `Rows` is once `State` has taken it


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
    release_free_memory()  # what the parts' entries held: the definitions' tables are the build's peak
    definitions = Definitions.of(zh, count, Postings.merged(en))
    del zh, en
    release_free_memory()

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
