"""Which header fields a post may carry, and checking a header against them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import re

from pelican.utils import get_date

from plugins.common.dates import (
    ZoneNameError,
    parse_complete_date,
    plain_date,
    refuse_zone_names,
)
from plugins.common.errors import ContentError

# Pelican's own fields, then each plugin's. A plugin that reads a new post field
# adds it here, so a misspelt field is caught instead of silently ignored.
KNOWN_FIELDS = frozenset(
    {
        # Pelican
        "title", "date", "modified", "category", "tags", "slug", "author", "authors",
        "summary", "status", "lang", "translation", "template", "save_as", "url",
        "keywords", "description", "image", "image_credit",
        # plugins.reblog: earlier URLs that keep working (and earlier-slugs, below),
        # and reblogs of others' posts (migrate, issue 10, writes earlier-urls too)
        "earlier-urls", "reblog-of", "reblog-title", "reblog-author",
        "reblog-author-url", "reblog-date", "reblog-via",
        # perspectives (issue 5): older slugs whose perspective folders still count
        "earlier-slugs", "discussion",
        # site_feeds
        "feed-id",
        # plugins.transcripts
        "transcript",
    }
)  # fmt: skip
DATE_FIELDS = frozenset({"date", "modified"})
STATUSES = ("published", "draft", "hidden")

# A BCP 47 language tag ("en", "pt-BR", "zh-Hant-TW"): it becomes part of a URL.
_LANG = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$")
_FIELD = re.compile(r"^(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^( {4}|\t)")


@dataclass(frozen=True, slots=True)
class HeaderField:
    """One ``Key: value`` line of a post's header."""

    key: str  # lowercased, as Pelican sees it
    value: str
    line: int
    source_line: str


def read_header(text: str) -> list[HeaderField]:
    """Return the header fields of a Markdown file, in order, with their lines.

    The header ends at the first blank line, or at the first line that is neither a
    field nor an indented continuation (as Python-Markdown's ``meta`` reads it).
    """
    fields: list[HeaderField] = []
    lines = text.splitlines()
    for number, raw in enumerate(lines, start=1):
        if number == 1 and raw.startswith("\ufeff"):
            raw = raw[1:]  # noqa: PLW2901
        if not raw.strip():
            break
        match = _FIELD.match(raw)
        if match:
            key = match["key"].lower()
            fields.append(HeaderField(key, match["value"].strip(), number, raw))
        elif fields and _CONTINUATION.match(raw):
            last = fields[-1]
            fields[-1] = HeaderField(
                last.key, f"{last.value} {raw.strip()}", last.line, last.source_line
            )
        else:
            break
    return fields


def check_header(
    fields: Iterable[HeaderField], *, path: str, extra_fields: Iterable[str] = ()
) -> None:
    """Raise :class:`ContentError` for the first field a post may not carry."""
    allowed = KNOWN_FIELDS | {name.lower() for name in extra_fields}
    seen: dict[str, int] = {}
    for field in fields:
        where = {"path": path, "line": field.line, "source_line": field.source_line}
        if field.key not in allowed:
            raise ContentError(
                f"expected a known metadata field, got {field.key!r}"
                " (add it to POSTS_EXTRA_METADATA if it is yours; if it is the"
                " body's first line, put a blank line before it)",
                **where,
            )
        if field.key in seen:
            raise ContentError(
                f"expected {field.key!r} once, got it again"
                f" (first on line {seen[field.key]})",
                **where,
            )
        seen[field.key] = field.line
        if field.key == "title" and not field.value:
            raise ContentError("expected a title, got an empty 'Title:'", **where)
        if field.key == "lang" and not _LANG.match(field.value):
            raise ContentError(
                f"expected a language tag such as 'en' or 'pt-BR', got {field.value!r}",
                **where,
            )
        if field.key in DATE_FIELDS:
            _check_date(field.value, where)
        if field.key == "status" and field.value.lower() not in STATUSES:
            raise ContentError(
                f"expected a status in {STATUSES}, got {field.value!r}", **where
            )


def _check_date(value: str, where: dict) -> None:
    """Raise :class:`ContentError` unless ``value`` is one complete, certain date."""
    if plain_date(value) is not None:  # a plain date needs no more
        return
    try:
        refuse_zone_names(value)  # dateutil would drop 'EST': local time
        get_date(value)
        parse_complete_date(value)  # not 'May 2024': today's day
    except ZoneNameError as err:
        raise ContentError(str(err), **where) from None
    except (ValueError, OverflowError):
        raise ContentError(
            f"expected a date such as '2024-05-01 10:32', got {value!r}", **where
        ) from None
