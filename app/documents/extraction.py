"""Candidate coined terms of a report it has never seen: the extractor behind POST /v1/extract.

Pure: text in, candidates out, no HTTP and no database. The glossary's part comes in as `known`, the spans the
app's term matcher found in the same text (`TermAnnotator.scan`), so every glossary term present is listed with
its slug, whatever script it is written in.

How a candidate is made:

1. The text is read through its Simplified view (`text.simplified_view`, same length, so offsets carry over).
2. The 名词解释 section, if any, gives footnoted terms with their explanations verbatim (`footnotes`).
3. The rules (`rules.RULES`) give hits: quoted coinages, numbered formulas and packages, parallel slogans,
   named platforms, programmes and brands.
4. Hits, footnoted terms and glossary matches are grouped by their folded form (the one normaliser's `fold`:
   Traditional, width and inner quotation marks do not matter); a rule hit with the very span of a glossary
   match (資料得地 for 数据得地) joins that concept.
5. Groups on the stoplist (`vocabulary.ORDINARY`) are dropped unless the glossary has them.
6. One scan with a `TermMatcher` over the groups' forms counts each candidate's occurrences and finds its first
   one, as annotate would (leftmost-longest; a candidate always inside a longer one counts its rule hits).

`score` is the strongest rule's weight (footnote 1.0, glossary 0.95, see `rules` for the others), plus 0.05 for
each further rule that found it and 0.05 when it occurs more than once, at most 1.0. Candidates come in the
order of their first occurrence. `context` is the sentence of the first occurrence; for a footnoted term, the
sentence that carries its marker (the source quote the contract asks for).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.core.matcher import Pattern, TermMatcher
from app.core.normalize import QUOTES, fold
from app.documents.footnotes import footnote_terms, notes_start
from app.documents.rules import RULES, Hit
from app.documents.text import Sentences, simplified_view
from app.documents.vocabulary import ORDINARY

FOOTNOTE_WEIGHT = 1.0
KNOWN_WEIGHT = 0.95
_ORDINARY = frozenset(fold(w) for w in ORDINARY)


@dataclass(frozen=True, slots=True)
class Candidate:
    surface: str
    start: int
    end: int
    count: int
    score: float
    context: str
    known: str | None
    footnote: int | None
    definition_zh: str | None
    hans: str  # the surface in Simplified characters (for a draft's headword)
    kind: str  # a guess at the glossary kind, for a draft
    rules: tuple[str, ...]  # the rules that found it: footnote, glossary, quoted, named …

    def as_dict(self) -> dict[str, Any]:
        return {
            "surface": self.surface,
            "start": self.start,
            "end": self.end,
            "count": self.count,
            "score": self.score,
            "context": self.context,
            "known": self.known,
            "footnote": self.footnote,
            "definition_zh": self.definition_zh,
            "hans": self.hans,
            "kind": self.kind,
            "rules": list(self.rules),
        }


@dataclass(slots=True)
class _Group:
    spans: list[tuple[int, int]] = field(default_factory=list)  # where rules, footnotes or the glossary found it
    weights: dict[str, float] = field(default_factory=dict)  # rule → its best weight
    known: str | None = None
    known_count: int = 0
    footnote: int | None = None
    definition: tuple[int, int] | None = None
    marker: int | None = None
    entry: tuple[int, int] | None = None

    def add(self, start: int, end: int, rule: str, weight: float) -> None:
        self.spans.append((start, end))
        if weight > self.weights.get(rule, -1.0):
            self.weights[rule] = weight


def extract(text: str, known: Iterable[tuple[int, int, str]] = ()) -> list[Candidate]:
    """The candidate coinages of `text`; `known` are the (start, end, slug) spans of glossary terms in it."""
    if not text:
        return []
    view = simplified_view(text)
    groups: dict[str, _Group] = defaultdict(_Group)

    for note in footnote_terms(view):
        surface = text[note.start : note.end].strip()
        group = groups[_key(surface)]
        group.add(note.start, note.end, "footnote", FOOTNOTE_WEIGHT)
        if group.footnote is None:
            group.footnote, group.definition = note.number, note.definition
            group.marker, group.entry = note.marker, (note.entry_start, note.entry_end)

    for rule in RULES:
        for hit in rule(view):
            _add_hit(groups, text, hit)

    _join_known(groups, text, known)
    for key in [k for k, g in groups.items() if (k in _ORDINARY and g.known is None) or not k]:
        del groups[key]
    _drop_nested(groups)
    return _candidates(text, view, groups)


def _key(surface: str) -> str:
    return fold(surface)


def _add_hit(groups: dict[str, _Group], text: str, hit: Hit) -> None:
    surface = text[hit.start : hit.end]
    # Outer quotation marks are not part of a term (“千万工程” is 千万工程); inner ones are (“1+22+3”大…).
    start, end = hit.start, hit.end
    while start < end and text[start] in QUOTES and text[end - 1] in QUOTES and _one_quoted(surface):
        start, end, surface = start + 1, end - 1, surface[1:-1]
    groups[_key(surface)].add(start, end, hit.rule, hit.weight)


def _one_quoted(surface: str) -> bool:
    inner = surface[1:-1]
    return not any(q in inner for q in QUOTES)


def _join_known(groups: dict[str, _Group], text: str, known: Iterable[tuple[int, int, str]]) -> None:
    """Fold the glossary's matches into the groups: one group a concept, holding every form found."""
    by_slug: dict[str, list[tuple[int, int]]] = defaultdict(list)
    slug_at: dict[tuple[int, int], str] = {}
    for start, end, slug in known:
        by_slug[slug].append((start, end))
        slug_at[(start, end)] = slug
    slug_of_key: dict[str, str] = {}
    for slug, spans in by_slug.items():
        for start, end in spans:
            slug_of_key.setdefault(_key(text[start:end]), slug)
    # A group a concept: the group of its first form found by a rule, or a new one.
    home: dict[str, str] = {}
    for key in list(groups):
        group = groups[key]
        concept = slug_of_key.get(key) or next((slug_at[s] for s in group.spans if s in slug_at), None)
        if concept is None:
            continue
        if concept in home:
            _merge(groups[home[concept]], groups.pop(key))
        else:
            home[concept] = key
    for slug, spans in by_slug.items():
        at = home.get(slug)
        if at is None:
            at = _key(text[spans[0][0] : spans[0][1]])
            if at in groups and groups[at].known not in (None, slug):
                continue
        group = groups[at]
        group.known, group.known_count = slug, len(spans)
        for start, end in spans:
            group.add(start, end, "glossary", KNOWN_WEIGHT)


_LONGEST = 64  # no candidate span is longer than this


def _drop_nested(groups: dict[str, _Group]) -> None:
    """Drop a candidate that only ever occurs inside a longer one found by a rule at least as strong: 固本工程
    inside “法治政府”固本工程, 千村万企 inside “千村万企、千家万户”. A quoted coinage is a name of its own
    (“牡丹停” inside “牡丹停”智慧停车系统) and is dropped only inside a footnoted term, a numbered package or a
    glossary term (应急365 inside “应急365”综合管理平台, 25条 inside 优化营商环境“25条”). Footnoted and glossary
    terms always stay."""
    strong = {"footnote", "numbered-package", "glossary"}
    containers = sorted(
        (start, end, max(group.weights.values()), bool(strong & group.weights.keys()), key)
        for key, group in groups.items()
        for start, end in set(group.spans)
    )
    starts = [c[0] for c in containers]
    nested = []
    for key, group in groups.items():
        if group.footnote is not None or group.known is not None:
            continue
        weight = max(group.weights.values())
        quoted = "quoted" in group.weights

        def inside(span: tuple[int, int], key: str = key, weight: float = weight, quoted: bool = quoted) -> bool:
            start, end = span
            at = bisect.bisect_right(starts, start)
            for c_start, c_end, c_weight, c_strong, c_key in reversed(containers[max(0, at - _LONGEST * 4) : at]):
                if c_start < start - _LONGEST:
                    break
                longer = c_end >= end and c_end - c_start > end - start
                if c_key != key and longer and (c_strong or (c_weight >= weight and not quoted)):
                    return True
            return False

        if all(inside(span) for span in set(group.spans)):
            nested.append(key)
    for key in nested:
        del groups[key]


def _merge(into: _Group, other: _Group) -> None:
    into.spans += other.spans
    for rule, weight in other.weights.items():
        into.weights[rule] = max(weight, into.weights.get(rule, -1.0))
    if into.footnote is None and other.footnote is not None:
        into.footnote, into.definition = other.footnote, other.definition
        into.marker, into.entry = other.marker, other.entry


def _candidates(text: str, view: str, groups: dict[str, _Group]) -> list[Candidate]:
    keys = list(groups)
    firsts, counts = _occurrences(text, keys)
    sentences = Sentences.of(text)
    body_end = notes_start(view)
    out = []
    for i, key in enumerate(keys):
        group = groups[key]
        spans = sorted(set(group.spans))
        scanned = firsts[i]
        first = min(spans[0], scanned) if scanned is not None else spans[0]
        start, end = first
        count = group.known_count if group.known else max(counts[i], len({s for s, _ in spans}))
        if group.footnote is not None and group.marker is not None:
            context = sentences.at(group.marker)
        elif group.footnote is not None and group.entry is not None and (body_end is None or start >= body_end):
            context = text[group.entry[0] : group.entry[1]].strip()
        else:
            context = sentences.at(start)
        definition = text[group.definition[0] : group.definition[1]] if group.definition else None
        out.append(
            Candidate(
                surface=text[start:end],
                start=start,
                end=end,
                count=count,
                score=_score(group.weights, count),
                context=context,
                known=group.known,
                footnote=group.footnote,
                definition_zh=definition,
                hans=view[start:end],
                kind=_kind(view[start:end], group.weights),
                rules=tuple(sorted(group.weights, key=lambda r: -group.weights[r])),
            )
        )
    out.sort(key=lambda c: (c.start, -c.end))
    return out


def _occurrences(text: str, keys: list[str]) -> tuple[list[tuple[int, int] | None], list[int]]:
    """Each key's first occurrence in `text` and how many times it occurs, in one leftmost-longest scan."""
    matcher = TermMatcher({key: Pattern(str(i), 0, False) for i, key in enumerate(keys)})
    firsts: list[tuple[int, int] | None] = [None] * len(keys)
    counts = [0] * len(keys)
    for start, end, pattern in matcher.spans(text):
        i = int(pattern.slug)
        counts[i] += 1
        if firsts[i] is None:
            firsts[i] = (start, end)
    return firsts, counts


def _score(weights: dict[str, float], count: int) -> float:
    best = sorted(weights.values(), reverse=True)
    score = best[0] + 0.05 * (len(best) - 1) + (0.05 if count > 1 else 0.0)
    return round(min(score, 1.0), 2)


_KIND_BY_SUFFIX = (
    ("平台", "platform"),
    ("品牌", "brand"),
    ("条", "policy-package"),
    ("举措", "policy-package"),
    ("措施", "policy-package"),
    ("政策", "policy-package"),
    ("工程", "programme"),
    ("行动", "programme"),
    ("计划", "programme"),
    ("体系", "programme"),
    ("机制", "programme"),
    ("改革", "programme"),
)


def _kind(hans: str, weights: dict[str, float]) -> str:
    """A guess at the glossary kind, for a draft (an editor decides)."""
    bare = hans.strip(QUOTES)
    for suffix, kind in _KIND_BY_SUFFIX:
        if bare.endswith(suffix):
            return kind
    if "numbered-package" in weights:
        return "policy-package"
    return "slogan" if {"quoted", "numbered-formula", "parallel-slogan"} & set(weights) else "concept"
