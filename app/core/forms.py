"""The written forms of a headword: its Traditional renderings and the keys they are compared by."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from app.core.normalize import FoldedText, fold
from app.core.script import available_configs, convert

# Character-level conversions (the headword's own Traditional forms) and the phrase-localised ones that
# Taiwan and Hong Kong text contains (数据得地 → 資料得地): a lookup or a text in any of them finds the term.
VARIANT_CONFIGS = tuple(c for c in ("s2t", "s2tw", "s2hk", "s2twp", "s2hkp") if c in available_configs())


def written_forms(hans: str) -> set[str]:
    """`hans` and every Traditional form it is written in."""
    return {hans, *(convert(hans, config) for config in VARIANT_CONFIGS)}


def lookup_keys(hans: str, aliases: Iterable[str] = ()) -> list[str]:
    """The folded keys of a headword and its aliases, in every written form, without repeats."""
    keys: set[str] = set()
    for form in (hans, *aliases):
        keys.update(fold(f) for f in written_forms(form))
    keys.discard("")
    return sorted(keys)


def keyed_forms_many(entries: Sequence[tuple[str, Sequence[str]]]) -> list[tuple[tuple[str, ...], tuple[int, ...]]]:
    """For each (headword, aliases): its lookup keys, and for each key where it comes from, as
    `form << 1 | localised` (form 0 the headword, i the i-th alias; localised when the key is a phrase-localised
    rendering such as 資料得地 rather than the form's own characters in some script).

    A key written by several forms counts as the first form whose own characters give it, else as the first
    form that localises to it. One OpenCC pass per config over every form joined by line breaks (no dictionary
    phrase spans one, so each line converts as it would alone), and one vectorised fold of each pass.
    """
    forms = [form for hans, aliases in entries for form in (hans, *aliases)]
    # Per form, its own key, and per config the keys that differ from it (by form index): sparse, because a
    # headword's Traditional forms nearly always fold back to its own key, and a large glossary should not
    # make (and then free) five strings per form to find the few that don't.
    own_keys: list[str]
    variants: list[dict[int, str]]
    if len(forms) < 50 or any("\n" in form for form in forms):
        own_keys = [fold(form) for form in forms]
        variants = [
            {i: key for i, form in enumerate(forms) if (key := fold(convert(form, config))) != own_keys[i]}
            for config in VARIANT_CONFIGS
        ]
    else:
        joined = "\n".join(forms)
        own_joined = FoldedText(joined).folded
        own_keys = list(forms)
        for i, key in _differing_lines(joined, own_joined, forms).items():
            own_keys[i] = key
        variants = [
            _differing_lines(own_joined, FoldedText(convert(joined, config)).folded, own_keys)
            for config in VARIANT_CONFIGS
        ]
    result: list[tuple[tuple[str, ...], tuple[int, ...]]] = []
    i = 0
    for _hans, aliases in entries:
        if not aliases and not any(i in differing for differing in variants):  # the common case
            own = own_keys[i]
            result.append(((own,), (0,)) if own else ((), ()))
            i += 1
            continue
        origin: dict[str, int] = {}
        for form in range(1 + len(aliases)):
            own = own_keys[i]
            # Character-level conversions fold back to the form's own key; a key that differs is localised.
            if own and origin.get(own, 1) & 1:
                origin[own] = form << 1
            for differing in variants:
                variant = differing.get(i)
                if variant and variant not in origin:
                    origin[variant] = form << 1 | 1
            i += 1
        keys = tuple(sorted(origin))
        result.append((keys, tuple(origin[k] for k in keys)))
    return result


def _differing_lines(before: str, after: str, lines: Sequence[str]) -> dict[int, str]:
    """The lines of `after` (by index) that differ from the same lines of `before`, both `lines` joined by
    line breaks (`lines` is `before` split: the fallback should a conversion not keep the lines apart).

    Compared as arrays of code points: lines of equal length position by position, and every line whose
    length changed. Only the differing lines become strings."""
    a = np.frombuffer(before.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    b = np.frombuffer(after.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    a_breaks, b_breaks = np.flatnonzero(a == 10), np.flatnonzero(b == 10)
    n = len(lines)
    if len(a_breaks) != n - 1 or len(b_breaks) != n - 1:  # cannot happen with OpenCC and `fold`; stay exact
        split = after.split("\n")
        if len(split) != n:
            raise RuntimeError("a conversion merged or split lines")
        return {i: key for i, (old, key) in enumerate(zip(lines, split, strict=True)) if key != old}
    a_start = np.concatenate([[0], a_breaks + 1])
    b_start = np.concatenate([[0], b_breaks + 1])
    a_length = np.concatenate([a_breaks, [len(a)]]) - a_start
    b_length = np.concatenate([b_breaks, [len(b)]]) - b_start
    changed = a_length != b_length
    line_of = np.repeat(np.arange(n), a_length + 1)[: len(a)]  # each code point of `before` (breaks included)
    comparable = np.flatnonzero(~changed[line_of])
    shifted = comparable + (b_start - a_start)[line_of[comparable]]
    changed[line_of[comparable[a[comparable] != b[shifted]]]] = True
    return {i: after[b_start[i] : b_start[i] + b_length[i]] for i in np.flatnonzero(changed).tolist()}
