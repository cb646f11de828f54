"""Annotate 1 MB of report text through the real app, against the pipeline a user could script themselves.

Baseline, measured in the same run: OpenCC to Simplified (t2s for Simplified text, tw2sp for Taiwan text,
so that 資料得地 is caught) plus one Aho–Corasick scan (leftmost-longest) with the same terms' keys.
The app's figure includes JSON parsing, validation and response encoding (in process, no network): the app is
timed as a server hands it a request (one ASGI call with the body read: `paired_asgi`) and, in a second set of
pairs, through an in-process httpx client, which adds the client's own work (`paired`; see
bench/annotate_glossary.py). Baseline and app run alternately; the ratio is the median of the ratios of each
adjacent pair.
`--breakdown` also times the app's steps one by one (same text, same keys).

    .venv/bin/python -m bench.annotate_bench [--sizes 0,100000] [--repeat 5] [--breakdown]
"""

from __future__ import annotations

import json

import ahocorasick_rs
import numpy as np
import opencc

from app.annotate.index import TermAnnotator
from app.annotate.routes import _matches_json
from app.core.normalize import FoldedText
from bench.annotate_glossary import app_client, arguments, asgi_median, best_of, paired, paired_asgi, report_text
from bench.synthetic import glossary_database
from tests.appclient import AppClient


def _steps(
    text: str,
    converter: opencc.OpenCC,
    automaton: ahocorasick_rs.AhoCorasick,
    annotator: TermAnnotator,
    client: AppClient,
    repeat: int,
) -> list[float]:
    folded = FoldedText(text)
    raw = automaton.find_matches_as_indexes(folded.folded)
    starts = np.array([s for _i, s, _e in raw], dtype=np.int64)
    ends = np.array([e for _i, _s, e in raw], dtype=np.int64)
    found = annotator.scan(text)

    body = json.dumps({"text": text}, ensure_ascii=False).encode()

    return [
        best_of(lambda: converter.convert(text), repeat),
        best_of(lambda: FoldedText(text), repeat),
        best_of(lambda: automaton.find_matches_as_indexes(folded.folded), repeat),
        best_of(lambda: folded.spans(starts, ends), repeat),
        best_of(lambda: annotator.scan(text), repeat),
        best_of(lambda: _matches_json(found), repeat),
        # the request floor: the same body refused for its query parameter (parsing and validation, no matching)
        asgi_median(client, "/v1/annotate", body, repeat, 422, query=b"kind=-"),
    ]


def main() -> None:
    args = arguments(__doc__, 5, "also time each step of the app's pipeline")
    simplified = report_text(1_000_000)
    taiwan = opencc.OpenCC("s2twp").convert(simplified)
    while len(taiwan.encode()) > 1_000_000:  # phrase localisation changes lengths: trim to the same megabyte
        taiwan = taiwan[:-100]
    print(f"text: {len(simplified.encode()):,} bytes Simplified, {len(taiwan.encode()):,} bytes Taiwan")
    print("| concepts | text | baseline ms | app ms | ratio | via httpx | matches |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    steps = []
    for size in (int(s) for s in args.sizes.split(",")):
        url = glossary_database(size, args.dir)
        with app_client(url) as client:
            glossary = client.app.state.glossary
            annotator = glossary.index(TermAnnotator)
            annotator.wait_until_current()
            keys = [k for r in glossary.records() for k in r.keys]  # the lookup keys the snapshot computed
            automaton = ahocorasick_rs.AhoCorasick(keys, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
            for label, text, config in (("Simplified", simplified, "t2s"), ("Taiwan", taiwan, "tw2sp")):
                converter = opencc.OpenCC(config)

                def baseline(
                    text: str = text, converter: opencc.OpenCC = converter, automaton: object = automaton
                ) -> None:
                    automaton.find_matches_as_indexes(converter.convert(text))  # type: ignore[attr-defined]

                def app(text: str = text) -> None:
                    response = client.post("/v1/annotate", json={"text": text})
                    assert response.status_code == 200, response.text

                body = json.dumps({"text": text}, ensure_ascii=False).encode()
                base, ours, ratio = paired_asgi(client, baseline, "/v1/annotate", body, args.repeat)
                _base, _ours, via_httpx = paired(baseline, app, args.repeat)
                count = len(client.post("/v1/annotate", json={"text": text}).json()["matches"])
                figures = f"{base * 1e3:.0f} | {ours * 1e3:.0f} | {ratio:.2f}× | {via_httpx:.2f}×"
                print(f"| {len(glossary):,} | {label} | {figures} | {count:,} |", flush=True)
                if args.breakdown:
                    step = [*_steps(text, converter, automaton, annotator, client, args.repeat), ours]
                    steps.append(f"| {len(glossary):,} | {label} | " + " | ".join(f"{t * 1e3:.0f}" for t in step))
    if steps:
        print("\nSteps, median ms: OpenCC alone (baseline's first half); FoldedText(text); the automaton's scan of")
        print("the folded text; FoldedText.spans of every raw match; TermAnnotator.scan (all of those plus the rules")
        print("and records); the matches JSON; the request floor (the same body refused with 422 for its query")
        print("parameter, called through ASGI: parsing, validation); the whole request (from the table above).\n")
        print("| concepts | text | OpenCC | FoldedText | scan | spans | TermAnnotator.scan | JSON | floor | request |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        print("\n".join(steps))


if __name__ == "__main__":
    main()
