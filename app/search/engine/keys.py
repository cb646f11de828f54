"""The text keys: how a written form, pinyin, initials and English words are compared.

These are the definitions; `vectorised` computes the same for many texts at once (tests pin them equal)."""

from __future__ import annotations

import re

from app.core.normalize import fold
from app.core.pinyin import headword_tokens, strip_tones

SEP = "\x00"  # joins forms into one string; `fold` never produces it and API input may not contain it

CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
NOT_ALNUM = re.compile(r"[^a-z0-9]")
TONE_DIGIT = re.compile(r"(?<=[a-z])[1-5](?![0-9])")
WORD = re.compile(r"[a-z0-9]+")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")
NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")
STOPWORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to"})


class TonelessTable(dict[int, str]):
    """`strip_tones` one code point at a time, for `str.translate` (pinyin is precomposed: ǜ, not u + marks)."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        plain = char if codepoint < 0x80 else strip_tones(char)
        self[codepoint] = plain
        return plain


TONELESS = TonelessTable()


def strip_tone_marks(text: str) -> str:
    if text.isascii():
        return text
    plain = text.translate(TONELESS)
    return plain if plain.isascii() else strip_tones(text)  # combining marks typed apart: the careful way


def form_key(text: str) -> str:
    """How a written form (or a Chinese query) is compared: folded, without whitespace."""
    return "".join(fold(text).split())


def pinyin_key(text: str) -> str:
    """Pinyin as letters and digits only: tone marks and tone numbers gone, ü as v, no spaces or apostrophes.

    `shù jù dé dì`, `shu4 ju4 de2 di4`, `Shuju Dedi` and `shujudedi` all give `shujudedi`.
    """
    return pinyin_of_toneless(strip_tone_marks(fold(text)))


def initials_key(pinyin: str) -> str:
    """The first letter of every syllable (sjdd for shù jù dé dì), as input methods accept them.

    A token that is not a syllable (12345, 1+22+3) is kept whole.
    """
    return initials_of_toneless(strip_tone_marks(fold(pinyin)))


def pinyin_of_toneless(base: str) -> str:
    return TONE_DIGIT.sub("", NOT_ALNUM.sub("", base.replace("u:", "v")))


def initials_of_toneless(base: str) -> str:
    out = []
    for token in base.split():
        if not (token.isascii() and token.isalnum()):  # apostrophes, 1+22+3: the regex only when needed
            token = NOT_ALNUM.sub("", token)
            if not token:
                continue
        out.append(token[0] if token.isalpha() else token)
    return "".join(out)


def words(text: str) -> list[str]:
    # For ASCII, folding is lowercasing; English renderings and definitions are nearly always ASCII.
    return WORD.findall(text.lower() if text.isascii() else fold(text))


def content_words(text: str) -> list[str]:
    found = words(text)
    content = [w for w in found if w not in STOPWORDS]
    return content or found


_SUFFIXES = ("ing", "ed", "es", "s", "e")


def word_stem(word: str) -> str | None:
    """A crude English stem: the word without one inflectional ending (pursue, pursues, pursued and pursuing
    are all pursu), or None for a word too short to strip. Only used to widen a query word to the forms the
    renderings have; never stored."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word if len(word) >= 3 else None


def within_one_edit(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by at most one insertion, deletion, substitution or swap of neighbours."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return a[i:] == b[i + 1 :]  # b has one character more


def pinyin_variants(query: str) -> list[str]:
    """The pinyin keys a Latin query may mean: tone numbers read as tones, or (g60, 5g) as written."""
    toneless = pinyin_key(query)
    raw = NOT_ALNUM.sub("", strip_tone_marks(fold(query)).replace("u:", "v"))
    return [toneless] if raw == toneless or not raw else [toneless, raw]


def without_script_folding(query: str) -> str:
    """The query folded like `form_key` but with its Chinese characters left in their script."""
    out = []
    for char in "".join(query.split()):
        out.append(char if CJK.match(char) else fold(char))
    return "".join(out)


def chinese_part_pinyin(hans: str, pinyin: str) -> str | None:
    """The pinyin of the headword's Han characters alone, spaced (`dà ān quán gōng zuò tǐ xì` for
    “1+22+3”大安全工作体系), for a headword that also has digits, letters or other tokens; None for one of Han
    characters only, or when the pinyin does not spell the headword token by token."""
    if not NOT_HAN.search(hans):
        return None
    tokens = headword_tokens(hans)
    syllables = pinyin.split()
    if len(tokens) != len(syllables):
        return None
    han = [syllable for token, syllable in zip(tokens, syllables, strict=True) if HAN.fullmatch(token)]
    return " ".join(han) if han and len(han) < len(syllables) else None


def alias_pinyin(hans: str, pinyin: str, alias: str) -> str | None:
    """The pinyin of an alias (as its form key) spelled from the headword's own readings (精网微格, an alias of
    精微网格, is jīng wǎng wēi gé), or None when it has a Han character the headword does not."""
    tokens = headword_tokens(hans)
    syllables = pinyin.split()
    if len(tokens) != len(syllables):
        return None
    reading = {form_key(token): syllable for token, syllable in zip(tokens, syllables, strict=True)}
    out = []
    for token in headword_tokens(alias):
        if token in reading:
            out.append(reading[token])
        elif HAN.fullmatch(token):
            return None
        else:
            out.append(token)  # digits and letters read as written
    return " ".join(out) or None
