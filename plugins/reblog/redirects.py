"""Earlier URLs of a post: where each one is written, and web-server redirect maps."""

from __future__ import annotations

from dataclasses import dataclass
import posixpath
import re
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from plugins.common.errors import ContentError

from .model import field_text

# An old URL ending in one of these can be a static page of its own.
PAGE_SUFFIXES = (".html", ".htm")
_PATH_SAFE = "/:@!'()*+,;=-._~"
_QUERY_SAFE = "/:@!'()*+,;=&?-._~"
# A longer part is a folder name the file system refuses (255 bytes), which
# stopped the whole build; the same limit as plugins/posts/collisions.py.
MAX_SEGMENT_BYTES = 200
_HAS_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Redirect:
    """One earlier URL of a post (or page) and where it now lives."""

    old: str  # site path as a client requests it, percent-encoded, e.g. /?p=12
    target: str  # the post's site-relative URL, e.g. 2024/05/slug/
    save_as: str  # the output file for the redirect page, "" when only a map can
    post: str  # the post's source path relative to PATH, for messages
    title: str  # the post's title, plain text
    what: str = "post"  # "post" or "page", for the redirect page's wording


def split_list(value: Any) -> list[str]:
    """Return a comma-separated header value as its non-empty items."""
    return [item.strip() for item in field_text(value).split(",") if item.strip()]


def normalise_old_url(raw: str, *, path: str) -> str:
    """Return an earlier URL as a percent-encoded site path with its query.

    Absolute URLs keep only their path and query (the site may have moved host).
    """
    parts = urlsplit(raw.strip())
    if parts.scheme and parts.scheme not in {"http", "https"}:
        raise ContentError(
            f"expected a site path such as '/2009/05/old-post.html', got {raw!r}",
            path=path,
        )
    site_path = unquote(parts.path or "/")
    if not site_path.startswith("/"):
        raise ContentError(
            f"expected an earlier URL starting with '/', got {raw!r}", path=path
        )
    segments = site_path.split("/")
    if any(seg in {".", ".."} for seg in segments) or "\x00" in site_path:
        raise ContentError(
            f"expected an earlier URL without '.' or '..' segments, got {raw!r}",
            path=path,
        )
    if any(len(seg.encode("utf-8")) > MAX_SEGMENT_BYTES for seg in segments):
        raise ContentError(
            f"expected an earlier URL whose parts are at most {MAX_SEGMENT_BYTES}"
            f" bytes (a file name of its redirect page), got {raw[:80]!r}…",
            path=path,
        )
    old = quote(site_path, safe=_PATH_SAFE)
    if parts.query:
        old += "?" + quote(unquote(parts.query), safe=_QUERY_SAFE)
    return old


def save_as_for(old: str) -> str:
    """Return the output file a static redirect page for ``old`` lives in, or ""."""
    if "?" in old:
        return ""  # a static host cannot tell /?p=1 from /?p=2
    site_path = unquote(old).lstrip("/")
    if not site_path or site_path.endswith("/"):
        return posixpath.join(site_path, "index.html")
    if site_path.lower().endswith(PAGE_SUFFIXES):
        return site_path
    if _HAS_SUFFIX.search(site_path):
        return ""  # /index.php would be served as a download, or run
    return posixpath.join(site_path, "index.html")


def nginx_map(redirects: list[Redirect], *, base: str = "") -> str:
    """Return an nginx ``map`` body keyed on ``$request_uri``.

    ``base`` is the path the site lives under (``/blog``), prefixed to targets.
    """
    lines = [
        "# Earlier URLs of posts and pages, written by Colloquy. In the http block:",
        "#   map $request_uri $colloquy_redirect {",
        "#       include /path/to/redirects.nginx.map;",
        "#   }",
        "# and in the server block:",
        "#   if ($colloquy_redirect) { return 301 $colloquy_redirect; }",
    ]
    for item in redirects:
        target = _target(base, item)
        lines.append(f'"{_nginx(item.old)}" "{_nginx(target)}";')
        if item.save_as.endswith("/index.html") and not item.old.endswith("/"):
            lines.append(f'"{_nginx(item.old + "/")}" "{_nginx(target)}";')
    return "\n".join(lines) + "\n"


def _target(base: str, item: Redirect) -> str:
    """Return the new URL as a map line can hold it: no space, quote or newline.

    A ``Slug: a b`` made ``/old /2024/05/a b/ 301``, four fields to Netlify. ``%``
    stays, as in the site's own links to the post.
    """
    return quote(f"{base}/{item.target}", safe=_PATH_SAFE + "%")


def _nginx(text: str) -> str:
    # Old URLs are percent-encoded already; these three would still mean something.
    return text.replace("\\", "%5C").replace('"', "%22").replace("$", "%24")


def netlify_redirects(redirects: list[Redirect], *, base: str = "") -> str:
    """Return a ``_redirects`` file (Netlify, Cloudflare Pages) for path-only URLs."""
    lines = ["# Earlier URLs of posts and pages, written by Colloquy."]
    for item in redirects:
        if "?" in item.old:
            lines.append(
                f"# {item.old} -> {_target(base, item)} needs query matching: "
                "use the nginx map"
            )
        else:
            lines.append(f"{item.old} {_target(base, item)} 301")
    return "\n".join(lines) + "\n"
