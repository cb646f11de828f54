"""The README's recipes work as written: each `$ curl …` of "A few calls" and the editing recipe (its ETag taken
with `curl -sI`, which needs HEAD) runs in bash against `glossary serve`, and every `"field":value` the README
shows (those not elided with …) is in the answer; on both engines."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from app.config import PROJECT_DIR
from tests.conftest import Database
from tests.servers import serving

pytestmark = pytest.mark.slow

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
_PAIR = re.compile(r'"(\w+)":("[^"…]*"|-?\d+(?:\.\d+)?|true|false|null)(?=[,}\]])')


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    return README[start : README.index("\n## ", start + 1)]


def _recipes(block: str) -> list[tuple[str, str]]:
    """(command, the output the README shows for it) for each `$ ` line of a code block, with continuations."""
    recipes: list[tuple[str, str]] = []
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        command = [lines[i][2:]]
        while command[-1].rstrip().endswith("\\"):
            i += 1
            command.append(lines[i])
        i += 1
        shown = []
        while i < len(lines) and not lines[i].startswith("$ "):
            shown.append(lines[i])
            i += 1
        recipes.append(("\n".join(command), "\n".join(shown)))
    return recipes


def _blocks(section: str) -> list[str]:
    return re.findall(r"```\n(.*?)```", section, flags=re.S)


def _run(recipes: list[tuple[str, str]], port: int, db: Database, tmp: os.PathLike[str]) -> list[str]:
    cli = f"{sys.executable} -m app.cli"
    script = ["set -euo pipefail"]
    for command, _ in recipes:
        command = command.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{port}")
        command = command.replace(".venv/bin/glossary", cli)
        command = re.sub(r"^KEY=pgk_…$", f"KEY=$({cli} keys create --name readme --scope editor | tail -n 1)", command)
        script += [command, "echo; echo @@@"]
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        env=dict(os.environ, DATABASE_URL=db.url),
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outputs = result.stdout.split("@@@\n")[:-1]
    assert len(outputs) == len(recipes)
    return outputs


def _check(shown: str, actual: str) -> None:
    for field, value in _PAIR.findall(shown):
        compact = f'"{field}":{value}'
        assert compact in actual, f"{compact} not in {actual[:400]}"


def test_the_readme_recipes_work_as_written(fresh_db: Database, tmp_path: os.PathLike[str]) -> None:
    assert shutil.which("curl"), "the recipes use curl"
    calls = [r for block in _blocks(_section("A few calls")) for r in _recipes(block)]
    editing = _recipes(_blocks(_section("Editing"))[0])
    assert len(calls) >= 6
    assert sum(len(_PAIR.findall(shown)) for _, shown in calls) >= 40  # the check has something to check
    assert any("curl -sI" in command for command, _ in editing)
    with serving(fresh_db) as port:
        for (_, shown), actual in zip(calls, _run(calls, port, fresh_db, tmp_path), strict=True):
            assert actual.strip(), "a recipe printed nothing"
            _check(shown, actual)
        outputs = _run(editing, port, fresh_db, tmp_path)
        patched = json.loads(outputs[-1])
        assert patched["note"] == "Agreed with the client: keep Data-Based Land Allocation."
        assert patched["version"] == 2
