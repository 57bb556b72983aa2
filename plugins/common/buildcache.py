"""The cache of unchanged inputs' results a build may carry in its settings.

``plugins.performance`` puts one there when ``PERFORMANCE_READER_CACHE`` is on; a
plugin asks for it with :func:`build_cache` and works the same without it. What a
plugin remembers must depend only on the key it gives, the settings and the code
(the cache is dropped when either of those changes).
"""

from __future__ import annotations

from collections.abc import Callable
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
