"""Small conversions every format needs: dates with zones, slugs, old URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from pelican.utils import slugify

from plugins.common.dates import parse_complete_date
from plugins.common.ids import salted_hash

_NO_DATE = ("", "0000-00-00 00:00:00")
_SLUG_SUBS = [(r"[^\w\s-]", ""), (r"[-\s]+", "-")]
_MAX_OFFSET = timedelta(hours=14)


def make_slug(text: str) -> str:
    """Return a URL slug for ``text`` the way ``colloquy new-post`` makes one."""
    return slugify(text, regex_subs=_SLUG_SUBS)[:100].strip("-")


def slug_from_url(url: str) -> str:
    """Return the last path part of an old permalink, without ``.html``."""
    path = unquote(urlsplit(url.strip()).path).rstrip("/")
    last = path.rsplit("/", 1)[-1]
    for suffix in (".html", ".htm", ".php", ".shtml"):
        last = last.removesuffix(suffix)
    return make_slug(last) if last and last != "index" else ""


def site_path(url: str) -> str:
    """Return the site-relative part of an old URL: path and query, no host."""
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def local_date(text: str, zone: str) -> datetime:
    """Parse a date; one without a zone is taken to be in ``zone``."""
    parsed = parse_complete_date(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed


def wordpress_date(local: str, gmt: str, zone: str) -> datetime:
    """Return a WordPress date with its own offset, from its local and GMT forms.

    ``post_date`` minus ``post_date_gmt`` is the blog's offset at that moment, so
    the result reads as the author saw it; a draft has no GMT date and takes
    ``zone``.
    """
    local, gmt = local.strip(), gmt.strip()
    if local in _NO_DATE and gmt in _NO_DATE:
        raise ValueError("expected a date, got none")
    if gmt in _NO_DATE:
        return local_date(local, zone)
    utc = parse_complete_date(gmt).replace(tzinfo=UTC)
    if local in _NO_DATE:
        return utc
    offset = parse_complete_date(local) - utc.replace(tzinfo=None)
    if abs(offset) > _MAX_OFFSET or offset.total_seconds() % 900:
        return utc
    return utc.astimezone(timezone(offset))


def email_hash(email: str, salt: str) -> str:
    """Return the salted hash of an email, or "" when there is no salt or email."""
    return salted_hash(email, salt) if salt and email.strip() else ""


def earlier_urls(urls: list[str], new_url: str) -> tuple[str, ...]:
    """Return old site paths worth a redirect: distinct, not the new URL itself."""
    new = new_url.rstrip("/")
    seen: dict[str, None] = {}
    for url in urls:
        if not url.strip():
            continue
        path = site_path(url).replace(",", "%2C").replace(" ", "%20")
        if path.rstrip("/") != new and path != "/":
            seen[path] = None
    return tuple(seen)
