"""POST /v1/convert on 100 KB of report text through the real app, against raw OpenCC in the same run.

Raw OpenCC and the app run alternately; the ratio is the median of the ratios of each adjacent pair.

.venv/bin/python -m bench.convert_bench [--sizes 0,100000] [--repeat 7] [--breakdown]
"""

from __future__ import annotations

import opencc

from app.annotate.index import TermAnnotator
from app.convert.protect import convert_replacing
from app.convert.routes import _replacements
from bench.annotate_glossary import app_client, arguments, best_of, paired, report_text
from bench.synthetic import glossary_database
from tests.appclient import AppClient


def _steps(client: AppClient, text: str, config: str, repeat: int) -> list[float]:
    annotator = client.app.state.glossary.index(TermAnnotator)
    found = annotator.scan(text)
    replacements = _replacements(found, config)
    starts, ends = found.scan.starts.tolist(), found.scan.ends.tolist()
    converter = opencc.OpenCC(config)

    def floor() -> None:
        assert client.post("/v1/convert", json={"text": text, "config": "-"}).status_code == 422

    return [
        best_of(lambda: converter.convert(text), repeat),
        best_of(floor, repeat),
        best_of(lambda: annotator.scan(text), repeat),
        best_of(lambda: _replacements(found, config), repeat),
        best_of(lambda: convert_replacing(text, config, starts, ends, replacements), repeat),
    ]


def main() -> None:
    args = arguments(__doc__, 7, "also time each step of a protected request")
    text = report_text(100_000)
    print(f"text: {len(text.encode()):,} bytes of report text (Simplified)")
    print("| concepts | config | protect_terms | raw OpenCC ms | app ms | ratio |")
    print("|---:|---|---|---:|---:|---:|")
    steps = []
    for size in (int(s) for s in args.sizes.split(",")):
        url = glossary_database(size, args.dir)
        with app_client(url) as client:
            glossary = client.app.state.glossary
            glossary.index(TermAnnotator).wait_until_current()
            for config in ("s2twp", "s2hk"):
                converter = opencc.OpenCC(config)
                for protect in (True, False):

                    def app(config: str = config, protect: bool = protect) -> None:
                        body = {"text": text, "config": config, "protect_terms": protect}
                        assert client.post("/v1/convert", json=body).status_code == 200

                    raw, ours, ratio = paired(lambda c=converter: c.convert(text), app, args.repeat)
                    print(
                        f"| {len(glossary):,} | {config} | {str(protect).lower()} | {raw * 1e3:.1f} | "
                        f"{ours * 1e3:.1f} | {ratio:.2f}× |",
                        flush=True,
                    )
                if args.breakdown:
                    steps.append(
                        f"| {len(glossary):,} | {config} | "
                        + " | ".join(f"{t * 1e3:.1f}" for t in _steps(client, text, config, args.repeat))
                    )
    if steps:
        print("\nSteps of a protected request, median ms: raw OpenCC; the request floor (the same body refused with")
        print("422 for its config: request encoding, parsing, validation); TermAnnotator.scan (fold, automaton,")
        print("rules); the protected forms of the terms found; OpenCC of the text with the terms cut out, put back.\n")
        print("| concepts | config | raw OpenCC | floor | TermAnnotator.scan | protected forms | convert_replacing |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        print("\n".join(steps))


if __name__ == "__main__":
    main()
