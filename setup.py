"""The one build step pyproject.toml cannot declare: the wheel carries the migrations and the seed glossary.

`migrations/` and `seeds/` stay at the top of the repository (Alembic, the editors and the tests use them
there); a built wheel gets a copy of each under `app/_bundled/`, which `app.config` falls back to when the
package runs outside a checkout (`pip install policy-glossary`, the Docker image). Editable installs copy
nothing: the checkout's own folders are used.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("migrations", "seeds")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name in BUNDLED:
            target = Path(self.build_lib) / "app" / "_bundled" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithData})
