"""POST /v1/import: dry runs, all-or-nothing imports, round trips, hostile XML and wrong encodings."""

from __future__ import annotations

import csv
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import models
from app.auth import Scope, create_key
from app.db import unit_of_work
from app.exchange.formats import RawEntry
from app.exchange.plan import plan_import
from tests.appclient import AppClient
from tests.conftest import SEEDS_DIR, Database, client_for

SEED_CONCEPTS = len(list((SEEDS_DIR / "terms").glob("*.yaml")))

# The seed glossary as TBX is larger than the default 1 MiB body limit. The poller is slowed down so that its
# redundant re-application of the import (which drops and re-adds each record) cannot overlap an export.
BIG = {"max_body_bytes": 4 << 20, "refresh_interval": 3600}


def editor_key(db: Database) -> dict[str, str]:
    engine = db.engine()
    with unit_of_work(engine) as session:
        _row, key = create_key(session, name="importer", scope=Scope.editor)
    engine.dispose()
    return {"Authorization": f"Bearer {key}"}


def concept_count(db: Database) -> int:
    engine = db.engine()
    with Session(engine) as session:
        count = session.execute(select(func.count()).select_from(models.Concept)).scalar_one()
    engine.dispose()
    return int(count)


def import_file(client: AppClient, headers: dict[str, str], fmt: str, body: bytes, **params: Any):  # type: ignore[no-untyped-def]
    return client.post("/v1/import", params={"format": fmt, **params}, content=body, headers=headers)


def exported(client: AppClient, fmt: str) -> bytes:
    response = client.get("/v1/export", params={"format": fmt})
    assert response.status_code == 200
    return response.content


def without_bookkeeping(document: bytes) -> list[dict[str, Any]]:
    items = json.loads(document)["items"]
    return [{k: v for k, v in item.items() if k not in ("version", "updated_at")} for item in items]


@pytest.fixture(scope="module")
def key(seeded_db: Database) -> dict[str, str]:
    """An editor key on the shared seeded database (for requests that store nothing: dry runs, refusals)."""
    return editor_key(seeded_db)


@pytest.fixture
def empty_twin(seeded_db: Database, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database on the same engine as the shared seeded one."""
    twin = Database(seeded_db.backend, tmp_path)
    twin.migrate()
    yield twin
    twin.drop()


# ---------------------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["json", "tbx", "tbx2", "csv"])
def test_export_then_import_into_an_empty_database_reproduces_the_glossary(
    client: AppClient, empty_twin: Database, fmt: str
):
    original = exported(client, "json")
    file = exported(client, fmt)
    with client_for(empty_twin, **BIG) as target:
        response = import_file(target, editor_key(empty_twin), fmt, file)
        assert response.status_code == 200, response.text
        report = response.json()
        assert len(report["created"]) == SEED_CONCEPTS, report["rejected"]
        assert report["updated"] == report["unchanged"] == report["rejected"] == []
        assert without_bookkeeping(exported(target, "json")) == without_bookkeeping(original)
        again = import_file(target, editor_key(empty_twin), fmt, file, dry_run="true").json()
        assert len(again["unchanged"]) == SEED_CONCEPTS
        assert again["created"] == again["updated"] == []


# ---------------------------------------------------------------------------------------------- dry run


def _csv_rows(document: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(document.decode("utf-8"), newline="")))


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer_ = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer_.writeheader()
    writer_.writerows(rows)
    return out.getvalue().encode()


def test_dry_run_reports_created_updated_unchanged_and_rejected_with_lines_and_stores_nothing(
    client: AppClient, seeded_db: Database, key: dict[str, str]
):
    rows = _csv_rows(exported(client, "csv"))
    by_slug = {r["slug"]: r for r in rows}
    edited = dict(by_slug["jing-wei-wang-ge"], en="Refined Micro-Grid Cells")
    new = dict(
        by_slug["liu-fu-liu-jin"],
        slug="ce-shi-ci-tiao",
        hans="测试词条",
        hant="",  # not 六服六進: a Traditional override is a form its concept owns
        pinyin="cè shì cí tiáo",
        aliases="",
        footnote="",
        components="",
    )
    stolen = dict(new, slug="dao-yong", hans="道用", pinyin="dào yòng", aliases="新质生产力")
    bad_kind = dict(new, slug="cuo-wu", hans="错误", pinyin="cuò wù", kind="slogans")
    unchanged = by_slug["shu-ju-de-di"]
    body = _csv([unchanged, edited, new, stolen, bad_kind])
    before = concept_count(seeded_db)
    response = import_file(client, key, "csv", body, dry_run="true")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["dry_run"] is True
    assert [(e["entry"], e["slug"]) for e in report["unchanged"]] == [(1, "shu-ju-de-di")]
    assert [(e["entry"], e["slug"]) for e in report["updated"]] == [(2, "jing-wei-wang-ge")]
    assert [(e["entry"], e["slug"]) for e in report["created"]] == [(3, "ce-shi-ci-tiao")]
    rejected = {e["entry"]: e for e in report["rejected"]}
    assert sorted(rejected) == [4, 5]
    assert "belongs to the concept 'xin-zhi-sheng-chan-li'" in rejected[4]["reason"]
    assert rejected[5]["reason"].startswith("kind:")
    lines = body.decode().split("\n")  # as an editor counts lines: a line break inside a cell is one
    assert lines[rejected[5]["line"] - 1].startswith("cuo-wu,")
    assert concept_count(seeded_db) == before
    assert client.get("/v1/terms/jing-wei-wang-ge").json()["en"] == "Refined Micro-Grids"


def test_a_csv_cell_of_json_nested_too_deeply_rejects_its_entry(client: AppClient, key: dict[str, str]):
    rows = _csv_rows(exported(client, "csv"))[:2]
    rows[1]["components"] = "[" * 20_000 + "]" * 20_000
    response = import_file(client, key, "csv", _csv(rows), dry_run="true")
    assert response.status_code == 200, response.text
    [rejected] = response.json()["rejected"]
    assert rejected["entry"] == 2
    assert "components: not a JSON list (nested too deeply to parse)" in rejected["reason"]


def _standalone(term: dict[str, Any]) -> dict[str, Any]:
    return dict(term, related=[])


def test_a_real_import_with_one_rejected_entry_stores_nothing(client: AppClient, empty_twin: Database):
    items = [_standalone(t) for t in json.loads(exported(client, "json"))["items"][:3]]
    items[2]["slug"] = "Not A Slug"
    body = json.dumps({"items": items}, ensure_ascii=False).encode()
    with client_for(empty_twin, **BIG) as target:
        response = import_file(target, editor_key(empty_twin), "json", body)
        assert response.status_code == 422
        problem = response.json()
        assert "1 entries rejected, nothing was stored" in problem["detail"]
        assert [(e["entry"], e["slug"]) for e in problem["errors"]] == [(3, "Not A Slug")]
        assert concept_count(empty_twin) == 0
        assert target.get(f"/v1/terms/{items[0]['slug']}").status_code == 404


def test_a_real_import_updates_and_records_the_change(client: AppClient, empty_twin: Database):
    term = _standalone(client.get("/v1/terms/jing-wei-wang-ge").json())
    headers = editor_key(empty_twin)
    with client_for(empty_twin, **BIG) as client:
        assert import_file(client, headers, "json", json.dumps([term], ensure_ascii=False).encode()).status_code == 200
        term = client.get("/v1/terms/jing-wei-wang-ge").json()
        body = json.dumps([dict(term, en="Refined Micro-Grid Cells")], ensure_ascii=False).encode()
        report = import_file(client, headers, "json", body).json()
        assert [e["slug"] for e in report["updated"]] == ["jing-wei-wang-ge"]
        after = client.get("/v1/terms/精网微格").json()
        assert after["en"] == "Refined Micro-Grid Cells"
        assert after["version"] == term["version"] + 1


def test_import_needs_an_editor_key(client: AppClient):
    response = client.post("/v1/import", params={"format": "json"}, content=b"[]")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


# ---------------------------------------------------------------------------------------------- hostile XML

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2"><text><body>
<conceptEntry id="c-lol"><langSec xml:lang="zh"><termSec><term>&lol4;</term></termSec></langSec></conceptEntry>
</body></text></tbx>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE tbx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2"><text><body>
<conceptEntry id="c-xxe"><note>&xxe;</note><langSec xml:lang="zh"><termSec><term>xxe</term></termSec></langSec>
</conceptEntry></body></text></tbx>"""


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY x "fetched">')

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def dtd_server() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}/tbx.dtd"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("fmt", ["tbx", "tbx2"])
@pytest.mark.parametrize("attack", ["billion laughs", "external entity", "external DTD"])
def test_hostile_xml_is_422_with_nothing_fetched_or_stored(
    client: AppClient, seeded_db: Database, key: dict[str, str], dtd_server: str, attack: str, fmt: str
):
    body = {
        "billion laughs": BILLION_LAUGHS,
        "external entity": EXTERNAL_ENTITY,
        "external DTD": (
            f'<?xml version="1.0"?>\n<!DOCTYPE martif SYSTEM "{dtd_server}">\n'
            '<martif type="TBX"><text><body><termEntry id="c-x"><note>&x;</note></termEntry></body></text></martif>'
        ).encode(),
    }[attack]
    before = concept_count(seeded_db)
    for dry_run in ("true", "false"):
        response = import_file(client, key, fmt, body, dry_run=dry_run)
        assert response.status_code == 422, response.text
        assert "DOCTYPE" in response.json()["detail"]
        assert "root:" not in response.text  # nothing of /etc/passwd
    assert _Recorder.hits == []
    assert concept_count(seeded_db) == before


# ---------------------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(("encoding", "fmt"), [("gb18030", "csv"), ("big5", "tbx"), ("gb18030", "json")])
def test_a_file_in_another_encoding_is_422_naming_where(
    client: AppClient, key: dict[str, str], encoding: str, fmt: str
):
    text = exported(client, fmt).decode("utf-8")
    if encoding == "big5":
        text = exported(client, "tbx").decode().replace("zh-Hans", "zh-Hant")
        text = "".join(c for c in text if _encodes(c, "big5"))
    body = text.encode(encoding, errors="ignore")
    response = import_file(client, key, fmt, body, dry_run="true")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "not UTF-8" in detail
    offset = int(detail.split(" at offset ")[1].split()[0])
    line = int(detail.split("(line ")[1].split(",")[0])
    assert body[:offset].decode("ascii")  # everything before the first non-ASCII byte is ASCII
    assert line == body[:offset].count(b"\n") + 1


def _encodes(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def test_an_xml_declaration_naming_another_encoding_is_422(client: AppClient, key: dict[str, str]):
    body = b'<?xml version="1.0" encoding="GB18030"?><tbx/>'
    response = import_file(client, key, "tbx", body)
    assert response.status_code == 422
    assert "GB18030" in response.json()["detail"]


@pytest.mark.parametrize(
    ("fmt", "body", "says"),
    [
        ("json", b"", "empty"),
        ("json", b'{"items": {}}', "array of terms"),
        ("json", b"[1, 2", "not valid JSON"),
        ("json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("tbx", b"<tbx>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</tbx>", "not well-formed"),
        ("tbx", b"<tbx><text>", "not well-formed"),
        ("tbx", b"<html/>", "root element is <html>"),
        ("csv", b"slug,hans,colour\r\n", "missing columns"),
    ],
)
def test_unreadable_files_are_422_problems(client: AppClient, key: dict[str, str], fmt: str, body: bytes, says: str):
    response = import_file(client, key, fmt, body)
    assert response.status_code == 422
    assert says in response.json()["detail"]


# ---------------------------------------------------------------------------------------------- planning (pure)


def _raw(number: int, **data: Any) -> RawEntry:
    entry: dict[str, Any] = {
        "slug": "ce-shi",
        "hans": "测试",
        "pinyin": "cè shì",
        "en": "Test",
        "definition": {"zh": "测试。", "en": "A test."},
        "kind": "concept",
    }
    return RawEntry(number=number, line=number + 1, data={**entry, **data})


def test_plan_rejects_a_slug_or_form_used_twice_in_the_file_and_unknown_related():
    plan = plan_import(
        [
            _raw(1),
            _raw(2),  # same slug
            _raw(3, slug="ce-shi-er", hans="測試"),  # the Traditional form of entry 1's headword
            _raw(4, slug="ce-shi-san", hans="测试三", related=["nowhere"]),
            _raw(5, slug="ce-shi-si", hans="测试四", related=["ce-shi"]),
            _raw(6, slug="ce-shi-wu", hans="测试五", related=["ce-shi-wu"]),
        ],
        existing={},
        owner_of=lambda _key: None,
    )
    assert [o.entry for o in plan.created] == [1, 5]
    reasons = {o.entry: o.reason for o in plan.rejected}
    assert "also used by entry 1" in reasons[2]
    assert "also a form of entry 1" in reasons[3]
    assert "'nowhere'" in reasons[4]
    assert "a concept is not related to itself" in reasons[6]


def test_tbx_takes_the_first_definition_when_several_language_sections_have_one():
    from app.exchange.formats import tbx

    sections = [
        '<langSec xml:lang="zh-Hans"><descripGrp><descrip type="definition">第一个定义</descrip>'
        '<admin type="source">来源一</admin></descripGrp><termSec><term>数据得地</term></termSec></langSec>',
        '<langSec xml:lang="zh-CN"><descrip type="definition">第二个定义</descrip>'
        "<termSec><term>数据得地改革</term></termSec></langSec>",
        '<langSec xml:lang="en"><descrip type="definition">First.</descrip>'
        "<termSec><term>Data for Land</term></termSec></langSec>",
        '<langSec xml:lang="en-GB"><descrip type="definition">Second.</descrip>'
        "<termSec><term>Data-for-Land</term></termSec></langSec>",
    ]
    body = (
        '<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2"><text><body>'
        f'<conceptEntry id="c-1">{"".join(sections)}</conceptEntry></body></text></tbx>'
    ).encode()
    [entry] = tbx.read(body)
    assert entry.errors == []
    assert entry.data["definition"] == {"zh": "第一个定义", "basis": "来源一", "en": "First."}


# ----------------------------------------------------------------------------------- races and deleted concepts


def test_an_import_planned_before_a_patch_answers_409_instead_of_overwriting_it(fresh_db: Database):
    """The plan carries the version each entry was planned on; the write checks it."""
    from app.db import unit_of_work
    from app.errors import ConflictError
    from app.exchange.formats import ImportFormat
    from app.exchange.service import apply_plan, plan_file

    with client_for(fresh_db) as client:
        headers = editor_key(fresh_db)
        backup = json.loads(exported(client, "json"))
        entry = next(i for i in backup["items"] if i["slug"] == "liu-fu-liu-jin")
        body = json.dumps([{**entry, "note": "from the import"}], ensure_ascii=False).encode()
        glossary = client.app.state.glossary
        engine = client.app.state.engine
        plan = plan_file(engine, glossary, body, ImportFormat.json)
        assert [o.slug for o in plan.updated] == ["liu-fu-liu-jin"]
        etag = client.get("/v1/terms/liu-fu-liu-jin").headers["etag"]
        patched = client.request(
            "PATCH", "/v1/terms/liu-fu-liu-jin", json={"note": "from the editor"}, headers={**headers, "If-Match": etag}
        )
        assert patched.status_code == 200
        with pytest.raises(ConflictError, match="changed while importing"), unit_of_work(engine) as session:
            apply_plan(session, plan, actor="test")
        assert client.get("/v1/terms/liu-fu-liu-jin").json()["note"] == "from the editor"


def test_importing_an_older_backup_restores_a_deleted_concept_as_its_dry_run_said(fresh_db: Database):
    with client_for(fresh_db) as client:
        headers = editor_key(fresh_db)
        backup = exported(client, "json")
        etag = client.get("/v1/terms/shu-ju-de-di").headers["etag"]
        deleted = client.request("DELETE", "/v1/terms/shu-ju-de-di", headers={**headers, "If-Match": etag})
        assert deleted.status_code == 204
        dry = import_file(client, headers, "json", backup, dry_run="true")
        assert dry.status_code == 200, dry.text
        assert [o["slug"] for o in dry.json()["restored"]] == ["shu-ju-de-di"]
        real = import_file(client, headers, "json", backup)
        assert real.status_code == 200, real.text
        assert [o["slug"] for o in real.json()["restored"]] == ["shu-ju-de-di"]
        assert client.get("/v1/terms/shu-ju-de-di").status_code == 200
        history = client.get("/v1/terms/shu-ju-de-di/history").json()["items"]
        assert [h["action"] for h in history[:2]] == ["restore", "delete"]


def test_an_import_that_creates_a_slug_created_since_its_plan_is_409_with_no_sql(fresh_db: Database):
    from app.db import unit_of_work
    from app.errors import ConflictError
    from app.exchange.formats import ImportFormat
    from app.exchange.service import apply_plan, plan_file
    from tests.editors import new_entry

    with client_for(fresh_db) as client:
        headers = editor_key(fresh_db)
        body = json.dumps([new_entry()], ensure_ascii=False).encode()
        plan = plan_file(client.app.state.engine, client.app.state.glossary, body, ImportFormat.json)
        assert [o.slug for o in plan.created] == ["ce-shi-ci-tiao"]
        assert client.post("/v1/terms", json=new_entry(), headers=headers).status_code == 201
        with pytest.raises(ConflictError) as raised, unit_of_work(client.app.state.engine) as session:
            apply_plan(session, plan, actor="test")
        assert "changed while importing" in raised.value.detail
        assert "INSERT" not in raised.value.detail
        assert "UNIQUE" not in raised.value.detail


def test_csv_and_json_imports_derive_slug_and_pinyin_when_left_out(fresh_db: Database):
    with client_for(fresh_db) as client:
        headers = editor_key(fresh_db)
        row = {
            "hans": "测试词条",
            "en": "Test Entry",
            "definition_zh": "测试。",
            "definition_en": "A test.",
            "kind": "concept",
        }
        created = import_file(client, headers, "csv", _csv([row]))
        assert created.status_code == 200, created.text
        assert [o["slug"] for o in created.json()["created"]] == ["ce-shi-ci-tiao"]
        assert client.get("/v1/terms/ce-shi-ci-tiao").json()["pinyin"] == "cè shì cí tiáo"
        entry = {"hans": "测验词条", "slug": "my-own", "en": "Quiz Entry", "kind": "concept",
                 "definition": {"zh": "测验。", "en": "A quiz."}}  # fmt: skip
        body = json.dumps([entry], ensure_ascii=False).encode()
        assert [o["slug"] for o in import_file(client, headers, "json", body).json()["created"]] == ["my-own"]
