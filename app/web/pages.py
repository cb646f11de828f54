"""What the desk's templates show, built from the glossary snapshot: no HTTP here beyond the template
environment and the response headers every page carries.

Every value reaches the page through Jinja2 with autoescaping on, and the pages allow no inline script (the
Content-Security-Policy below), so an entry holding `<script>` or `<img onerror>` shows as text."""

from __future__ import annotations

import hashlib
import re
import weakref
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from app.annotate.index import TermAnnotator
from app.core.script import Script
from app.terms.glossary import Glossary, present
from app.terms.schemas import Kind, TermOut
from app.terms.stored import StoredTerm

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES = Jinja2Templates(directory=WEB_DIR / "templates")

# Scripts as the switch offers them, and the language tag of Chinese text in each.
SCRIPT_LABELS = {Script.hans: "简体", Script.tw: "臺灣正體", Script.hk: "香港繁體", Script.hant: "繁體 (OpenCC)"}
SCRIPT_LANG = {Script.hans: "zh-Hans", Script.hant: "zh-Hant", Script.tw: "zh-Hant-TW", Script.hk: "zh-Hant-HK"}
KIND_LABELS = {
    Kind.slogan: "Slogans",
    Kind.programme: "Programmes",
    Kind.platform: "Platforms",
    Kind.policy_package: "Policy packages",
    Kind.concept: "Concepts",
    Kind.brand: "Brands",
    Kind.place: "Places",
}
BASIS_LABELS = {
    "footnote": "the report's own footnote, verbatim",
    "report": "the report's own words",
    "editorial": "written by the glossary's editors",
}

# No inline script or style, nothing from another host; `connect-src 'self'` lets desk.js call the API.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
    "Vary": "Cookie",
}
SCRIPT_COOKIE = "script"


def footnote_marker(number: int | None) -> str:
    """The report's marker for footnote `number`: ① … ⑳, [21] beyond."""
    if number is None:
        return ""
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else f"[{number}]"


@cache
def asset_version(name: str) -> str:
    """A short hash of a static file, appended to its URL so that a changed file is fetched again."""
    return hashlib.blake2b((STATIC_DIR / name).read_bytes(), digest_size=4).hexdigest()


def asset_url(name: str) -> str:
    return f"/static/{name}?v={asset_version(name)}"


# Han characters with the CJK punctuation and full-width forms around them.
_CHINESE_RUN = re.compile(r"[\u2e80-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]+")


def tag_chinese(text: str, lang: str) -> Markup:
    """`text` (English with Chinese in it, such as a translator's note) escaped, each run of Chinese in a
    `<span lang>`, so that a browser picks the right glyphs and a screen reader the right voice."""
    out, position = [], 0
    for run in _CHINESE_RUN.finditer(text):
        out.append(escape(text[position : run.start()]))
        out.append(Markup('<span lang="%s">%s</span>') % (lang, run.group()))
        position = run.end()
    out.append(escape(text[position:]))
    return Markup("").join(out)


TEMPLATES.env.filters["tag_chinese"] = tag_chinese
TEMPLATES.env.globals.update(
    asset_url=asset_url,
    footnote_marker=footnote_marker,
    script_labels=SCRIPT_LABELS,
    kind_labels=KIND_LABELS,
    basis_labels=BASIS_LABELS,
)


def chosen_script(asked: str | None, remembered: str | None) -> tuple[Script, bool]:
    """The script of the page: the `script=` parameter if it names one, else the remembered one, else
    Simplified; and whether the parameter chose it (then it is remembered)."""
    for value, chosen_now in ((asked, True), (remembered, False)):
        if value is not None and value in _SCRIPTS:
            return Script(value), chosen_now
    return Script.hans, False


_SCRIPTS = frozenset(s.value for s in Script)


@dataclass(frozen=True)
class Segment:
    """A piece of a quote; `term` when it is the page's term."""

    text: str
    term: bool


def highlighted(quote: str, slug: str, forms: list[str], annotator: TermAnnotator) -> list[Segment]:
    """`quote` cut into segments, the places where the concept `slug` is written marked. The term matcher
    finds it in any script and with inner quotation marks; where a longer term covers it, its written forms
    are looked for as they are."""
    spans = [(a.start, a.end) for a in annotator.annotate(quote) if a.record.slug == slug]
    if not spans:
        for form in sorted(set(forms), key=len, reverse=True):
            start = quote.find(form) if form else -1
            while start != -1:
                end = start + len(form)
                if not any(s < end and start < e for s, e in spans):
                    spans.append((start, end))
                start = quote.find(form, end)
        spans.sort()
    segments, position = [], 0
    for start, end in spans:
        if start > position:
            segments.append(Segment(quote[position:start], False))
        segments.append(Segment(quote[start:end], True))
        position = end
    if position < len(quote):
        segments.append(Segment(quote[position:], False))
    return segments


@dataclass(frozen=True)
class Related:
    slug: str
    headword: str
    en: str


@dataclass(frozen=True)
class TermPage:
    """One term as its page shows it: the representation in the page's script, the headword's three
    written forms, related concepts resolved, each source quote with the term marked."""

    term: TermOut
    script: Script
    headword: str
    forms: dict[str, str]
    related: list[Related]
    quotes: list[list[Segment]]


def term_page(glossary: Glossary, record: StoredTerm, script: Script) -> TermPage:
    term = present(record, script)
    forms = {
        "hans": record.hans,
        "tw": term.hant if script is Script.tw else present(record, Script.tw).hant,
        "hk": term.hant if script is Script.hk else present(record, Script.hk).hant,
    }
    headword = term.hans if script is Script.hans else term.hant
    related = []
    for slug in term.related:
        other = glossary.resolve(slug)
        if other is not None:
            shown = present(other, script)
            related.append(Related(other.slug, shown.hans if script is Script.hans else shown.hant, shown.en))
    annotator = glossary.index(TermAnnotator)
    written = [headword, term.hans, term.hant, *term.aliases]
    quotes = [highlighted(s.quote, record.slug, written, annotator) for s in term.sources]
    return TermPage(term, script, headword, forms, related, quotes)


def shown_terms(records: list[StoredTerm], script: Script) -> list[TermOut]:
    return [present(r, script) for r in records]


_kind_counts: weakref.WeakKeyDictionary[Glossary, tuple[int, Counter[str]]] = weakref.WeakKeyDictionary()


def kind_counts(glossary: Glossary) -> list[tuple[Kind, int]]:
    """How many concepts of each kind, counted once per snapshot revision (100,000 concepts take a few ms)."""
    cached = _kind_counts.get(glossary)
    if cached is None or cached[0] != glossary.revision:
        cached = _kind_counts[glossary] = (glossary.revision, Counter(r.kind for r in glossary.records()))
    counts = cached[1]
    return [(kind, counts[kind]) for kind in Kind if counts[kind]]
