"""`glossary serve` against hostile and slow clients, over real sockets: a head too large is refused, half a
head or a body that never comes is answered 408 and closed, X-Forwarded-For is believed only from the proxies
named, and --limit-concurrency answers 503 beyond it."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Database
from tests.servers import serving

pytestmark = pytest.mark.slow


def _exchange(port: int, data: bytes, wait: float = 10.0) -> tuple[bytes, float]:
    """Sends `data`, then reads until the server closes; returns what it said and how long that took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):  # the server may answer and close early
            conn.sendall(data)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := conn.recv(65536):
                answer += chunk
    return answer, time.monotonic() - started


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    database = Database("sqlite", tmp_path_factory.mktemp("serving"))
    database.seed()
    return database


@pytest.fixture(scope="module")
def server(db: Database) -> Iterator[int]:
    with serving(db, "--header-timeout", "1", "--body-timeout", "1", "--max-header-bytes", "8192") as port:
        yield port


def test_a_head_over_the_limit_is_refused(server: int) -> None:
    # h11 counts the head it has not finished parsing: past one socket read (up to 256 KiB) it holds at most
    # --max-header-bytes of it. The reverse proxy in front bounds it exactly.
    answer, _ = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (4 << 20) + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_half_a_head_is_answered_408_and_closed(server: int) -> None:
    answer, took = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"application/problem+json" in answer
    assert took < 5


def test_a_body_that_never_arrives_is_answered_408_and_closed(server: int) -> None:
    head = b"POST /v1/convert HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    answer, took = _exchange(server, head + b'{"te')
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"/problems/request-timeout" in answer
    assert took < 5


def test_a_normal_request_still_works(server: int) -> None:
    response = httpx.post(f"http://127.0.0.1:{server}/v1/convert", json={"text": "数据得地"})
    assert response.json()["text"] == "數據得地"


def test_x_forwarded_for_is_believed_only_from_the_named_proxies(db: Database) -> None:
    def statuses(port: int) -> list[int]:
        return [
            httpx.get(
                f"http://127.0.0.1:{port}/v1/terms/shu-ju-de-di", headers={"x-forwarded-for": f"10.0.0.{i}"}
            ).status_code
            for i in range(4)
        ]

    with serving(db, RATE_LIMIT_PER_MINUTE="3") as port:
        assert statuses(port) == [200, 200, 200, 429]  # one client, whatever it claims to be
    with serving(db, "--forwarded-allow-ips", "127.0.0.1", RATE_LIMIT_PER_MINUTE="3") as port:
        assert statuses(port) == [200, 200, 200, 200]  # four clients behind the local proxy


def test_limit_concurrency_answers_503_beyond_it(db: Database) -> None:
    with serving(db, "--limit-concurrency", "2") as port:
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        try:
            time.sleep(0.2)
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 503
        finally:
            for conn in idle:
                conn.close()
        time.sleep(0.2)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
