"""TBX: TBX v3 (ISO 30042:2019, TBX-Basic dialect, DCA style) and the older TBX v2 (`martif`).

Both versions share one concept-oriented shape, so one writer and one reader serve both, with the element
names of each version:

    v3: tbx / tbxHeader / text / body / conceptEntry / langSec / termSec
    v2: martif / martifHeader / text / body / termEntry / langSet / tig

A concept entry carries the data categories TBX-Basic defines: `subjectField` (the kind), `crossReference`
(related concepts), `definition` per language, `context` (the verbatim quote) with its `source`, `termType`,
`administrativeStatus` (preferred, admitted, deprecated for renderings to avoid) and `note`. TBX-Basic has no
category for pinyin, the footnote number, the parts of a numbered formula or a quote's date and section:
those travel as labelled notes (`pinyin: liù fú liù jìn`), which CAT tools show to translators and the
reader takes back. The entry's id is `c-` and the slug (an XML ID cannot start with a digit, as 12345 does).

Reading is defensive: no DOCTYPE at all (so no entity expansion, no external entity, no DTD fetch), no
network, no huge trees, and the file must be UTF-8.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from app.core.pinyin import strip_tones, suggest
from app.core.script import Script, to_script
from app.exchange.formats import FileFormatError, RawEntry, decode_utf8
from app.terms.schemas import Kind, TermOut

TBX_NAMESPACE = "urn:iso:std:iso:30042:ed-2"
ID_PREFIX = "c-"

# The language tag of the Chinese language section for each script of the export.
ZH_TAGS: dict[Script, str] = {Script.hans: "zh-Hans", Script.hant: "zh-Hant", Script.tw: "zh-TW", Script.hk: "zh-HK"}
_SIMPLIFIED_TAGS = {"zh", "zh-hans", "zh-cn", "zh-sg", "zh-hans-cn", "zh-hans-sg"}
_TRADITIONAL_TAGS = {"zh-hant", "zh-tw", "zh-hk", "zh-mo", "zh-hant-tw", "zh-hant-hk", "zh-hant-mo"}

PREFERRED, ADMITTED, DEPRECATED = "preferredTerm-admn-sts", "admittedTerm-admn-sts", "deprecatedTerm-admn-sts"
_AVOID_STATUSES = {DEPRECATED, "supersededTerm-admn-sts", "deprecated", "superseded"}


@dataclass(frozen=True)
class Vocabulary:
    """The element names of one TBX version."""

    root: str
    header: str
    entry: str
    language: str
    term: str
    namespace: str | None


V3 = Vocabulary("tbx", "tbxHeader", "conceptEntry", "langSec", "termSec", TBX_NAMESPACE)
V2 = Vocabulary("martif", "martifHeader", "termEntry", "langSet", "tig", None)

_XML_MODELS = (
    '<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX_Core_RNG/master/TBXcoreStructV03.rng" '
    'type="application/xml" schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
    '<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/DCA/'
    'TBX-Basic_DCA.sch" type="application/xml" schematypens="http://purl.oclc.org/dsdl/schematron"?>\n'
)


def entry_id(slug: str) -> str:
    return ID_PREFIX + slug


# ---------------------------------------------------------------------------------------------------- writing


# What XML 1.0 cannot carry. Entries written today cannot hold it (`app.terms.schemas.clean`); one an older
# version stored is written with U+FFFD in its place, so that the file stays well-formed.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _el(name: str, text: str, **attributes: str) -> str:
    attrs = "".join(
        f" {k.replace('_', ':', 1) if k == 'xml_lang' else k}={quoteattr(_xml(v))}" for k, v in attributes.items()
    )
    return f"<{name}{attrs}>{escape(_xml(text))}</{name}>"


def _status(status: str) -> str:
    return _el("termNote", status, type="administrativeStatus")


def write(
    terms: Iterable[TermOut],
    *,
    script: Script,
    slugs: Collection[str],
    version: Vocabulary = V3,
    title: str = "Policy Glossary",
    exported_at: dt.datetime | None = None,
) -> Iterator[str]:
    """The glossary as a TBX document, one concept entry per piece.

    `slugs` are those of every concept written: a cross-reference must point at an entry of the document.
    """
    exported_at = exported_at or dt.datetime.now(dt.UTC)
    stamp = exported_at.isoformat(timespec="seconds").replace("+00:00", "Z")
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    if version is V3:
        yield _XML_MODELS
        yield f'<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="{TBX_NAMESPACE}">\n'
    else:
        yield '<martif type="TBX-Basic" xml:lang="en">\n'
    yield (
        f"<{version.header}><fileDesc><titleStmt>{_el('title', title)}</titleStmt><sourceDesc>"
        f"{_el('p', f'Exported from {title} at {stamp}; Chinese in script {script.value}.')}"
        f"</sourceDesc></fileDesc></{version.header}>\n<text>"
    )
    started = False  # a body holds one or more entries: an empty glossary has none
    for term in terms:
        if not started:
            yield "<body>\n"
            started = True
        yield _entry(term, script, version, slugs)
    if started:
        yield "</body>"
    yield f"</text>\n</{version.root}>\n"


def _entry(term: TermOut, script: Script, v: Vocabulary, known: Collection[str]) -> str:
    out = [f'<{v.entry} id="{entry_id(term.slug)}">']
    stamp = term.updated_at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    out.append(
        "<transacGrp>" + _el("transac", "modification", type="transactionType") + _el("date", stamp) + "</transacGrp>"
    )
    out.append(_el("descrip", term.kind.value, type="subjectField"))
    for slug in term.related:
        if slug in known:
            out.append(_el("ref", slug, type="crossReference", target=entry_id(slug)))
    if term.note:
        out.append(_el("note", term.note))

    # Chinese: the definition with its basis, the headword with pinyin, footnote, parts and quotes, the aliases.
    out.append(f'<{v.language} xml:lang="{ZH_TAGS[script]}">')
    out.append(
        "<descripGrp>"
        + _el("descrip", term.definition.zh, type="definition")
        + _el("admin", term.definition.basis.value, type="source")
        + "</descripGrp>"
    )
    headword = term.hans if script is Script.hans else term.hant
    out.append(f"<{v.term}>{_el('term', headword)}")
    out.append(_el("termNote", "fullForm", type="termType") + _status(PREFERRED))
    for source in term.sources:
        out.append("<descripGrp>" + _el("descrip", source.quote, type="context"))
        out.append(_el("admin", source.document, type="source"))
        if source.date:
            out.append(_el("note", f"date: {source.date.isoformat()}"))
        if source.section:
            out.append(_el("note", f"section: {source.section}"))
        out.append("</descripGrp>")
    out.append(_el("note", f"pinyin: {term.pinyin}"))
    if term.footnote is not None:
        out.append(_el("note", f"footnote: {term.footnote}"))
    for component in term.components:
        out.append(_el("note", f"component: {component.hans} = {component.en}"))
    out.append(f"</{v.term}>")
    for alias in term.aliases:
        out.append(f"<{v.term}>{_el('term', alias)}{_el('termNote', 'variant', type='termType')}")
        out.append(f"{_status(ADMITTED)}</{v.term}>")
    out.append(f"</{v.language}>")
    if script is Script.hans:
        # The Traditional headword as a language section of its own: CAT tools match Traditional source text.
        out.append(f'<{v.language} xml:lang="zh-Hant"><{v.term}>{_el("term", term.hant)}')
        out.append(f"{_el('termNote', 'fullForm', type='termType')}{_status(PREFERRED)}</{v.term}></{v.language}>")

    # English: the definition, the preferred rendering (with where it comes from), admitted ones, ones to avoid.
    out.append(f'<{v.language} xml:lang="en">')
    out.append("<descripGrp>" + _el("descrip", term.definition.en, type="definition") + "</descripGrp>")
    out.append(f"<{v.term}>{_el('term', term.en)}{_status(PREFERRED)}")
    if term.en_origin:
        out.append(_el("admin", term.en_origin, type="source"))
    out.append(f"</{v.term}>")
    for rendering in term.en_alternatives:
        out.append(f"<{v.term}>{_el('term', rendering)}{_status(ADMITTED)}</{v.term}>")
    for rendering in term.en_avoid:
        out.append(f"<{v.term}>{_el('term', rendering)}{_status(DEPRECATED)}</{v.term}>")
    out.append(f"</{v.language}></{v.entry}>\n")
    return "".join(out)


# ---------------------------------------------------------------------------------------------------- reading

_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(r"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_LABELLED = re.compile(r"^(pinyin|footnote|component|date|section):\s*(.*)$", re.DOTALL)


def parse(data: bytes) -> etree._Element:
    """The root element of a TBX file, refusing DTDs and entities of any kind before lxml sees them."""
    text = decode_utf8(data)
    declared = _DECLARED_ENCODING.match(text)
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise FileFormatError(f"the XML declaration names the encoding {declared.group(1)!r}; only UTF-8 is read")
    if _DOCTYPE.search(text):
        raise FileFormatError(
            "the file has a DOCTYPE: document type declarations (and the entities and external DTDs they bring) "
            "are refused; remove the DOCTYPE line"
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
    )
    try:
        root = etree.fromstring(data.removeprefix(b"\xef\xbb\xbf"), parser)
    except etree.XMLSyntaxError as exc:
        raise FileFormatError(f"the file is not well-formed XML: {exc}") from exc
    if root.getroottree().docinfo.doctype:  # unreachable after the check above; kept as a second lock
        raise FileFormatError("the file has a DOCTYPE")
    return root


def _local(element: Any) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(element: Any) -> str:
    return "".join(element.itertext()).strip()


def _lang(element: Any) -> str:
    return str(element.get("{http://www.w3.org/XML/1998/namespace}lang") or element.get("lang") or "").lower()


def read(data: bytes) -> Iterator[RawEntry]:
    """The concept entries of a TBX v3 or v2 file (either is accepted, whichever `format` was named)."""
    root = parse(data)
    name = _local(root)
    if name == "tbx":
        vocabulary = V3
    elif name == "martif":
        vocabulary = V2
    else:
        raise FileFormatError(f"the root element is <{name}>: a TBX file has <tbx> (TBX v3) or <martif> (TBX v2)")
    entries = [e for e in root.iter() if _local(e) == vocabulary.entry]
    for number, element in enumerate(entries, 1):
        yield _read_entry(number, element, vocabulary)


def _children(element: Any, *names: str) -> list[Any]:
    return [c for c in element if _local(c) in names]


def _descrips(element: Any, kind: str) -> list[Any]:
    """The `descrip` elements of `kind` directly on `element` or in its `descripGrp`s."""
    found = [c for c in _children(element, "descrip") if c.get("type") == kind]
    for group in _children(element, "descripGrp"):
        found += [c for c in _children(group, "descrip") if c.get("type") == kind]
    return found


def _term_note(term_section: Any, kind: str) -> str | None:
    for note in _children(term_section, "termNote"):
        if note.get("type") == kind:
            return _text(note)
    for group in _children(term_section, "termNoteGrp"):
        for note in _children(group, "termNote"):
            if note.get("type") == kind:
                return _text(note)
    return None


@dataclass
class _Term:
    text: str
    status: str | None
    element: Any


def _terms(language: Any, v: Vocabulary) -> list[_Term]:
    out = []
    for section in _children(language, v.term, "ntig"):
        term = next((c for c in section.iter() if _local(c) == "term"), None)
        if term is not None and _text(term):
            out.append(_Term(_text(term), _term_note(section, "administrativeStatus"), section))
    return out


def _preferred(terms: list[_Term]) -> _Term | None:
    return next((t for t in terms if t.status == PREFERRED), None) or next(
        (t for t in terms if t.status not in _AVOID_STATUSES), None
    )


def _read_entry(number: int, element: Any, v: Vocabulary) -> RawEntry:
    entry = RawEntry(number=number, line=element.sourceline)
    data: dict[str, Any] = entry.data
    identifier = element.get("id") or ""
    if identifier.startswith(ID_PREFIX):
        data["slug"] = identifier.removeprefix(ID_PREFIX)
    elif re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", identifier):
        data["slug"] = identifier

    kinds = [_text(d) for d in _descrips(element, "subjectField")]
    if kinds:
        if kinds[0] not in {k.value for k in Kind}:
            entry.errors.append(f"subjectField {kinds[0]!r} is not a kind ({', '.join(k.value for k in Kind)})")
        data["kind"] = kinds[0]
    else:
        data["kind"] = Kind.concept.value
    data["related"] = [
        str(ref.get("target")).removeprefix(ID_PREFIX)
        for ref in _children(element, "ref")
        if ref.get("type") == "crossReference" and ref.get("target")
    ]
    notes = [_text(n) for n in _children(element, "note") if _text(n)]
    if notes:
        data["note"] = "\n\n".join(notes)

    languages = _children(element, v.language)
    simplified = [lang for lang in languages if _lang(lang) in _SIMPLIFIED_TAGS]
    traditional = [lang for lang in languages if _lang(lang) in _TRADITIONAL_TAGS]
    english = [lang for lang in languages if _lang(lang) == "en" or _lang(lang).startswith("en-")]
    if not simplified:
        found = ", ".join(sorted({_lang(lang) or "(none)" for lang in languages}))
        entry.errors.append(f"no Simplified Chinese language section (zh, zh-Hans or zh-CN); found: {found}")
        return entry
    if not english:
        entry.errors.append("no English language section (en)")
        return entry

    definition: dict[str, str] = {}
    zh_terms = [t for lang in simplified for t in _terms(lang, v)]
    headword = _preferred(zh_terms)
    if headword is None:
        entry.errors.append("the Simplified Chinese section has no term")
        return entry
    data["hans"] = headword.text
    data["aliases"] = [t.text for t in zh_terms if t is not headword and t.status not in _AVOID_STATUSES]
    zh_definition = _first_definition(simplified)
    if zh_definition is not None:
        lang, descrip = zh_definition
        definition["zh"] = _text(descrip)
        basis = [_text(a) for a in descrip.getparent() if _local(a) == "admin" and a.get("type") == "source"]
        if basis and descrip.getparent() is not lang:
            definition["basis"] = basis[0]
    _read_headword(headword.element, data)
    if "pinyin" not in data:  # a termbase from another tool: pypinyin's reading, as editors draft it
        data["pinyin"] = suggest(headword.text)
    if "slug" not in data:
        data["slug"] = slug_from_pinyin(str(data["pinyin"]))

    if traditional:
        hant = _preferred([t for lang in traditional for t in _terms(lang, v)])
        if hant is not None and hant.text != to_script(headword.text, Script.hant):
            data["hant"] = hant.text

    en_terms = [t for lang in english for t in _terms(lang, v)]
    preferred = _preferred(en_terms)
    if preferred is None:
        entry.errors.append("the English section has no term")
        return entry
    data["en"] = preferred.text
    origin = [_text(a) for a in _children(preferred.element, "admin") if a.get("type") == "source"]
    if origin:
        data["en_origin"] = origin[0]
    data["en_alternatives"] = [t.text for t in en_terms if t is not preferred and t.status not in _AVOID_STATUSES]
    data["en_avoid"] = [t.text for t in en_terms if t is not preferred and t.status in _AVOID_STATUSES]
    en_definition = _first_definition(english)
    if en_definition is not None:
        definition["en"] = _text(en_definition[1])
    data["definition"] = definition
    return entry


def _first_definition(sections: list[Any]) -> tuple[Any, Any] | None:
    """The first definition in the language sections, in document order, with the section that holds it."""
    return next(((lang, descrip) for lang in sections for descrip in _descrips(lang, "definition")), None)


def slug_from_pinyin(pinyin: str) -> str:
    """liù fú liù jìn → liu-fu-liu-jin: the house slug of a headword without one."""
    words = (re.sub(r"[^a-z0-9]+", "-", strip_tones(s)).strip("-") for s in pinyin.split())
    return "-".join(w for w in words if w)[:80].strip("-")


def _read_headword(section: Any, data: dict[str, Any]) -> None:
    """Pinyin, footnote, formula parts (labelled notes) and quotes (contexts) of the headword's term section."""
    components = []
    for note in _children(section, "note"):
        labelled = _LABELLED.match(_text(note))
        if not labelled:
            continue
        label, value = labelled.groups()
        if label == "pinyin":
            data["pinyin"] = value
        elif label == "footnote":
            data["footnote"] = int(value) if value.isdecimal() else value
        elif label == "component":
            hans, _, en = value.partition(" = ")
            components.append({"hans": hans, "en": en})
    data["components"] = components
    sources = []
    for group in _children(section, "descripGrp"):
        quotes = [_text(d) for d in _children(group, "descrip") if d.get("type") == "context"]
        if not quotes:
            continue
        source: dict[str, Any] = {"quote": quotes[0], "document": ""}
        for child in group:
            if _local(child) == "admin" and child.get("type") == "source":
                source["document"] = _text(child)
            elif _local(child) == "note":
                labelled = _LABELLED.match(_text(child))
                if labelled and labelled.group(1) in ("date", "section"):
                    source[labelled.group(1)] = labelled.group(2)
        sources.append(source)
    for descrip in _children(section, "descrip"):
        if descrip.get("type") == "context":
            sources.append({"quote": _text(descrip), "document": ""})
    data["sources"] = sources
