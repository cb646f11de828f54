"""Simplified/Traditional conversion of running text with any config OpenCC ships, terms protected."""

from __future__ import annotations

import asyncio

import numpy as np
from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from app.annotate.index import Found, TermAnnotator
from app.api.deps import IncludeDraftsDep, SettingsDep, WithDraftsDep
from app.api.responses import check_size, json_response
from app.convert.protect import WrittenForm, convert_piecewise, cut_out, protected_form, protects
from app.convert.schemas import ConvertRequest, ConvertResult
from app.core.script import available_configs, convert, line_slices
from app.errors import InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError, responses

router = APIRouter(prefix="/v1", tags=["convert"])


# Protected forms remembered per snapshot and config (a text repeats its terms; so do the texts sent). Keys
# come from the text sent, so their number is capped; beyond it, forms are worked out and not remembered.
_MEMO_LIMIT = 1 << 14


def _replacements(found: Found, config: str) -> list[str]:
    """The protected form of every term found, in order.

    Each form is worked out once and remembered with the snapshot that found it: by pattern for a match
    written exactly as its key (in a Simplified text, nearly all of them), by (surface, pattern) for the rest.
    """
    scan, records = found.scan, found.records
    memo: dict[object, str] = found.memo.setdefault(("protected", config), {})
    text, patterns, starts, ends = scan.text, scan.patterns, scan.starts, scan.ends
    keys: list[object] = scan.which.tolist()
    other = np.flatnonzero(~scan.unchanged())
    for i, start, end in zip(other.tolist(), starts[other].tolist(), ends[other].tolist(), strict=True):
        keys[i] = (text[start:end], keys[i])
    forms: list[str | None] = list(map(memo.get, keys))
    if None not in forms:
        return forms  # type: ignore[return-value]
    for i, form in enumerate(forms):
        if form is None:
            key = keys[i]
            surface, w = key if isinstance(key, tuple) else (text[starts[i] : ends[i]], key)
            pattern, record = patterns[w], records[w]  # type: ignore[index]
            written = (
                WrittenForm(record.hans, record.hant)
                if pattern.form == 0
                else WrittenForm(record.aliases[pattern.form - 1])
            )
            form = forms[i] = protected_form(surface, written, pattern.localised, config)
            if len(memo) < _MEMO_LIMIT:
                memo[key] = form
    return forms  # type: ignore[return-value]


@router.post(
    "/convert",
    response_model=ConvertResult,
    responses=responses(InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError),
)
async def convert_text(
    request: ConvertRequest, with_drafts: WithDraftsDep, settings: SettingsDep, include_drafts: IncludeDraftsDep = False
) -> Response:
    """Convert `text` with the OpenCC config `config`, glossary terms protected unless `protect_terms` is false."""
    configs = available_configs()
    if request.config not in configs:
        raise InvalidInputError(f"config: unknown OpenCC config {request.config!r}; valid: {', '.join(configs)}")
    check_size(settings, "text", request.text)
    text, config = request.text, request.config
    annotator = with_drafts.annotator(include_drafts) if request.protect_terms and protects(config) else None
    converted = await _converted(text, config, annotator)
    # Encoded here rather than validated again through ConvertResult (which documents the shape): the
    # response model would copy and re-check the whole converted text.
    return json_response({"text": converted, "config": config})


# Text is converted on the event loop a slice at a time, handing the loop back between slices. OpenCC
# holds the GIL for the whole of a call, so a worker thread would not free the loop while it converts: it
# would only add the hand-over (and, often, caches cold on the other core). A slice of 32,768 characters is
# 5-8 ms of OpenCC; each further OpenCC call costs about 0.1 ms more than the characters it converts
# (100 KB in slices of 8,192 characters measured 9-10% slower than in one call, in slices of 32,768 3%).
# A line longer than a slice is converted whole (a megabyte on one line holds the loop for 60-90 ms, as it
# did in a worker thread). Finding the terms takes 3-8 ms per 100,000 characters, so only a text longer than
# SCAN_ON_LOOP_CHARS is scanned in the thread pool.
SLICE_CHARS = 32_768
SCAN_ON_LOOP_CHARS = 65_536


async def _converted(text: str, config: str, annotator: TermAnnotator | None) -> str:
    """`text` converted with `config`, terms protected when an annotator is given, the event loop served
    between slices (a text shorter than a slice is converted in one go, without handing the loop back)."""
    if annotator is None:
        return await _opencc_in_slices(text, config)
    if len(text) <= SCAN_ON_LOOP_CHARS:
        found = annotator.scan(text)
    else:
        found = await run_in_threadpool(annotator.scan, text)
    starts, ends, replacements = found.scan.starts, found.scan.ends, _replacements(found, config)
    if not replacements:
        return await _opencc_in_slices(text, config)
    cut = cut_out(text, starts, ends, replacements)
    converted = cut.put_back(await _opencc_in_slices(cut.text, config)) if cut is not None else None
    if converted is None:  # no private-use character left to stand for the terms: one OpenCC call per piece,
        # in a worker thread, which lets the loop take the GIL between the calls
        converted = await run_in_threadpool(convert_piecewise, text, config, starts, ends, replacements)
    return converted


async def _opencc_in_slices(text: str, config: str) -> str:
    """OpenCC's conversion of `text`, a slice of lines at a time with the event loop served in between."""
    slices = line_slices(text, SLICE_CHARS)
    if len(slices) == 1:
        return convert(text, config)
    out: list[str] = []
    for start, end in slices:
        if out:
            await asyncio.sleep(0)
        out.append(convert(text[start:end], config))
    return "".join(out)
