"""Searches that found nothing: counted in memory by the search route, written by the lifespan, listed for
editors at GET /v1/search/misses. Through the real app on both engines."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import inspect, select, text

from app import models
from app.auth import Scope
from app.search import miss_store
from app.search.misses import (
    MAX_KEY_LENGTH,
    TYPING_WINDOW,
    MissCounter,
    decode_cursor,
    encode_cursor,
    miss_key,
)
from tests.conftest import Database, client_for
from tests.editors import bearer, make_key, new_entry

MISSES = "/v1/search/misses"
NOWHERE = "全然不存在的口号"  # no term, no fuzzy neighbour


def _misses(client, key: str, **params) -> dict:
    response = client.get(MISSES, params=params, headers=bearer(key))
    assert response.status_code == 200, response.text
    return response.json()


def _search(client, q: str, **params) -> dict:
    response = client.get("/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _rows(db: Database) -> list[models.SearchMiss]:
    engine = db.engine()
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(models.SearchMiss).order_by(models.SearchMiss.key)))
    finally:
        engine.dispose()


def test_a_miss_is_counted_repeats_add_up_and_hits_are_not(fresh_db: Database):
    key = make_key(fresh_db)
    with client_for(fresh_db) as client:
        assert _search(client, NOWHERE)["items"] == []
        assert _search(client, "  全然不存在的口號 ")["items"] == []  # Traditional, padded: the same query
        assert _search(client, "ＺＺＺＱＸＪ")["items"] == []  # full-width folds to zzzqxj
        assert _search(client, "zzzqxj")["items"] == []
        assert _search(client, "数据得地")["items"]  # a hit
        page = _misses(client, key)
    items = {item["query"]: item for item in page["items"]}
    assert set(items) == {NOWHERE, "ＺＺＺＱＸＪ"}, items  # the first typing is kept
    assert items[NOWHERE]["count"] == 2
    assert items["ＺＺＺＱＸＪ"]["count"] == 2
    assert items[NOWHERE]["known"] is None
    first, last = dt.datetime.fromisoformat(items[NOWHERE]["first_seen"]), items[NOWHERE]["last_seen"]
    assert first.tzinfo is not None
    assert first <= dt.datetime.fromisoformat(last)
    assert page["next_cursor"] is None
    assert all("数据得地" not in row.query for row in _rows(fresh_db))


def test_paging_filtered_and_empty_queries_do_not_count(fresh_db: Database):
    key = make_key(fresh_db)
    with client_for(fresh_db) as client:
        first = _search(client, "s", limit=1)
        assert first["next_cursor"]
        _search(client, "s", limit=1, cursor=first["next_cursor"])
        assert client.get("/v1/search", params={"q": "   "}).status_code == 422
        assert _search(client, "“”")["items"] == []  # only quotation marks: nothing to count
        # Filtered to a kind it is not: the glossary has it, so it is no candidate.
        assert _search(client, "数据得地", kind="platform")["items"] == []
        _search(client, NOWHERE, kind="platform")  # filtered, and nothing anywhere: counted
        assert [(i["query"], i["count"]) for i in _misses(client, key)["items"]] == [(NOWHERE, 1)]


def test_counts_from_two_app_instances_add_up(fresh_db: Database):
    key = make_key(fresh_db)
    # Flushed only when asked (the listing) and at shutdown, not by the timer in the middle of the test.
    with client_for(fresh_db, miss_flush_interval=3600) as one, client_for(fresh_db, miss_flush_interval=3600) as two:
        for _ in range(3):
            _search(one, NOWHERE)
        _search(two, NOWHERE)
        _search(two, "另一个不存在的提法")
        assert [(i["query"], i["count"]) for i in _misses(one, key)["items"]] == [(NOWHERE, 3)]
        # The second replica's counts are written at its next flush (here: its shutdown, below).
        _search(one, NOWHERE)
    # Both lifespans flushed at shutdown: every count is in, once.
    with client_for(fresh_db) as three:
        items = [(i["query"], i["count"]) for i in _misses(three, key)["items"]]
    assert items == [(NOWHERE, 5), ("另一个不存在的提法", 1)]


def test_two_flushes_of_the_same_new_query_at_once_both_land(fresh_db: Database):
    """Race: two replicas insert the same new row; the loser adds to it instead of failing."""
    engine = fresh_db.engine()
    counters = [MissCounter() for _ in range(4)]
    for c in counters:
        for _ in range(5):
            c.add("同时冒出的新提法")
    barrier = threading.Barrier(len(counters))
    errors: list[BaseException] = []

    def flush(counter: MissCounter) -> None:
        barrier.wait()
        try:
            miss_store.flush(engine, counter)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=flush, args=(c,)) for c in counters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert errors == []
    assert [(r.query, r.count) for r in _rows(fresh_db)] == [("同时冒出的新提法", 20)]


def test_the_table_holds_the_query_and_nothing_about_the_client(fresh_db: Database):
    with client_for(fresh_db) as client:
        client.get(
            "/v1/search",
            params={"q": NOWHERE},
            headers={"User-Agent": "secret-agent/1.0", "X-Forwarded-For": "203.0.113.7", "X-Request-ID": "rid-42"},
        )
    engine = fresh_db.engine()
    columns = {c["name"] for c in inspect(engine).get_columns("search_miss")}
    with engine.connect() as connection:
        values = [str(v) for row in connection.execute(text("SELECT * FROM search_miss")) for v in row]
    engine.dispose()
    assert columns == {"key", "query", "count", "first_seen", "last_seen"}
    assert NOWHERE in values
    assert not any(marker in v for v in values for marker in ("secret-agent", "203.0.113.7", "rid-42", "testserver"))


def test_the_listing_needs_an_editor_key(fresh_db: Database):
    editor = make_key(fresh_db)
    admin = make_key(fresh_db, Scope.admin, name="test-admin")
    revoked = make_key(fresh_db, name="gone-editor", revoked=True)
    with client_for(fresh_db) as client:
        anonymous = client.get(MISSES)
        assert anonymous.status_code == 401
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        assert client.get(MISSES, headers=bearer("pgk_not-a-key")).status_code == 401
        assert client.get(MISSES, headers=bearer(revoked)).status_code == 401
        assert client.get(MISSES, headers=bearer(editor)).status_code == 200
        assert client.get(MISSES, headers=bearer(admin)).status_code == 200
        response = client.get(MISSES, params={"cursor": "bm90IG91cnM"}, headers=bearer(editor))
        assert response.status_code == 422
        assert "cursor" in response.json()["detail"]
        assert client.get(MISSES, params={"limit": 0}, headers=bearer(editor)).status_code == 422
        schema = client.get("/openapi.json").json()
    operation = schema["paths"][MISSES]["get"]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    assert set(schema["paths"]["/v1/search"]["get"]["responses"]) >= {"200", "422"}


def test_known_turns_into_the_slug_once_an_editor_creates_the_term(fresh_db: Database):
    key = make_key(fresh_db)
    with client_for(fresh_db) as client:
        _search(client, "测试词条")
        _search(client, "测试词条")
        assert [(i["query"], i["known"]) for i in _misses(client, key)["items"]] == [("测试词条", None)]
        created = client.post("/v1/terms", json=new_entry(), headers=bearer(key))
        assert created.status_code == 201, created.text
        items = _misses(client, key)["items"]
        assert [(i["query"], i["count"], i["known"]) for i in items] == [("测试词条", 2, "ce-shi-ci-tiao")]
        assert _search(client, "测试词条")["items"]  # found now: no longer counted
        assert _misses(client, key)["items"][0]["count"] == 2


def test_the_listing_pages_most_counted_first(fresh_db: Database):
    key = make_key(fresh_db)
    queries = {"不存在甲": 3, "不存在乙": 1, "不存在丙": 2, "不存在丁": 2}
    with client_for(fresh_db) as client:
        for q, n in queries.items():
            for _ in range(n):
                _search(client, q)
        first = _misses(client, key, limit=2)
        second = _misses(client, key, limit=2, cursor=first["next_cursor"])
    seen = [(i["query"], i["count"]) for i in first["items"] + second["items"]]
    assert [n for _, n in seen] == [3, 2, 2, 1]
    assert sorted(seen) == sorted(queries.items())
    assert second["next_cursor"] is None


def test_long_queries_are_cut_to_the_key_length(fresh_db: Database):
    key = make_key(fresh_db)
    long = "无" * 150 + "Ⅱ" * 50  # 200 characters; the fold makes the Roman numerals two letters each
    with client_for(fresh_db) as client:
        assert _search(client, long)["items"] == []
        [item] = _misses(client, key)["items"]
    assert item["query"] == long
    [row] = _rows(fresh_db)
    assert len(row.key) == MAX_KEY_LENGTH
    assert row.key.startswith("无" * 150)


def test_the_counter_is_bounded_and_keeps_the_most_counted():
    counter = MissCounter(max_held=100)
    for _ in range(5):
        counter.add("常见的漏查")
    for i in range(1000):
        counter.add(f"一次性查询{i}")
    assert len(counter) <= 100
    held = counter.take()
    assert held[miss_key("常见的漏查")[0]].count == 5
    assert counter.dropped >= 900
    assert len(counter) == 0


def test_miss_keys_and_cursors():
    assert miss_key("   ") is None
    assert miss_key("“”") is None
    assert miss_key(" 數據\u200b得地 ") == ("数据得地", "數據得地")  # folded key; invisibles leave the typed text
    assert miss_key("a" * 500) == ("a" * MAX_KEY_LENGTH, "a" * MAX_KEY_LENGTH)
    assert decode_cursor(encode_cursor(7, "数据")) == (7, "数据")
    for bad in ("", "!!", encode_cursor(0, "x"), "WzEsMl0"):  # [1,2]: key not a string
        try:
            decode_cursor(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was taken as a cursor")


def test_the_lifespan_writes_the_counts_every_few_seconds(fresh_db: Database):
    with client_for(fresh_db, miss_flush_interval=0.1) as client:
        _search(client, NOWHERE)
        deadline = time.monotonic() + 10
        while not _rows(fresh_db) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [(r.query, r.count) for r in _rows(fresh_db)] == [(NOWHERE, 1)]  # written while it runs


def test_a_draft_for_the_query_shows_as_known_while_searches_still_miss(fresh_db: Database):
    key = make_key(fresh_db)
    with client_for(fresh_db) as client:
        _search(client, "测试词条")
        draft = new_entry(status="draft")
        created = client.post("/v1/terms", json=draft, headers=bearer(key))
        assert created.status_code == 201, created.text
        assert _search(client, "测试词条")["items"] == []  # drafts take no part in search
        [item] = _misses(client, key)["items"]
    assert (item["count"], item["known"]) == (2, "ce-shi-ci-tiao")  # an editor sees it is under review


# As you type: the desk searches on every keystroke, so a query that finds nothing arrives as each of its
# prefixes first. A miss that a longer one extends within TYPING_WINDOW was a keystroke on the way to it.
def test_the_keystrokes_on_the_way_to_a_missed_query_are_not_counted():
    counter = MissCounter()
    start = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    for i, typed in enumerate(["全然", "全然不存", "全然不存在的口号"]):  # the IME commits a few characters at a time
        counter.add(typed, now=start + dt.timedelta(seconds=0.4 * i))
    held = counter.take()
    assert {key: m.count for key, m in held.items()} == {"全然不存在的口号": 1}


def test_a_prefix_counted_long_before_or_by_others_keeps_its_counts():
    counter = MissCounter()
    start = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    counter.add("zzqx", now=start)  # searched for itself, a minute before
    counter.add("zzqx", now=start + dt.timedelta(seconds=30))
    counter.add("zzqx", now=start + dt.timedelta(seconds=60))  # and now typed on
    counter.add("zzqxj", now=start + dt.timedelta(seconds=60.5))
    counter.add("zzq", now=start + dt.timedelta(seconds=90))  # a shorter query is no keystroke of a longer one
    held = counter.take()
    assert {key: m.count for key, m in held.items()} == {"zzqx": 2, "zzqxj": 1, "zzq": 1}


def test_the_timer_writes_only_the_misses_nobody_is_still_typing():
    counter = MissCounter()
    start = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    counter.add("全然不存在", now=start)
    counter.add("另一个不存在的提法", now=start + TYPING_WINDOW)
    settled = counter.take(settled_before=start + TYPING_WINDOW)
    assert list(settled) == ["全然不存在"]
    assert len(counter) == 1  # still held: it may yet be extended
    counter.add("另一个不存在的提法呢", now=start + TYPING_WINDOW * 1.5)
    assert {key: m.count for key, m in counter.take().items()} == {"另一个不存在的提法呢": 1}


def test_typing_a_missed_query_into_the_desk_counts_it_once(fresh_db: Database):
    key = make_key(fresh_db)
    with client_for(fresh_db, miss_flush_interval=3600) as client:
        for end in range(2, len(NOWHERE) + 1):
            _search(client, NOWHERE[:end], limit=10)
        items = [(i["query"], i["count"]) for i in _misses(client, key)["items"]]
    assert (NOWHERE, 1) in items
    assert [q for q, _ in items if NOWHERE.startswith(q) and q != NOWHERE] == []


def test_the_html_search_counts_its_misses(fresh_db: Database):
    key = make_key(fresh_db)
    with client_for(fresh_db) as client:
        page = client.get("/", params={"q": NOWHERE})
        assert page.status_code == 200
        assert client.get("/", params={"q": "数据得地"}).status_code == 200  # a hit
        assert [(i["query"], i["count"]) for i in _misses(client, key)["items"]] == [(NOWHERE, 1)]
