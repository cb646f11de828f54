"""Which concepts an export holds: a filter applied to the records before they are written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.terms.schemas import Kind
from app.terms.stored import StoredTerm


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """The concepts of an export; a field left None does not filter.

    Coming with the issue that brings more reports and draft entries: `document` (only the concepts a given
    source document names) and `status` (approved by default, drafts on request). Each becomes a field here
    and a clause in `admits`, and a query parameter of `GET /v1/export`; the formats need no change.
    """

    kind: Kind | None = None

    def admits(self, record: StoredTerm) -> bool:
        return self.kind is None or record.kind == self.kind

    def apply(self, records: Iterable[StoredTerm]) -> list[StoredTerm]:
        """The admitted records, in their order."""
        if self.kind is None:
            return list(records)
        return [r for r in records if self.admits(r)]
