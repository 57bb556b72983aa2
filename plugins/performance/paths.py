"""Pelican's relative source paths, worked out once per file.

Pelican asks a post for its path relative to the content folder five times while
reading it (its URL settings three times, the generator, the post itself), and
works it out anew each time from both absolute paths: 5,000 ``relpath`` calls at
1,000 posts. With both paths absolute the answer depends on them alone, so it is
kept.
"""

from __future__ import annotations

from collections.abc import Callable
import os
from typing import Any

from pelican.contents import Content

from plugins.performance.patching import wrap_once

KEPT = 1 << 16  # paths remembered at most; then forgotten all at once

RelativePath = Callable[[Any, str | None], str | None]


def remembering(original: RelativePath) -> RelativePath:
    """Return ``original`` (``Content.get_relative_source_path``) remembering."""
    known: dict[tuple[str, str], str | None] = {}

    def get_relative_source_path(self: Any, source_path: str | None = None) -> Any:
        root = self.settings["PATH"]
        path = source_path or self.source_path
        key = (root, path)
        try:
            return known[key]
        except (KeyError, TypeError):  # not yet, or not a path that can be a key
            pass
        found = original(self, source_path)
        both_text = isinstance(path, str) and isinstance(root, str)
        if both_text and os.path.isabs(path) and os.path.isabs(root):  # not the cwd's
            if len(known) >= KEPT:
                known.clear()
            known[key] = found
        return found

    return get_relative_source_path


def install() -> None:
    """Have every post and page remember its relative source path."""
    wrap_once(Content, "get_relative_source_path", remembering)
