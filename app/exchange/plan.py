"""What an import would do, decided without touching the database: pure, and the same for a dry run.

Every entry of the file is validated against the term schema and checked against the glossary and the rest
of the file; each ends up created, updated, restored (a concept deleted since the file was made), unchanged or
rejected (with its entry number, line and reason). Each write carries the version it was planned on, so that
the import refuses (409) instead of overwriting a change made between the plan and the write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from app.exchange.formats import RawEntry
from app.terms.schemas import TermFields, TermRecord


@dataclass(frozen=True)
class Outcome:
    entry: int
    line: int | None
    slug: str | None
    reason: str | None = None


@dataclass(frozen=True)
class PlannedWrite:
    fields: TermFields
    action: str  # create, update or restore
    # The version of the concept (live, or deleted for a restore) the entry was planned on; None: a new slug.
    planned_on: int | None


@dataclass
class ImportPlan:
    created: list[Outcome] = field(default_factory=list)
    updated: list[Outcome] = field(default_factory=list)
    restored: list[Outcome] = field(default_factory=list)
    unchanged: list[Outcome] = field(default_factory=list)
    rejected: list[Outcome] = field(default_factory=list)
    # The validated entries to write (created, updated and restored), in file order.
    writes: list[PlannedWrite] = field(default_factory=list)


def validate(entry: RawEntry) -> tuple[TermFields | None, list[str]]:
    """The entry as term fields, or every reason it is not one."""
    if entry.errors:
        return None, list(entry.errors)
    try:
        return TermFields.model_validate(entry.data), []
    except ValidationError as exc:
        return None, [f"{'.'.join(str(p) for p in e['loc']) or '(entry)'}: {e['msg']}" for e in exc.errors()]


def plan_import(
    entries: Iterable[RawEntry],
    existing: Mapping[str, TermRecord],
    owner_of: Callable[[str], str | None],
    deleted: Mapping[str, int] | None = None,
) -> ImportPlan:
    """Decide each entry's fate.

    `existing` holds the glossary's live records by slug; `deleted` the versions of deleted concepts by slug
    (an entry for one restores it); `owner_of(key)` names the concept that owns a folded written form (a lookup
    key), if any. A form may move between concepts only in two imports: the form is first removed from its
    owner, then given to the other concept.
    """
    deleted = deleted or {}
    plan = ImportPlan()
    valid: list[tuple[RawEntry, TermFields]] = []
    for entry in entries:
        fields, errors = validate(entry)
        slug = fields.slug if fields else (entry.data.get("slug") if isinstance(entry.data.get("slug"), str) else None)
        if fields is None:
            plan.rejected.append(Outcome(entry.number, entry.line, slug, "; ".join(errors)))
        else:
            valid.append((entry, fields))

    first_with_slug: dict[str, int] = {}
    form_claims: dict[str, tuple[str, int]] = {}
    accepted: list[tuple[RawEntry, TermFields]] = []
    for entry, fields in valid:
        if fields.slug in first_with_slug:
            reason = f"the slug {fields.slug!r} is also used by entry {first_with_slug[fields.slug]}"
            plan.rejected.append(Outcome(entry.number, entry.line, fields.slug, reason))
            continue
        first_with_slug[fields.slug] = entry.number
        reasons = []
        for key in fields.lookup_keys():
            claim = form_claims.get(key)
            if claim is not None and claim[0] != fields.slug:
                reasons.append(f"the form {key!r} is also a form of entry {claim[1]} ({claim[0]})")
                continue
            form_claims[key] = (fields.slug, entry.number)
            owner = owner_of(key)
            if owner is not None and owner != fields.slug:
                reasons.append(f"the form {key!r} belongs to the concept {owner!r}")
        if reasons:
            plan.rejected.append(Outcome(entry.number, entry.line, fields.slug, "; ".join(reasons)))
        else:
            accepted.append((entry, fields))

    in_file = {fields.slug for _entry, fields in accepted}
    for entry, fields in accepted:
        unknown = [s for s in fields.related if s not in existing and s not in in_file]
        if unknown:
            reason = f"related: no concept in the glossary or the file has the slug {', '.join(map(repr, unknown))}"
            plan.rejected.append(Outcome(entry.number, entry.line, fields.slug, reason))
            continue
        outcome = Outcome(entry.number, entry.line, fields.slug)
        current = existing.get(fields.slug)
        if current is None and fields.slug in deleted:
            plan.restored.append(outcome)
            plan.writes.append(PlannedWrite(fields, "restore", deleted[fields.slug]))
        elif current is None:
            plan.created.append(outcome)
            plan.writes.append(PlannedWrite(fields, "create", None))
        elif current.content() == fields.content():
            plan.unchanged.append(outcome)
        else:
            plan.updated.append(outcome)
            plan.writes.append(PlannedWrite(fields, "update", current.version))
    plan.rejected.sort(key=lambda o: o.entry)
    return plan
