"""Search as you type on the translator's desk, in Debian's Chromium: the time from an `input` event on `/`'s
search box to the results being in the page, next to the floor measured in the same run: the same page
fetching `/healthz` and writing one list item (what any as-you-type box costs against this server).

    .venv/bin/python -m bench.desk_search_bench [--concepts 0] [--rounds 10]

Needs /usr/bin/chromium (`apt-get install -y chromium fonts-noto-cjk`). The glossary is the seed, plus
`--concepts` synthetic ones (built once into the shared bench cache, as the other benchmarks do).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from app.config import PROJECT_DIR
from bench.search_bench import free_port
from bench.synthetic import DEFAULT_DIRECTORY, glossary_database

QUERIES = ["sjdd", "lflj", "liu fu", "shujudedi", "数据", "數據得地", "千万", "data land", "five actions", "五百"]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# One measurement in the page: type `q` (an input event), wait until the results list has an item.
SEARCH = """async (q) => {
  const input = document.getElementById('q'), list = document.getElementById('results');
  list.replaceChildren(); input.value = '';
  const shown = new Promise(done => new MutationObserver((_, observer) => {
    if (list.querySelector('li')) { observer.disconnect(); done(); }
  }).observe(list, {childList: true}));
  const started = performance.now();
  input.value = q; input.dispatchEvent(new Event('input'));
  await shown;
  return performance.now() - started;
}"""
FLOOR = """async () => {
  const list = document.getElementById('results');
  const started = performance.now();
  const response = await fetch('/healthz'); const body = await response.json();
  const item = document.createElement('li'); item.textContent = body.status; list.replaceChildren(item);
  return performance.now() - started;
}"""


def quantiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return f"median {statistics.median(samples):5.1f} ms, p95 {cuts[18]:5.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concepts", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=10, help="passes over the queries")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_DIRECTORY)
    args = parser.parse_args()
    if not Path("/usr/bin/chromium").exists():
        raise SystemExit("no /usr/bin/chromium: `apt-get install -y chromium fonts-noto-cjk`, then run again")
    url = glossary_database(args.concepts, args.cache_dir)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "REFRESH_INTERVAL": "3600"}
    uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--port", str(port)]
    server = subprocess.Popen(
        [*uvicorn, "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"],
        env=env,
        cwd=PROJECT_DIR,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page()
            page.goto(f"{base}/")
            for query in QUERIES:  # warm up: connections, the search index's first queries
                page.evaluate(SEARCH, query)
            searches, floors = [], []
            for _ in range(args.rounds):
                for query in QUERIES:  # alternate, so that both see the same machine
                    searches.append(page.evaluate(SEARCH, query))
                    floors.append(page.evaluate(FLOOR))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"glossary: the seed + {args.concepts} synthetic concepts; {len(searches)} searches")
    print(f"search as you type (input event to results in the page): {quantiles(searches)}")
    print(f"floor (fetch /healthz, write one item):                   {quantiles(floors)}")
    print(f"ratio of medians: {statistics.median(searches) / statistics.median(floors):.2f}")


if __name__ == "__main__":
    main()
