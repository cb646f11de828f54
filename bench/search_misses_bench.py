"""What counting the searches that found nothing costs `GET /v1/search`: the real app in process (ASGI through
httpx, lifespan run), over the seed glossary (or a synthetic one of --concepts more), with the miss counting
on and off (off: the route as it was before it, no filtered re-check and nothing added), rounds interleaved so
that both meet the same load.

    .venv/bin/python -m bench.search_misses_bench --cache-dir /tmp/misses-bench

Query kinds: a hit (数据得地), the same miss again and again, a new miss every time (the counter grows and, past
its bound, drops the least counted), and a filtered miss (kind=platform; a second search checks that the
glossary has nothing at all). The bare route of the same app is the floor; each p50 is also a ratio to it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
from pathlib import Path

import httpx

from app.config import Settings
from app.main import create_app
from app.search import routes
from app.search.misses import MissCounter
from bench.synthetic import DEFAULT_DIRECTORY, glossary_database


def _never(*_: object) -> bool:
    return False


async def run(url: str, rounds: int, per_round: int) -> None:
    app = create_app(Settings(database_url=url, refresh_interval=3600, miss_flush_interval=3600))

    @app.get("/bench/bare", include_in_schema=False)
    async def bare() -> dict[str, str]:
        return {"status": "ok"}

    fresh = itertools.count()
    kinds = {
        "bare route": lambda: "/bench/bare",
        "hit 数据得地": lambda: "/v1/search?q=数据得地",
        "same miss": lambda: "/v1/search?q=全然不存在的口号",
        "new miss each time": lambda: f"/v1/search?q=不存在的提法{next(fresh)}",
        "filtered miss": lambda: "/v1/search?q=全然不存在的口号&kind=platform",
    }
    samples: dict[tuple[str, str], list[float]] = {(k, c): [] for k in kinds for c in ("on", "off")}
    async with app.router.lifespan_context(app):
        counting, finds_nothing = app.state.search_misses, routes._finds_nothing
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for path in kinds.values():  # warm up
                for _ in range(20):
                    (await client.get(path())).raise_for_status()
            for _ in range(rounds):
                for mode in ("on", "off"):
                    # off: the route as it was before the counter (no filtered re-check, nothing added)
                    routes._finds_nothing = finds_nothing if mode == "on" else _never  # type: ignore[assignment]
                    for kind, path in kinds.items():
                        for _ in range(per_round):
                            started = time.perf_counter()
                            response = await client.get(path())
                            samples[kind, mode].append(time.perf_counter() - started)
                            response.raise_for_status()
            routes._finds_nothing = finds_nothing  # type: ignore[assignment]
            held = len(counting)
    floor = statistics.median(samples["bare route", "on"] + samples["bare route", "off"])
    print(f"{rounds} rounds x {per_round} requests per kind and mode; counter held {held} queries at the end")
    print("| query | p50 ms, counter on | p50 ms, counter off | on / off | on / bare |")
    print("|---|---|---|---|---|")
    for kind in kinds:
        on, off = (statistics.median(samples[kind, m]) for m in ("on", "off"))
        print(f"| {kind} | {on * 1e3:.3f} | {off * 1e3:.3f} | {on / off:.2f} | {on / floor:.1f} |")
    counter, queries = MissCounter(), [f"不存在的提法{i}" for i in range(110_000)]
    for label, part in (("below its bound", queries[:10_000]), ("past its bound", queries[10_000:])):
        started = time.perf_counter()
        for q in part:
            counter.add(q)
        per_add = (time.perf_counter() - started) / len(part)
        print(f"MissCounter.add, {len(part):,} distinct queries {label} of 10,000: {per_add * 1e6:.1f} µs each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concepts", type=int, default=0, help="synthetic concepts besides the seed")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=50)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_DIRECTORY)
    args = parser.parse_args()
    asyncio.run(run(glossary_database(args.concepts, args.cache_dir), args.rounds, args.per_round))


if __name__ == "__main__":
    main()
