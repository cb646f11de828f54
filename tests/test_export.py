"""GET /v1/export: every format, read back the way the tools that consume it read it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from lxml import etree

from app.core.script import Script
from app.exchange.formats import tabular
from app.exchange.formats.tbx import TBX_NAMESPACE
from app.terms.schemas import TermOut
from tests.appclient import AppClient
from tests.conftest import SEEDS_DIR

TBX_SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "tbx"
NS = {"t": TBX_NAMESPACE}
SEED_CONCEPTS = len(list((SEEDS_DIR / "terms").glob("*.yaml")))  # every seed concept is exported


def export(client: AppClient, fmt: str, **params: str) -> bytes:
    response = client.get("/v1/export", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    return response.content


@pytest.fixture(scope="module")
def tbx_schema() -> etree.RelaxNG:
    if not TBX_SCHEMAS.is_dir():
        pytest.skip(f"the TBX schemas are not at {TBX_SCHEMAS} (CI always has ../shared/tbx)")
    return etree.RelaxNG(etree.parse(str(TBX_SCHEMAS / "TBXcoreStructV03.rng")))


# --- TBX-Basic (DCA) dialect rules of TBX-Basic_DCA.sch, as explicit checks (lxml runs Schematron only with
# XPath 1, the dialect's schema is written for XPath 2).
_TYPES = {
    "admin": {"customerSubset", "projectSubset", "source"},
    "descrip": {"subjectField", "context", "definition"},
    "ref": {"crossReference"},
    "termNote": {
        "administrativeStatus",
        "partOfSpeech",
        "geographicalUsage",
        "grammaticalGender",
        "termLocation",
        "termType",
    },
    "transac": {"transactionType"},
    "transacNote": {"responsibility"},
    "xref": {"externalCrossReference", "xGraphic"},
}
_STATUSES = {"admittedTerm-admn-sts", "deprecatedTerm-admn-sts", "supersededTerm-admn-sts", "preferredTerm-admn-sts"}
_TERM_TYPES = {"fullForm", "acronym", "abbreviation", "shortForm", "variant", "phrase"}


def _level(element: etree._Element) -> str:
    """The level an element sits at: its parent's name, looking through a *Grp wrapper (not transacGrp)."""
    parent = element.getparent()
    if parent is None:
        return ""
    name = etree.QName(parent).localname
    if name.endswith("Grp") and name != "transacGrp":
        return etree.QName(parent.getparent()).localname
    return name


def dialect_violations(root: etree._Element) -> list[str]:
    problems = []
    root = root.getroottree().getroot()
    if root.get("type") != "TBX-Basic" or root.get("style") != "dca":
        problems.append("the root must be type TBX-Basic, style dca")
    ids = set(root.xpath("//@id"))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        qname = etree.QName(element)
        where = f"line {element.sourceline} <{qname.localname}>"
        if qname.namespace != TBX_NAMESPACE:
            problems.append(f"{where}: not in the TBX namespace (DCT elements are not DCA)")
        kind = element.get("type")
        if qname.localname in _TYPES:
            if kind not in _TYPES[qname.localname]:
                problems.append(f"{where}: type {kind!r} is not permitted")
        elif kind == "":
            problems.append(f"{where}: empty type")
        target = element.get("target")
        if target is not None and not target.startswith(("http://", "https://")) and target not in ids:
            problems.append(f"{where}: target {target!r} is neither an ID of the document nor an http(s) URI")
        level = _level(element)
        if qname.localname == "termNote":
            if level != "termSec":
                problems.append(f"{where}: a termNote only at termSec level")
            if kind == "administrativeStatus" and element.text not in _STATUSES:
                problems.append(f"{where}: administrativeStatus {element.text!r}")
            if kind == "termType" and element.text not in _TERM_TYPES:
                problems.append(f"{where}: termType {element.text!r}")
        if qname.localname == "descrip":
            allowed = {
                "subjectField": {"conceptEntry"},
                "context": {"termSec"},
                "definition": {"conceptEntry", "langSec"},
            }
            if level not in allowed.get(kind or "", {level}):
                problems.append(f"{where}: {kind} not allowed at {level} level")
        if qname.localname == "admin" and kind == "source" and level not in {"conceptEntry", "langSec", "termSec"}:
            problems.append(f"{where}: source not allowed at {level} level")
        if qname.localname == "ref" and level not in {"conceptEntry", "termSec"}:
            problems.append(f"{where}: crossReference not allowed at {level} level")
        if qname.localname == "transac" and element.text not in {"origination", "modification"}:
            problems.append(f"{where}: transactionType {element.text!r}")
    return problems


def test_the_dialect_checks_accept_the_official_valid_sample_and_catch_a_wrong_category(tbx_schema: etree.RelaxNG):
    sample = etree.parse(str(TBX_SCHEMAS / "Example_Astronomy_DCA_VALID.tbx"))
    assert tbx_schema.validate(sample)
    assert dialect_violations(sample.getroot()) == []
    wrong = sample.getroot().find(".//t:termNote", NS)
    wrong.set("type", "pronunciation")
    assert dialect_violations(sample.getroot()) == [
        f"line {wrong.sourceline} <termNote>: type 'pronunciation' is not permitted"
    ]


@pytest.mark.parametrize("script", ["hans", "hant", "tw", "hk"])
def test_tbx_export_validates_against_the_official_schema_and_the_basic_dialect(
    client: AppClient, tbx_schema: etree.RelaxNG, script: str
):
    body = export(client, "tbx", script=script)
    root = etree.fromstring(body)
    assert tbx_schema.validate(root), tbx_schema.error_log
    assert dialect_violations(root) == []
    assert len(root.findall(".//t:conceptEntry", NS)) == SEED_CONCEPTS


def _entry(root: etree._Element, slug: str) -> etree._Element:
    entry = root.find(f".//t:conceptEntry[@id='c-{slug}']", NS)
    assert entry is not None
    return entry


def test_tbx_entry_carries_statuses_definitions_context_kind_and_notes(client: AppClient):
    root = etree.fromstring(export(client, "tbx"))
    entry = _entry(root, "jing-wei-wang-ge")
    assert entry.findtext("t:descrip[@type='subjectField']", namespaces=NS) == "programme"
    assert [r.get("target") for r in entry.findall("t:ref[@type='crossReference']", NS)] == [
        "c-ping-an-jia-yuan",
        "c-san-ji-mao-tiao-zhong-xin",
    ]
    zh, hant, en = entry.findall("t:langSec", NS)
    assert [
        zh.get("{http://www.w3.org/XML/1998/namespace}lang"),
        hant.get("{http://www.w3.org/XML/1998/namespace}lang"),
    ] == ["zh-Hans", "zh-Hant"]

    def terms(section: etree._Element) -> list[tuple[str, str]]:
        return [
            (s.findtext("t:term", namespaces=NS), s.findtext("t:termNote[@type='administrativeStatus']", namespaces=NS))
            for s in section.findall("t:termSec", NS)
        ]

    assert terms(zh) == [("精微网格", "preferredTerm-admn-sts"), ("精网微格", "admittedTerm-admn-sts")]
    assert terms(hant) == [("精微網格", "preferredTerm-admn-sts")]
    assert terms(en) == [
        ("Refined Micro-Grids", "preferredTerm-admn-sts"),
        ("Refined Grids and Micro-Grids", "admittedTerm-admn-sts"),
        ("fine-grained grid cells", "admittedTerm-admn-sts"),
        ("microgrid", "deprecatedTerm-admn-sts"),
        ("precision microgrid", "deprecatedTerm-admn-sts"),
    ]
    assert zh.findtext("t:descripGrp/t:descrip[@type='definition']", namespaces=NS).startswith("网格化社会治理中")
    headword = zh.find("t:termSec", NS)
    contexts = headword.findall("t:descripGrp/t:descrip[@type='context']", NS)
    assert contexts[0].text == "健全网格化治理机制，划分“精微网格”9153个，“平安家园”基础进一步夯实。"
    assert headword.findtext("t:descripGrp/t:admin[@type='source']", namespaces=NS) == "2024年昆山市政府工作报告"
    assert "pinyin: jīng wēi wǎng gé" in [n.text for n in headword.findall("t:note", NS)]


def test_tbx_of_a_footnoted_formula_carries_footnote_and_components(client: AppClient):
    root = etree.fromstring(export(client, "tbx"))
    entry = _entry(root, "liu-fu-liu-jin")
    notes = [n.text for n in entry.findall("t:langSec/t:termSec/t:note", NS)]
    assert any(n.startswith("footnote: ") for n in notes)
    assert sum(n.startswith("component: ") for n in notes) == 6


def test_taiwan_tbx_has_a_taiwan_section_with_character_converted_slogans(client: AppClient):
    root = etree.fromstring(export(client, "tbx", script="tw"))
    zh = _entry(root, "shu-ju-de-di").find("t:langSec", NS)
    assert zh.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-TW"
    assert zh.findtext("t:termSec/t:term", namespaces=NS) == "數據得地"  # never phrase-localised to 資料得地


def test_translate_toolkit_reads_every_term_of_the_tbx2_export(client: AppClient):
    from translate.storage.tbx import tbxfile

    body = export(client, "tbx2")
    assert etree.fromstring(body).tag == "martif"
    store = tbxfile.parsestring(body)
    units = {unit.getid(): unit for unit in store.units}
    assert len(store.units) == SEED_CONCEPTS
    terms = json.loads(export(client, "json"))["items"]
    for term in terms:
        unit = units[f"c-{term['slug']}"]
        seen = {t.text for node in unit.getlanguageNodes() for t in unit._get_terms(node)}
        wanted = {term["hans"], term["hant"], term["en"], *term["aliases"], *term["en_alternatives"], *term["en_avoid"]}
        assert wanted <= seen, term["slug"]
    unit = units["c-jing-wei-wang-ge"]
    assert unit.source == "精微网格"
    avoided = [t.text for t in unit.get_target_terms("en") if t.deprecated]
    assert avoided == ["microgrid", "precision microgrid"]


def test_csv_has_one_row_per_concept_with_every_field(client: AppClient):
    rows = list(csv.DictReader(io.StringIO(export(client, "csv").decode("utf-8"), newline="")))
    assert len(rows) == SEED_CONCEPTS
    assert list(rows[0]) == tabular.COLUMNS
    row = next(r for r in rows if r["slug"] == "jing-wei-wang-ge")
    assert row["aliases"] == "精网微格"
    assert row["en_avoid"].splitlines() == ["microgrid", "precision microgrid"]
    assert json.loads(row["sources"])[0]["date"] == "2024-01-08"
    formula = next(r for r in rows if r["slug"] == "1-22-3-da-an-quan-gong-zuo-ti-xi")
    assert formula["hans"] == "“1+22+3”大安全工作体系"


def test_csv_bom_is_there_only_when_asked_for(client: AppClient):
    assert not export(client, "csv").startswith(b"\xef\xbb\xbf")
    assert export(client, "csv", bom="true").startswith(b"\xef\xbb\xbfslug,")


def test_csv_cells_that_spreadsheets_would_run_are_neutralised_and_read_back(client: AppClient):
    term = TermOut.model_validate(json.loads(export(client, "json"))["items"][0])
    hostile = term.model_copy(
        update={
            "note": '=HYPERLINK("http://evil")',
            "en": "+1",
            "en_origin": "@SUM(A1)",
            "en_alternatives": ["-2", "\tcmd", "'=already quoted"],
        }
    )
    text = "".join(tabular.write_csv([hostile]))
    row = next(csv.DictReader(io.StringIO(text, newline="")))
    assert row["note"] == '\'=HYPERLINK("http://evil")'
    assert row["en"] == "'+1"
    assert row["en_origin"] == "'@SUM(A1)"
    for cell in row.values():
        assert not cell.startswith(tabular.FORMULA_TRIGGERS)
    entry = next(tabular.read_csv(text.encode()))
    assert entry.data["note"] == hostile.note
    assert entry.data["en"] == "+1"
    assert entry.data["en_alternatives"] == ["-2", "\tcmd", "'=already quoted"]


def test_deepl_entries_follow_deepls_rules_and_include_aliases(client: AppClient):
    text = export(client, "deepl").decode("utf-8")
    lines = text.splitlines()
    sources = [line.split("\t")[0] for line in lines]
    for line in lines:
        source, target = line.split("\t")  # exactly one tab
        for phrase in (source, target):
            assert phrase
            assert phrase == phrase.strip()
            assert not any(ord(c) < 32 or 127 <= ord(c) <= 159 or c in "\u2028\u2029" for c in phrase)
    assert len(sources) == len(set(sources))
    pairs = dict(line.split("\t") for line in lines)
    assert pairs["精微网格"] == pairs["精网微格"] == "Refined Micro-Grids"
    assert "数据得地" in pairs
    assert "數據得地" in dict(line.split("\t") for line in export(client, "deepl", script="tw").decode().splitlines())


def test_deepl_phrase_rules():
    assert tabular.deepl_phrase("  new quality\nproductive forces ") == "new quality productive forces"
    assert tabular.deepl_phrase("bad\x90char") is None
    assert tabular.deepl_phrase("   ") is None
    assert tabular.deepl_phrase("x" * 1025) is None


def test_google_glossary_is_an_equivalent_term_set_with_language_code_header(client: AppClient):
    rows = list(csv.reader(io.StringIO(export(client, "google").decode("utf-8"), newline="")))
    assert rows[0] == ["zh-CN", "en", "description"]
    assert len(rows) - 1 == SEED_CONCEPTS
    assert [r[0] for r in rows if r[0] == "新质生产力"] == ["新质生产力"]
    traditional = list(csv.reader(io.StringIO(export(client, "google", script="tw").decode(), newline="")))
    assert traditional[0][0] == "zh-TW"
    assert "數據得地" in {r[0] for r in traditional}


def test_json_export_holds_the_contract_term_objects_complete(client: AppClient):
    items = json.loads(export(client, "json"))["items"]
    assert len(items) == SEED_CONCEPTS
    listed = client.get("/v1/terms", params={"limit": 200}).json()["items"]
    assert items[: len(listed)] == listed
    assert "\\u" not in export(client, "json").decode()


@pytest.mark.parametrize(
    ("fmt", "media_type", "filename"),
    [
        ("tbx", "application/x-tbx+xml", "policy-glossary.tbx"),
        ("tbx2", "application/x-tbx+xml", "policy-glossary-tbx2.tbx"),
        ("csv", "text/csv", "policy-glossary.csv"),
        ("deepl", "text/tab-separated-values", "policy-glossary-deepl.tsv"),
        ("google", "text/csv", "policy-glossary-google.csv"),
        ("json", "application/json", "policy-glossary.json"),
    ],
)
def test_export_is_an_attachment_with_its_media_type(client: AppClient, fmt: str, media_type: str, filename: str):
    response = client.get("/v1/export", params={"format": fmt})
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'


@pytest.mark.parametrize("params", [{"format": "xlsx"}, {}, {"format": "csv", "script": "latin"}])
def test_unknown_format_or_script_is_a_422_problem(client: AppClient, params: dict[str, str]):
    response = client.get("/v1/export", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_google_script_codes():
    assert tabular.GOOGLE_ZH_CODES[Script.hans] == "zh-CN"


# ------------------------------------------------------------------------- whatever editors (once) wrote


def _legacy_concept(db, **fields):  # type: ignore[no-untyped-def]
    """A concept written as an older version of the service allowed (no validation), straight to the database."""
    from app.db import unit_of_work
    from app.terms import writes
    from app.terms.schemas import Definition, TermFields
    from tests.editors import new_entry

    if "definition" in fields:
        fields["definition"] = Definition.model_construct(**fields["definition"])
    entry = TermFields.model_construct(**{**TermFields.model_validate(new_entry(related=[])).__dict__, **fields})
    engine = db.engine()
    with unit_of_work(engine) as session:
        writes.save(session, entry, actor="legacy")
    engine.dispose()


def test_a_term_holding_what_xml_cannot_carry_leaves_every_tbx_export_well_formed(fresh_db):  # type: ignore[no-untyped-def]
    from tests.conftest import client_for

    _legacy_concept(fresh_db, note="bad \uffff and \x0b here", en="Test\ufffeEntry")
    with client_for(fresh_db) as client:
        for fmt in ("tbx", "tbx2"):
            etree.fromstring(export(client, fmt))  # raises on ill-formed XML


def test_deepl_lists_a_source_once_even_when_only_its_spacing_differs(fresh_db):  # type: ignore[no-untyped-def]
    from tests.conftest import client_for

    _legacy_concept(fresh_db, slug="a-one", hans="数据 得地", aliases=[])
    _legacy_concept(fresh_db, slug="a-two", hans="数据  得地", aliases=[])
    with client_for(fresh_db) as client:
        sources = [line.split("\t")[0] for line in export(client, "deepl").decode().splitlines()]
    assert sources.count("数据 得地") == 1
    assert len(sources) == len(set(sources))


@pytest.mark.parametrize("field", ["en", "hans", "aliases", "en_alternatives"])
@pytest.mark.parametrize("trigger", ["=", "+", "-", "@"])
def test_a_rendering_or_form_that_a_spreadsheet_would_run_is_refused_at_write(fresh_db, field: str, trigger: str):  # type: ignore[no-untyped-def]
    from tests.conftest import client_for
    from tests.editors import bearer, make_key, new_entry

    value = trigger + "HYPERLINK(1)"
    entry = new_entry(**{field: [value] if field in ("aliases", "en_alternatives") else value})
    with client_for(fresh_db) as client:
        response = client.post("/v1/terms", json=entry, headers=bearer(make_key(fresh_db)))
    assert response.status_code == 422, response.text
    assert "spreadsheet" in response.json()["detail"]


def test_google_neutralises_a_description_that_a_spreadsheet_would_run(fresh_db):  # type: ignore[no-untyped-def]
    from tests.conftest import client_for

    _legacy_concept(fresh_db, definition={"zh": "测试。", "en": "=HYPERLINK(1)", "basis": "editorial"})
    with client_for(fresh_db) as client:
        rows = list(csv.reader(io.StringIO(export(client, "google").decode("utf-8-sig"))))
    assert ["测试词条", "Test Entry", "'=HYPERLINK(1)"] in rows
