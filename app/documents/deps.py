"""The `document` query parameter of the lists and exports: a document id, handed on as the title sources cite."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app import models
from app.api.deps import EngineDep
from app.db import read_session
from app.errors import InvalidInputError
from app.terms.schemas import Slug


def document_title(
    engine: EngineDep,
    document: Annotated[Slug | None, Query(description="Only the terms this document (its id) is a source of.")] = None,
) -> str | None:
    if document is None:
        return None
    with read_session(engine) as session:
        row = session.get(models.Document, document)
    if row is None:
        raise InvalidInputError(f"document: no document has the id {document!r} (see /v1/documents)")
    return row.title


DocumentTitleDep = Annotated[str | None, Depends(document_title)]
