"""Delimited files: the full CSV (one row per concept, every field), DeepL's, Google's and Amazon's glossaries.

The full CSV follows RFC 4180 (CRLF line ends, fields quoted when needed) in UTF-8, optionally with a BOM so
that Excel reads it as UTF-8. List fields hold one item per line within their cell; components and sources,
which are objects, hold JSON. A cell that a spreadsheet would run as a formula (one starting with `=`, `+`,
`-`, `@`, tab or CR) is written with a leading apostrophe, and the reader takes that apostrophe off again.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from app.core.script import Script
from app.exchange.formats import FileFormatError, RawEntry, decode_utf8
from app.terms.schemas import TermOut

COLUMNS = [
    "slug",
    "hans",
    "hant",
    "pinyin",
    "en",
    "en_alternatives",
    "en_avoid",
    "en_origin",
    "definition_zh",
    "definition_en",
    "definition_basis",
    "kind",
    "footnote",
    "components",
    "aliases",
    "related",
    "sources",
    "note",
    "status",
    "version",
    "updated_at",
]
# slug and pinyin are derived when left out (`TermFields`), status is approved unless the file says draft.
_REQUIRED = {"hans", "en", "definition_zh", "definition_en", "kind"}
_LISTS = ("en_alternatives", "en_avoid", "aliases", "related")
_OBJECT_LISTS = ("components", "sources")
_BOOKKEEPING = ("version", "updated_at")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """`cell` made inert for spreadsheets: a leading apostrophe before a formula trigger (reversibly)."""
    if cell.startswith(FORMULA_TRIGGERS) or (cell.startswith("'") and cell[1:2].startswith((*FORMULA_TRIGGERS, "'"))):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """The inverse of `neutralise`."""
    if cell.startswith("'") and cell[1:2].startswith((*FORMULA_TRIGGERS, "'")):
        return cell[1:]
    return cell


class _Line(io.StringIO):
    """A reusable buffer for writing one CSV row at a time."""

    def take(self) -> str:
        value = self.getvalue()
        self.seek(0)
        self.truncate()
        return value


def _rows(rows: Iterable[list[str]], *, bom: bool = False) -> Iterator[str]:
    buffer = _Line()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        yield "\ufeff"
    for row in rows:
        writer.writerow(row)
        yield buffer.take()


# ---------------------------------------------------------------------------------------------------- full CSV


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_csv(terms: Iterable[TermOut], *, bom: bool = False) -> Iterator[str]:
    """Every field of every concept, one row per concept."""

    def rows() -> Iterator[list[str]]:
        yield COLUMNS
        for t in terms:
            cells = {
                "slug": t.slug,
                "hans": t.hans,
                "hant": t.hant,
                "pinyin": t.pinyin,
                "en": t.en,
                "en_alternatives": "\n".join(t.en_alternatives),
                "en_avoid": "\n".join(t.en_avoid),
                "en_origin": t.en_origin or "",
                "definition_zh": t.definition.zh,
                "definition_en": t.definition.en,
                "definition_basis": t.definition.basis.value,
                "kind": t.kind.value,
                "footnote": "" if t.footnote is None else str(t.footnote),
                "components": _dumps([c.model_dump(mode="json") for c in t.components]) if t.components else "",
                "aliases": "\n".join(t.aliases),
                "related": "\n".join(t.related),
                "sources": _dumps([s.model_dump(mode="json") for s in t.sources]) if t.sources else "",
                "note": t.note or "",
                "status": str(t.status),
                "version": str(t.version),
                "updated_at": t.updated_at.isoformat().replace("+00:00", "Z"),
            }
            yield [neutralise(cells[c]) for c in COLUMNS]

    return _rows(rows(), bom=bom)


def read_csv(data: bytes) -> Iterator[RawEntry]:
    """The rows of a full CSV as entries; the header names the columns (any order, bookkeeping optional)."""
    text = decode_utf8(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileFormatError(f"line 1: the header is not valid CSV: {exc}") from exc
    if not header:
        raise FileFormatError("the file is empty: a header row naming the columns is expected")
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in COLUMNS]
    missing = sorted(_REQUIRED - set(header))
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing columns: {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown columns: {', '.join(unknown)}")
        raise FileFormatError(f"line 1: {'; '.join(parts)} (the columns are {', '.join(COLUMNS)})")
    if len(set(header)) != len(header):
        raise FileFormatError("line 1: a column is named twice")
    number = 0
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileFormatError(f"line {line}: not valid CSV: {exc}") from exc
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue  # blank lines are not entries
        number += 1
        yield _csv_entry(number, start, header, row)


def _csv_entry(number: int, line: int, header: list[str], row: list[str]) -> RawEntry:
    entry = RawEntry(number=number, line=line)
    if len(row) != len(header):
        entry.errors.append(f"{len(row)} cells for {len(header)} columns")
        return entry
    cells = {name: restore(value) for name, value in zip(header, row, strict=True)}
    data: dict[str, Any] = entry.data
    for name in ("hans", "en", "kind"):
        data[name] = cells[name]
    for name in ("slug", "pinyin", "hant", "en_origin", "note", "status"):
        if cells.get(name, "").strip():
            data[name] = cells[name]
    for name in _LISTS:
        data[name] = [item for item in cells.get(name, "").splitlines() if item.strip()]
    for name in _OBJECT_LISTS:
        raw = cells.get(name, "").strip()
        if not raw:
            data[name] = []
            continue
        try:
            data[name] = json.loads(raw)
        except json.JSONDecodeError as exc:
            entry.errors.append(f"{name}: not a JSON list ({exc.msg} at character {exc.pos})")
        except RecursionError:
            entry.errors.append(f"{name}: not a JSON list (nested too deeply to parse)")
    footnote = cells.get("footnote", "").strip()
    if footnote:
        data["footnote"] = int(footnote) if footnote.isdecimal() else footnote
    data["definition"] = {"zh": cells["definition_zh"], "en": cells["definition_en"]}
    if cells.get("definition_basis", "").strip():
        data["definition"]["basis"] = cells["definition_basis"].strip()
    return entry


# ---------------------------------------------------------------------------------------------------- DeepL

DEEPL_MAX_BYTES = 1024  # DeepL's limit on one source or target phrase, in UTF-8 bytes


def deepl_phrase(text: str) -> str | None:
    """`text` as DeepL accepts a glossary phrase, or None if it cannot be one.

    DeepL refuses empty phrases, C0 and C1 control characters and Unicode line/paragraph separators, and
    phrases with leading or trailing whitespace; inner runs of whitespace (a line break in a long
    rendering) become one space.
    """
    return _phrase(text, DEEPL_MAX_BYTES)


def _phrase(text: str, max_bytes: int) -> str | None:
    """`text` on one line with single spaces, if it is not empty, fits `max_bytes` of UTF-8 and holds no
    control character or line/paragraph separator; else None."""
    phrase = " ".join(text.split())
    if not phrase or len(phrase.encode()) > max_bytes or phrase.startswith(FORMULA_TRIGGERS):
        return None  # (a formula trigger: only an entry stored before forms refused them can start with one)
    if any(ord(c) < 32 or 127 <= ord(c) <= 159 or c in "\u2028\u2029" for c in phrase):
        return None
    return phrase


def write_deepl(terms: Iterable[TermOut], *, script: Script) -> Iterator[str]:
    """DeepL glossary entries for ZH→EN as TSV: `source<TAB>target` per line, every source once.

    The sources are the headword and the aliases (in the export's script), each with the preferred rendering.
    Where two concepts share a written form, the first (in export order) keeps it.
    """
    seen: set[str] = set()
    for t in terms:
        target = deepl_phrase(t.en)
        if target is None:
            continue
        for form in (t.hans if script is Script.hans else t.hant, *t.aliases):
            source = deepl_phrase(form)
            if source is None or source in seen:
                continue
            seen.add(source)
            yield f"{source}\t{target}\n"


# ---------------------------------------------------------------------------------------------------- Google

GOOGLE_ZH_CODES: dict[Script, str] = {
    Script.hans: "zh-CN",
    Script.hant: "zh-TW",
    Script.tw: "zh-TW",
    Script.hk: "zh-TW",
}


def write_google(terms: Iterable[TermOut], *, script: Script) -> Iterator[str]:
    """A Google Cloud Translation equivalent-term-sets glossary: a header of language codes, one concept a row.

    The header is the Chinese code for the script (zh-CN, or zh-TW for Traditional), `en`, and the optional
    `description` column (the English definition, for people reading the file). A Chinese term appears once.
    """

    def rows() -> Iterator[list[str]]:
        yield [GOOGLE_ZH_CODES[script], "en", "description"]
        seen: set[str] = set()
        for t in terms:
            zh = t.hans if script is Script.hans else t.hant
            if zh in seen or zh.startswith(FORMULA_TRIGGERS) or t.en.startswith(FORMULA_TRIGGERS):
                continue  # a formula trigger: only an entry stored before forms and renderings refused them
            seen.add(zh)
            # Forms and renderings cannot start with a formula trigger (app.terms.schemas); a description can.
            yield [zh, t.en, neutralise(" ".join(t.definition.en.split()))]

    return _rows(rows())


# ---------------------------------------------------------------------------------------------------- Amazon

AMAZON_MAX_BYTES = 200  # Amazon Translate's limit on a custom terminology term, source and target, UTF-8 bytes

AMAZON_ZH_CODES: dict[Script, str] = {
    Script.hans: "zh",
    Script.hant: "zh-TW",
    Script.tw: "zh-TW",
    Script.hk: "zh-TW",
}


def amazon_term(text: str) -> str | None:
    """`text` as an Amazon Translate terminology term, or None if it cannot be one.

    Amazon matches a source term exactly (case-sensitively), so the term is written as the glossary holds
    it, inner whitespace runs as one space; a term over 200 UTF-8 bytes, empty, or holding a control
    character (a line break would split the CSV row) is left out.
    """
    return _phrase(text, AMAZON_MAX_BYTES)


def write_amazon(terms: Iterable[TermOut], *, script: Script) -> Iterator[str]:
    """An Amazon Translate custom terminology (CSV, uni-directional ZH→EN): a header of language codes
    (`zh`, or `zh-TW` for Traditional, then `en`), one row per source term: the headword in the export's
    script and each alias, with the preferred rendering. No source appears twice (the first concept in
    export order keeps a shared form); no cell is neutralised for spreadsheets, since Amazon would take the
    apostrophe as part of the term.
    """

    def rows() -> Iterator[list[str]]:
        yield [AMAZON_ZH_CODES[script], "en"]
        seen: set[str] = set()
        for t in terms:
            target = amazon_term(t.en)
            if target is None:
                continue
            for form in (t.hans if script is Script.hans else t.hant, *t.aliases):
                source = amazon_term(form)
                if source is None or source in seen:
                    continue
                seen.add(source)
                yield [source, target]

    return _rows(rows())
