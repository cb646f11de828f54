"""Term-safe conversion: OpenCC everywhere except on glossary terms, which keep their headword's own form.

A slogan is a proper name. `s2twp` localises phrases (数据 → 資料, 项目 → 專案), which would turn 数据得地 into
資料得地; with protection a term becomes its character-level form in the target region (數據得地: OpenCC's
s2t/s2tw/s2hk, or the entry's explicit Traditional override), and the reverse configs (tw2sp, hk2s …) give
back the Simplified form. Everything else is converted by OpenCC exactly as it would be without protection.

The terms are cut out and the text is converted in one OpenCC call with a private-use character standing in
for each term (no dictionary phrase contains it, so no phrase runs across a term), then the protected forms
are put back. The text between two terms is therefore segmented as if the terms were not there: a dictionary
phrase that would have run from the text into a term is not applied, which is the point of protecting it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from app.core.normalize import fold
from app.core.script import Script, convert, to_script

# The target script of each config that converts to Traditional or to Simplified; other configs (t2tw, t2jp …)
# do not localise phrases and are applied as they are.
_TO_TRADITIONAL = {"s2t": Script.hant, "s2tw": Script.tw, "s2twp": Script.tw, "s2hk": Script.hk, "s2hkp": Script.hk}
# For text back to Simplified: the same config without the phrase localisation (tw2sp → tw2s).
_TO_SIMPLIFIED = {"t2s": "t2s", "tw2s": "tw2s", "tw2sp": "tw2s", "hk2s": "hk2s", "hk2sp": "hk2s"}
_PRIVATE_USE = range(0xE000, 0xF900)

Offsets = Sequence[int] | npt.NDArray[np.int64]  # code-point offsets of the terms, as a list or as an array


class WrittenForm(NamedTuple):
    """The form of a concept a term is written in (its headword or an alias), Simplified, and the entry's
    explicit Traditional override when the form is the headword and has one."""

    hans: str
    hant: str | None = None


def protects(config: str) -> bool:
    """Whether protecting terms can change what `config` does."""
    return config in _TO_TRADITIONAL or config in _TO_SIMPLIFIED


@lru_cache(maxsize=1 << 16)  # a text repeats its terms; so do the texts sent
def protected_form(surface: str, form: WrittenForm, localised: bool, config: str) -> str:
    """What a term written as `surface` becomes under `config`.

    A surface in the term's own characters (any script, width or quotes) is converted character by character,
    so the writer's quotation marks and digits stay as written; a phrase-localised surface (資料得地) is
    replaced by the form itself. Should OpenCC's character tables not give back the term, the form is used.
    """
    if config in _TO_TRADITIONAL:
        script = _TO_TRADITIONAL[config]
        if form.hant is not None:
            return form.hant
        if not localised:
            out = to_script(surface, script)
            if fold(out) == fold(form.hans):
                return out
        return to_script(form.hans, script)
    if config in _TO_SIMPLIFIED:
        if not localised:
            out = convert(surface, _TO_SIMPLIFIED[config])
            if fold(out) == fold(form.hans):
                return out
        return form.hans
    return convert(surface, config)


def convert_replacing(text: str, config: str, starts: Offsets, ends: Offsets, replacements: Sequence[str]) -> str:
    """`text` converted with `config`, except that each span [starts[i], ends[i]) (non-empty,
    non-overlapping, in order) becomes replacements[i] as it is."""
    if not len(replacements):
        return convert(text, config)
    cut = cut_out(text, starts, ends, replacements)
    if cut is not None:
        out = cut.put_back(convert(cut.text, config))
        if out is not None:
            return out
    return convert_piecewise(text, config, starts, ends, replacements)


def convert_piecewise(text: str, config: str, starts: Offsets, ends: Offsets, replacements: Sequence[str]) -> str:
    """`convert_replacing` with one OpenCC call per piece between the terms: for a text that uses every
    private-use character, so that none can stand for the terms."""
    pieces = []
    pos = 0
    for start, end, replacement in zip(list(starts), list(ends), replacements, strict=True):
        pieces += [convert(text[pos:start], config), replacement]
        pos = end
    pieces.append(convert(text[pos:], config))
    return "".join(pieces)


class Cut(NamedTuple):
    """A text with its terms cut out, ready for one OpenCC pass: `placeholder` stands where each term was,
    and `replacements` are what the terms become."""

    text: str
    placeholder: str
    replacements: Sequence[str]

    def put_back(self, converted: str) -> str | None:
        """`converted` (OpenCC's output for `text`) with each placeholder replaced by its term's form; None if
        OpenCC did not pass every placeholder through."""
        pieces = converted.split(self.placeholder)
        if len(pieces) != len(self.replacements) + 1:
            return None
        out = [pieces[0]] * (2 * len(self.replacements) + 1)
        out[1::2] = self.replacements
        out[2::2] = pieces[1:]
        return "".join(out)


def cut_out(text: str, starts: Offsets, ends: Offsets, replacements: Sequence[str]) -> Cut | None:
    """`text` with the spans cut out (see `Cut`); None when the text uses every private-use character."""
    placeholder = _unused_private_use_char(text)
    if placeholder is None:
        return None
    return Cut(_cut(text, starts, ends, placeholder), placeholder, replacements)


def _cut(text: str, starts: Offsets, ends: Offsets, placeholder: str) -> str:
    """`text` with each span [starts[i], ends[i]) (non-empty, non-overlapping) replaced by `placeholder`, as
    array operations on the code points (a megabyte has thousands of terms)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    first, stop = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    depth = np.zeros(len(codes) + 1, dtype=np.int32)
    depth[first] += 1  # the spans do not overlap, so no index repeats within either assignment
    depth[stop] -= 1
    dropped = np.cumsum(depth[:-1]) > 0
    dropped[first] = False
    codes[first] = ord(placeholder)
    return codes[~dropped].tobytes().decode("utf-32-le", "surrogatepass")


def _unused_private_use_char(text: str) -> str | None:
    for codepoint in _PRIVATE_USE:
        char = chr(codepoint)
        if char not in text:
            return char
    return None
