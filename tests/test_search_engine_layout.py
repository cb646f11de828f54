"""The search engine is pure and its modules talk through public names only."""

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "app" / "search" / "engine"
MODULES = sorted(ENGINE.glob("*.py"))
FRAMEWORKS = ("fastapi", "starlette", "sqlalchemy", "sqlmodel", "pydantic")


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every `from module import name` in the file, and (module, "") of every `import module`."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found += [(node.module or "", alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_the_engine_knows_no_http_sql_or_app_models(path: Path):
    for module, _name in _imports(path):
        assert not module.startswith(FRAMEWORKS), f"{path.name} imports {module}"
        assert not module.startswith(("app.terms", "app.api", "app.models", "app.db")), f"{path.name}: {module}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_module_imports_another_modules_private_names(path: Path):
    for module, name in _imports(path):
        if module.startswith("app."):
            assert not name.startswith("_"), f"{path.name} imports {module}.{name}"


def test_the_route_documents_the_bands_the_ranker_scores_by():
    from app.search.engine.bands import BANDS
    from app.search.schemas import MATCHED

    for band in BANDS:
        assert f"{band.name} {band.low:.2f}–{band.high:.2f}" in MATCHED
