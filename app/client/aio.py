"""`AsyncGlossaryClient`: the Policy Glossary API from asyncio (or trio) code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

import anyio
import httpx

from app.annotate.schemas import QaIssue, TermMatch, TextGlossaryTerm
from app.client import _calls as calls
from app.client._calls import GlossaryError, SearchPage, Term, TermCache
from app.convert.schemas import ConvertResult
from app.terms.schemas import TermFields

T = TypeVar("T")


class AsyncGlossaryClient:
    """`app.client.GlossaryClient` for async code: the same calls, awaited.

    Terms read with `get_term` are cached with their ETag and revalidated (`If-None-Match`: a 304 reuses the
    cached term). 429 and 503 answers are retried `retries` times, after the server's `Retry-After` or an
    exponential backoff (at most `max_retry_wait` seconds each). Every error raises `GlossaryError`
    (`status`, `problem`). `transport` replaces the
    network (an `httpx` transport, such as `httpx.ASGITransport(app)` for an app in this process, its lifespan running).
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = calls.DEFAULT_TIMEOUT,
        retries: int = calls.DEFAULT_RETRIES,
        backoff: float = 0.5,
        max_retry_wait: float = calls.MAX_RETRY_WAIT,
        lookup_batch: int = calls.DEFAULT_LOOKUP_BATCH,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.retries, self.backoff, self.max_retry_wait = retries, backoff, max_retry_wait
        self.lookup_batch = lookup_batch
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=calls.headers_for(api_key), timeout=timeout, transport=transport
        )
        self._cache = TermCache()

    async def __aenter__(self) -> AsyncGlossaryClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # Reading

    async def get_term(self, key: str, *, script: str = "hans") -> Term:
        """One term by slug, headword or alias in any script; `GlossaryError` 404 if none (410 if deleted)."""
        return await self._run(calls.get_term(key, script))

    async def lookup(self, keys: Sequence[str], *, script: str = "hans") -> list[Term | None]:
        """A term or None for each key, in order; any number of keys (sent `lookup_batch` at a time)."""
        results: list[Term | None] = []
        for batch in calls.batches(keys, self.lookup_batch):
            found = await self._run(calls.lookup(batch, script))
            results.extend(found)
        return results

    async def search(
        self,
        q: str,
        *,
        limit: int = 20,
        kind: str | None = None,
        footnoted: bool | None = None,
        script: str = "hans",
        cursor: str | None = None,
    ) -> SearchPage:
        """Ranked search (Chinese in any script, pinyin, initials, English); `.items`, best first."""
        return await self._run(calls.search(q, limit, kind, footnoted, script, cursor))

    async def annotate(self, text: str, *, kind: str | None = None) -> list[TermMatch]:
        """Every glossary term in `text`: `.start`, `.end` (code points), `.surface`, `.slug`, `.en`."""
        return await self._run(calls.annotate(text, kind))

    async def glossary(self, text: str, *, kind: str | None = None) -> list[TextGlossaryTerm]:
        """The glossary of `text`: each concept in it once, with its surfaces, renderings and count."""
        return await self._run(calls.text_glossary(text, kind))

    async def deepl_tsv(self, text: str, *, kind: str | None = None) -> str:
        """The glossary of `text` as DeepL glossary entries (TSV)."""
        return await self._run(calls.text_file(text, "tsv", kind))

    async def azure_markup(self, text: str, *, kind: str | None = None) -> str:
        """`text` with Azure Translator dynamic-dictionary markup (send it with `textType=html`)."""
        return await self._run(calls.text_file(text, "azure", kind))

    async def convert(self, text: str, config: str = "s2t", *, protect_terms: bool = True) -> ConvertResult:
        return await self._run(calls.convert(text, config, protect_terms))

    async def qa(self, source: str, target: str) -> list[QaIssue]:
        """The glossary terms of `source` whose approved rendering `target` misses or that it renders as avoided."""
        return await self._run(calls.qa(source, target))

    async def export(self, format: str, *, script: str = "hans", kind: str | None = None, bom: bool = False) -> bytes:
        """A glossary file (tbx, tbx2, csv, deepl, google, amazon, json)."""
        return await self._run(calls.export(format, script, kind, bom))

    async def export_to(
        self, file: str | Path | IO[bytes], format: str, *, script: str = "hans", kind: str | None = None
    ) -> int:
        """Stream a glossary file into `file` (a path or a binary file); the number of bytes written."""
        call = calls.export(format, script, kind, bom=False)
        response = await self._send(call, None, stream=True)
        try:
            if response.status_code != 200:
                await response.aread()
                raise GlossaryError.of(response)
            if isinstance(file, str | Path):
                with open(file, "wb") as out:
                    return await _copy(response, out)
            return await _copy(response, file)
        finally:
            await response.aclose()

    # Editing (an editor key)

    async def term_etag(self, slug: str) -> str:
        """The current ETag of a concept (what `If-Match` takes)."""
        await self.get_term(slug)
        cached = self._cache.get((slug, "hans"))
        if cached is None:
            raise GlossaryError(None, f"the server sent no ETag for {slug!r}")
        return cached[0]

    async def create_term(self, entry: TermFields | Mapping[str, Any]) -> Term:
        return await self._run(calls.create_term(entry))

    async def patch_term(self, slug: str, changes: Mapping[str, Any], *, if_match: str | None = None) -> Term:
        """Apply a JSON merge patch. `if_match`: the ETag of the version the change was based on (412 if the
        concept changed since); without it, the current version's."""
        term = await self._run(calls.patch_term(slug, changes, if_match or await self.term_etag(slug)))
        self._cache.forget(slug)
        return term

    async def delete_term(self, slug: str, *, if_match: str | None = None) -> None:
        await self._run(calls.delete_term(slug, if_match or await self.term_etag(slug)))
        self._cache.forget(slug)

    # Sending

    async def _run(self, call: calls.Call[T]) -> T:
        cached = self._cache.get(call.cache_key) if call.cache_key is not None else None
        response = await self._send(call, cached[0] if cached is not None else None)
        if response.status_code == 304 and cached is not None:
            return cached[1]  # type: ignore[no-any-return]
        if response.status_code not in call.ok:
            raise GlossaryError.of(response)
        value = call.parse(response)
        etag = response.headers.get("etag")
        if call.cache_key is not None and etag:
            self._cache.put(call.cache_key, etag, value)
        return value

    async def _send(self, call: calls.Call[Any], etag: str | None, *, stream: bool = False) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await self._http.send(call.request(self._http, etag), stream=stream)
            except httpx.TimeoutException as exc:
                raise GlossaryError(None, f"{call.method} {call.path} timed out") from exc
            except httpx.TransportError as exc:
                raise GlossaryError(None, f"{call.method} {call.path} failed: {exc}") from exc
            if response.status_code not in calls.RETRY_STATUSES or attempt >= self.retries:
                return response
            await response.aclose()
            await anyio.sleep(calls.retry_delay(response, attempt, self.backoff, self.max_retry_wait))
            attempt += 1


async def _copy(response: httpx.Response, out: IO[bytes]) -> int:
    written = 0
    async for chunk in response.aiter_bytes():
        out.write(chunk)
        written += len(chunk)
    return written
