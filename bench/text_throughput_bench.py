"""Requests per second and latency of 10 KB annotate and convert requests at 50 connections, 1 and 2 workers.

    .venv/bin/python -m bench.text_throughput_bench [--seconds 20] [--workers 1 2]

The real server (uvicorn, SQLite, the seed glossary) under wrk on 127.0.0.1; `GET /healthz` in the same run is
the floor. 10 KB of report text is 3,570 characters, under the 4,096 up to which annotate works on the event
loop (a longer text goes to the thread pool); convert works on the loop at every length, OpenCC a slice of
lines at a time (app/convert/routes.py). Folding and OpenCC hold the GIL, so a second worker process is what
adds throughput.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

import httpx

from bench.load_bench import REPORT, Req, database, prepare, run_wrk, server, server_env


def ten_kb_of_report() -> str:
    text = REPORT.read_text("utf-8")
    start = text.index("（一）聚力抓项目优服务")
    out = text[start:]
    while len(out.encode()) > 10_240:
        out = out[:-50]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    text = ten_kb_of_report()
    body = {
        "annotate": json.dumps({"text": text}, ensure_ascii=False).encode(),
        "convert": json.dumps({"text": text, "config": "s2twp"}, ensure_ascii=False).encode(),
    }
    kinds = {
        "healthz": [Req("healthz", "GET", "/healthz")],
        "annotate 10 KB": [Req("annotate", "POST", "/v1/annotate", body["annotate"])],
        "convert 10 KB (s2twp, protect_terms)": [Req("convert", "POST", "/v1/convert", body["convert"])],
    }
    rows = []
    with tempfile.TemporaryDirectory(prefix="glossary-text-bench-") as tmp:
        workdir = Path(tmp)
        with database(None, workdir) as url:
            env = server_env(url)
            prepare(env)
            for workers in args.workers:
                with server(env, workers, workdir / f"server-{workers}.log") as (base, _pgid):
                    for name, requests in kinds.items():
                        before = app_latency_buckets(base, requests[0].path)
                        result = run_wrk(base, requests, args.connections, args.seconds, workdir)
                        after = app_latency_buckets(base, requests[0].path)
                        errors = sum(result["errors"].values())
                        rps = result["requests"] / (result["duration_us"] / 1e6)
                        lat = result["latency_us"]
                        # One worker's /metrics covers every request; with more, each answers for itself.
                        app_p99 = p99_bound(before, after) if workers == 1 else None
                        rows.append((workers, name, rps, lat["p50"] / 1000, lat["p99"] / 1000, app_p99, errors))
    print(f"{args.connections} connections, {args.seconds:.0f} s each, wrk -t2, report text of {len(text)} characters")
    print("The app's own p99 is the bucket bound of its latency histogram (/metrics: from the middleware's entry to")
    print("the response) that 99% of the run's requests fell under; one worker only.\n")
    print("| workers | request | req/s | p50 ms | p99 ms | app's own p99 ≤ ms | errors |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for workers, name, rps, p50, p99, app_p99, errors in rows:
        app = "" if app_p99 is None else f"{app_p99 * 1000:g}"
        print(f"| {workers} | {name} | {rps:.0f} | {p50:.1f} | {p99:.1f} | {app} | {errors} |")


def app_latency_buckets(base: str, route: str) -> dict[float, float]:
    """The cumulative bucket counts of the app's latency histogram for `route`, by upper bound (seconds)."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    buckets = {}
    for match in re.finditer(
        r'^glossary_http_request_duration_seconds_bucket\{le="([^"]+)",method="[A-Z]+",route="([^"]+)"\} (\S+)$',
        text,
        re.MULTILINE,
    ):
        if match[2] == route:
            buckets[float(match[1])] = float(match[3])
    return buckets


def p99_bound(before: dict[float, float], after: dict[float, float]) -> float | None:
    """The smallest bucket bound under which 99% of the requests between two readings fell."""
    counts = {bound: after[bound] - before.get(bound, 0.0) for bound in sorted(after)}
    total = counts.get(float("inf"), 0.0)
    if not total:
        return None
    return next(bound for bound, count in counts.items() if count >= 0.99 * total)


if __name__ == "__main__":
    main()
