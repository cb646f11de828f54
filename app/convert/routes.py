"""Simplified/Traditional conversion of running text with any config OpenCC ships."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.core.script import available_configs, convert
from app.errors import InvalidInputError, PayloadTooLargeError, responses
from app.terms.schemas import Text

router = APIRouter(prefix="/v1", tags=["convert"])


class ConvertRequest(BaseModel):
    text: Text = Field(examples=["全面落实“四个走在前”“四个新”重大任务，推行“数据得地”改革举措。"])
    config: str = Field(
        default="s2t", examples=["s2twp"], description="Any OpenCC config: s2t, s2tw, s2twp, s2hk, t2s, tw2sp, hk2s …"
    )
    protect_terms: bool = Field(
        default=True,
        description="Glossary terms keep their headword's character-level form instead of being phrase-localised.",
    )


class ConvertResult(BaseModel):
    text: str
    config: str


@router.post("/convert", response_model=ConvertResult, responses=responses(InvalidInputError, PayloadTooLargeError))
def convert_text(request: ConvertRequest) -> ConvertResult:
    """Convert `text` with the OpenCC config `config`."""
    configs = available_configs()
    if request.config not in configs:
        raise InvalidInputError(f"config: unknown OpenCC config {request.config!r}; valid: {', '.join(configs)}")
    return ConvertResult(text=convert(request.text, request.config), config=request.config)
