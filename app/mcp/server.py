"""The glossary as MCP tools for LLM agents: lookup, search, annotate (the glossary of a text) and qa.

Read-only and public like the HTTP reads: no key, the same limits (body size, text size, keys per lookup,
rate limit: the app's middleware sees /mcp requests as it sees the others). The answers are the HTTP API's
own shapes, as structured content.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Literal

from fastapi import FastAPI
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from app.annotate.glossary import text_terms
from app.annotate.index import TermAnnotator
from app.annotate.qa import qa_issues
from app.annotate.schemas import QaIssue, QaResult, TextGlossary, TextGlossaryTerm
from app.api.responses import check_size
from app.config import Settings
from app.core.script import Script
from app.errors import GlossaryError
from app.search.index import TermSearch, count_if_missed
from app.search.misses import MissCounter
from app.search.schemas import SearchItem, SearchResult
from app.terms.glossary import Glossary, present
from app.terms.schemas import Kind, LookupResult, Text, clean

INSTRUCTIONS = """\
A glossary of the coined slogans, numbered formulas, programmes and platforms of Chinese government documents
(六服六进, 数据得地, 千万工程 …), each with its approved English rendering, renderings to avoid, definitions,
pinyin and Traditional forms. When translating a Chinese text into English: call `annotate` on the source
first and use each term's `en` exactly (never an `en_avoid` rendering); call `qa` on the source and your
draft before you answer, and fix every issue it lists. Use `lookup` for terms you know, `search` when you
only have pinyin, an English guess or a fragment."""

_READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)

ScriptName = Literal["hans", "hant", "tw", "hk"]
_SCRIPT = Field(
    description="Script of the returned Chinese fields: hans (Simplified), hant (Traditional), tw (Taiwan), hk "
    "(Hong Kong)."
)
Key = Annotated[Text, Field(min_length=1, max_length=200)]


def build(app: FastAPI) -> MCPServer:
    """The MCP server of `app`: its tools read the app's glossary snapshot and settings when they run."""

    def state() -> tuple[Glossary, Settings]:
        return app.state.glossary, app.state.settings

    def misses() -> MissCounter:
        return app.state.search_misses  # type: ignore[no-any-return]

    with _logging_left_alone():
        server = MCPServer("policy-glossary", title="Policy Glossary", version=app.version, instructions=INSTRUCTIONS)
    for tool in (_lookup(state), _search(state, misses), _annotate(state), _qa(state)):
        server.add_tool(tool, annotations=_READ_ONLY, structured_output=True)
    return server


State = Callable[[], tuple[Glossary, Settings]]


def _lookup(state: State) -> Callable[..., LookupResult]:
    def lookup(
        keys: Annotated[
            list[Key],
            Field(
                min_length=1,
                description="Slugs (liu-fu-liu-jin), headwords or aliases in Simplified or any Traditional form "
                "(六服六进, 六服六進, 資料得地).",
            ),
        ],
        script: Annotated[ScriptName, _SCRIPT] = "hans",
    ) -> LookupResult:
        """Look glossary terms up by slug, headword or alias, in any Chinese script.

        Returns `results`, one per key in the same order: the full entry (English rendering `en`, admitted
        `en_alternatives`, `en_avoid` renderings that must not be used, Chinese and English definitions,
        pinyin, Traditional form, components of a numbered formula, sources, a translator's `note`), or null
        where the key is not in the glossary. At most MAX_LOOKUP_KEYS (1000) keys a call."""
        glossary, settings = state()
        if len(keys) > settings.max_lookup_keys:
            raise ToolError(f"keys: at most {settings.max_lookup_keys} keys per call")
        chosen = Script(script)
        results = []
        for key in keys:
            record = glossary.resolve(key)
            results.append(present(record, chosen) if record is not None else None)
        return LookupResult(results=results)

    return lookup


def _search(state: State, misses: Callable[[], MissCounter]) -> Callable[..., SearchResult]:
    def search(
        q: Annotated[
            Text,
            Field(
                min_length=1,
                max_length=200,
                description="What to find: Chinese in any script (數據得地), a fragment, pinyin with or without "
                "tones (shujudedi), input-method initials (sjdd), or English (data for land).",
            ),
        ],
        limit: Annotated[int, Field(ge=1, le=100, description="How many results, best first.")] = 10,
        kind: Annotated[Kind | None, Field(description="Only terms of this kind.")] = None,
        script: Annotated[ScriptName, _SCRIPT] = "hans",
    ) -> SearchResult:
        """Search the glossary when the exact headword is not known; tolerant of one typo.

        Returns `items`, best first, each with the full `term`, a `score` (0–1) and `matched`, the field that
        matched (hans, hant, alias, pinyin, initials, en, en_avoid (a rendering to avoid), definition.en …),
        with `:prefix`, `:fragment` or `:fuzzy` when the match was one."""
        glossary, _settings = state()
        if not q.strip():
            raise ToolError("q: must contain something other than whitespace")
        chosen = Script(script)
        items = []
        index = glossary.index(TermSearch)
        page = index.search_page(q, limit=limit, offset=0, kind=kind, footnoted=None)
        count_if_missed(misses(), index, q, page.hits, kind=kind)
        for hit in page.hits:
            record = glossary.resolve(hit.slug)
            if record is not None:
                items.append(SearchItem(term=present(record, chosen), score=hit.score, matched=hit.matched))
        total = max(page.total, len(items))
        return SearchResult(items=items, next_cursor=None, estimated_total=total, total_exact=page.total_exact)

    return search


def _annotate(state: State) -> Callable[..., TextGlossary]:
    def annotate(
        text: Annotated[Text, Field(description="A Chinese text (Simplified, Traditional or a mix), up to 1 MB.")],
        kind: Annotated[Kind | None, Field(description="Only terms of this kind.")] = None,
    ) -> TextGlossary:
        """The glossary of a Chinese text: every glossary term it contains, each concept once.

        Returns `terms` in order of first appearance, each with `surfaces` (how the text writes it), `en`
        (the approved English rendering: use it verbatim in a translation), `en_alternatives`, `en_avoid`
        (never use these), `definition_en` (what the term means) and `count`. Call this before translating a
        text, and put the terms into the translation's instructions."""
        glossary, settings = state()
        _check(settings, "text", text)
        found = glossary.index(TermAnnotator).scan(text, kind=kind)
        return TextGlossary(terms=[TextGlossaryTerm(**t.as_json()) for t in text_terms(found)])  # type: ignore[arg-type]

    return annotate


def _qa(state: State) -> Callable[..., QaResult]:
    def qa(
        source: Annotated[Text, Field(description="The Chinese source text.")],
        target: Annotated[Text, Field(description="Its English translation (a draft to check).")],
    ) -> QaResult:
        """Check an English translation against the glossary terms of its Chinese source.

        Returns `issues`, one per concept at its first place in the source: `missing` when the translation has
        none of the approved renderings (`expected`, preferred first), `avoided` when it uses a rendering to
        avoid (`found`). An empty list means the translation uses the glossary. Matching ignores case,
        plurals, hyphens and quotation-mark style."""
        glossary, settings = state()
        _check(settings, "source", source)
        _check(settings, "target", target)
        issues = qa_issues(glossary.index(TermAnnotator), source, target)
        return QaResult(issues=[QaIssue.model_validate(i) for i in issues])

    return qa


@contextlib.contextmanager
def _logging_left_alone() -> Iterator[None]:
    """`MCPServer()` calls `logging.basicConfig` (a root handler at INFO): that would print the app's access
    log wherever the app runs without a logging setup of its own (the CLI, tests). With a handler already on
    the root logger, basicConfig does nothing; the placeholder goes again afterwards."""
    root = logging.getLogger()
    placeholder = logging.NullHandler()
    root.addHandler(placeholder)
    try:
        yield
    finally:
        root.removeHandler(placeholder)


def _check(settings: Settings, field: str, text: str) -> None:
    """The HTTP API's text limit, as a tool error."""
    try:
        clean(text)
        check_size(settings, field, text)
    except GlossaryError as exc:
        raise ToolError(exc.detail) from exc
    except ValueError as exc:
        raise ToolError(f"{field}: {exc}") from exc
