"""Pinyin of headwords: the readings a headword admits, and tone stripping.

pypinyin is imported on first use, not with this module: its dictionaries take about 55 MB, and a server
needs them only when an editor's entry is checked or its pinyin suggested, never to answer reads."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from app.core.normalize import QUOTES

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")
# Tokens of a headword as its pinyin spells them: one per Han character, one per run of anything else that
# is not punctuation (digits, Latin letters, +, ℃ …).
_TOKEN = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]|[^\s\u3400-\u4dbf\u4e00-\u9fff·、，。：；！？（）()]+"
)


def headword_tokens(hans: str) -> list[str]:
    text = "".join(c for c in hans if c not in QUOTES)
    return _TOKEN.findall(text)


def strip_tones(syllable: str) -> str:
    """liù → liu, lǜ → lv (the ü written as v, as input methods do)."""
    base = unicodedata.normalize("NFD", syllable.lower()).replace("u\u0308", "v").replace("u:", "v")
    return "".join(c for c in base if unicodedata.category(c) != "Mn")


@cache
def readings(char: str) -> frozenset[str]:
    """Every tone-marked reading pypinyin knows for a Han character (neutral tone where it lists one)."""
    from pypinyin import Style, pinyin

    found = pinyin(char, style=Style.TONE, heteronym=True)[0]
    return frozenset(found)


def pinyin_problems(hans: str, spelled: str) -> list[str]:
    """What is wrong with `spelled` as the pinyin of `hans`: [] when it fits."""
    tokens = headword_tokens(hans)
    syllables = spelled.split()
    if len(tokens) != len(syllables):
        return [f"{len(syllables)} syllables for {len(tokens)} characters/tokens ({' '.join(tokens)})"]
    problems = []
    for i, (token, syllable) in enumerate(zip(tokens, syllables, strict=True)):
        if _HAN.fullmatch(token):
            known = readings(token)
            # A neutral tone (no mark) is admitted after the first syllable: 妈妈 mā ma, 口袋 kǒu dai.
            neutral = i > 0 and syllable in {strip_tones(r).replace("v", "ü") for r in known}
            if syllable.lower() not in known and not neutral:
                problems.append(f"{token} is not read {syllable!r} (known: {', '.join(sorted(readings(token)))})")
        elif unicodedata.normalize("NFKC", token) != unicodedata.normalize("NFKC", syllable):
            problems.append(f"{token!r} should be spelled as written, not {syllable!r}")
    return problems


def suggest(hans: str) -> str:
    """pypinyin's reading of a headword in the house format (a draft for editors, to be checked)."""
    from pypinyin import Style, pinyin

    out = []
    for token in headword_tokens(hans):
        out.append(pinyin(token, style=Style.TONE)[0][0] if _HAN.fullmatch(token) else token)
    return " ".join(out)


def slug_from_pinyin(pinyin: str) -> str:
    """liù fú liù jìn → liu-fu-liu-jin: the house slug of a headword (ASCII, one hyphen between syllables)."""
    words = (re.sub(r"[^a-z0-9]+", "-", strip_tones(s)).strip("-") for s in pinyin.split())
    return "-".join(w for w in words if w)[:80].strip("-")
