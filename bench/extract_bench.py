"""Extraction on reports it was not written against: recall and precision on hand-labelled excerpts of other
government work reports, and the time to extract a 50 KB report against a plain regex scan of the same text.

    .venv/bin/python -m bench.extract_bench            # print the tables
    .venv/bin/python -m bench.extract_bench --write    # and write bench/RESULTS-extract.md

The excerpts are `bench/extract_data/NAME.txt`, verbatim, each with `NAME.labels.yaml` naming its source and
listing the coinages a translator needs an entry for (see bench/extract_data/README.md for what is labelled).
Two runs: `rules` is the extractor alone, as on a report in a new city whose terms the glossary lacks;
`+ glossary` adds the seed glossary's matches, as POST /v1/extract gives them on a seeded database.

A candidate is correct when its surface, folded (script, width and quotation marks aside), is a label or one of
its admitted forms (`also`); a label is found when some candidate is. `loose` also counts a candidate that
contains a label or lies inside one (a name taken a word too long or too short).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.config import PROJECT_DIR
from app.core import normalize
from app.core.matcher import TermMatcher
from app.core.normalize import fold
from app.documents.extraction import Candidate, extract
from app.seeding import read_entries

DATA = Path(__file__).parent / "extract_data"
RESULTS = Path(__file__).parent / "RESULTS-extract.md"
REPORT = PROJECT_DIR.parent / "shared" / "sources" / "kunshan-2024-government-work-report.zh.txt"
COMMAND = ".venv/bin/python -m bench.extract_bench --write"


@dataclass(frozen=True)
class Label:
    forms: frozenset[str]  # folded
    term: str
    scope: str


@dataclass(frozen=True)
class Excerpt:
    name: str
    text: str
    source: dict[str, object]
    labels: list[Label]


def load() -> list[Excerpt]:
    excerpts = []
    for path in sorted(DATA.glob("*.txt")):
        meta = yaml.safe_load(path.with_suffix(".labels.yaml").read_text(encoding="utf-8"))
        text = path.read_text(encoding="utf-8")
        labels = []
        for item in meta["terms"]:
            forms = [str(item["term"]), *map(str, item.get("also", []))]
            missing = [f for f in forms if f not in text]
            if missing:
                raise SystemExit(f"{path.name}: labels not in the text verbatim: {missing}")
            labels.append(Label(frozenset(fold(f) for f in forms), str(item["term"]), str(item["scope"])))
        excerpts.append(Excerpt(path.stem, text, meta["source"], labels))
    return excerpts


@dataclass
class Score:
    found: int = 0
    labels: int = 0
    correct: int = 0
    candidates: int = 0
    loose_correct: int = 0
    loose_found: int = 0

    def add(self, other: Score) -> None:
        for field in vars(self):
            setattr(self, field, getattr(self, field) + getattr(other, field))

    @staticmethod
    def ratio(a: int, b: int) -> str:
        return f"{a / b:.2f}" if b else "–"


def score(excerpt: Excerpt, candidates: Sequence[Candidate], scope: str | None = None) -> Score:
    labels = [label for label in excerpt.labels if scope is None or label.scope == scope]
    keys = [fold(c.surface) for c in candidates]
    all_forms = frozenset().union(*(label.forms for label in excerpt.labels))
    s = Score(labels=len(labels), candidates=len(keys))
    s.found = sum(1 for label in labels if label.forms & set(keys))
    s.correct = sum(1 for k in keys if k in all_forms)

    def near(key: str, form: str) -> bool:
        return len(key) >= 2 and len(form) >= 2 and (key in form or form in key)

    s.loose_found = sum(1 for label in labels if any(near(k, f) for k in keys for f in label.forms))
    s.loose_correct = sum(1 for k in keys if any(near(k, f) for f in all_forms))
    return s


def seed_matcher() -> TermMatcher:
    entries = [e.fields for e in read_entries(PROJECT_DIR / "seeds")[0] if e.fields is not None]
    return TermMatcher.from_terms((f.slug, f.hans, f.aliases) for f in entries)


def run(excerpt: Excerpt, matcher: TermMatcher | None) -> list[Candidate]:
    known = [(s, e, p.slug) for s, e, p in matcher.spans(excerpt.text)] if matcher is not None else []
    return extract(excerpt.text, known)


_QUOTED = re.compile(r"[“「『]([^“”「」『』\n]{1,30})[”」』]")


def baseline(text: str) -> list[str]:
    """The plain regex scan: every quoted span."""
    return _QUOTED.findall(text)


def timed(work: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def timing(rounds: int, matcher: TermMatcher) -> list[str]:
    text = REPORT.read_text(encoding="utf-8")
    size = len(text.encode())
    known = [(s, e, p.slug) for s, e, p in matcher.spans(text)]
    # Alternate the four, so that a busy moment of the machine falls on all of them alike.
    base, scan, rules, full = [], [], [], []
    for _ in range(rounds):
        base += timed(lambda: baseline(text), 1)
        scan += timed(lambda: matcher.spans(text), 1)
        rules += timed(lambda: extract(text), 1)
        full += timed(lambda: extract(text, [(s, e, p.slug) for s, e, p in matcher.spans(text)]), 1)
    b, a, r, f = (statistics.median(t) for t in (base, scan, rules, full))
    return [
        f"The Kunshan report ({size:,} bytes UTF-8, {len(text):,} characters, {len(known)} glossary matches), "
        f"median of {rounds} alternating rounds, after `normalize.warm()` as the app does at start-up:",
        "",
        "| what | median ms | p90 ms | vs the regex scan |",
        "|---|---|---|---|",
        f"| baseline: one regex scan for quoted spans | {b * 1e3:.2f} | {_p90(base) * 1e3:.2f} | 1.0x |",
        f"| for scale: the glossary term matcher's scan (annotate's work) | {a * 1e3:.2f} | "
        f"{_p90(scan) * 1e3:.2f} | {a / b:.1f}x |",
        f"| extract, rules only | {r * 1e3:.2f} | {_p90(rules) * 1e3:.2f} | {r / b:.1f}x |",
        f"| extract + the seed glossary's matches (what POST /v1/extract does) | {f * 1e3:.2f} | "
        f"{_p90(full) * 1e3:.2f} | {f / b:.1f}x |",
        "",
        f"Target: under a second for a 50 KB report: {'met' if f < 1 else 'NOT met'} ({f * 1e3:.0f} ms).",
    ]


def _p90(times: list[float]) -> float:
    return sorted(times)[int(len(times) * 0.9)]


def table(excerpts: list[Excerpt], matcher: TermMatcher) -> tuple[list[str], list[str]]:
    lines = [
        "| excerpt | script | chars | labels (local/national) | run | recall | precision | loose recall | "
        "loose precision | candidates |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    totals = {"rules": Score(), "+ glossary": Score()}
    scopes = {(run_name, scope): Score() for run_name in totals for scope in ("local", "national")}
    misses: list[str] = []
    for excerpt in excerpts:
        script = "Traditional" if excerpt.name.endswith("-hant") else "Simplified"
        local = sum(1 for label in excerpt.labels if label.scope == "local")
        for run_name, m in (("rules", None), ("+ glossary", matcher)):
            candidates = run(excerpt, m)
            s = score(excerpt, candidates)
            totals[run_name].add(s)
            for scope in ("local", "national"):
                scopes[(run_name, scope)].add(score(excerpt, candidates, scope))
            lines.append(
                f"| {excerpt.name} | {script} | {len(excerpt.text)} | {len(excerpt.labels)} ({local}/"
                f"{len(excerpt.labels) - local}) | {run_name} | {Score.ratio(s.found, s.labels)} | "
                f"{Score.ratio(s.correct, s.candidates)} | {Score.ratio(s.loose_found, s.labels)} | "
                f"{Score.ratio(s.loose_correct, s.candidates)} | {s.candidates} |"
            )
            if m is None:
                keys = {fold(c.surface) for c in candidates}
                forms = frozenset().union(*(label.forms for label in excerpt.labels))
                missed = [label.term for label in excerpt.labels if not label.forms & keys]
                wrong = [c.surface for c in candidates if fold(c.surface) not in forms]
                misses.append(
                    f"- **{excerpt.name}**: missed {', '.join(missed) or '—'}; not labelled: {', '.join(wrong) or '—'}"
                )
    summary = [
        "| run | labels | recall | precision | loose recall | loose precision | recall, local terms | "
        "recall, national terms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run_name, s in totals.items():
        local, national = scopes[(run_name, "local")], scopes[(run_name, "national")]
        summary.append(
            f"| {run_name} | {s.labels} | {Score.ratio(s.found, s.labels)} | {Score.ratio(s.correct, s.candidates)} "
            f"| {Score.ratio(s.loose_found, s.labels)} | {Score.ratio(s.loose_correct, s.candidates)} | "
            f"{Score.ratio(local.found, local.labels)} | {Score.ratio(national.found, national.labels)} |"
        )
    return [*summary, "", *lines], misses


def sources(excerpts: list[Excerpt]) -> list[str]:
    lines = ["| excerpt | report | place | year | where found |", "|---|---|---|---|---|"]
    for e in excerpts:
        s = e.source
        lines.append(f"| {e.name} | {s['title']} | {s['place']} | {s['year']} | {s['url']} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="timing rounds (default 30)")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(PROJECT_DIR)}")
    args = parser.parse_args()
    normalize.warm()
    excerpts = load()
    matcher = seed_matcher()
    accuracy, misses = table(excerpts, matcher)
    speed = timing(args.rounds, matcher)
    print("\n".join(accuracy), "", "\n".join(misses), "", "\n".join(speed), sep="\n")
    if args.write:
        # The hand-written notes at the end (from "## Notes" on) are kept across runs.
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        notes = old[old.index(_NOTES) :] if _NOTES in old else ""
        RESULTS.write_text(results(excerpts, accuracy, misses, speed) + notes, encoding="utf-8")
        print(f"\nwritten to {RESULTS.relative_to(PROJECT_DIR)}")


_NOTES = "\n## Notes"


def results(excerpts: list[Excerpt], accuracy: list[str], misses: list[str], speed: list[str]) -> str:
    import os

    load_average = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join(
        [
            "# Extraction: recall, precision and speed on reports other than Kunshan's",
            "",
            "Reproduce with:",
            "",
            f"    {COMMAND}",
            "",
            f"Run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC on the shared 2-core machine "
            f"(load average {load_average}). Written by the command, but for the notes at the end.",
            "",
            "## The excerpts",
            "",
            f"{len(excerpts)} verbatim excerpts of {len({(e.source['place'], e.source['year']) for e in excerpts})} "
            "reports, "
            f"{sum(len(e.text) for e in excerpts):,} characters, {sum(len(e.labels) for e in excerpts)} labelled "
            "terms; what is labelled and why is in `bench/extract_data/README.md`.",
            "",
            *sources(excerpts),
            "",
            "## Recall and precision",
            "",
            *accuracy,
            "",
            "What the rules alone missed, and what they found that is not labelled:",
            "",
            *misses,
            "",
            "## Speed",
            "",
            *speed,
            "",
        ]
    )


if __name__ == "__main__":
    main()
