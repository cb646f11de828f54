"""Writers and readers of glossary files: pure functions of records and bytes, no HTTP, no SQL.

Writers take the records to export and yield the file as text pieces, one concept at a time, so that a
glossary of any size streams in bounded memory. Readers take the file's bytes and yield `RawEntry`s (a
dictionary of term fields, or the reasons the entry could not be read) for `app.exchange.plan` to validate.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


class ExportFormat(enum.StrEnum):
    tbx = "tbx"
    tbx2 = "tbx2"
    csv = "csv"
    deepl = "deepl"
    google = "google"
    amazon = "amazon"
    json = "json"


class ImportFormat(enum.StrEnum):
    tbx = "tbx"
    tbx2 = "tbx2"
    csv = "csv"
    json = "json"


@dataclass(frozen=True)
class FileType:
    media_type: str
    extension: str


FILE_TYPES: dict[ExportFormat, FileType] = {
    ExportFormat.tbx: FileType("application/x-tbx+xml; charset=utf-8", "tbx"),
    ExportFormat.tbx2: FileType("application/x-tbx+xml; charset=utf-8", "tbx"),
    ExportFormat.csv: FileType("text/csv; charset=utf-8; header=present", "csv"),
    ExportFormat.deepl: FileType("text/tab-separated-values; charset=utf-8", "tsv"),
    ExportFormat.google: FileType("text/csv; charset=utf-8; header=present", "csv"),
    ExportFormat.amazon: FileType("text/csv; charset=utf-8; header=present", "csv"),
    ExportFormat.json: FileType("application/json", "json"),
}


class FileFormatError(ValueError):
    """The file as a whole cannot be read: wrong encoding, not well-formed, hostile, wrong columns."""


@dataclass
class RawEntry:
    """One entry of an imported file: its position, the term fields read from it, or why it could not be read."""

    number: int  # 1-based, in file order
    line: int | None = None  # where the entry starts, when the format has lines
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def decode_utf8(data: bytes) -> str:
    """The file as text: UTF-8, with or without a byte-order mark; anything else is refused, saying where."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise FileFormatError(
            f"the file is not UTF-8: byte 0x{bad} at offset {exc.start} (line {line}, byte {column} of the line) "
            "cannot be decoded; GB18030 or Big5 files must be saved as UTF-8 first"
        ) from exc
    return text.removeprefix("\ufeff")


def chunked(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[bytes]:
    """UTF-8 chunks of about `size` bytes from many small text pieces (fewer, larger writes when streaming)."""
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer).encode()
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode()
