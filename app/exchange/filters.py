"""Which concepts an export holds: a filter applied to the records before they are written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.terms.schemas import Kind, Status
from app.terms.stored import StoredTerm


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """The concepts of an export; a field left None does not filter. Drafts are left out unless asked for
    (`status` draft, or None for every status); `document` is a title: only the concepts citing it."""

    kind: Kind | None = None
    status: Status | None = Status.approved
    document: str | None = None

    def admits(self, record: StoredTerm) -> bool:
        return (
            (self.kind is None or record.kind == self.kind)
            and (self.status is None or record.status == self.status)
            and (self.document is None or self.document in record.documents())
        )

    def apply(self, records: Iterable[StoredTerm]) -> list[StoredTerm]:
        """The admitted records, in their order."""
        return [r for r in records if self.admits(r)]
