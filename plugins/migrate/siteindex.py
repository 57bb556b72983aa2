"""Which post an old URL means: the site's posts, their earlier URLs, user mappings."""

from __future__ import annotations

from pathlib import Path
import re
from urllib.parse import unquote, urlsplit

from pelican.utils import get_date

from plugins.posts.metadata import read_header

_DATED_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-(?P<slug>.+)$")


def url_key(url: str) -> str:
    """Return the comparable form of a URL: path (and ``?p=`` query), no host.

    ``http://old.example/2009/05/post/``, ``/2009/05/post`` and
    ``https://www.old.example/2009/05/post/index.html`` all give ``/2009/05/post``.
    """
    parts = urlsplit(url.strip())
    path = unquote(parts.path)
    # Re-escape what would read as a query or fragment, so a key is its own key.
    path = path.replace("%", "%25").replace("?", "%3F").replace("#", "%23")
    previous = None
    while path != previous:
        previous = path
        path = path.strip().removesuffix("index.html").rstrip("/")
    path = "/" + path.lstrip("/")
    query = "&".join(
        q for q in parts.query.split("&") if q.startswith(("p=", "page_id="))
    )
    return f"{path}?{query}" if query else path


def post_urls(content: Path) -> dict[str, str]:
    """Map the URL keys of every post under ``content/posts`` to its slug."""
    found: dict[str, str] = {}
    for path in sorted((content / "posts").rglob("*.md")):
        fields = {
            f.key: f.value for f in read_header(path.read_text("utf-8", "replace"))
        }
        match = _DATED_NAME.match(path.stem)
        slug = fields.get("slug") or (match["slug"] if match else path.stem)
        found.setdefault(f"slug:{slug}", slug)
        if fields.get("date"):
            try:
                date = get_date(fields["date"])
            except (ValueError, OverflowError):
                date = None
            if date:
                found.setdefault(url_key(f"/{date:%Y}/{date:%m}/{slug}/"), slug)
        for old in fields.get("earlier-urls", "").split(","):
            if old.strip():
                found.setdefault(url_key(old), slug)
    return found


def match_post(url: str, known: dict[str, str], url_map: dict[str, str]) -> str:
    """Return the slug of the post ``url`` was, or "" when nothing matches."""
    key = url_key(url)
    mapped = {url_key(old): slug for old, slug in url_map.items()}
    if key in mapped:
        return mapped[key]
    if key in known:
        return known[key]
    last = key.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".html", ".htm", ".php"):
        last = last.removesuffix(suffix)
    return known.get(f"slug:{last}", "")
