"""The cache of unchanged inputs' results a build may carry in its settings.

``plugins.performance`` puts one there when ``PERFORMANCE_READER_CACHE`` is on; a
plugin asks for it with :func:`build_cache` and works the same without it. What a
plugin remembers must depend only on the key it gives, the settings and the code
(the cache is dropped when either of those changes).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

SETTINGS_KEY = "PERFORMANCE_CONVERSIONS"  # where each build's cache object lives
T = TypeVar("T")


class BuildCache(Protocol):
    """Results of earlier builds, by key."""

    def remember(self, key: str, compute: Callable[[], T]) -> T:
        """Return the result kept for ``key``, or compute, keep and return it."""


def build_cache(settings: dict[str, Any]) -> BuildCache | None:
    """Return this build's cache, or None when there is none."""
    cache = settings.get(SETTINGS_KEY)
    return cache if callable(getattr(cache, "remember", None)) else None


LEDGER_KEY = "PERFORMANCE_LEDGER"  # where each build's output ledger lives


class OutputLedger(Protocol):
    """What each output file was made from, so an unchanged one is not made again."""

    def output(self, path: str, inputs: object) -> AbstractContextManager[bool]:
        """Enter with True when ``path`` is up to date for ``inputs``, else False.

        Entered with False, the block makes and writes the file; what it reads of
        posts and pages and what it logs is recorded when it ends without error.
        ``inputs`` must hold everything the file is made from besides the shared
        template context and the posts and pages it reads.
        """


def output_ledger(settings: dict[str, Any]) -> OutputLedger | None:
    """Return this build's output ledger, or None when there is none."""
    ledger = settings.get(LEDGER_KEY)
    return ledger if callable(getattr(ledger, "output", None)) else None
