"""Helpers for tests that write: API keys and a valid new entry."""

from __future__ import annotations

from typing import Any

from app.auth import Scope, create_key, revoke_key
from app.db import unit_of_work
from tests.conftest import Database


def make_key(db: Database, scope: Scope = Scope.editor, name: str = "test-editor", *, revoked: bool = False) -> str:
    engine = db.engine()
    with unit_of_work(engine) as session:
        row, key = create_key(session, name=name, scope=scope)
        if revoked:
            assert row.id is not None
            revoke_key(session, row.id)
    engine.dispose()
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_entry(slug: str = "ce-shi-ci-tiao", hans: str = "测试词条", **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "slug": slug,
        "hans": hans,
        "pinyin": "cè shì cí tiáo",
        "en": "Test Entry",
        "en_alternatives": ["trial entry"],
        "en_avoid": ["exam entry"],
        "definition": {"zh": "用于测试的词条。", "en": "An entry used in tests.", "basis": "editorial"},
        "kind": "concept",
        "footnote": None,
        "components": [],
        "aliases": [],
        "related": ["liu-fu-liu-jin"],
        "sources": [{"document": "测试文档", "date": "2024-01-08", "section": "一", "quote": "这是测试词条。"}],
        "note": None,
    }
    entry.update(changes)
    return entry
