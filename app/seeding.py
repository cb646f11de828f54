"""The seed glossary in `seeds/`: applying it to the database as a content package, and checking it.

Once the database exists it is the source of truth; the seed is a package of content that `load` applies as
dpkg applies a new version of a configuration file. Each concept remembers the hash of the seed entry last
applied to it (its baseline), so that every run can tell an editor's change from the seed's:

    seed entry is new (no such slug)            → created
    concept deleted (through the API)           → left deleted and reported (`take` restores the seed's)
    concept equals the seed entry               → unchanged
    seed changed, concept as last seeded        → updated
    concept edited, seed as last seeded         → kept: the editor's version stays, nothing to report
    both changed (or the seed never wrote it)   → a conflict: the editor's version stays and is reported;
                                                  `take` applies the seed's on purpose, `keep` keeps the
                                                  editor's and makes this seed entry the baseline
    seeded concept no longer in the seed        → left alone and reported as removed

An entry the database cannot take as it is (a form another concept owns, a related concept deleted) is not
applied and is reported; the rest is. A second run with nothing new has nothing to do. The next report's
terms arrive along this path too: a seed directory is any package of entries.

`check` validates every entry and reports every problem, not just the first.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.pinyin import pinyin_problems
from app.db import unit_of_work
from app.documents import service as documents_service
from app.documents.service import DocumentIn
from app.errors import GlossaryError
from app.terms import repository, writes
from app.terms.schemas import TermFields, TermRecord

ACTOR = "seed"


class SeedError(ValueError):
    """The seed cannot be applied at all: no such directory, no entries, an invalid entry, a wrong option."""


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
    path = seeds_dir / "documents.yaml"
    return list(yaml.safe_load(path.read_text(encoding="utf-8")) or []) if path.is_file() else []


def _documents_to_apply(seeds_dir: Path) -> list[DocumentIn]:
    """The seed's documents with their texts (seeds/documents/), as the database stores them."""
    out = []
    for doc in load_documents(seeds_dir):
        fields = {k: v for k, v in doc.items() if k != "file"}
        out.append(DocumentIn(**fields, text=(seeds_dir / "documents" / doc["file"]).read_text(encoding="utf-8")))
    return out


def check(seeds_dir: Path, sources_dir: Path | None) -> Report:
    """Validate the seed: schema, uniqueness, verbatim quotes, related slugs, counts, pinyin."""
    entries, report = read_entries(seeds_dir)
    documents = {d["title"]: d for d in load_documents(seeds_dir)}
    texts: dict[str, str] = {}
    for title, doc in documents.items():
        path = seeds_dir / "documents" / doc["file"]
        if not path.is_file():
            report.add("documents.yaml", title, f"the text {path} is missing")
            continue
        texts[title] = path.read_text(encoding="utf-8")
        if sources_dir is not None:
            original = sources_dir / doc["file"]
            if not original.is_file():
                report.add("documents.yaml", title, f"source file {original} not found")
            elif original.read_text(encoding="utf-8") != texts[title]:
                report.add("documents.yaml", title, f"{path} differs from its source {original}")
    valid = [e for e in entries if e.fields is not None]
    slugs = Counter(e.fields.slug for e in valid if e.fields)
    owners: dict[str, set[str]] = defaultdict(set)
    for e in valid:
        assert e.fields is not None
        for key in e.fields.lookup_keys():
            owners[key].add(e.fields.slug)
    for e in valid:
        f = e.fields
        assert f is not None
        name = e.path.name
        if e.path.stem != f.slug:
            report.add(name, "slug", f"{f.slug!r} differs from the file name")
        if slugs[f.slug] > 1:
            report.add(name, "slug", f"{f.slug!r} is used by {slugs[f.slug]} entries")
        for key in f.lookup_keys():
            others = owners[key] - {f.slug}
            if others:
                report.add(name, "hans/aliases/hant", f"{key!r} is also a form of {', '.join(sorted(others))}")
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


@dataclass
class SeedReport:
    """What one run of the seed did (slugs, in seed order) and left alone."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    not_applied: dict[str, str] = field(default_factory=dict)

    @property
    def nothing_to_do(self) -> bool:
        """Nothing was written and nothing waits for a decision."""
        return not (self.created or self.updated or self.restored or self.conflicts or self.not_applied)


def load(engine: Engine, seeds_dir: Path, *, take: Iterable[str] = (), keep: Iterable[str] = ()) -> SeedReport:
    """Apply the seed in `seeds_dir` in one unit of work (see the module docstring); `take` and `keep` name
    the concepts whose conflict (or deletion, for `take`) an operator decided."""
    entries = _entries_to_apply(seeds_dir)
    take, keep = set(take), set(keep)
    unknown = sorted((take | keep) - {f.slug for f in entries})
    if unknown:
        raise SeedError(f"--take/--keep name no entry of the seed: {', '.join(unknown)}")
    if take & keep:
        raise SeedError(f"both --take and --keep name {', '.join(sorted(take & keep))}")
    documents = _documents_to_apply(seeds_dir)
    with unit_of_work(engine) as session:
        writes.lock_glossary(session)  # no other writer moves under the comparisons below
        for document in documents:  # before the terms: their quotes are checked against the texts
            documents_service.upsert(session, document)
        return _apply(session, entries, take, keep)


def _entries_to_apply(seeds_dir: Path) -> list[TermFields]:
    if not seeds_dir.is_dir():
        raise SeedError(f"the seed directory {seeds_dir} does not exist")
    entries, report = read_entries(seeds_dir)
    if report.problems:
        raise SeedError("the seed has problems:\n" + "\n".join(str(p) for p in report.problems))
    if not entries:
        raise SeedError(f"no seed entries in {seeds_dir / 'terms'} (one YAML file per concept)")
    return [e.fields for e in entries if e.fields is not None]


def _apply(session: Session, entries: list[TermFields], take: set[str], keep: set[str]) -> SeedReport:
    report = SeedReport()
    baselines = repository.seed_baselines(session)
    live, _deleted, _revision = repository.load_changed(session, 0)
    current: dict[str, TermRecord] = {r.slug: r.full() for r in live}
    new: list[TermFields] = []
    changed: list[tuple[TermFields, str]] = []  # (entry, action)
    digests: dict[str, str] = {}  # the seed entry's hash, the baseline of what is written
    gone = {slug for slug, (_baseline, deleted) in baselines.items() if deleted}
    for seeded in entries:
        digest = seeded.content_hash()  # the baseline is the seed's own entry ...
        entry = _without_relations_to(seeded, gone)  # ... what is written leaves out relations to deleted ones
        baseline, deleted = baselines.get(entry.slug, (None, False))
        record = current.get(entry.slug)
        if entry.slug not in baselines:
            new.append(entry)
            digests[entry.slug] = digest
        elif deleted and entry.slug in take:
            changed.append((entry, "restore"))
            digests[entry.slug] = digest
        elif deleted:
            report.deleted.append(entry.slug)
        elif record is None:
            continue  # cannot happen: live concepts are all loaded
        elif (ours := record.content_hash()) in (digest, entry.content_hash()):
            report.unchanged.append(entry.slug)
            if baseline != digest:
                repository.set_seed_baselines(session, {entry.slug: digest})
        elif entry.slug in take or baseline == ours:
            changed.append((entry, "update"))
            digests[entry.slug] = digest
        elif entry.slug in keep:
            repository.set_seed_baselines(session, {entry.slug: digest})
            report.kept.append(entry.slug)
        elif baseline == digest:
            report.kept.append(entry.slug)
        else:
            report.conflicts.append(entry.slug)
    _create(session, new, digests, report)
    for entry, action in changed:
        if _saved(session, entry, digests[entry.slug], report, action=action):
            (report.restored if action == "restore" else report.updated).append(entry.slug)
    in_seed = {e.slug for e in entries}
    report.removed = sorted(
        slug for slug, (baseline, deleted) in baselines.items() if baseline and not deleted and slug not in in_seed
    )
    return report


def _without_relations_to(entry: TermFields, gone: set[str]) -> TermFields:
    """`entry` without its relations to deleted concepts (a deletion through the API is kept, and the seed's
    entries that point at it are applied without that link)."""
    related = [slug for slug in entry.related if slug not in gone]
    return entry if len(related) == len(entry.related) else entry.model_copy(update={"related": related})


def _create(session: Session, entries: list[TermFields], digests: dict[str, str], report: SeedReport) -> None:
    """Create the new entries in bulk; if the database refuses the bulk, one at a time, so that one entry it
    cannot take (a form another concept owns) leaves the others to be created."""
    if not entries:
        return
    try:
        with session.begin_nested():
            writes.insert_many(session, entries, actor=ACTOR, seed_hashes=digests)
        report.created += [e.slug for e in entries]
        return
    except (GlossaryError, IntegrityError):
        pass
    pending = list(entries)
    while pending:  # an entry related to one created later in this loop waits for the next round
        left = [e for e in pending if not _saved(session, e, digests[e.slug], report, action="create")]
        report.created += [e.slug for e in pending if e not in left]
        if len(left) == len(pending):
            break
        for entry in left:
            report.not_applied.pop(entry.slug, None)
        pending = left


def _saved(session: Session, entry: TermFields, seed_hash: str, report: SeedReport, *, action: str) -> bool:
    """Save one entry in a savepoint; False (and the reason in `report.not_applied`) if it was refused."""
    try:
        with session.begin_nested():
            writes.save(
                session,
                entry,
                actor=ACTOR,
                action=action,
                must_be_new=action == "create",
                seed_hash=entry.content_hash(),
            )
    except GlossaryError as exc:
        report.not_applied[entry.slug] = exc.detail
        return False
    except IntegrityError:
        report.not_applied[entry.slug] = "the database refused it (a slug or form is taken)"
        return False
    return True
