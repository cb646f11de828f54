"""The next report from the shell: `glossary documents add/list/show` and `glossary drafts create/list/approve/reject`
run as the real command on both engines, with what they write seen through the API (and the reverse)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Database, client_for
from tests.editors import bearer, make_key
from tests.test_documents import SECOND, SECOND_DOC

DOC_ID = SECOND_DOC["id"]


def _glossary(*args: str, db: Database, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).parent / "glossary"
    env = {**os.environ, "DATABASE_URL": db.url}
    run = subprocess.run([str(command), *args], cwd=cwd, env=env, input=stdin, capture_output=True, timeout=120)
    return subprocess.CompletedProcess(run.args, run.returncode, run.stdout.decode(), run.stderr.decode())


def _error(run: subprocess.CompletedProcess[str]) -> str:
    """The one line a failing command says (and nothing on stdout, no traceback)."""
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("glossary: ")
    return lines[0]


def _add_second(db: Database, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    report = tmp_path / "report-2025.txt"
    report.write_text(SECOND, encoding="utf-8")
    options = ["--id", DOC_ID, "--title", SECOND_DOC["title"], "--title-en", SECOND_DOC["title_en"]]
    options += ["--date", SECOND_DOC["date"], "--place", SECOND_DOC["place"]]
    return _glossary("documents", "add", str(report), *options, db=db, cwd=tmp_path)


def test_a_second_report_through_the_command(fresh_db: Database, tmp_path: Path):
    added = _add_second(fresh_db, tmp_path)
    assert added.returncode == 0, added.stdout + added.stderr
    assert added.stdout.splitlines()[0] == f"document {DOC_ID} registered ({len(SECOND.strip())} characters)"
    assert "title: 2025年测试市政府工作报告" in added.stdout.splitlines()  # piped: whole lines, Chinese uncut

    listed = json.loads(_glossary("documents", "list", "--json", db=fresh_db, cwd=tmp_path).stdout)["items"]
    assert [d["id"] for d in listed] == ["kunshan-2024-government-work-report", DOC_ID]  # oldest first
    assert listed[0]["terms"] > 300
    assert listed[1]["terms"] == 0
    with client_for(fresh_db) as client:
        assert client.get("/v1/documents").json()["items"] == listed
        assert client.get(f"/v1/documents/{DOC_ID}/text").text == SECOND.strip()

    drafted = _glossary("drafts", "create", DOC_ID, "--json", db=fresh_db, cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stdout + drafted.stderr
    made = json.loads(drafted.stdout)["created"]
    assert {"san-xin-bing-ju", "hui-qi-zhi-tong-che"} <= set(made)
    assert "shu-ju-de-di" not in made  # known terms are not drafted

    queue = _glossary("drafts", "list", "--document", DOC_ID, db=fresh_db, cwd=tmp_path)
    assert queue.returncode == 0, queue.stderr
    lines = queue.stdout.splitlines()
    assert {line.split(": ", 1)[0] for line in lines} == set(made)
    assert "san-xin-bing-ju: 三新并举 (slogan) — English to write" in lines

    # Approving needs the English: one line that says which fields, nothing written.
    early = _glossary("drafts", "approve", "san-xin-bing-ju", db=fresh_db, cwd=tmp_path)
    line = _error(early)
    assert line.startswith("glossary: cannot approve san-xin-bing-ju: en: an approved term needs it")
    assert "definition.en" in line
    assert "Value error" not in line

    with client_for(fresh_db) as client:
        headers = bearer(make_key(fresh_db))
        draft = client.get("/v1/terms/san-xin-bing-ju")
        assert draft.json()["status"] == "draft"
        assert draft.json()["definition"]["zh"] == "建设新城市、发展新产业、布局新赛道。"
        patch = {"en": "Three News Together", "definition": {"en": "New city, new industries, new tracks."}}
        edited = client.request(
            "PATCH", "/v1/terms/san-xin-bing-ju", json=patch, headers={**headers, "If-Match": draft.headers["etag"]}
        )
        assert edited.status_code == 200, edited.text

    approved = _glossary("drafts", "approve", "san-xin-bing-ju", db=fresh_db, cwd=tmp_path)
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert approved.stdout.startswith("san-xin-bing-ju approved")
    rejected = _glossary("drafts", "reject", "hui-qi-zhi-tong-che", db=fresh_db, cwd=tmp_path)
    assert rejected.returncode == 0, rejected.stdout + rejected.stderr
    # Each is a recorded change by the CLI; a second review of either is refused in one line.
    assert _error(_glossary("drafts", "reject", "san-xin-bing-ju", db=fresh_db, cwd=tmp_path)) == (
        "glossary: cannot reject san-xin-bing-ju: the concept 'san-xin-bing-ju' is approved, not a draft: "
        "delete it instead"
    )

    with client_for(fresh_db) as client:
        term = client.get("/v1/terms/san-xin-bing-ju").json()
        assert (term["status"], term["en"]) == ("approved", "Three News Together")
        history = client.get("/v1/terms/san-xin-bing-ju/history").json()["items"]
        assert [h["action"] for h in history] == ["approve", "update", "draft"]
        assert history[0]["actor"] == "cli"
        assert history[2]["actor"] == "cli"
        assert [m["slug"] for m in client.post("/v1/annotate", json={"text": "三新并举"}).json()["matches"]] == [
            "san-xin-bing-ju"
        ]
        assert client.get("/v1/terms/hui-qi-zhi-tong-che").status_code == 410
        assert client.get("/v1/terms/hui-qi-zhi-tong-che/history").json()["items"][0]["action"] == "reject"
        left = client.get("/v1/terms", params={"status": "draft", "document": DOC_ID, "limit": 200}).json()
        assert {t["slug"] for t in left["items"]} == set(made) - {"san-xin-bing-ju", "hui-qi-zhi-tong-che"}

    shown = json.loads(_glossary("documents", "show", DOC_ID, "--json", db=fresh_db, cwd=tmp_path).stdout)
    assert shown["terms"] == len(made) - 1  # the rejected draft no longer cites it
    queue = _glossary("drafts", "list", "--json", db=fresh_db, cwd=tmp_path)
    assert {t["slug"] for t in json.loads(queue.stdout)["items"]} == {t["slug"] for t in left["items"]}


def test_the_commands_refuse_bad_input_in_one_line(fresh_db: Database, tmp_path: Path):
    gbk = tmp_path / "report-gbk.txt"
    gbk.write_bytes(SECOND.encode("gb18030"))
    options = ["--id", DOC_ID, "--title", SECOND_DOC["title"], "--title-en", SECOND_DOC["title_en"]]
    line = _error(_glossary("documents", "add", str(gbk), *options, db=fresh_db, cwd=tmp_path))
    assert line.startswith(f"glossary: {gbk} is not UTF-8 text (byte 0:")
    line = _error(_glossary("documents", "add", "-", *options, db=fresh_db, cwd=tmp_path, stdin=b"\xff\xfe\x00"))
    assert line.startswith("glossary: standard input is not UTF-8 text")
    bad = ["--id", "Not An Id", "--title", "测试", "--title-en", "Test", "--date", "2025-13-01"]
    line = _error(_glossary("documents", "add", "-", *bad, db=fresh_db, cwd=tmp_path, stdin=SECOND.encode()))
    assert line.startswith("glossary: id: String should match pattern")
    assert "date: " in line
    for command in (["drafts", "create", "no-such-report"], ["documents", "show", "no-such-report"]):
        assert (
            _error(_glossary(*command, db=fresh_db, cwd=tmp_path))
            == "glossary: no document has the id 'no-such-report'"
        )
    assert _error(_glossary("drafts", "approve", "no-such-term", db=fresh_db, cwd=tmp_path)) == (
        "glossary: cannot approve no-such-term: no concept has the slug 'no-such-term'"
    )
    # Nothing of the above was written; from standard input, a document registers once.
    with client_for(fresh_db) as client:
        assert [d["id"] for d in client.get("/v1/documents").json()["items"]] == ["kunshan-2024-government-work-report"]
    from_stdin = _glossary("documents", "add", "-", *options, db=fresh_db, cwd=tmp_path, stdin=SECOND.encode())
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert "already" not in from_stdin.stdout
    line = _error(_glossary("documents", "add", "-", *options, db=fresh_db, cwd=tmp_path, stdin=SECOND.encode()))
    assert line == f"glossary: a document with the id {DOC_ID!r} or the title {SECOND_DOC['title']!r} exists"


def test_the_commands_want_a_migrated_database(empty_db: Database, tmp_path: Path):
    assert _error(_glossary("drafts", "list", db=empty_db, cwd=tmp_path)) == (
        "glossary: the database is not migrated: run glossary migrate"
    )
