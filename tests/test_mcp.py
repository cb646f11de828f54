"""The MCP endpoint at /mcp, driven by the official SDK's own client through the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from app.config import Settings
from app.main import create_app
from tests.conftest import Database
from tests.editors import bearer, make_key
from tests.test_annotate_api import PASSAGE, SLUGS

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def connected(
    db: Database, mode: str = "auto", **settings: Any
) -> AsyncIterator[tuple[Client, httpx.AsyncClient]]:
    """The SDK's client on the app's /mcp (the app's lifespan running), and a plain client of the HTTP API.
    `mode`: the SDK's protocol choice (auto: the current protocol; legacy: the 2025 handshake era)."""
    app = create_app(Settings(database_url=db.url, **settings))
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app)) as mcp_http,
        Client(streamable_http_client("http://testserver/mcp", http_client=mcp_http), mode=mode) as client,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        yield client, http


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_four_read_only_tools_are_listed_with_descriptions_an_agent_can_act_on(
    seeded_db: Database, mode: str
):
    async with connected(seeded_db, mode) as (client, _):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"lookup", "search", "annotate", "qa"}
        for tool in tools.values():
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is True
            assert tool.annotations.destructive_hint is False
            assert len(tool.description or "") > 150
            assert tool.output_schema is not None
        assert tools["lookup"].input_schema["required"] == ["keys"]
        assert set(tools["qa"].input_schema["required"]) == {"source", "target"}
        assert "en_avoid" in (tools["annotate"].description or "")
        called = await client.call_tool("lookup", {"keys": ["六服六进"]})
        assert called.structured_content["results"][0]["slug"] == "liu-fu-liu-jin"  # type: ignore[index]


async def test_lookup_by_any_key_with_null_for_an_unknown_one(seeded_db: Database):
    async with connected(seeded_db) as (client, _):
        result = await client.call_tool(
            "lookup", {"keys": ["數據得地", "不存在的词", "liu-fu-liu-jin"], "script": "tw"}
        )
        assert not result.is_error
        found = result.structured_content["results"]  # type: ignore[index]
        assert [r["slug"] if r else None for r in found] == ["shu-ju-de-di", None, "liu-fu-liu-jin"]
        assert found[0]["hant"] == "數據得地"
        assert found[0]["en_avoid"] == ["Data Gets Land", "Land for Data"]


async def test_search_by_initials_and_english(seeded_db: Database):
    async with connected(seeded_db) as (client, _):
        for query in ("sjdd", "data-based land allocation"):
            result = await client.call_tool("search", {"q": query, "limit": 3})
            assert not result.is_error
            items = result.structured_content["items"]  # type: ignore[index]
            assert items[0]["term"]["slug"] == "shu-ju-de-di"
            assert len(items) <= 3


async def test_annotate_is_the_text_glossary_of_the_http_api(seeded_db: Database):
    async with connected(seeded_db) as (client, http):
        result = await client.call_tool("annotate", {"text": PASSAGE + "数据得地"})
        assert not result.is_error
        terms = result.structured_content["terms"]  # type: ignore[index]
        assert [t["slug"] for t in terms] == SLUGS
        over_http = (await http.post("/v1/annotate?format=terms", json={"text": PASSAGE + "数据得地"})).json()
        assert terms == over_http["terms"]
        platforms = await client.call_tool("annotate", {"text": PASSAGE, "kind": "platform"})
        assert {t["slug"] for t in platforms.structured_content["terms"]} < set(SLUGS)  # type: ignore[index]


async def test_qa_lists_the_missing_and_avoided_renderings(seeded_db: Database):
    async with connected(seeded_db) as (client, http):
        body = {"source": "推行“数据得地”改革。", "target": "We will implement the Land for Data reform."}
        result = await client.call_tool("qa", body)
        assert not result.is_error
        issues = result.structured_content["issues"]  # type: ignore[index]
        assert {(i["slug"], i["kind"]) for i in issues} == {("shu-ju-de-di", "missing"), ("shu-ju-de-di", "avoided")}
        assert issues == (await http.post("/v1/qa", json=body)).json()["issues"]
        clean = await client.call_tool("qa", {"source": body["source"], "target": "Data-Based Land Allocation."})
        assert clean.structured_content == {"issues": []}


async def test_the_http_apis_limits_hold_as_tool_errors(seeded_db: Database):
    async with connected(seeded_db, max_lookup_keys=2, max_text_bytes=3000) as (client, _):
        too_many = await client.call_tool("lookup", {"keys": ["a", "b", "c"]})
        assert too_many.is_error
        assert "at most 2 keys" in too_many.content[0].text  # type: ignore[union-attr]
        too_long = await client.call_tool("annotate", {"text": "数" * 1001})
        assert too_long.is_error
        assert "3000 bytes" in too_long.content[0].text  # type: ignore[union-attr]
        target_too_long = await client.call_tool("qa", {"source": "数据得地", "target": "a" * 3001})
        assert target_too_long.is_error
        nul = await client.call_tool("annotate", {"text": "数据\x00得地"})
        assert nul.is_error
        assert "U+0000" in nul.content[0].text  # type: ignore[union-attr]
        blank = await client.call_tool("search", {"q": "   "})
        assert blank.is_error


async def test_the_body_limit_and_the_rate_limit_cover_mcp(seeded_db: Database):
    async with connected(seeded_db, max_body_bytes=4096, rate_limit_per_minute=2) as (_, http):
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        headers = {"Accept": "application/json, text/event-stream"}
        huge = await http.post("/mcp", json={**call, "params": {"pad": "x" * 5000}}, headers=headers)
        assert huge.status_code == 413
        statuses = [(await http.post("/mcp", json=call, headers=headers)).status_code for _ in range(3)]
        assert statuses[-1] == 429


async def test_only_post_is_served_and_nothing_is_held_open(seeded_db: Database):
    async with connected(seeded_db) as (_, http):
        for method in ("GET", "DELETE", "PUT"):
            response = await http.request(method, "/mcp", headers={"Accept": "text/event-stream"})
            assert response.status_code == 405, method
            assert response.headers["allow"] == "POST"
            assert response.headers["content-type"] == "application/problem+json"
        not_json = await http.post("/mcp", content=b"{nope", headers={"Content-Type": "application/json"})
        assert not_json.status_code == 400


async def test_a_search_that_finds_nothing_is_counted_for_editors(fresh_db: Database):
    key = make_key(fresh_db)
    async with connected(fresh_db) as (client, http):
        missed = await client.call_tool("search", {"q": "全然不存在的口号"})
        assert missed.structured_content["items"] == []  # type: ignore[index]
        found = await client.call_tool("search", {"q": "sjdd"})
        assert found.structured_content["items"]  # type: ignore[index]
        listing = (await http.get("/v1/search/misses", headers=bearer(key))).json()
    assert [(i["query"], i["count"]) for i in listing["items"]] == [("全然不存在的口号", 1)]
