"""The 名词解释 section of a report: the terms it defines, their explanations verbatim, and their markers.

A report that explains its coinages ends with a heading (名词解释, 名词注释, 名词注解 or 注释, letters
possibly spaced out, maybe in 【】 or after 《政府工作报告》) followed by one entry a line:

    ①Ⅱ型大城市：城区常住人口100万以上、300万以下的城市。
    ⑤“四个走在前”“四个新”：在科技自立自强上走在前……；在科技创新上取得新突破……。
    7.“放管服”改革：指“简政放权、放管结合、优化服务”。

The marker is a circled number (①–㊿), `N.` `N、` `（N）` or `[N]`; the term runs to the first colon. A term
written as one quoted string loses its outer quotes (“千万工程” → 千万工程) and keeps inner ones (“1+22+3”大安全
工作体系); an entry naming several quoted terms (“四个走在前”“四个新”) defines each, and when its explanation
has as many parts separated by ；, each term takes its part (without the ；). The body carries the marker right
after the term (Ⅱ型大城市①, “数据得地”⑧, or “六稳”[1]): the sentence holding the first marker is the term's
source sentence. Everything here reads the Simplified view, so Traditional reports parse the same.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HEADING = re.compile(
    r"^[ \t\u3000]*(?:附件\s*\d*\s*)?[【\[〔]?(?:《[^》\n]{1,20}》)?[ \t\u3000]*"
    r"(?:名\s*词\s*(?:解\s*释|注\s*释|注\s*解)|注\s*释)[ \t\u3000]*[】\]〕]?[ \t\u3000]*[:：]?[ \t\u3000]*$",
    re.MULTILINE,
)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳㉑㉒㉓㉔㉕㉖㉗㉘㉙㉚㉛㉜㉝㉞㉟㊱㊲㊳㊴㊵㊶㊷㊸㊹㊺㊻㊼㊽㊾㊿"
_ENTRY = re.compile(
    r"^[ \t\u3000]*(?:(?P<circled>[" + _CIRCLED + r"])|[（(](?P<paren>\d{1,2})[)）]|\[(?P<bracket>\d{1,2})\]"
    r"|〔(?P<lenticular>\d{1,2})〕|(?P<plain>\d{1,2})[.．、])[ \t\u3000]*"
    r"(?P<term>[^：:\n]{1,60}?)[ \t\u3000]*[：:][ \t\u3000]*(?P<explanation>[^\n]*\S)",
    re.MULTILINE,
)
_QUOTED = re.compile(r"[“「『\"]([^“”「」『』\"\n]{1,40})[”」』\"]")
_GLOSS = re.compile(r"[（(][^（()）]*[)）]$")
_JOINERS = "、和与及 \u3000"


@dataclass(frozen=True, slots=True)
class FootnoteTerm:
    number: int
    start: int  # where the term is written in the entry (offsets into the text)
    end: int
    definition: tuple[int, int]  # the span of its explanation (the text there is verbatim)
    marker: int | None  # where the body first carries the entry's marker, if it does
    entry_start: int  # the entry's line, for a term that the body never uses
    entry_end: int


def notes_start(view: str) -> int | None:
    """Where the last 名词解释 heading begins, if the text has one."""
    last = None
    for m in _HEADING.finditer(view):
        last = m
    return last.start() if last is not None else None


def footnote_terms(view: str) -> list[FootnoteTerm]:
    """Every term the 名词解释 section defines, in order (`view` is `simplified_view` of the text)."""
    start = notes_start(view)
    if start is None:
        return []
    body = view[:start]
    found = []
    for m in _ENTRY.finditer(view, start):
        circled = m.group("circled")
        number = int(unicodedata.numeric(circled)) if circled else int(next(g for g in m.group(4, 5, 6, 7) if g))
        marker = _first_marker(body, circled, number)
        terms = _split_terms(m.group("term"), m.start("term"))
        definitions = _split_definition(m.group("explanation"), m.start("explanation"), len(terms))
        for (t_start, t_end), definition in zip(terms, definitions, strict=True):
            found.append(FootnoteTerm(number, t_start, t_end, definition, marker, m.start(), m.end()))
    return found


def _first_marker(body: str, circled: str | None, number: int) -> int | None:
    if circled:
        at = body.find(circled)
        return at if at >= 0 else None
    m = re.search(rf"(?:\[{number}\]|〔{number}〕)", body)
    return m.start() if m else None


def _split_terms(term: str, offset: int) -> list[tuple[int, int]]:
    """The spans of the terms an entry names: one per quoted piece when the entry is only quoted pieces."""
    gloss = _GLOSS.search(term)
    if gloss and gloss.start() > 0:  # 地区生产总值（GDP）: the gloss in brackets is not part of the term
        term = term[: gloss.start()]
    pieces = list(_QUOTED.finditer(term))
    rest = _QUOTED.sub("", term).strip(_JOINERS)
    if pieces and not rest:
        return [(offset + p.start(1), offset + p.end(1)) for p in pieces]
    return [(offset, offset + len(term))]


def _split_definition(explanation: str, offset: int, count: int) -> list[tuple[int, int]]:
    """The explanation's span for each of `count` terms: its ；-separated parts when there are as many."""
    whole = (offset, offset + len(explanation))
    if count == 1:
        return [whole]
    spans, start = [], 0
    for part in explanation.split("；"):
        stripped = part.strip(" \u3000")
        lead = len(part) - len(part.lstrip(" \u3000"))
        spans.append((offset + start + lead, offset + start + lead + len(stripped)))
        start += len(part) + 1
    if len(spans) == count and all(end > begin for begin, end in spans):
        return spans
    return [whole] * count
