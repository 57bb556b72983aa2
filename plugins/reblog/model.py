"""What a reblog is: a post of ours quoting someone else's, with attribution."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
import re
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup
from pelican.utils import set_date_tzinfo

from plugins.common.dates import (
    ZoneNameError,
    parse_complete_date,
    refuse_zone_names,
)
from plugins.common.errors import ContentError
from plugins.common.sanitize import safe_url, xml_safe

# The post header fields this plugin reads (listed in plugins/posts/metadata.py).
REBLOG_FIELDS = (
    "reblog-of",
    "reblog-title",
    "reblog-author",
    "reblog-author-url",
    "reblog-date",
    "reblog-via",
)
URL_FIELDS = ("reblog-of", "reblog-author-url", "reblog-via")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Reblog:
    """The original a reblog post quotes, and who it came from."""

    url: str  # the original post, an absolute http(s) URL
    title: str  # plain text; the original's URL when the header names none
    author: str  # plain text, "" when unknown
    author_url: str  # "" or an absolute http(s) URL
    date: datetime | None  # when the original was published, tz-aware
    excerpt: Markup  # the quoted part of the post body, sanitised
    via: str  # "" or the URL of the blog it was found on

    @property
    def via_name(self) -> str:
        """Return the via blog's host name, or "" when there is no via link."""
        return (urlsplit(self.via).hostname or self.via) if self.via else ""

    @property
    def shows_via(self) -> bool:
        """Say whether the via blog differs from where the original lives."""
        return bool(self.via) and self.via.rstrip("/") != self.url.rstrip("/")


def field_text(value: Any) -> str:
    """Return a metadata value as one line of plain text."""
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    return _SPACE.sub(" ", xml_safe(str(value))).strip()


def parse_reblog_fields(
    metadata: dict[str, Any],
    *,
    path: str,
    timezone: str,
    lines: Mapping[str, tuple[int, str]] | None = None,
) -> dict[str, Any] | None:
    """Check a post's ``Reblog-*`` fields; return them cleaned, or None if absent.

    ``lines`` maps a field to its header line number and text, for error messages.
    """
    present = {k: field_text(metadata[k]) for k in REBLOG_FIELDS if k in metadata}
    if not present:
        return None

    def where(key: str) -> dict[str, Any]:
        line, source = (lines or {}).get(key, (None, ""))
        return {"path": path, "line": line, "source_line": source}

    if "reblog-of" not in present:
        first = sorted(present)[0]
        raise ContentError(
            f"expected a Reblog-Of URL with {first!r}, got none", **where(first)
        )
    for key in URL_FIELDS:
        value = present.get(key, "")
        if value and safe_url(value) != value:
            raise ContentError(
                f"expected an absolute http(s) URL in {key!r}, got {value!r}",
                **where(key),
            )
    when = None
    if present.get("reblog-date"):
        try:
            refuse_zone_names(present["reblog-date"])
            when = set_date_tzinfo(
                parse_complete_date(present["reblog-date"]), timezone
            )
        except ZoneNameError as err:
            raise ContentError(str(err), **where("reblog-date")) from None
        except (ValueError, OverflowError):
            raise ContentError(
                "expected a date such as '2024-05-01 10:32' in 'reblog-date', "
                f"got {present['reblog-date']!r}",
                **where("reblog-date"),
            ) from None
    return {
        "url": present["reblog-of"],
        "title": present.get("reblog-title") or present["reblog-of"],
        "author": present.get("reblog-author", ""),
        "author_url": present.get("reblog-author-url", ""),
        "date": when,
        "via": present.get("reblog-via", ""),
    }
