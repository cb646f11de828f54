"""Handing freed heap memory back to the system after a large build."""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


def release_free_memory() -> None:
    """Give the heap memory freed by a build's temporaries back to the system: glibc keeps it otherwise, and
    the process's resident size stays at the build's peak. Elsewhere than glibc: nothing to do."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None
