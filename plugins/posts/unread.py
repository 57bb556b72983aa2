"""Report files in the post and page folders that Pelican will not read.

Pelican passes over some in silence: ``2024-05-01-launch.MD`` (Windows keeps the
case an editor gave) or ``launch.txt`` was simply not on the site. Others it
fails with only "Could not process": ``2024-13-45-launch.md``, whose file-name
date is no date. Checked when the generator starts, before Pelican reads them.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from plugins.common.dates import parse_complete_date, plain_date

logger = logging.getLogger(__name__)

# Editors' and tools' leftovers, never meant to be read.
LEFTOVERS = ("~", ".swp", ".swo", ".bak", ".orig", ".tmp", ".part")


def _static(rel: str, static_paths: list[str]) -> bool:
    """Tell whether ``rel`` is under one of the STATIC_PATHS (copied as it is)."""
    path = os.path.normpath(rel)
    for folder in static_paths:
        folder = os.path.normpath(folder)  # noqa: PLW2901
        if folder in (".", path) or path.startswith(folder + os.sep):
            return True
    return False


def _check_date(rel: str, pattern: re.Pattern[str]) -> None:
    """Log an error if the date in the file name of ``rel`` is no real date."""
    match = pattern.match(os.path.splitext(os.path.basename(rel))[0])
    value = (match.groupdict().get("date") if match else None) or ""
    if not value or plain_date(value) is not None:
        return
    try:
        parse_complete_date(value)
    except (ValueError, OverflowError):
        logger.error(
            "%s: expected a file name starting with a real date"
            " (YYYY-MM-DD-slug.md), got %r",
            rel.replace(os.sep, "/"),
            value,
        )


def report_unread(generator: Any, paths: str, exclude: str) -> None:
    """Log each file under the ``paths`` setting that no reader takes."""
    settings = generator.settings
    readable = set(generator.readers.extensions)
    found = generator.get_files(
        settings[paths], exclude=settings.get(exclude, []), extensions=False
    )
    pattern = re.compile(settings.get("FILENAME_METADATA") or "(?!)")
    for rel in sorted(found):
        name = os.path.basename(rel)
        ext = os.path.splitext(name)[1][1:]
        if ext in readable:
            _check_date(rel, pattern)
            continue
        if (
            name.startswith((".", "#"))
            or name.endswith(LEFTOVERS)
            or _static(rel, settings.get("STATIC_PATHS", []))
        ):
            continue
        shown = rel.replace(os.sep, "/")
        if ext.lower() in readable:
            logger.error(
                "%s: expected the extension '.%s' (lower case), got '.%s'; not read",
                shown,
                ext.lower(),
                ext,
            )
        else:
            logger.warning(
                "%s: expected a post or page (%s), got %s; not read (a file to"
                " copy as it is goes in a folder of STATIC_PATHS)",
                shown,
                ", ".join(f".{e}" for e in sorted(readable) if e != "static"),
                f"a '.{ext}' file" if ext else "a file without extension",
            )


def report_unread_posts(generator: Any) -> None:
    """Report files in ARTICLE_PATHS that are no post."""
    report_unread(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")


def report_unread_pages(generator: Any) -> None:
    """Report files in PAGE_PATHS that are no page."""
    report_unread(generator, "PAGE_PATHS", "PAGE_EXCLUDES")
