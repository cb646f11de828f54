"""The report's text as the extraction rules read it: a Simplified view of the same length, and sentences.

The rules are written against Simplified characters (平台, 行动, 名词解释), yet a report may come in
Traditional. `simplified_view` maps each Han character (and each full-width digit or letter) to its
character-level Simplified form with the one normaliser's `fold_char`, but only where that form is a single code
point, so the view has exactly the length of the text: an offset found in the view is an offset into the text as
sent. Punctuation, quotation marks and footnote markers (①, which NFKC would turn into 1) stay as written.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from app.core.normalize import fold_char

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{HAN}]")


def _foldable(cp: int) -> bool:
    return 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0xFF10 <= cp <= 0xFF19 or 0xFF21 <= cp <= 0xFF5A


def simplified_view(text: str) -> str:
    """`text` with its characters in Simplified form, code point for code point (same length)."""
    table: dict[int, str] = {}
    for char in set(text):
        cp = ord(char)
        if _foldable(cp):
            folded = fold_char(char)
            if len(folded) == 1 and folded != char:
                table[cp] = folded
    return text.translate(table)


# A sentence ends after 。！？ (or their ASCII forms) and at a line break.
_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』]?|\n")
_SPACE = " \t\r\n\u3000\ufeff"


@dataclass(frozen=True, slots=True)
class Sentences:
    """The sentences of a text, for finding the one an offset stands in."""

    text: str
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> Sentences:
        starts, ends = [], []
        start = 0
        for m in _SENTENCE_END.finditer(text):
            end = m.end() if m.group() != "\n" else m.start()
            if end > start:
                starts.append(start)
                ends.append(end)
            start = m.end()
        if start < len(text):
            starts.append(start)
            ends.append(len(text))
        return cls(text, starts, ends)

    def span_at(self, offset: int) -> tuple[int, int]:
        """The sentence holding `offset`, without the spaces around it."""
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0:
            return 0, 0
        start, end = self.starts[i], self.ends[i]
        while start < end and self.text[start] in _SPACE:
            start += 1
        while end > start and self.text[end - 1] in _SPACE:
            end -= 1
        return start, end

    def at(self, offset: int) -> str:
        start, end = self.span_at(offset)
        return self.text[start:end]


def han_count(text: str) -> int:
    return len(_HAN_CHAR.findall(text))
