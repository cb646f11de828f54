"""app.client against the real app: the blocking client through LocalTransport, the async one through
httpx's ASGI transport, both over the seeded databases."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.client import AsyncGlossaryClient, GlossaryClient, GlossaryError, LocalTransport, Term
from app.client._calls import retry_delay
from app.config import Settings
from app.main import create_app
from tests.conftest import Database
from tests.editors import make_key, new_entry
from tests.test_annotate_api import PASSAGE, SLUGS

BASE = "http://testserver"


class Recording(httpx.BaseTransport):
    """The real transport, with the status of every answer written down."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.requests.append((request.method, request.url.raw_path.decode(), response.status_code))
        return response


@pytest.fixture(scope="module")
def local(seeded_db: Database) -> Iterator[LocalTransport]:
    with LocalTransport(create_app(Settings(database_url=seeded_db.url))) as transport:
        yield transport


@pytest.fixture
def recorded(local: LocalTransport) -> Iterator[tuple[GlossaryClient, Recording]]:
    transport = Recording(local)
    client = GlossaryClient(BASE, transport=transport)
    yield client, transport
    client.close()  # closes the transport, which leaves the shared app running


def test_get_term_by_any_key_is_a_typed_term_in_the_script_asked(recorded: tuple[GlossaryClient, Recording]):
    client, _ = recorded
    term = client.get_term("數據得地", script="tw")
    assert isinstance(term, Term)
    assert (term.slug, term.hans, term.hant, term.en) == (
        "shu-ju-de-di",
        "数据得地",
        "數據得地",
        "Data-Based Land Allocation",
    )
    assert client.get_term("shu-ju-de-di").kind == "programme"


def test_terms_are_revalidated_by_etag_and_a_304_reuses_the_cached_term(recorded: tuple[GlossaryClient, Recording]):
    client, transport = recorded
    first = client.get_term("六服六进")
    again = client.get_term("六服六进")
    assert again == first
    assert [status for *_, status in transport.requests] == [200, 304]


def test_an_unknown_key_raises_the_problem_document(recorded: tuple[GlossaryClient, Recording]):
    client, _ = recorded
    with pytest.raises(GlossaryError) as caught:
        client.get_term("六服六退")
    error = caught.value
    assert error.status == 404
    assert error.problem["type"] == "/problems/not-found"
    assert "六服六退" in error.detail


def test_a_key_with_a_slash_or_question_mark_is_one_path_segment(recorded: tuple[GlossaryClient, Recording]):
    client, transport = recorded
    with pytest.raises(GlossaryError) as caught:
        client.get_term("a/b?c#d")
    assert caught.value.status == 404
    assert transport.requests[-1][1] == "/v1/terms/a%2Fb%3Fc%23d?script=hans"


def test_lookup_batches_past_the_servers_key_limit_with_none_per_unknown_key(fresh_db: Database):
    keys = ["数据得地", "不存在", "六服六進", "liu-fu-liu-jin", "昆如意"]
    app = create_app(Settings(database_url=fresh_db.url, max_lookup_keys=2))
    with LocalTransport(app) as local:
        transport = Recording(local)
        with GlossaryClient(BASE, transport=transport, lookup_batch=2) as client:
            results = client.lookup(keys)
            assert [r.slug if r else None for r in results] == [
                "shu-ju-de-di",
                None,
                "liu-fu-liu-jin",
                "liu-fu-liu-jin",
                "kun-ru-yi",
            ]
            assert [status for *_, status in transport.requests] == [200, 200, 200]
        with GlossaryClient(BASE, transport=local, lookup_batch=5) as unbatched, pytest.raises(GlossaryError) as caught:
            unbatched.lookup(keys)
        assert caught.value.status == 422


def test_search_annotate_glossary_convert_qa_and_export(recorded: tuple[GlossaryClient, Recording], tmp_path: Path):
    client, _ = recorded
    hits = client.search("sjdd", limit=3)
    assert hits.items[0].term.slug == "shu-ju-de-di"
    assert hits.items[0].matched == "initials"
    matches = client.annotate(PASSAGE)
    assert [m.slug for m in matches] == SLUGS
    assert all(PASSAGE[m.start : m.end] == m.surface for m in matches)
    assert matches[4].en == "Data-Based Land Allocation"
    terms = client.glossary(PASSAGE + "数据得地")
    assert [t.slug for t in terms] == SLUGS
    assert terms[4].count == 2
    assert "数据得地\tData-Based Land Allocation\n" in client.deepl_tsv(PASSAGE)
    assert '<mstrans:dictionary translation="Data-Based Land Allocation">数据得地</mstrans:dictionary>' in (
        client.azure_markup(PASSAGE)
    )
    assert client.convert("推行“数据得地”改革", "s2twp").text == "推行“數據得地”改革"
    issues = client.qa("推行“数据得地”改革。", "We will implement the Data for Land reform.")
    assert [(i.slug, i.kind) for i in issues] == [("shu-ju-de-di", "missing")]
    amazon = client.export("amazon", kind="programme").decode()
    assert amazon.startswith("zh,en\r\n")
    assert "数据得地,Data-Based Land Allocation" in amazon
    written = client.export_to(tmp_path / "glossary.tsv", "deepl")
    assert written == (tmp_path / "glossary.tsv").stat().st_size > 1000
    with pytest.raises(GlossaryError) as caught:
        client.export("nonsense")
    assert caught.value.status == 422


def test_editing_calls_send_if_match_and_refresh_the_cache(fresh_db: Database):
    key = make_key(fresh_db)
    with (
        LocalTransport(create_app(Settings(database_url=fresh_db.url))) as local,
        GlossaryClient(BASE, transport=local, api_key=key) as client,
    ):
        created = client.create_term(new_entry())
        assert (created.slug, created.version) == ("ce-shi-ci-tiao", 1)
        stale = client.term_etag("ce-shi-ci-tiao")
        patched = client.patch_term("ce-shi-ci-tiao", {"note": "checked"})
        assert (patched.note, patched.version) == ("checked", 2)
        assert client.get_term("ce-shi-ci-tiao").note == "checked"  # not the cached version 1
        with pytest.raises(GlossaryError) as caught:
            client.patch_term("ce-shi-ci-tiao", {"note": "lost update"}, if_match=stale)
        assert caught.value.status == 412
        client.delete_term("ce-shi-ci-tiao")
        with pytest.raises(GlossaryError) as gone:
            client.get_term("ce-shi-ci-tiao")
        assert gone.value.status == 410
    with (
        LocalTransport(create_app(Settings(database_url=fresh_db.url))) as local,
        GlossaryClient(BASE, transport=local) as anonymous,
        pytest.raises(GlossaryError) as refused,
    ):
        anonymous.create_term(new_entry(slug="ling-yi-ge", hans="另一个"))
    assert refused.value.status == 401


def test_429_is_retried_and_finally_raised(fresh_db: Database):
    app = create_app(Settings(database_url=fresh_db.url, rate_limit_per_minute=1))
    with LocalTransport(app) as local:
        transport = Recording(local)
        with GlossaryClient(BASE, transport=transport, retries=2, max_retry_wait=0.01) as client:
            client.get_term("shu-ju-de-di")
            with pytest.raises(GlossaryError) as caught:
                client.get_term("liu-fu-liu-jin")
    assert caught.value.status == 429
    assert [status for *_, status in transport.requests] == [200, 429, 429, 429]


def _response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def test_retry_delay_honours_retry_after_in_seconds_or_as_a_date_and_caps_it():
    assert retry_delay(_response(429, **{"Retry-After": "2"}), 0, 0.5) == 2.0
    assert retry_delay(_response(503, **{"Retry-After": "3600"}), 0, 0.5, cap=30) == 30
    date = "Wed, 21 Oct 2015 07:28:00 GMT"  # in the past: retry at once
    assert retry_delay(_response(503, **{"Retry-After": date}), 0, 0.5) == 0.0
    backoff = [retry_delay(_response(503), attempt, 0.5) for attempt in range(4)]
    assert all(0.25 * 2**a <= d <= 0.5 * 2**a for a, d in enumerate(backoff))


def test_a_server_that_never_answers_times_out_as_a_glossary_error():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never answers
        host, port = listener.getsockname()
        with GlossaryClient(f"http://{host}:{port}", timeout=0.2) as client, pytest.raises(GlossaryError) as caught:
            client.get_term("shu-ju-de-di")
    assert caught.value.status is None
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


@pytest.mark.anyio
async def test_the_async_client_against_the_real_app(seeded_db: Database):
    app = create_app(Settings(database_url=seeded_db.url))
    async with (
        app.router.lifespan_context(app),
        AsyncGlossaryClient(BASE, transport=httpx.ASGITransport(app=app), lookup_batch=2) as client,
    ):
        term = await client.get_term("資料得地")
        assert term.slug == "shu-ju-de-di"
        assert await client.get_term("資料得地") == term
        results = await client.lookup(["数据得地", "没有", "昆如意"])
        assert [r.slug if r else None for r in results] == ["shu-ju-de-di", None, "kun-ru-yi"]
        assert [m.slug for m in await client.annotate(PASSAGE)] == SLUGS
        assert [t.slug for t in await client.glossary(PASSAGE)] == SLUGS
        assert (await client.search("data based land", limit=1)).items[0].term.slug == "shu-ju-de-di"
        assert (await client.convert("数据得地", "s2twp")).text == "數據得地"
        assert await client.qa("推行“数据得地”改革。", "Data-Based Land Allocation reform.") == []
        assert (await client.export("google")).startswith(b"zh-CN,en,description")
        with pytest.raises(GlossaryError) as caught:
            await client.get_term("不存在的词")
        assert caught.value.status == 404
