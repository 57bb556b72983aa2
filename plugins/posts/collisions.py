"""Skip, with an error naming the file, posts and pages that cannot be written.

Two posts with the same slug in the same month (or two pages, or two drafts with
one slug) have the same output path. Pelican warns about the slug, then stops the
whole build with ``FileOverwriteFailedError`` when it writes the second one; a
``Template:`` naming no template stopped it with ``PelicanTemplateNotFound``. So
one copied or mistyped file took down every page written after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
import logging
import os
import posixpath
from typing import Any

from pelican.generators import PelicanTemplateNotFound

from plugins.common.files import read_text
from plugins.posts.metadata import read_header

logger = logging.getLogger(__name__)

# Bytes in one folder or file name of a page; file systems stop at 255, and the
# feeds add ".atom.xml" to a tag's or category's slug. One longer Slug or Tag
# stopped the whole build with ENAMETOOLONG.
MAX_NAME_BYTES = 200

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


def _field_line(content: Any, root: str, keys: Iterable[str]) -> int | None:
    """Return the line of the first of the header fields ``keys`` found, if any."""
    try:
        text = read_text(content.source_path, _rel(content, root), warn=False)
        fields = read_header(text)
    except OSError:
        return None
    for wanted in keys:
        for field in fields:
            if field.key == wanted:
                return field.line
    return None


def _where(content: Any, root: str, keys: Iterable[str]) -> str:
    rel = _rel(content, root)
    line = _field_line(content, root, keys)
    return f"{rel}:{line}" if line else rel


def _claims(content: Any) -> tuple[bool, bool, str]:
    """Return the sort key of who keeps an output path: first wins."""
    # An explicit Save_as (Pelican's override), then a file named after its slug
    # (not a copy given another's Slug:), then the path.
    stem = os.path.splitext(os.path.basename(content.source_path))[0]
    slug = str(content.slug or "")
    named = stem == slug or stem.endswith(f"-{slug}")
    return (not hasattr(content, "override_save_as"), not named, content.source_path)


def _lists(generator: Any, names: Iterable[str]) -> list[list[Any]]:
    return [
        found
        for name in names
        if isinstance(found := getattr(generator, name, None), list)
    ]


def _drop(generator: Any, lists: list[list[Any]], dropped: set[int]) -> None:
    """Remove the items ``dropped`` (by id) from ``lists`` and from translations."""
    if not dropped:
        return
    root = generator.settings["PATH"]
    items = [item for found in lists for item in found]
    generated = generator.context.setdefault("generated_content", {})
    for item in items:
        if id(item) in dropped:
            generated[_rel(item, root)] = None  # Pelican's mark of a failed file
    for found in lists:
        found[:] = [i for i in found if id(i) not in dropped]  # the context's lists
    for item in items:
        # Pelican lists items sharing a slug as each other's translations.
        others = getattr(item, "translations", None)
        if others:
            item.translations = [i for i in others if id(i) not in dropped]


def _unknown_templates(generator: Any, items: list[Any]) -> set[int]:
    """Return the ids of items whose ``Template:`` names no template; log each."""
    root = generator.settings["PATH"]
    dropped: set[int] = set()
    for item in sorted(items, key=lambda i: i.source_path):
        if "template" not in item.metadata:
            continue
        try:
            generator.get_template(item.template)
        except PelicanTemplateNotFound:
            dropped.add(id(item))
            logger.error(
                "%s: expected a Template of the theme (%s), got %r; skipped",
                _where(item, root, ("template",)),
                ", ".join(generator.settings["TEMPLATE_EXTENSIONS"]),
                item.template,
            )
    return dropped


def _names(
    item: Any, taxonomy_paths: dict[tuple[type, str], str]
) -> Iterator[tuple[str, str]]:
    """Yield (header field, output path) for the item and its taxonomy pages.

    A tag's, category's or author's path depends on its name only: it is worked
    out once per name (``taxonomy_paths``), not once per post carrying it.
    """
    yield "slug", str(item.save_as or "")
    taxonomy = [("category", getattr(item, "category", None))]
    taxonomy += [("tags", tag) for tag in getattr(item, "tags", None) or ()]
    taxonomy += [("author", a) for a in getattr(item, "authors", None) or ()]
    for field, value in taxonomy:
        if value is None:
            continue
        key = (type(value), str(value))
        path = taxonomy_paths.get(key)
        if path is None:
            path = taxonomy_paths[key] = str(value.save_as or "")
        yield field, path


def _longest_name(path: str) -> tuple[str, int]:
    """Return the longest name in ``path`` and its length in UTF-8 bytes."""
    longest = max(path.split("/"), key=lambda n: len(n.encode("utf-8")))
    return longest, len(longest.encode("utf-8"))


def _too_long(generator: Any, items: list[Any]) -> set[int]:
    """Return the ids of items with a page name the file system refuses; log each."""
    root = generator.settings["PATH"]
    dropped: set[int] = set()
    taxonomy_paths: dict[tuple[type, str], str] = {}
    for item in sorted(items, key=lambda i: i.source_path):
        for field, path in _names(item, taxonomy_paths):
            if len(path.encode("utf-8")) <= MAX_NAME_BYTES:
                continue  # no name in it can be longer than the whole
            longest, size = _longest_name(path)
            if size <= MAX_NAME_BYTES:
                continue
            dropped.add(id(item))
            logger.error(
                "%s: expected a %s making a file name of at most %d bytes, got"
                " %r… (%d bytes); skipped",
                _where(item, root, (field, "save_as")),
                "Tag" if field == "tags" else field.capitalize(),
                MAX_NAME_BYTES,
                longest[:40],
                size,
            )
            break
    return dropped


def _colliding(generator: Any, items: list[Any], taken: dict[str, Any]) -> set[int]:
    """Return the ids of items whose output path another has; log each."""
    root = generator.settings["PATH"]
    dropped: set[int] = set()
    for item in sorted(items, key=_claims):
        if not item.save_as:
            continue
        target = posixpath.normpath(item.save_as)  # "a/../about/" is "about/"
        first = taken.setdefault(target, item)
        if first is item:
            continue
        dropped.add(id(item))
        logger.error(
            "%s: expected a slug (or Save_as) no other post or page has, got %r,"
            " which %s already writes to %s; skipped",
            _where(item, root, ("save_as", "slug")),
            item.slug,
            _rel(first, root),
            target,
        )
    return dropped


def check_articles(generator: Any) -> None:
    """Skip posts, drafts and hidden posts that cannot be written."""
    lists = _lists(generator, ARTICLE_LISTS)
    items = [item for found in lists for item in found]
    dropped = _unknown_templates(generator, items) | _too_long(generator, items)
    items = [item for item in items if id(item) not in dropped]
    _drop(generator, lists, dropped | _colliding(generator, items, {}))


def check_pages(generator: Any) -> None:
    """Skip pages that cannot be written, or whose output path a post has."""
    taken: dict[str, Any] = {}
    for key in ("articles", "hidden_articles", "drafts"):
        for article in generator.context.get(key, ()):
            for item in (article, *getattr(article, "translations", ())):
                if item.save_as:
                    taken.setdefault(posixpath.normpath(item.save_as), item)
    lists = _lists(generator, PAGE_LISTS)
    items = [item for found in lists for item in found]
    dropped = _unknown_templates(generator, items) | _too_long(generator, items)
    items = [item for item in items if id(item) not in dropped]
    _drop(generator, lists, dropped | _colliding(generator, items, taken))
