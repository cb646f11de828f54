"""Memory around large builds: no cyclic collection during one, and freed heap memory handed back after."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: building a large snapshot allocates millions of objects that all
    live on, and each collection of the oldest generation would walk every one of them again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
