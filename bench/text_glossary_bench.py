"""The glossary of one text (annotate `format=terms`) against plain annotate of the same text, side by side.

1 MB of report text (Simplified, and as Taiwan writes it), through the real app as a server hands it a
request (one ASGI call with the body read: `bench.annotate_glossary.asgi_post`). The two requests run
alternately; the ratio is the median of the ratios of each adjacent pair. Target: `format=terms` costs at
most 1.2× plain annotate (it scans the same way and then groups the matches instead of writing each one).
`tsv` and `azure` are timed the same way, for the record.

    .venv/bin/python -m bench.text_glossary_bench [--sizes 0,100000] [--repeat 11]
"""

from __future__ import annotations

import json
import statistics
import time

import opencc

from app.annotate.index import TermAnnotator
from bench.annotate_glossary import app_client, arguments, asgi_post, report_text
from bench.synthetic import glossary_database
from tests.appclient import AppClient


def alternating(client: AppClient, body: bytes, query: bytes, repeat: int) -> tuple[float, float, float]:
    """Median seconds of plain annotate, of annotate with `query`, and the median ratio of their pairs."""

    async def run() -> list[tuple[float, float]]:
        assert await asgi_post(client.app, "/v1/annotate", body) == 200
        assert await asgi_post(client.app, "/v1/annotate", body, query) == 200
        pairs = []
        for _ in range(repeat):
            started = time.perf_counter()
            assert await asgi_post(client.app, "/v1/annotate", body) == 200
            middle = time.perf_counter()
            assert await asgi_post(client.app, "/v1/annotate", body, query) == 200
            pairs.append((middle - started, time.perf_counter() - middle))
        return pairs

    pairs = client.portal.call(run)
    return (
        statistics.median(p for p, _ in pairs),
        statistics.median(o for _, o in pairs),
        statistics.median(o / p for p, o in pairs),
    )


def main() -> None:
    args = arguments(__doc__, 11, "(unused)")
    simplified = report_text(1_000_000)
    taiwan = opencc.OpenCC("s2twp").convert(simplified)
    while len(taiwan.encode()) > 1_000_000:
        taiwan = taiwan[:-100]
    print(f"text: {len(simplified.encode()):,} bytes Simplified, {len(taiwan.encode()):,} bytes Taiwan")
    print("| concepts | text | format | annotate ms | format ms | ratio | matches | concepts found |")
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        url = glossary_database(size, args.dir)
        with app_client(url) as client:
            glossary = client.app.state.glossary
            glossary.index(TermAnnotator).wait_until_current()
            for label, text in (("Simplified", simplified), ("Taiwan", taiwan)):
                body = json.dumps({"text": text}, ensure_ascii=False).encode()
                matches = len(client.post("/v1/annotate", json={"text": text}).json()["matches"])
                terms = client.post("/v1/annotate?format=terms", json={"text": text}).json()["terms"]
                assert sum(t["count"] for t in terms) == matches
                for fmt in ("terms", "tsv", "azure"):
                    plain, ours, ratio = alternating(client, body, f"format={fmt}".encode(), args.repeat)
                    print(
                        f"| {len(glossary):,} | {label} | {fmt} | {plain * 1e3:.0f} | {ours * 1e3:.0f} | "
                        f"{ratio:.2f}× | {matches:,} | {len(terms):,} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
