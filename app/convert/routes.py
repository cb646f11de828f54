"""Simplified/Traditional conversion of running text with any config OpenCC ships, terms protected."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, StrictBool

from app.annotate.index import Annotation, TermAnnotator
from app.annotate.routes import check_size, json_response
from app.api.deps import GlossaryDep, SettingsDep
from app.convert.protect import FoundTerm, WrittenForm, convert_protecting, protects
from app.core.script import available_configs
from app.errors import InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError, responses
from app.terms.schemas import Text

router = APIRouter(prefix="/v1", tags=["convert"])


class ConvertRequest(BaseModel):
    text: Text = Field(examples=["全面落实“四个走在前”“四个新”重大任务，推行“数据得地”改革举措。"])
    config: str = Field(
        default="s2t", examples=["s2twp"], description="Any OpenCC config: s2t, s2tw, s2twp, s2hk, t2s, tw2sp, hk2s …"
    )
    protect_terms: StrictBool = Field(
        default=True,
        description="Glossary terms keep their headword's character-level form instead of being phrase-localised "
        "(s2twp: 數據得地, not 資料得地); the configs back to Simplified (tw2sp, hk2s …) give terms their "
        "Simplified form. Everything else converts exactly as OpenCC does. No effect on configs that do not "
        "localise phrases between Simplified and Traditional (t2tw, t2jp …).",
    )


class ConvertResult(BaseModel):
    text: str
    config: str


def _found(a: Annotation) -> FoundTerm:
    form = a.pattern.form
    written = WrittenForm(a.record.hans, a.record.hant) if form == 0 else WrittenForm(a.record.aliases[form - 1])
    return FoundTerm(a.start, a.end, a.surface, a.pattern.localised, written)


@router.post(
    "/convert",
    response_model=ConvertResult,
    responses=responses(InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError),
)
def convert_text(request: ConvertRequest, glossary: GlossaryDep, settings: SettingsDep) -> Response:
    """Convert `text` with the OpenCC config `config`, glossary terms protected unless `protect_terms` is false."""
    configs = available_configs()
    if request.config not in configs:
        raise InvalidInputError(f"config: unknown OpenCC config {request.config!r}; valid: {', '.join(configs)}")
    check_size(settings, "text", request.text)
    terms: list[FoundTerm] = []
    if request.protect_terms and protects(request.config):
        terms = [_found(a) for a in glossary.index(TermAnnotator).annotate(request.text)]
    converted = convert_protecting(request.text, request.config, terms)
    # Encoded here rather than validated again through ConvertResult (which documents the shape): the
    # response model would copy and re-check the whole converted text.
    return json_response({"text": converted, "config": request.config})
