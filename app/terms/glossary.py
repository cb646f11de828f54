"""The glossary in memory: every live concept by slug and by every form it is written in.

The database is the source of truth; a `Glossary` is a snapshot of it at one revision, brought up to date by
applying the concepts that changed since (see `app.terms.service.refresh`). Reads never touch the database.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from app.core.memory import paused_gc, release_free_memory
from app.core.normalize import fold
from app.core.script import HEADWORD_CONFIG, Script, convert, to_script
from app.terms.schemas import Component, Definition, Source, Status, TermOut, TermRecord
from app.terms.stored import StoredTerm, prepare

_T = TypeVar("_T")
_LAST = 1 << 30  # sorts concepts without a footnote after the footnoted ones
# The bodies of recently served terms, by size: a client paging through 100,000 terms must not grow the
# process by the whole glossary's JSON (about 2 KB a term, four scripts).
RENDERED_CACHE_BYTES = 8 << 20


class BadCursorError(ValueError):
    pass


def _sort_key(record: StoredTerm) -> tuple[int, str]:
    return (record.footnote if record.footnote is not None else _LAST, record.slug)


def encode_cursor(key: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(f"{key[0]}:{key[1]}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        number, slug = raw.split(":", 1)
        return int(number), slug
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursorError("the cursor is not one this API returned") from exc


def present(record: TermRecord | StoredTerm, script: Script) -> TermOut:
    """The contract's representation of `record`, its Chinese fields in `script`."""
    if isinstance(record, StoredTerm):
        record = record.full()
    hant = record.hant or to_script(record.hans, script if script is not Script.hans else Script.hant)
    config = HEADWORD_CONFIG[script]

    def zh(text: str) -> str:
        return text if config is None else convert(text, config)

    return TermOut.model_construct(
        slug=record.slug,
        hans=record.hans,
        hant=hant,
        pinyin=record.pinyin,
        en=record.en,
        en_alternatives=record.en_alternatives,
        en_avoid=record.en_avoid,
        en_origin=record.en_origin,
        definition=Definition.model_construct(
            zh=zh(record.definition.zh), en=record.definition.en, basis=record.definition.basis
        ),
        kind=record.kind,
        footnote=record.footnote,
        components=[Component.model_construct(hans=zh(c.hans), en=c.en) for c in record.components],
        aliases=[to_script(a, script) for a in record.aliases],
        related=record.related,
        sources=[
            Source.model_construct(
                document=zh(s.document),
                date=s.date,
                section=zh(s.section) if s.section else s.section,
                quote=zh(s.quote),
            )
            for s in record.sources
        ],
        note=zh(record.note) if record.note else record.note,
        status=record.status,
        version=record.version,
        updated_at=record.updated_at,
    )


class DerivedIndex(Protocol):
    """An index derived from the glossary (search, term matching), kept in step with it by `Glossary.apply`."""

    def reset(self, records: Sequence[StoredTerm]) -> None:
        """Build from scratch from every live record."""

    def update(self, changed: Sequence[StoredTerm], deleted: Sequence[str]) -> None:
        """Take in changed or new records (replacing any with the same slug) and drop deleted slugs."""


class Glossary:
    """A snapshot of the glossary at `revision`, and the indexes derived from it."""

    def __init__(
        self, indexes: Sequence[DerivedIndex] = (), *, rendered_cache_bytes: int = RENDERED_CACHE_BYTES
    ) -> None:
        self.revision = 0
        self.rendered_cache_bytes = rendered_cache_bytes
        self.indexes = list(indexes)
        self._loaded = False
        self._by_slug: dict[str, StoredTerm] = {}
        self._by_key: dict[str, str] = {}  # every folded form of every concept → its slug
        self._gone: set[str] = set()
        self._order: list[tuple[int, str]] = []
        self._rendered: OrderedDict[tuple[str, int, Script], tuple[bytes, str]] = OrderedDict()
        self._rendered_bytes = 0
        self._lock = threading.Lock()
        self.refresh_lock = threading.Lock()  # one refresh at a time reads the database and applies

    def index(self, kind: type[_T]) -> _T:
        """The derived index of type `kind`."""
        for index in self.indexes:
            if isinstance(index, kind):
                return index
        raise LookupError(kind.__name__)

    def __len__(self) -> int:
        return len(self._by_slug)

    def records(self) -> Iterable[StoredTerm]:
        return self._by_slug.values()

    def apply(self, changed: Sequence[TermRecord | StoredTerm], deleted: Sequence[str], revision: int) -> None:
        """Bring the snapshot to `revision`: `changed` records replace or join, `deleted` slugs leave.

        Readers never see a concept missing while it is replaced: its new keys go in before stale ones go.
        The lookup keys of each changed concept are computed here, once, in one batched pass, and kept on its
        `StoredTerm` for the derived indexes (term matching and search use the same forms).
        """
        with self._lock, paused_gc():
            if self._loaded and revision <= self.revision:
                return  # a concurrent refresh applied this already
            fresh = prepare(
                [r for r in changed if (old := self._by_slug.get(r.slug)) is None or old.version != r.version]
            )
            deleted = [slug for slug in deleted if slug in self._by_slug or slug not in self._gone]
            # A copy, swapped in at the end: a reader paging through the old list never sees it shift (copying
            # 100,000 references is far cheaper than the full sort it replaces).
            order = list(self._order) if self._loaded else self._order
            for slug in deleted:
                self._gone.add(slug)
                gone = self._by_slug.pop(slug, None)
                if gone is not None:
                    self._forget_keys(slug, gone.keys)
                    if self._loaded:
                        _remove_sorted(order, _sort_key(gone))
            for record in fresh:
                keys = record.keys
                for key in keys:
                    self._by_key[key] = record.slug
                old = self._by_slug.get(record.slug)
                self._by_slug[record.slug] = record
                self._gone.discard(record.slug)
                if old is not None:
                    self._forget_keys(record.slug, set(old.keys).difference(keys))
                if self._loaded and (old is None or _sort_key(old) != _sort_key(record)):
                    if old is not None:
                        _remove_sorted(order, _sort_key(old))
                    bisect.insort(order, _sort_key(record))
            if self._loaded:
                self._order = order
                if fresh or deleted:
                    # Drafts take no part in the derived indexes (search, term matching): one that was approved
                    # leaves them as a deleted concept does.
                    approved = [r for r in fresh if r.status == Status.approved]
                    drafts = [r.slug for r in fresh if r.status != Status.approved]
                    for index in self.indexes:
                        index.update(approved, [*deleted, *drafts])
            else:
                self._order = sorted(_sort_key(r) for r in self._by_slug.values())
                records = [r for r in self._by_slug.values() if r.status == Status.approved]
                release_free_memory()  # what computing the keys of a large glossary freed
                for index in self.indexes:
                    index.reset(records)
                    release_free_memory()  # what its build freed, before the next build's peak
                self._loaded = True
            self.revision = revision

    def _forget_keys(self, slug: str, keys: Iterable[str]) -> None:
        for key in keys:
            if self._by_key.get(key) == slug:
                del self._by_key[key]

    def resolve(self, key: str) -> StoredTerm | None:
        """The concept whose slug, headword or alias (Simplified or any Traditional form) is `key`."""
        record = self._by_slug.get(key)
        if record is None:
            slug = self._by_key.get(fold(key.strip()))
            record = self._by_slug.get(slug) if slug else None
        return record

    def has_drafts(self) -> bool:
        return any(r.status != Status.approved for r in self._by_slug.values())

    def is_gone(self, slug: str) -> bool:
        """Whether `slug` was a concept that has been deleted."""
        return slug in self._gone

    def etags(self, record: TermRecord | StoredTerm) -> set[str]:
        """The ETags of every representation (each script) of `record`."""
        return {self.rendered(record, script)[1] for script in Script}

    def page(
        self,
        *,
        kind: str | None,
        footnoted: bool | None,
        limit: int,
        cursor: str | None,
        status: str | None = Status.approved,
        document: str | None = None,
    ) -> tuple[list[StoredTerm], str | None, int]:
        """One page of the concepts in order (footnoted first, by footnote number, then by slug); `status` None
        lists every status, `document` (a title) only the concepts that cite it."""
        order = self._order
        start = bisect.bisect_right(order, decode_cursor(cursor)) if cursor else 0

        def wanted(r: StoredTerm) -> bool:
            return (
                (kind is None or r.kind == kind)
                and (footnoted is None or (r.footnote is not None) == footnoted)
                and (status is None or r.status == status)
                and (document is None or document in r.documents())
            )

        filtered = kind or footnoted is not None or document is not None or status is not None
        total = sum(1 for r in self._by_slug.values() if wanted(r)) if filtered else len(order)
        items: list[StoredTerm] = []
        next_cursor = None
        for i in range(start, len(order)):
            record = self._by_slug[order[i][1]]
            if not wanted(record):
                continue
            if len(items) == limit:
                next_cursor = encode_cursor(_sort_key(items[-1]))
                break
            items.append(record)
        return items, next_cursor, total

    def rendered(self, record: TermRecord | StoredTerm, script: Script) -> tuple[bytes, str]:
        """The JSON body and strong ETag of one term, cached per version and script."""
        cache_key = (record.slug, record.version, script)
        hit = self._rendered.get(cache_key)
        if hit is not None:
            return hit
        body = present(record, script).model_dump_json().encode()
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        with self._lock:
            if cache_key not in self._rendered:
                self._rendered[cache_key] = (body, etag)
                self._rendered_bytes += len(body)
            while self._rendered_bytes > self.rendered_cache_bytes:
                self._rendered_bytes -= len(self._rendered.popitem(last=False)[1][0])
        return body, etag


def _remove_sorted(order: list[tuple[int, str]], key: tuple[int, str]) -> None:
    i = bisect.bisect_left(order, key)
    if i < len(order) and order[i] == key:
        del order[i]
