"""The seed glossary in `seeds/`: loading it into the database, and checking it.

`load` is idempotent: an unchanged entry is left alone, a changed one is updated in place (its version goes
up), a new one is created. `check` validates every entry and reports every problem, not just the first.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.core.normalize import fold
from app.core.pinyin import pinyin_problems
from app.db import writer
from app.terms.editing import BatchResult, save_many
from app.terms.schemas import TermFields

# Number words a headword can state its count with: 五大行动 → 5, 六服六进 → 6, 稳外贸7条 → 7.
_NUMERALS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_COUNT_PATTERNS = [
    re.compile(r"^([一两二三四五六七八九十])(?:大|个|项|有|服|进|风|公|优)"),
    re.compile(r"(\d+)条”?$"),
]


@dataclass
class Entry:
    path: Path
    data: dict[str, Any]
    fields: TermFields | None = None


@dataclass
class Problem:
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.entry}: {self.field}: {self.message}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0

    def add(self, entry: str, field_: str, message: str) -> None:
        self.problems.append(Problem(entry, field_, message))


def read_entries(seeds_dir: Path) -> tuple[list[Entry], Report]:
    """Every `terms/*.yaml` entry, parsed and validated against the term schema."""
    report = Report()
    entries = []
    for path in sorted((seeds_dir / "terms").glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            report.add(path.name, "(file)", f"not valid UTF-8 YAML: {exc}")
            continue
        if not isinstance(data, dict):
            report.add(path.name, "(file)", "is not a mapping")
            continue
        entry = Entry(path, data)
        try:
            entry.fields = TermFields.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                report.add(path.name, ".".join(str(p) for p in err["loc"]) or "(entry)", err["msg"])
        entries.append(entry)
    report.entries = len(entries)
    return entries, report


def stated_count(hans: str) -> int | None:
    """The number a headword states (五大行动 → 5, 稳外贸7条 → 7), or None."""
    plain = hans.strip("“”")
    for pattern in _COUNT_PATTERNS:
        m = pattern.search(plain)
        if m:
            token = m.group(1)
            return int(token) if token.isdigit() else _NUMERALS[token]
    return None


def load_documents(seeds_dir: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load((seeds_dir / "documents.yaml").read_text(encoding="utf-8")) or [])


def check(seeds_dir: Path, sources_dir: Path | None) -> Report:
    """Validate the seed: schema, uniqueness, verbatim quotes, related slugs, counts, pinyin."""
    entries, report = read_entries(seeds_dir)
    documents = {d["title"]: d for d in load_documents(seeds_dir)}
    texts: dict[str, str] = {}
    if sources_dir is not None:
        for title, doc in documents.items():
            path = sources_dir / doc["file"]
            if path.is_file():
                texts[title] = path.read_text(encoding="utf-8")
            else:
                report.add("documents.yaml", title, f"source file {path} not found")
    valid = [e for e in entries if e.fields is not None]
    slugs = Counter(e.fields.slug for e in valid if e.fields)
    owners: dict[str, set[str]] = defaultdict(set)
    for e in valid:
        assert e.fields is not None
        for form in (e.fields.hans, *e.fields.aliases):
            owners[fold(form)].add(e.fields.slug)
    for e in valid:
        f = e.fields
        assert f is not None
        name = e.path.name
        if e.path.stem != f.slug:
            report.add(name, "slug", f"{f.slug!r} differs from the file name")
        if slugs[f.slug] > 1:
            report.add(name, "slug", f"{f.slug!r} is used by {slugs[f.slug]} entries")
        for form in (f.hans, *f.aliases):
            others = owners[fold(form)] - {f.slug}
            if others:
                report.add(name, "hans/aliases", f"{form!r} is also a form of {', '.join(sorted(others))}")
        for i, related in enumerate(f.related):
            if related not in slugs:
                report.add(name, f"related.{i}", f"no entry has the slug {related!r}")
        count = stated_count(f.hans)
        if count is not None and f.components and len(f.components) != count:
            report.add(name, "components", f"the headword states {count}, {len(f.components)} components are listed")
        for problem in pinyin_problems(f.hans, f.pinyin):
            report.add(name, "pinyin", problem)
        if not f.sources:
            report.add(name, "sources", "at least one source quote is required")
        for i, source in enumerate(f.sources):
            if source.document not in documents:
                report.add(name, f"sources.{i}.document", f"{source.document!r} is not in documents.yaml")
                continue
            text = texts.get(source.document)
            if text is not None and source.quote not in text:
                report.add(name, f"sources.{i}.quote", "is not a verbatim passage of its document")
        if f.definition.basis in ("footnote", "report"):
            for title in {s.document for s in f.sources}:
                text = texts.get(title)
                if text is not None and f.definition.zh not in text:
                    report.add(
                        name, "definition.zh", f"basis is {f.definition.basis} but the text is not verbatim in {title}"
                    )
        if f.footnote is not None and f.definition.basis != "footnote":
            report.add(name, "definition.basis", "a footnoted term's definition is the footnote")
    return report


def load(engine: Engine, seeds_dir: Path) -> BatchResult:
    """Write every seed entry to the database in one transaction (all or nothing)."""
    entries, report = read_entries(seeds_dir)
    if report.problems:
        raise ValueError("the seed has problems:\n" + "\n".join(str(p) for p in report.problems))
    with Session(writer(engine)) as session, session.begin():
        return save_many(session, [e.fields for e in entries if e.fields is not None], actor="seed")
