"""The service under load, faults and scrutiny: concurrent writers, failed commits, rate limits, logs, metrics."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from sqlalchemy import text

from tests.conftest import Database, client_for
from tests.editors import bearer, make_key, new_entry


def test_twenty_concurrent_writers_lose_nothing_and_never_see_a_5xx(fresh_db: Database):
    key = bearer(make_key(fresh_db))
    statuses: list[int] = []
    with client_for(fresh_db) as client:
        barrier = threading.Barrier(20)

        def writer(i: int) -> None:
            barrier.wait()
            created = client.post(
                "/v1/terms", json=new_entry(slug=f"bing-fa-{i}", hans=f"并发测试词条{i:02d}号"), headers=key
            )
            statuses.append(created.status_code)
            etag = client.get("/v1/terms/liu-fu-liu-jin").headers["etag"]
            patched = client.request(
                "PATCH", "/v1/terms/liu-fu-liu-jin", json={"note": f"writer {i}"}, headers=key | {"If-Match": etag}
            )
            statuses.append(patched.status_code)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not [s for s in statuses if s >= 500], statuses
        assert statuses.count(201) == 20
        assert set(statuses) <= {200, 201, 412}
        for i in range(20):
            assert client.get(f"/v1/terms/bing-fa-{i}").status_code == 200
        history = client.get("/v1/terms/liu-fu-liu-jin/history").json()["items"]
        assert len(history) == 1 + statuses.count(200)


@pytest.mark.postgres
def test_a_commit_that_fails_never_answers_2xx_and_writes_nothing(fresh_db: Database):
    if fresh_db.backend != "postgres":
        pytest.skip("a failure at COMMIT needs a deferred constraint trigger, which SQLite does not have")
    engine = fresh_db.engine()
    with engine.begin() as conn:  # a real failure at COMMIT time: a deferred constraint trigger that refuses
        conn.execute(
            text(
                "CREATE FUNCTION refuse() RETURNS trigger"
                " AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(
                "CREATE CONSTRAINT TRIGGER refuse_history AFTER INSERT ON concept_history "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        )
    engine.dispose()
    key = bearer(make_key(fresh_db))
    with client_for(fresh_db) as client:
        etag = client.get("/v1/terms/liu-fu-liu-jin").headers["etag"]
        response = client.request(
            "PATCH", "/v1/terms/liu-fu-liu-jin", json={"note": "never"}, headers=key | {"If-Match": etag}
        )
        assert response.status_code == 503
        assert response.headers["retry-after"]
        assert client.get("/v1/terms/liu-fu-liu-jin").json()["note"] != "never"
        assert client.post("/v1/terms", json=new_entry(), headers=key).status_code == 503
        assert client.get("/v1/terms/ce-shi-ci-tiao").status_code == 404


def test_rate_limit_answers_429_with_retry_after(fresh_db: Database):
    with client_for(fresh_db, rate_limit_per_minute=3) as client:
        codes = [client.get("/v1/terms/liu-fu-liu-jin").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/v1/terms/liu-fu-liu-jin")
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["status"] == 429
        assert client.get("/healthz").status_code == 200  # health checks are never limited


def test_rate_limit_is_off_by_default(client):
    # /healthz is never limited, so a limited route shows it: 120 requests in well under a minute.
    assert all(client.get("/v1/terms/liu-fu-liu-jin").status_code == 200 for _ in range(120))


def test_request_id_is_echoed_or_made_and_logged_as_json(client, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="app.access"):
        given = client.get("/v1/terms/liu-fu-liu-jin", headers={"X-Request-ID": "abc-123"})
        made = client.get("/v1/terms/nothing-here")
    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "app.access"]
    assert {"request_id": "abc-123", "status": 200, "route": "/v1/terms/{key}"}.items() <= lines[0].items()
    assert lines[1]["status"] == 404


def test_a_hostile_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": 'x" onload=alert(1)'})
    assert response.headers["x-request-id"] != 'x" onload=alert(1)'


def test_metrics_are_exposed_for_prometheus(client):
    client.get("/v1/terms/liu-fu-liu-jin")
    body = client.get("/metrics").text
    assert 'glossary_http_requests_total{method="GET",route="/v1/terms/{key}",status="200"}' in body
    assert "glossary_http_request_duration_seconds_bucket" in body
    assert "glossary_concepts " in body
