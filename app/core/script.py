"""Simplified/Traditional conversion with OpenCC.

Headwords are proper names: their Traditional form is OpenCC's character conversion with the regional
character variants (s2t, s2tw, s2hk), never the phrase localisation of s2twp/s2hkp, which would turn
数据得地 into 資料得地.
"""

from __future__ import annotations

import enum
import threading
from functools import cache
from pathlib import Path

import opencc


class Script(enum.StrEnum):
    hans = "hans"
    hant = "hant"
    tw = "tw"
    hk = "hk"


# The character-level configuration for each script (None: the text stays as written).
HEADWORD_CONFIG: dict[Script, str | None] = {
    Script.hans: None,
    Script.hant: "s2t",
    Script.tw: "s2tw",
    Script.hk: "s2hk",
}


@cache
def available_configs() -> tuple[str, ...]:
    """Every conversion configuration the installed OpenCC ships, by name (s2t, s2twp, tw2sp, …)."""
    package = Path(opencc.__file__).parent
    found = {p.stem for p in package.rglob("*.json") if "2" in p.stem}
    return tuple(sorted(found))


_local = threading.local()


def converter(config: str) -> opencc.OpenCC:
    """A converter for `config`, one per thread (OpenCC objects are not documented as thread-safe)."""
    cache: dict[str, opencc.OpenCC] | None = getattr(_local, "converters", None)
    if cache is None:
        cache = _local.converters = {}
    conv = cache.get(config)
    if conv is None:
        if config not in available_configs():
            raise ValueError(f"unknown OpenCC config {config!r}")
        conv = cache[config] = opencc.OpenCC(config)
    return conv


def convert(text: str, config: str) -> str:
    return str(converter(config).convert(text))


def line_slices(text: str, size: int) -> list[tuple[int, int]]:
    """`text` cut into consecutive slices [start, end) of about `size` characters, each ending with a line
    break (but the last): at the last break within `size` of its start, or at the first one after when there
    is none. OpenCC converts such slices one by one exactly as it converts the whole, since its dictionaries
    are line-based and no phrase in them contains a line break."""
    slices = []
    start, length = 0, len(text)
    while length - start > size:
        end = text.rfind("\n", start, start + size) + 1 or text.find("\n", start + size) + 1 or length
        slices.append((start, end))
        start = end
    if start < length or not slices:
        slices.append((start, length))
    return slices


def to_script(text: str, script: Script) -> str:
    """`text` (Simplified) in `script`, converted character by character with regional variants."""
    config = HEADWORD_CONFIG[script]
    return text if config is None else convert(text, config)
