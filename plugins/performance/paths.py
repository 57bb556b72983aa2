"""Pelican's relative source paths, worked out once per file.

Pelican asks a post for its path relative to the content folder five times while
reading it (its URL settings three times, the generator, the post itself), and
works it out anew each time from both absolute paths: 5,000 ``relpath`` calls at
1,000 posts. With both paths absolute the answer depends on them alone, so it is
kept; and it is the file's folder's relative path and its name, so each folder's
is worked out once (a post taken whole from the build cache is asked once: 25 ms
of ``relpath`` at 5,000 posts, all in one folder).
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
        both_text = isinstance(path, str) and isinstance(root, str)
        if not (both_text and os.path.isabs(path) and os.path.isabs(root)):
            return original(self, source_path)  # relative to the cwd: not kept
        folder, name = os.path.split(path)
        inside = None
        if name not in ("", ".", ".."):
            inside = known.get((root, folder))
            if inside is None:
                inside = known[root, folder] = original(self, folder)
        if inside is None or inside.startswith(".."):  # not below the root
            found = original(self, source_path)
        else:
            found = name if inside == "." else f"{inside}/{name}"
        if len(known) >= KEPT:
            known.clear()
        known[key] = found
        return found

    return get_relative_source_path


def install() -> None:
    """Have every post and page remember its relative source path."""
    wrap_once(Content, "get_relative_source_path", remembering)
