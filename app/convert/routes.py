"""Simplified/Traditional conversion of running text with any config OpenCC ships, terms protected."""

from __future__ import annotations

import operator

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, StrictBool

from app.annotate.index import Found, TermAnnotator
from app.annotate.routes import check_size, json_response
from app.api.deps import GlossaryDep, SettingsDep
from app.convert.protect import WrittenForm, convert_replacing, protected_form, protects
from app.core.script import available_configs, convert
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


def _replacements(found: Found, config: str) -> list[str]:
    """The protected form of every term found, worked out once per distinct (surface, pattern)."""
    group, members = found.scan.groups()
    patterns, records = found.scan.patterns, found.records
    forms = []
    for surface, w in members:
        pattern, record = patterns[w], records[w]
        written = (
            WrittenForm(record.hans, record.hant)
            if pattern.form == 0
            else WrittenForm(record.aliases[pattern.form - 1])
        )
        forms.append(protected_form(surface, written, pattern.localised, config))
    return list(operator.itemgetter(*group.tolist())(forms)) if len(group) > 1 else [forms[g] for g in group.tolist()]


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
    if request.protect_terms and protects(request.config):
        found = glossary.index(TermAnnotator).scan(request.text)
        scan = found.scan
        replacements = _replacements(found, request.config)
        converted = convert_replacing(
            request.text, request.config, scan.starts.tolist(), scan.ends.tolist(), replacements
        )
    else:
        converted = convert(request.text, request.config)
    # Encoded here rather than validated again through ConvertResult (which documents the shape): the
    # response model would copy and re-check the whole converted text.
    return json_response({"text": converted, "config": request.config})
