"""A Markdown reader that checks a post's header before Pelican reads it."""

from __future__ import annotations

import logging
import os

from pelican.readers import MarkdownReader

from plugins.common.errors import ContentError

from .metadata import check_header, read_header

logger = logging.getLogger(__name__)


class PostReader(MarkdownReader):
    """Pelican's Markdown reader, refusing headers with unknown fields or bad dates."""

    def read(self, source_path):
        """Check the header, then read the post as Pelican does."""
        with open(source_path, encoding="utf-8-sig", errors="replace") as handle:
            text = handle.read()
        path = os.path.relpath(source_path, self.settings["PATH"])
        try:
            check_header(
                read_header(text),
                path=path,
                extra_fields=self.settings.get("POSTS_EXTRA_METADATA", ()),
            )
        except ContentError as err:
            # Pelican reports only "Could not process" for reader exceptions.
            logger.error("%s", err)
            raise
        try:
            return super().read(source_path)
        except ContentError as err:
            # Markdown extensions (transcript quotes) know the line, not the file.
            err.path = err.path or path
            logger.error("%s", err)
            raise
