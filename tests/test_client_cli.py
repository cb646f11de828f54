"""`glossary search` and `glossary annotate`, against the local database and against a server (`--url`)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings, get_settings
from app.main import create_app
from tests.conftest import Database
from tests.test_annotate_api import PASSAGE, SLUGS


@pytest.fixture
def local_db(seeded_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The commands' local mode reads DATABASE_URL through the cached settings."""
    monkeypatch.setenv("DATABASE_URL", seeded_db.url)
    get_settings.cache_clear()
    yield seeded_db
    get_settings.cache_clear()


@pytest.fixture
def server_url(seeded_db: Database) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread."""
    config = uvicorn.Config(
        create_app(Settings(database_url=seeded_db.url)), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_search_locally_prints_the_ranked_terms(local_db: Database):
    code, out, _ = run("search", "sjdd", "--limit", "3")
    assert code == 0
    assert "shu-ju-de-di" in out
    assert "Data-Based Land Allocation" in out


def test_search_json_and_no_result(local_db: Database):
    code, out, _ = run("search", "數據得地", "--json", "--limit", "1")
    assert code == 0
    assert json.loads(out)["items"][0]["term"]["slug"] == "shu-ju-de-di"
    code, _, err = run("search", "zzzzqqqq")
    assert code == 1
    assert "no term matches" in err


def test_annotate_stdin_in_every_format(local_db: Database):
    code, out, _ = run("annotate", "-", "--json", stdin=PASSAGE)
    assert code == 0
    assert [m["slug"] for m in json.loads(out)] == SLUGS
    code, out, _ = run("annotate", "-", "--format", "terms", "--json", stdin=PASSAGE + "数据得地")
    terms = json.loads(out)
    assert [t["slug"] for t in terms] == SLUGS
    assert terms[4]["count"] == 2
    code, out, _ = run("annotate", "-", "--format", "tsv", stdin="推行“数据得地”改革")
    assert (code, out) == (0, "数据得地\tData-Based Land Allocation\n")
    code, out, _ = run("annotate", "-", "--format", "azure", stdin="推行“数据得地”改革")
    assert out == '推行“<mstrans:dictionary translation="Data-Based Land Allocation">数据得地</mstrans:dictionary>”改革'


def test_annotate_a_file_and_refuse_what_is_not_utf8(local_db: Database, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "report.txt"
    path.write_text(PASSAGE, encoding="utf-8")
    code, out, _ = run("annotate", str(path))
    assert code == 0
    assert "shu-ju-de-di" in out
    path.write_bytes("数据得地".encode("gb18030"))
    code, _, err = run("annotate", str(path))
    assert code == 2
    assert "not UTF-8" in err
    code, _, err = run("annotate", str(tmp_path / "missing.txt"))
    assert code == 2
    assert "cannot read" in err


def test_the_commands_through_a_server(server_url: str):
    code, out, _ = run("search", "liu fu liu jin", "--url", server_url, "--json")
    assert code == 0
    assert json.loads(out)["items"][0]["term"]["slug"] == "liu-fu-liu-jin"
    code, out, _ = run("annotate", "-", "--url", server_url, "--format", "tsv", stdin="推行“数据得地”改革")
    assert (code, out) == (0, "数据得地\tData-Based Land Allocation\n")


def test_an_unreachable_server_is_an_error_message_not_a_traceback():
    code, _, err = run("search", "sjdd", "--url", "http://127.0.0.1:9")
    assert code == 1
    assert err.startswith("error: ")
