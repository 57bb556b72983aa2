"""Keep one post or page per output file; report and skip the others.

Two posts with the same slug in the same month (or two pages, or two drafts with
one slug) have the same output path. Pelican warns about the slug, then stops the
whole build with ``FileOverwriteFailedError`` when it writes the second one, so
one copied file took down every page written after it.
"""

from __future__ import annotations

from collections.abc import Iterable
import logging
import os
from typing import Any

from plugins.common.files import read_text
from plugins.posts.metadata import read_header

logger = logging.getLogger(__name__)

ARTICLE_LISTS = (
    "articles",
    "translations",
    "hidden_articles",
    "hidden_translations",
    "drafts",
    "drafts_translations",
)
PAGE_LISTS = (
    "pages",
    "translations",
    "hidden_pages",
    "hidden_translations",
    "draft_pages",
    "draft_translations",
)


def _rel(content: Any, root: str) -> str:
    return os.path.relpath(content.source_path, root).replace(os.sep, "/")


def _field_line(content: Any, root: str) -> int | None:
    """Return the line of the header field that chose the output path, if any."""
    try:
        fields = read_header(read_text(content.source_path, _rel(content, root)))
    except OSError:
        return None
    for wanted in ("save_as", "slug"):
        for field in fields:
            if field.key == wanted:
                return field.line
    return None


def _claims(content: Any) -> tuple[bool, bool, str]:
    """Return the sort key of who keeps an output path: first wins."""
    # An explicit Save_as (Pelican's override), then a file named after its slug
    # (not a copy given another's Slug:), then the path.
    stem = os.path.splitext(os.path.basename(content.source_path))[0]
    slug = str(content.slug or "")
    named = stem == slug or stem.endswith(f"-{slug}")
    return (not hasattr(content, "override_save_as"), not named, content.source_path)


def drop_colliding(
    generator: Any,
    lists: Iterable[str],
    *,
    taken: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Remove every item whose output path another item has; log an error each.

    ``taken`` holds output paths already written by other content (posts, when
    pages are checked). Returns the output paths now taken.
    """
    root = generator.settings["PATH"]
    taken = dict(taken or {})
    names = [name for name in lists if isinstance(getattr(generator, name, None), list)]
    items = [item for name in names for item in getattr(generator, name)]
    dropped: set[int] = set()
    for item in sorted(items, key=_claims):
        target = item.save_as
        if not target:
            continue
        first = taken.setdefault(target, item)
        if first is item:
            continue
        dropped.add(id(item))
        rel = _rel(item, root)
        line = _field_line(item, root)
        logger.error(
            "%s: expected a slug (or Save_as) no other post or page has, got %r,"
            " which %s already writes to %s; skipped",
            f"{rel}:{line}" if line else rel,
            item.slug,
            _rel(first, root),
            target,
        )
        generator.context.get("generated_content", {}).pop(rel, None)
    if dropped:
        for name in names:
            kept = [i for i in getattr(generator, name) if id(i) not in dropped]
            getattr(generator, name)[:] = kept  # the context holds the same lists
        for item in items:
            # Pelican lists items sharing a slug as each other's translations.
            others = getattr(item, "translations", None)
            if others:
                item.translations = [i for i in others if id(i) not in dropped]
    return taken


def check_articles(generator: Any) -> None:
    """Skip posts, drafts and hidden posts whose output path is already taken."""
    drop_colliding(generator, ARTICLE_LISTS)


def check_pages(generator: Any) -> None:
    """Skip pages whose output path a post or an earlier page already has."""
    taken: dict[str, Any] = {}
    for key in ("articles", "hidden_articles", "drafts"):
        for article in generator.context.get(key, ()):
            for item in (article, *getattr(article, "translations", ())):
                if item.save_as:
                    taken.setdefault(item.save_as, item)
    drop_colliding(generator, PAGE_LISTS, taken=taken)
