"""The request and response shapes of annotate and qa, shared by the routes, the MCP tools and the client."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.terms.schemas import Kind, Text

_PASSAGE = "全面落实“四个走在前”“四个新”重大任务，推行“数据得地”改革，构建“1+22+3”大安全工作体系。"


class AnnotateRequest(BaseModel):
    model_config = {"extra": "forbid"}  # a misspelt field is a 422 naming it, not ignored
    text: Text = Field(description="The text to annotate, in any Chinese script or a mix.", examples=[_PASSAGE])


class TermMatch(BaseModel):
    start: int = Field(description="Code-point offset into the text as sent: `text[start:end] == surface`.")
    end: int
    surface: str = Field(description="The term as written in the text.")
    slug: str
    hans: str = Field(description="The headword, Simplified.")
    en: str = Field(description="The preferred English rendering.")
    kind: Kind


class AnnotateResult(BaseModel):
    matches: list[TermMatch]
    html: str | None = Field(
        default=None,
        description='With `format=html` only: the text, HTML-escaped, each term wrapped in `<span class="term" '
        'data-slug="…" data-kind="…" title="English rendering">`.',
    )


class TextGlossaryTerm(BaseModel):
    slug: str
    hans: str = Field(description="The headword, Simplified.")
    surfaces: list[str] = Field(description="How the text writes the term, each form once, in order of appearance.")
    en: str = Field(description="The preferred English rendering: the one to use.")
    en_alternatives: list[str] = Field(description="Admitted renderings.")
    en_avoid: list[str] = Field(description="Renderings a translation must not use.")
    definition_en: str = Field(description="What the term means, in English.")
    count: int = Field(description="How often the concept occurs in the text.")


class TextGlossary(BaseModel):
    terms: list[TextGlossaryTerm] = Field(description="Each concept found in the text once, in order of appearance.")


class QaRequest(BaseModel):
    model_config = {"extra": "forbid"}  # a misspelt field is a 422 naming it, not ignored
    source: Text = Field(description="The Chinese source text.", examples=["推行“数据得地”改革，发展新质生产力。"])
    target: Text = Field(
        description="Its English translation.",
        examples=["We will carry out the Land for Data reform and develop new quality productive forces."],
    )


class QaIssue(BaseModel):
    slug: str
    start: int = Field(description="Where the term is in the source (code-point offsets).")
    end: int
    surface: str = Field(description="The term as written in the source.")
    kind: Literal["missing", "avoided"] = Field(
        description="missing: no approved rendering is in the target; avoided: a rendering to avoid is."
    )
    expected: list[str] = Field(description="The approved renderings: the preferred one first.")
    found: str | None = Field(description="For `avoided`: the rendering to avoid as the target writes it.")


class QaResult(BaseModel):
    issues: list[QaIssue] = Field(description="Empty when the translation used the glossary.")
