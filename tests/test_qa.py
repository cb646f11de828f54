"""Translation QA: the pure check, and POST /v1/qa on report passages."""

from __future__ import annotations

from app.core.qa import Renderings, SourceTerm, check
from tests.appclient import AppClient

LITTLE_GIANT = SourceTerm(
    "zhuan-jing-te-xin-xiao-ju-ren-qi-ye",
    0,
    11,
    Renderings(['specialized and sophisticated "little giant" enterprises', '"little giant" firms'], ["giant firms"]),
)
NEAR_ZERO = SourceTerm("jin-ling-tan", 0, 3, Renderings(["near-zero carbon", "nearly zero-carbon"], ["zero-carbon"]))


def kinds(terms: list[SourceTerm], target: str) -> list[tuple[str, str, str | None]]:
    return [(i.slug, i.kind, i.found) for i in check(terms, target)]


def test_case_plural_possessive_hyphen_and_quote_style_are_tolerated():
    for target in [
        "Specialized and sophisticated “Little Giant” enterprise",
        "specialized-and-sophisticated 'little giants' enterprises",
        "the Little Giant's firms",
    ]:
        assert kinds([LITTLE_GIANT], target) == [], target


def test_missing_when_no_approved_rendering_is_there():
    (issue,) = check([LITTLE_GIANT], "small and medium firms")
    assert (issue.kind, issue.found, issue.start, issue.end) == ("missing", None, 0, 11)
    assert issue.expected == list(LITTLE_GIANT.renderings.approved)


def test_avoided_rendering_is_reported_as_written():
    assert kinds([NEAR_ZERO], "build Zero Carbon parks") == [
        ("jin-ling-tan", "missing", None),
        ("jin-ling-tan", "avoided", "Zero Carbon"),
    ]


def test_an_avoided_rendering_inside_an_approved_one_does_not_count():
    assert kinds([NEAR_ZERO], "build near-zero carbon parks") == []
    assert kinds([NEAR_ZERO], "near-zero carbon parks and zero-carbon plants") == [
        ("jin-ling-tan", "avoided", "zero-carbon")
    ]


def test_a_leading_article_is_optional():
    term = SourceTerm("x", 0, 1, Renderings(["the 25 Measures to Optimize the Business Environment"]))
    assert kinds([term], "Kunshan's 25 measures to optimize the business environment") == []


def test_one_issue_per_concept_at_its_first_place():
    again = SourceTerm(NEAR_ZERO.slug, 9, 12, NEAR_ZERO.renderings)
    (issue,) = check([NEAR_ZERO, again], "nothing")
    assert issue.start == 0


def test_words_do_not_match_inside_other_words():
    term = SourceTerm("si-feng", 0, 2, Renderings(["Four Malfeasances"], ["four winds"]))
    assert kinds([term], "fourwinds, Four Malfeasances") == []


def test_api_passes_a_translation_that_uses_the_glossary(client: AppClient):
    source = "推行“数据得地”改革，加快发展新质生产力，打造“近零碳”园区。"
    target = (
        "We will introduce the Data-Based Land Allocation reform, speed up new-quality productive forces "
        "and build near-zero carbon parks."
    )
    response = client.post("/v1/qa", json={"source": source, "target": target})
    assert response.status_code == 200
    assert response.json() == {"issues": []}


def test_api_reports_missing_and_avoided_with_source_offsets(client: AppClient):
    source = "推行“数据得地”改革，全面推进中国式现代化。"
    target = "We will carry out the land reform and advance Chinese-style modernization."
    issues = client.post("/v1/qa", json={"source": source, "target": target}).json()["issues"]
    assert [(i["slug"], i["kind"], i["found"]) for i in issues] == [
        ("shu-ju-de-di", "missing", None),
        ("zhong-guo-shi-xian-dai-hua", "missing", None),
        ("zhong-guo-shi-xian-dai-hua", "avoided", "Chinese-style modernization"),
    ]
    for issue in issues:
        assert source[issue["start"] : issue["end"]] == issue["surface"]
    assert issues[0]["expected"][0] == "Data-Based Land Allocation"


def test_api_checks_traditional_sources_too(client: AppClient):
    issues = client.post("/v1/qa", json={"source": "推行資料得地", "target": "land"}).json()["issues"]
    assert [(i["slug"], i["surface"]) for i in issues] == [("shu-ju-de-di", "資料得地")]
