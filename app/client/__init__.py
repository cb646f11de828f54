"""The Python client of the Policy Glossary API.

    from app.client import GlossaryClient

    with GlossaryClient("http://127.0.0.1:8000") as glossary:
        term = glossary.get_term("數據得地", script="tw")          # Term (app.terms.schemas.TermOut)
        for match in glossary.annotate("推行“数据得地”改革"):
            print(match.start, match.end, match.surface, match.slug, match.en)
        prompt_terms = glossary.glossary(text)                     # each concept of the text once

`AsyncGlossaryClient` has the same calls, awaited. Errors raise `GlossaryError`:

    GlossaryError            .status (None when the server could not be reached), .detail, .problem
"""

from app.client._calls import GlossaryError, SearchHit, SearchPage, Term
from app.client.aio import AsyncGlossaryClient
from app.client.local import LocalTransport
from app.client.sync import GlossaryClient

__all__ = [
    "AsyncGlossaryClient",
    "GlossaryClient",
    "GlossaryError",
    "LocalTransport",
    "SearchHit",
    "SearchPage",
    "Term",
]
