"""The translation check of `POST /v1/qa` and the MCP `qa` tool: the source's terms as the annotator finds
them, checked against the target by the pure `app.core.qa`."""

from __future__ import annotations

from app.annotate.index import TermAnnotator
from app.core import qa


def qa_issues(annotator: TermAnnotator, source: str, target: str) -> list[dict[str, object]]:
    """The `issues` of `POST /v1/qa` (the MCP tool's too)."""
    annotations = annotator.annotate(source)
    surfaces: dict[str, str] = {}
    terms = []
    for a in annotations:
        r = a.record
        surfaces.setdefault(r.slug, a.surface)
        terms.append(qa.SourceTerm(r.slug, a.start, a.end, qa.Renderings([r.en, *r.en_alternatives], r.en_avoid)))
    issues: list[dict[str, object]] = [
        {
            "slug": i.slug,
            "start": i.start,
            "end": i.end,
            "surface": surfaces[i.slug],
            "kind": i.kind,
            "expected": i.expected,
            "found": i.found,
        }
        for i in qa.check(terms, target)
    ]
    return issues
