"""A Pelican writer that never writes outside the output folder.

Pelican 4.12's own check (``sanitised_join``) compares string prefixes, so with
``output`` as the folder a save-as of ``../output-evil/x.html`` passes it. Slugs
and save-as paths can come from imported or outside data; this writer resolves
each path and refuses, with an error naming the source file, any that is not
below the output folder, before a directory is made for it.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from pelican.writers import Writer

from plugins.common.files import FolderGuard, UnsafePathError

logger = logging.getLogger(__name__)


class GuardedWriter(Writer):
    """Pelican's writer, refusing any file that would land outside the output."""

    def __init__(self, output_path: str, settings: dict[str, Any] | None = None):
        super().__init__(output_path, settings=settings)
        # Resolves the output folder once and each folder below it once per build.
        self.guard = FolderGuard(output_path)

    def _allowed(self, name: str, context: dict[str, Any]) -> bool:
        try:
            self.guard.resolve(name)
        except UnsafePathError:
            content = context.get("article") or context.get("page")
            source = getattr(content, "source_path", None)
            where = (
                os.path.relpath(source, self.settings.get("PATH", "."))
                if source
                else "output"
            )
            logger.error(
                "%s: expected a save-as path inside the output folder, got %r;"
                " not written",
                where,
                name,
            )
            return False
        return True

    def write_file(self, name, template, context, *args, **kwargs):
        """Render and write ``name`` unless it resolves outside the output."""
        if name and not self._allowed(name, {**context, **kwargs}):
            return None
        return super().write_file(name, template, context, *args, **kwargs)

    def write_feed(self, elements, context, path=None, *args, **kwargs):
        """Write a feed unless ``path`` resolves outside the output."""
        if path and not self._allowed(path, context):
            return None
        return super().write_feed(elements, context, path, *args, **kwargs)

    def _open_w(self, filename, encoding, override=False):
        # The last gate: every write of both methods above comes through here.
        if filename != os.devnull:
            self.guard.resolve(filename)
        return super()._open_w(filename, encoding, override=override)
