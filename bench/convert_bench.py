"""POST /v1/convert on 100 KB of report text through the real app, against raw OpenCC in the same run.

Raw OpenCC and the app run alternately; the ratio is the median of the ratios of each adjacent pair. The app
is timed as a server hands it a request (one ASGI call with the body read: `paired_asgi`) and, in a second
set of pairs, through an in-process httpx client, which adds the client's own work (`paired`; see
bench/annotate_glossary.py).

.venv/bin/python -m bench.convert_bench [--sizes 0,100000] [--repeat 7] [--breakdown]
"""

from __future__ import annotations

import json

import opencc

from app.annotate.index import TermAnnotator
from app.convert.protect import convert_replacing
from app.convert.routes import _replacements
from bench.annotate_glossary import (
    app_client,
    arguments,
    asgi_median,
    best_of,
    paired,
    paired_asgi,
    report_text,
)
from bench.synthetic import glossary_database
from tests.appclient import AppClient


def _steps(client: AppClient, text: str, config: str, repeat: int) -> list[float]:
    annotator = client.app.state.glossary.index(TermAnnotator)
    found = annotator.scan(text)
    replacements = _replacements(found, config)
    starts, ends = found.scan.starts.tolist(), found.scan.ends.tolist()
    converter = opencc.OpenCC(config)

    refused = json.dumps({"text": text, "config": "-"}, ensure_ascii=False).encode()

    return [
        best_of(lambda: converter.convert(text), repeat),
        asgi_median(client, "/v1/convert", refused, repeat, 422),
        best_of(lambda: annotator.scan(text), repeat),
        best_of(lambda: _replacements(found, config), repeat),
        best_of(lambda: convert_replacing(text, config, starts, ends, replacements), repeat),
    ]


def main() -> None:
    args = arguments(__doc__, 7, "also time each step of a protected request")
    text = report_text(100_000)
    print(f"text: {len(text.encode()):,} bytes of report text (Simplified)")
    print("| concepts | config | protect_terms | raw OpenCC ms | app ms | ratio | via httpx |")
    print("|---:|---|---|---:|---:|---:|---:|")
    steps = []
    for size in (int(s) for s in args.sizes.split(",")):
        url = glossary_database(size, args.dir)
        with app_client(url) as client:
            glossary = client.app.state.glossary
            glossary.index(TermAnnotator).wait_until_current()
            for config in ("s2twp", "s2hk"):
                converter = opencc.OpenCC(config)
                for protect in (True, False):
                    body: dict[str, object] = {"text": text, "config": config, "protect_terms": protect}

                    def app(body: dict[str, object] = body) -> None:
                        assert client.post("/v1/convert", json=body).status_code == 200

                    def raw_opencc(c: opencc.OpenCC = converter) -> None:
                        c.convert(text)

                    encoded = json.dumps(body, ensure_ascii=False).encode()
                    raw, ours, ratio = paired_asgi(client, raw_opencc, "/v1/convert", encoded, args.repeat)
                    _raw, _ours, via_httpx = paired(raw_opencc, app, args.repeat)
                    print(
                        f"| {len(glossary):,} | {config} | {str(protect).lower()} | {raw * 1e3:.1f} | "
                        f"{ours * 1e3:.1f} | {ratio:.2f}× | {via_httpx:.2f}× |",
                        flush=True,
                    )
                if args.breakdown:
                    steps.append(
                        f"| {len(glossary):,} | {config} | "
                        + " | ".join(f"{t * 1e3:.1f}" for t in _steps(client, text, config, args.repeat))
                    )
    if steps:
        print("\nSteps of a protected request, median ms: raw OpenCC; the request floor (the same body refused with")
        print("422 for its config, called through ASGI: parsing, validation); TermAnnotator.scan (fold, automaton,")
        print("rules); the protected forms of the terms found; OpenCC of the text with the terms cut out, put back.\n")
        print("| concepts | config | raw OpenCC | floor | TermAnnotator.scan | protected forms | convert_replacing |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        print("\n".join(steps))


if __name__ == "__main__":
    main()
