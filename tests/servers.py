"""`glossary serve` in a child process on a free local port, for the tests that need real sockets."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import Database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(db: Database, *options: str, **env: str) -> Iterator[int]:
    port = _free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *options],
        env=dict(os.environ, DATABASE_URL=db.url, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=Path(db.url.removeprefix("sqlite:///")).parent if db.backend == "sqlite" else None,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else "server ended"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield port
    finally:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stderr is not None:
            child.stderr.close()
