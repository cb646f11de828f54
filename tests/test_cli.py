"""The `glossary` command as a user meets it: one-line errors, JSON on the read commands, Chinese never cut,
and a plain "not migrated" instead of a traceback and a new empty database file."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

import app.shell
from app.core.script import Script
from app.terms.glossary import present
from tests.conftest import Database

NOT_MIGRATED = "glossary: the database is not migrated: run glossary migrate\n"


def glossary(*args: str, db_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=db_url, COLUMNS="80")
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "args", [("lookup", "六服六进"), ("keys", "list"), ("seed",), ("export", "csv"), ("keys", "create", "--name", "x")]
)
def test_no_database_says_run_migrate_and_creates_no_file(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = glossary(*args, db_url="sqlite:///glossary.db", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == NOT_MIGRATED
    assert list(tmp_path.iterdir()) == []


def test_an_unmigrated_database_says_run_migrate(empty_db: Database, tmp_path: Path) -> None:
    if empty_db.backend == "sqlite":
        Path(empty_db.url.removeprefix("sqlite:///")).touch()  # an empty file: no schema
    result = glossary("lookup", "六服六进", db_url=empty_db.url, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, NOT_MIGRATED)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lookup", "六服六进", "--script", "xx"), "glossary lookup: Invalid value for '--script'"),
        (("lookup", "六服六进", "--bogus"), "glossary lookup: No such option: --bogus"),
        (("keys", "revoke", "abc"), "glossary keys revoke: Invalid value for 'key_id'"),
        (("export", "xlsx"), "glossary export: Invalid value"),
    ],
)
def test_a_bad_option_is_one_line(seeded_db: Database, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = glossary(*args, db_url=seeded_db.url, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1, result.stderr


def test_lookup_json_and_plain_output_keep_every_character(seeded_db: Database, tmp_path: Path) -> None:
    as_json = glossary("lookup", "--json", "--script", "tw", "六服六進", db_url=seeded_db.url, cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    term = json.loads(as_json.stdout)
    assert term["slug"] == "liu-fu-liu-jin"
    assert term["hant"] == "六服六進"
    plain = glossary("lookup", "--script", "tw", "liu-fu-liu-jin", db_url=seeded_db.url, cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "…" not in plain.stdout
    assert f"definition: {term['definition']['zh']}\n" in plain.stdout
    assert f"note: {term['note']}\n" in plain.stdout
    missing = glossary("lookup", "六服六退", db_url=seeded_db.url, cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (1, "glossary: no term has the slug, headword or alias '六服六退'\n")


def test_keys_list_and_seeds_check_json(fresh_db: Database, tmp_path: Path) -> None:
    created = glossary("keys", "create", "--name", "desk", db_url=fresh_db.url, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    listed = glossary("keys", "list", "--json", db_url=fresh_db.url, cwd=tmp_path)
    (key,) = json.loads(listed.stdout)
    assert key["name"] == "desk"
    assert key["scope"] == "editor"
    assert key["revoked_at"] is None
    assert created.stdout.strip().splitlines()[-1].startswith(key["prefix"])
    checked = glossary("seeds", "check", "--json", db_url=fresh_db.url, cwd=tmp_path)
    report = json.loads(checked.stdout)
    assert report["entries"] >= 200
    assert report["problems"] == []


def test_a_terminal_table_folds_chinese_instead_of_cutting_it(
    seeded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.terms.glossary import Glossary
    from app.terms.service import refresh

    engine = seeded_db.engine()
    glossary_ = Glossary()
    refresh(engine, glossary_)
    engine.dispose()
    record = glossary_.resolve("liu-fu-liu-jin")
    assert record is not None
    term = present(record, Script.tw)
    out = io.StringIO()
    monkeypatch.setattr(app.shell, "console", Console(file=out, width=80, force_terminal=True, color_system=None))
    rows = [("definition", term.definition.zh), ("note", term.note or ""), ("en", term.definition.en)]
    app.shell.print_rows(rows)
    text = out.getvalue()
    assert "…" not in text
    assert max(Console().measure(line).maximum for line in text.splitlines()) <= 80
    flat = re.sub(r"\s+", "", text)
    for _, value in rows:
        assert re.sub(r"\s+", "", value) in flat
