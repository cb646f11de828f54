"""Schemathesis against the app's own OpenAPI document, in process: every operation, generated requests, and
no failing check (no 5xx, every status and content type declared, every body matching its schema)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.specs.openapi.checks import allow_header_conformance

from app.config import Settings
from app.main import create_app
from tests.conftest import Database
from tests.editors import bearer, make_key

# Schemathesis reads the schema when the module loads, so the seeded database is made here too.
_DIRECTORY = tempfile.TemporaryDirectory(prefix="glossary-schemathesis-")
_DB = Database("sqlite", Path(_DIRECTORY.name))
_DB.seed()
_EDITOR = bearer(make_key(_DB))  # so that writes get past authentication and reach validation and storage

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(database_url=_DB.url)))


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_openapi_document_says(case: schemathesis.Case) -> None:
    # A schema-valid request may still be refused by design: an opaque cursor this API never issued, a slug
    # that names no concept, an If-Match that is not the current ETag. Everything else is checked.
    # /v1/terms/{key} (reads) and /v1/terms/{slug} (writes) are two templates of the same URLs: a 405 there
    # rightly allows GET, HEAD, PATCH and DELETE, which Schemathesis counts against one template only.
    excluded = [positive_data_acceptance]
    if case.path in ("/v1/terms/{key}", "/v1/terms/{slug}"):
        excluded.append(allow_header_conformance)
    # GET /v1/search/misses needs nothing but a key: its negative cases drop the Authorization header, which the
    # editor key added here restores (its 401 and 422 are tested in test_search_misses).
    if case.path == "/v1/search/misses":
        excluded.append(negative_data_rejection)
    case.call_and_validate(headers=_EDITOR, excluded_checks=excluded)
