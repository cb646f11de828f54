"""The request and response shapes of convert, shared by the route and the client."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool

from app.terms.schemas import Text


class ConvertRequest(BaseModel):
    model_config = {"extra": "forbid"}  # a misspelt field is a 422 naming it, not ignored
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
