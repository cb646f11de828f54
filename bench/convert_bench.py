"""POST /v1/convert on 100 KB of report text through the real app, against raw OpenCC in the same run.

Raw OpenCC and the app run alternately; the ratio is the median of the ratios of each adjacent pair. The app
is timed as a server hands it a request (one ASGI call with the body read: `paired_asgi`) and, in a second
set of pairs, through an in-process httpx client, which adds the client's own work (`paired`; see
bench/annotate_glossary.py).

.venv/bin/python -m bench.convert_bench [--sizes 0,100000] [--repeat 7] [--breakdown]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable

import opencc

from app.annotate.index import TermAnnotator
from app.convert.protect import convert_replacing, cut_out
from app.convert.routes import _replacements
from bench.annotate_glossary import (
    app_client,
    arguments,
    asgi_median,
    asgi_post,
    best_of,
    paired,
    paired_asgi,
    report_text,
    seconds,
)
from bench.synthetic import glossary_database
from tests.appclient import AppClient

STALL_SIZES = (100_000, 1_000_000)


def _steps(client: AppClient, text: str, config: str, repeat: int) -> list[float]:
    annotator = client.app.state.glossary.index(TermAnnotator)
    found = annotator.scan(text)
    replacements = _replacements(found, config)
    starts, ends = found.scan.starts.tolist(), found.scan.ends.tolist()
    converter = opencc.OpenCC(config)
    cut = cut_out(text, starts, ends, replacements)
    assert cut is not None
    refused = json.dumps({"text": text, "config": "-"}, ensure_ascii=False).encode()

    def raw() -> None:
        converter.convert(text)

    def scan() -> None:
        annotator.scan(text)

    def convert_cut() -> None:
        converter.convert(cut.text)

    return [
        best_of(raw, repeat),
        asgi_median(client, "/v1/convert", refused, repeat, 422),
        best_of(scan, repeat),
        best_of(lambda: _replacements(found, config), repeat),
        best_of(lambda: convert_replacing(text, config, starts, ends, replacements), repeat),
        *_in_turn(raw, scan, convert_cut, repeat),
    ]


def _in_turn(
    raw: Callable[[], None], scan: Callable[[], None], convert_cut: Callable[[], None], repeat: int
) -> list[float]:
    """What the CPU's caches do to a request's steps: the scan right after a raw OpenCC call (as a request meets
    it, after other work), OpenCC of the cut text right after the scan (as in a request) and right after a raw
    OpenCC call (its dictionaries still cached). Median seconds; the two sequences alternate, so the machine's
    load falls on both alike."""
    scans, after_scan, after_opencc = [], [], []
    for _ in range(repeat):
        raw()
        scans.append(seconds(scan))
        after_scan.append(seconds(convert_cut))
        raw()
        after_opencc.append(seconds(convert_cut))
    return [statistics.median(scans), statistics.median(after_opencc), statistics.median(after_scan)]


def longest_stall(client: AppClient, text: str, repeat: int) -> tuple[float, float]:
    """The event loop's longest stall while it answers one protected `s2twp` request for `text`, and that
    request's time (medians over `repeat` requests, seconds). A task on the same loop that does nothing but
    yield measures the gaps between its turns: what any other request would wait to be served."""
    body = json.dumps({"text": text, "config": "s2twp"}, ensure_ascii=False).encode()

    async def run() -> list[tuple[float, float]]:
        results = []
        for _ in range(repeat):
            gaps: list[float] = []
            done = asyncio.Event()

            async def ticker(gaps: list[float] = gaps, done: asyncio.Event = done) -> None:
                last = time.perf_counter()
                while not done.is_set():
                    await asyncio.sleep(0)
                    now = time.perf_counter()
                    gaps.append(now - last)
                    last = now

            task = asyncio.create_task(ticker())
            await asyncio.sleep(0)
            started = time.perf_counter()
            assert await asgi_post(client.app, "/v1/convert", body) == 200
            took = time.perf_counter() - started
            await asyncio.sleep(0)  # the ticker's turn after the request: its last gap (all of it, if the
            # request never handed the loop back)
            results.append((max(gaps), took))
            done.set()
            await task
        return results

    results = client.portal.call(run)
    return statistics.median(g for g, _ in results), statistics.median(t for _, t in results)


def main() -> None:
    args = arguments(__doc__, 7, "also time each step of a protected request")
    text = report_text(100_000)
    print(f"text: {len(text.encode()):,} bytes of report text (Simplified)")
    print("| concepts | config | protect_terms | raw OpenCC ms | app ms | ratio | via httpx |")
    print("|---:|---|---|---:|---:|---:|---:|")
    steps = []
    stalls: list[tuple[int, float, float]] = []
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
            if size == 0:
                stalls.extend((length, *longest_stall(client, report_text(length), 7)) for length in STALL_SIZES)
    print("\nThe event loop's longest stall during one protected s2twp request (seed; median of 7), while a task")
    print("on the same loop does nothing but yield: what any other request waits to be served.\n")
    print("| body bytes | longest stall ms | request ms |")
    print("|---:|---:|---:|")
    for length, stall, took in stalls:
        print(f"| {length:,} | {stall * 1e3:.1f} | {took * 1e3:.1f} |")
    if steps:
        print("\nSteps of a protected request, median ms: raw OpenCC; the request floor (the same body refused with")
        print("422 for its config, called through ASGI: parsing, validation); TermAnnotator.scan (fold, automaton,")
        print("rules), repeated; the protected forms of the terms found; OpenCC of the text with the terms cut out,")
        print("put back (convert_replacing); then, alternating, the scan right after a raw OpenCC call (as a request")
        print("meets it) and OpenCC of the cut text alone right after a raw OpenCC call and right after the scan.\n")
        print(
            "| concepts | config | raw OpenCC | floor | scan | protected forms | convert_replacing "
            "| scan after OpenCC | cut text's OpenCC after OpenCC | after the scan |"
        )
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        print("\n".join(steps))


if __name__ == "__main__":
    main()
