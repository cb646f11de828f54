"""The written forms of a headword: its Traditional renderings and the keys they are compared by."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


def lookup_keys_many(entries: Sequence[tuple[str, Sequence[str]]]) -> list[list[str]]:
    """`lookup_keys` of many (headword, aliases) at once (see `keyed_forms_many`)."""
    return [list(keys) for keys, _origins in keyed_forms_many(entries)]


def keyed_forms_many(entries: Sequence[tuple[str, Sequence[str]]]) -> list[tuple[tuple[str, ...], tuple[int, ...]]]:
    """For each (headword, aliases): its lookup keys, and for each key where it comes from, as
    `form << 1 | localised` (form 0 the headword, i the i-th alias; localised when the key is a phrase-localised
    rendering such as 資料得地 rather than the form's own characters in some script).

    A key written by several forms counts as the first form whose own characters give it, else as the first
    form that localises to it. One OpenCC pass per config over every form joined by line breaks (no dictionary
    phrase spans one, so each line converts as it would alone), and one vectorised fold of each pass.
    """
    forms = [form for hans, aliases in entries for form in (hans, *aliases)]
    if len(forms) < 50 or any("\n" in form for form in forms):
        variants = [[fold(convert(form, config)) for form in forms] for config in VARIANT_CONFIGS]
        folded_forms = [fold(form) for form in forms]
    else:
        variants = []
        for config in VARIANT_CONFIGS:
            out = convert("\n".join(forms), config).split("\n")
            if len(out) != len(forms):  # cannot happen with OpenCC's dictionaries; stay exact if it ever does
                out = [convert(form, config) for form in forms]
            variants.append(_fold_lines(out))
        folded_forms = _fold_lines(forms)
    rows = zip(folded_forms, *variants, strict=True)  # per form: its own key, then each config's
    result = []
    for _hans, aliases in entries:
        origin: dict[str, int] = {}
        for form in range(1 + len(aliases)):
            own, *converted = next(rows)
            # Character-level conversions fold back to the form's own key; a key that differs is localised.
            if own and origin.get(own, 1) & 1:
                origin[own] = form << 1
            for key in converted:
                if key != own and key and key not in origin:
                    origin[key] = form << 1 | 1
        keys = tuple(sorted(origin))
        result.append((keys, tuple(origin[k] for k in keys)))
    return result


def _fold_lines(lines: list[str]) -> list[str]:
    """`fold` of each line, in one vectorised pass over them all (`FoldedText`); lines hold no line break."""
    folded = FoldedText("\n".join(lines)).folded.split("\n")
    if len(folded) != len(lines):  # nothing folds to or from a line break; stay exact should anything ever do
        return [fold(line) for line in lines]
    return folded
