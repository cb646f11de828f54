"""The vectorised twins of `keys`: the same keys of many texts at once, in NumPy passes over the texts joined
by the separator. Each twin is pinned equal to its definition in `keys` by a test (tests/test_search_keys.py).

The fold itself is `app.core.normalize.FoldedText`, the one vectorised fold of the app; this module adds only
what keys do after folding (dropping whitespace, stripping tone marks, keeping letters and digits)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from app.core.normalize import FoldedText, fold
from app.search.engine.keys import (
    SEP,
    TONELESS,
    form_key,
    initials_of_toneless,
    pinyin_of_toneless,
    strip_tone_marks,
    words,
)

CHUNK = 10_240  # texts per NumPy pass in a build (the temporaries stay a few megabytes); 5 * 2**11

# Every code point `str.split()` splits on (all lie below U+3001): a form key drops them after the fold.
_WHITESPACE = np.array([cp for cp in range(0x3001) if chr(cp).isspace()], dtype=np.uint32)


def folded_joined(joined: str, *, key: bool) -> str:
    """`fold` of texts joined by the separator (which folds to itself), through normalize's `FoldedText`; with
    `key`, whitespace dropped as well (`form_key`)."""
    codes = FoldedText(joined).folded_codes
    if key:
        codes = codes[~np.isin(codes, _WHITESPACE)]
    return str(codes.tobytes().decode("utf-32-le", "surrogatepass"))


def form_keys(texts: Sequence[str]) -> list[str]:
    """`form_key` of many texts, folded a chunk of them at a time in one vectorised pass."""
    out: list[str] = []
    for chunk in form_key_chunks(texts):
        out += chunk.split(SEP)
    return out


def toneless_joined(folded: str) -> str:
    """`folded.translate(TONELESS)`, through NumPy for the few distinct non-ASCII code points pinyin has."""
    if folded.isascii():
        return folded
    codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    other = codes >= 0x80
    distinct = np.unique(codes[other])
    plain = [TONELESS[int(cp)] for cp in distinct.tolist()]
    if any(len(p) != 1 for p in plain):
        return folded.translate(TONELESS)
    mapped = codes.copy()
    mapped[other] = np.array([ord(p) for p in plain], dtype=np.uint32)[np.searchsorted(distinct, codes[other])]
    return str(mapped.tobytes().decode("utf-32-le", "surrogatepass"))


def toneless_many(texts: Sequence[str]) -> list[str]:
    """`strip_tone_marks(fold(t))` of many texts, folded and stripped in one pass over them all."""
    if len(texts) < 50 or any(SEP in t for t in texts):
        return [strip_tone_marks(fold(t)) for t in texts]
    pieces = toneless_joined(folded_joined(SEP.join(texts), key=False)).split(SEP)
    if len(pieces) != len(texts):  # nothing folds to the separator; stay exact should anything ever do
        return [strip_tone_marks(fold(t)) for t in texts]
    # Combining marks typed apart (u + U+0308) survive the table: those few go the careful way.
    return [p if p.isascii() else strip_tone_marks(fold(t)) for p, t in zip(pieces, texts, strict=True)]


ASCII_ALNUM = np.zeros(256, dtype=np.bool_)
ASCII_ALNUM[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)] = True
ASCII_SPACE = np.array([chr(c).isspace() for c in range(256)], dtype=np.bool_)


def shifted(mask: npt.NDArray[np.bool_], by: int) -> npt.NDArray[np.bool_]:
    """mask[i - by] at i (False where that is outside)."""
    out = np.zeros_like(mask)
    if by > 0:
        out[by:] = mask[:-by]
    else:
        out[:by] = mask[-by:]
    return out


def by_ascii(texts: Sequence[str], bulk: Callable[[str], str], one: Callable[[str], str]) -> list[str]:
    """`one` of every text, the ASCII ones (nearly all) through `bulk`: one NumPy pass over them all joined by
    the separator, which it must keep in place."""
    plain = [i for i, t in enumerate(texts) if t.isascii() and SEP not in t]
    if len(plain) < 50:
        return [one(t) for t in texts]
    if len(plain) == len(texts):
        out = bulk(SEP.join(texts)).split(SEP)
        if len(out) == len(texts):
            return out
        return [one(t) for t in texts]
    results = [one(t) if not t.isascii() or SEP in t else "" for t in texts]
    pieces = bulk(SEP.join([texts[i] for i in plain])).split(SEP)
    if len(pieces) != len(plain):
        return [one(t) for t in texts]
    for i, piece in zip(plain, pieces, strict=True):
        results[i] = piece
    return results


def ascii_codes(text: str) -> npt.NDArray[np.uint8]:
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8)


def pinyin_of_ascii(joined: str) -> str:
    """`pinyin_of_toneless` over ASCII texts joined by the separator: letters and digits stay, a tone digit
    (1-5 after a letter, not before a digit) goes."""
    codes = ascii_codes(joined.replace("u:", "v"))
    codes = codes[ASCII_ALNUM[codes] | (codes == 0)]
    letter = (codes >= ord("a")) & (codes <= ord("z"))
    digit = (codes >= ord("0")) & (codes <= ord("9"))
    tone = (codes >= ord("1")) & (codes <= ord("5")) & shifted(letter, 1) & ~shifted(digit, -1)
    return str(codes[~tone].tobytes().decode("ascii"))


def initials_of_ascii(joined: str) -> str:
    """`initials_of_toneless` over ASCII texts joined by the separator: within each whitespace-separated token
    only letters and digits stay, a token of letters only becomes its first letter, and the whitespace goes."""
    codes = ascii_codes(joined)
    boundary = ASCII_SPACE[codes] | (codes == 0)
    starts = ~boundary & ~shifted(~boundary, 1)  # the first character of each token
    token = np.cumsum(starts) - 1
    kept = ASCII_ALNUM[codes]  # what stays of a token
    digit = kept & (codes <= ord("9"))
    has_digit = np.bincount(token[digit], minlength=int(starts.sum())) > 0
    positions = np.flatnonzero(kept)
    owner = token[positions]
    later = np.zeros(len(positions), dtype=np.bool_)  # a kept character after the first of its token
    later[1:] = owner[1:] == owner[:-1]
    kept[positions[later & ~has_digit[owner]]] = False
    return str(codes[kept | (codes == 0)].tobytes().decode("ascii"))


def words_of_ascii(joined: str) -> str:
    """`" ".join(words(t))` over ASCII texts joined by the separator: lowercased, every run of other characters
    between two word characters one space, the others gone."""
    codes = ascii_codes(joined.lower())
    word = ASCII_ALNUM[codes]
    sep = codes == 0
    other = ~(word | sep)
    run_start = other & ~shifted(other, 1)
    run_end = other & ~shifted(other, -1)
    space = np.zeros(len(codes), dtype=np.bool_)
    space[np.flatnonzero(run_start)[shifted(word, 1)[run_start] & shifted(word, -1)[run_end]]] = True
    return str(np.where(space, np.uint8(ord(" ")), codes)[word | sep | space].tobytes().decode("ascii"))


def pinyin_of_toneless_many(texts: Sequence[str]) -> list[str]:
    return by_ascii(texts, pinyin_of_ascii, pinyin_of_toneless)


def initials_of_toneless_many(texts: Sequence[str]) -> list[str]:
    return by_ascii(texts, initials_of_ascii, initials_of_toneless)


def word_strings(texts: Sequence[str]) -> list[str]:
    """`" ".join(words(t))` of many texts."""
    return by_ascii(texts, words_of_ascii, lambda t: " ".join(words(t)))


def form_key_chunks(texts: Sequence[str]) -> list[str]:
    """`form_key` of every text, `CHUNK` texts at a time, each chunk's keys joined by the separator (for the
    definitions: one joined string of them all, without a Python string per definition on the way)."""
    out = []
    for at in range(0, len(texts), CHUNK):
        chunk = texts[at : at + CHUNK]
        folded = None
        if len(chunk) >= 50 and not any(SEP in t for t in chunk):
            folded = folded_joined(SEP.join(chunk), key=True)
            if folded.count(SEP) != len(chunk) - 1:  # nothing folds to the separator; stay exact should it
                folded = None
        out.append(SEP.join(map(form_key, chunk)) if folded is None else folded)
    return out
