"""Replace one of Pelican's functions with a faster one that gives the same results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MARK = "colloquy_original"  # on a replacement: the function it stands in for


def wrap_once(owner: Any, name: str, wrap: Callable[[Any], Any]) -> None:
    """Set ``owner.name`` to ``wrap(owner.name)``, unless that was done already.

    Plugins are registered again for every Pelican instance in a process (tests,
    ``--autoreload``): a replacement is never wrapped a second time.
    """
    current = getattr(owner, name)
    if getattr(current, MARK, None) is None:
        replacement = wrap(current)
        setattr(replacement, MARK, current)
        setattr(owner, name, replacement)
