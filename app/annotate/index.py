"""The term matcher as an index derived from the glossary, kept in step with it.

An Aho–Corasick automaton cannot be changed in place, so every change builds a new `TermMatcher` and swaps it
in; readers always see one consistent snapshot (matcher and the records it names). A small glossary is rebuilt
at once, in the thread that applies the change (the glossary follower's worker thread, never the event loop).
A large one (100,000 concepts take about a second) is rebuilt by a background thread while the previous
snapshot keeps answering, so applying a change never waits for it: in that process an edit shows in
annotations once the rebuild ends. Changes that arrive during a rebuild are folded into one more rebuild.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from app.core.matcher import Match, Pattern, Scan, TermMatcher, patterns_of
from app.terms.glossary import Glossary
from app.terms.stored import StoredTerm

log = logging.getLogger("app.annotate")

# Above this many patterns a rebuild goes to the background (the seed glossary has a few hundred).
BACKGROUND_REBUILD_PATTERNS = 20_000


class Annotation(NamedTuple):
    """A term found in a text: where, as written, and the concept's record (a tuple: a megabyte of report text
    has thousands, and a tuple is the cheapest immutable record to build)."""

    start: int
    end: int
    surface: str
    pattern: Pattern
    record: StoredTerm


class Found(NamedTuple):
    """The terms found in a text as arrays (`Scan`); the record of each pattern, by the index `Scan.which`
    gives (only those of patterns in the scan are to be read); and the scratch space of the snapshot that
    found them (`memo`)."""

    scan: Scan
    records: Sequence[StoredTerm]
    memo: dict[Hashable, Any]

    def annotations(self) -> list[Annotation]:
        """One `Annotation` per match."""
        scan, records = self.scan, self.records
        text, patterns = scan.text, scan.patterns
        return [
            Annotation(start, end, text[start:end], patterns[w], records[w])
            for start, end, w in zip(scan.starts.tolist(), scan.ends.tolist(), scan.which.tolist(), strict=True)
        ]


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """A matcher and the records its patterns name, swapped in together.

    `by_pattern` is the record of each pattern, by the matcher's index. `memo` holds what callers derive from a pattern
    and this snapshot's records (the protected form of a term under a config, say): it goes with the
    snapshot, so an edit can never leave a stale entry behind.
    """

    matcher: TermMatcher
    by_pattern: Sequence[StoredTerm] = ()
    memo: dict[Hashable, Any] = field(default_factory=dict)


class TermAnnotator:
    """Finds every glossary term in a text (`annotate`); a `DerivedIndex` of the glossary."""

    def __init__(self, *, background_above: int = BACKGROUND_REBUILD_PATTERNS) -> None:
        self.background_above = background_above
        self._current = _Snapshot(TermMatcher({}))
        self._records: dict[str, StoredTerm] = {}  # each with its folded keys (`StoredTerm.keys`)
        self._key_count = 0
        self._lock = threading.Lock()  # guards the three fields below and the two above
        self._wanted = 0  # bumped by every change
        self._built = 0  # the change the current snapshot includes
        self._rebuilding = False
        self._settled = threading.Condition(self._lock)

    # DerivedIndex

    def reset(self, records: Sequence[StoredTerm]) -> None:
        with self._lock:
            self._records = {r.slug: r for r in records}
            self._key_count = sum(len(r.keys) for r in records)
            self._wanted += 1
            wanted, snapshot_input = self._wanted, self._snapshot_input()
        # The first build happens at start-up, before the process serves anything: always at once.
        self._install(wanted, _build(*snapshot_input))

    def update(self, changed: Sequence[StoredTerm], deleted: Sequence[str]) -> None:
        with self._lock:
            for slug in deleted:
                gone = self._records.pop(slug, None)
                self._key_count -= len(gone.keys) if gone is not None else 0
            for record in changed:
                old = self._records.get(record.slug)
                self._key_count += len(record.keys) - (len(old.keys) if old is not None else 0)
                self._records[record.slug] = record
            self._wanted += 1
            background = self._key_count > self.background_above
            if background:
                if not self._rebuilding:
                    self._rebuilding = True
                    threading.Thread(
                        target=self._rebuild_in_background, name="term-matcher-rebuild", daemon=True
                    ).start()
                return
            wanted, snapshot_input = self._wanted, self._snapshot_input()
        self._install(wanted, _build(*snapshot_input))

    # Reading

    def annotate(self, text: str, *, kind: str | None = None) -> list[Annotation]:
        """Every glossary term in `text`, leftmost-longest, not overlapping; `kind` keeps only that kind's."""
        return self.scan(text, kind=kind).annotations()

    def scan(self, text: str, *, kind: str | None = None) -> Found:
        """`annotate` as arrays: the matcher's `Scan` (only the terms of `kind`, if given), with the snapshot's
        record of every pattern and its memo. The kind is checked once per distinct pattern, not per match."""
        snapshot = self._current
        scan = snapshot.matcher.scan(text)
        if kind is not None and len(scan):
            distinct, inverse = np.unique(scan.which, return_inverse=True)
            by_pattern = snapshot.by_pattern
            wanted = np.array([by_pattern[w].kind == kind for w in distinct.tolist()], dtype=np.bool_)
            if not wanted.all():
                scan = scan.subset(wanted[inverse])
        return Found(scan, snapshot.by_pattern, snapshot.memo)

    def matches(self, text: str) -> list[Match]:
        return self._current.matcher.find(text)

    @property
    def current(self) -> bool:
        """Whether the snapshot answering includes every change applied so far."""
        with self._lock:
            return self._built == self._wanted

    def wait_until_current(self, timeout: float | None = None) -> bool:
        """Block until a background rebuild has caught up with every change; False on timeout."""
        with self._settled:
            return self._settled.wait_for(lambda: self._built == self._wanted, timeout)

    # Building

    def _snapshot_input(self) -> tuple[dict[str, Pattern], dict[str, StoredTerm]]:
        """What a build needs, copied under the lock: the merged patterns and the records they name."""
        merged: dict[str, Pattern] = {}
        records = self._records
        for slug in sorted(records):
            record = records[slug]
            for key, pattern in patterns_of(slug, record.keys, record.key_forms).items():
                known = merged.get(key)
                # Keys are unique in the database; should two concepts still share one, a concept's own
                # characters win over another's phrase localisation, then the first slug in order.
                if known is None or (known.localised and not pattern.localised):
                    merged[key] = pattern
        return merged, dict(records)

    def _install(self, wanted: int, snapshot: _Snapshot) -> None:
        with self._lock:
            if wanted > self._built:  # never replace a newer snapshot with an older one
                self._current, self._built = snapshot, wanted
            self._settled.notify_all()

    def _rebuild_in_background(self) -> None:
        while True:
            with self._lock:
                wanted, snapshot_input = self._wanted, self._snapshot_input()
            try:
                snapshot = _build(*snapshot_input)
            except Exception:  # the previous snapshot keeps answering; the next change retries
                log.exception("rebuilding the term matcher failed")
                with self._lock:
                    self._rebuilding = False
                    self._settled.notify_all()
                return
            self._install(wanted, snapshot)
            with self._lock:
                if self._built == self._wanted:
                    self._rebuilding = False
                    return


def _build(patterns: dict[str, Pattern], records: dict[str, StoredTerm]) -> _Snapshot:
    matcher = TermMatcher(patterns)
    return _Snapshot(matcher, [records[p.slug] for p in matcher.patterns])


class WithDrafts:
    """The term matcher of the approved terms and the drafts, for a request that asks for drafts (an editor
    checking a report under review). The glossary's own matcher holds approved terms only; this one is built
    from every live concept when asked for and kept until the glossary's revision moves on (at the seed a
    build takes tens of milliseconds, at 100,000 concepts seconds)."""

    def __init__(self, glossary: Glossary) -> None:
        self._glossary = glossary
        self._lock = threading.Lock()
        self._built: tuple[int, TermAnnotator] | None = None

    def annotator(self, include_drafts: bool) -> TermAnnotator:
        glossary = self._glossary
        approved = glossary.index(TermAnnotator)
        if not include_drafts or not glossary.has_drafts():
            return approved
        with self._lock:
            if self._built is None or self._built[0] != glossary.revision:
                revision = glossary.revision
                annotator = TermAnnotator(background_above=approved.background_above)
                annotator.reset(list(glossary.records()))
                self._built = (revision, annotator)
            return self._built[1]
