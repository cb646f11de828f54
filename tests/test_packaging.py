"""The package installs anywhere from the lock file: a wheel built from the repository (through its sdist, as
an index would serve it) goes into a fresh virtualenv with the locked, hash-checked dependencies, and
`glossary migrate && glossary seed` then work in a directory that is not the checkout, on both engines."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import PROJECT_DIR
from tests.conftest import Database

pytestmark = pytest.mark.slow

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ of a fresh virtualenv holding the built wheel and the locked runtime dependencies only."""
    assert UV is not None, "uv is part of the dev extra: run make install"
    base = tmp_path_factory.mktemp("install")
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    requirements = base / "requirements.txt"
    # The runtime set exactly as locked, with hashes (no dev extra, no project).
    exported = _run(UV, "export", "--frozen", "--no-emit-project", "--format", "requirements-txt", cwd=PROJECT_DIR)
    requirements.write_text(exported.stdout)
    assert "--hash=sha256:" in exported.stdout
    _run(UV, "build", "--out-dir", base / "dist", PROJECT_DIR, cwd=base, env=env)
    (wheel,) = (base / "dist").glob("policy_glossary-*.whl")
    _run(UV, "venv", "--python", sys.executable, base / "venv", cwd=base, env=env)
    python = base / "venv" / "bin" / "python"
    _run(UV, "pip", "install", "--python", python, "--require-hashes", "-r", requirements, cwd=base, env=env)
    _run(UV, "pip", "install", "--python", python, "--no-deps", wheel, cwd=base, env=env)
    return base / "venv" / "bin"


def _env(db: Database, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SEEDS_DIR", "MIGRATIONS_DIR", "PYTHONPATH")}
    return dict(env, DATABASE_URL=db.url, **extra)


def test_migrate_and_seed_from_another_directory(installed: Path, empty_db: Database, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _env(empty_db)
    # The installed package is the one that runs, not the checkout.
    where = _run(installed / "python", "-c", "import app; print(app.__file__)", cwd=elsewhere, env=env)
    assert str(PROJECT_DIR) not in where.stdout
    _run(installed / "glossary", "migrate", cwd=elsewhere, env=env)
    seeded = _run(installed / "glossary", "seed", cwd=elsewhere, env=env)
    terms = len(list((PROJECT_DIR / "seeds" / "terms").glob("*.yaml")))
    assert f"{terms} created" in seeded.stdout
    again = _run(installed / "glossary", "seed", cwd=elsewhere, env=env)
    assert f"{terms} unchanged" in again.stdout
    looked_up = _run(installed / "glossary", "lookup", "--json", "六服六进", cwd=elsewhere, env=env)
    assert '"slug": "liu-fu-liu-jin"' in looked_up.stdout
    # Nothing but the SQLite file (if that is the engine) was written where the commands ran.
    assert {p.name for p in elsewhere.iterdir()} <= {"glossary.db", "glossary.db-wal", "glossary.db-shm"}


def test_a_missing_or_empty_seed_directory_is_an_error(installed: Path, empty_db: Database, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    (empty / "terms").mkdir(parents=True)
    env = _env(empty_db)
    _run(installed / "glossary", "migrate", cwd=tmp_path, env=env)
    for seeds in (tmp_path / "absent", empty):
        result = subprocess.run(
            [installed / "glossary", "seed"],
            cwd=tmp_path,
            env=dict(env, SEEDS_DIR=str(seeds)),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert str(seeds) in result.stdout + result.stderr
