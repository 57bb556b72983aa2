"""The ``FEEDS_*`` settings: which feeds exist, where they go, what they carry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import logging
import posixpath
from typing import Any
from urllib.parse import urlsplit

from plugins.common.errors import PluginConfigError

logger = logging.getLogger(__name__)

# Every feed the plugin can write, by kind. Per-object kinds take ``{slug}``.
DEFAULT_PATHS: dict[str, str | None] = {
    "site_atom": "feeds/atom.xml",
    "site_rss": "feeds/rss.xml",
    "site_json": "feeds/feed.json",
    "category": "feeds/category/{slug}.atom.xml",
    "tag": "feeds/tag/{slug}.atom.xml",
    "author": "feeds/author/{slug}.atom.xml",
    "perspectives": "feeds/perspectives.atom.xml",
    "post_perspectives": "feeds/perspectives/{slug}.atom.xml",
    "transcripts": "feeds/transcripts.atom.xml",
}
PER_OBJECT = frozenset({"category", "tag", "author", "post_perspectives"})
# Content and limits are set per family: the site's three formats share one.
FAMILIES = (
    "site",
    "category",
    "tag",
    "author",
    "perspectives",
    "post_perspectives",
    "transcripts",
)
CONTENT_MODES = ("full", "summary")
DEFAULT_CONTENT = dict.fromkeys(FAMILIES, "full")
DEFAULT_LIMITS: dict[str, int | None] = {
    "site": 20,
    "category": 20,
    "tag": 20,
    "author": 20,
    "perspectives": 50,
    "post_perspectives": None,
    "transcripts": 20,
}
DEV_SITEURL = "http://127.0.0.1:8000"  # what `make serve` listens on
# Pelican's own feed writer must stay off, or it writes feeds beside ours.
PELICAN_FEED_SETTINGS = (
    "FEED_ATOM", "FEED_RSS", "FEED_ALL_ATOM", "FEED_ALL_RSS", "CATEGORY_FEED_ATOM",
    "CATEGORY_FEED_RSS", "TAG_FEED_ATOM", "TAG_FEED_RSS", "AUTHOR_FEED_ATOM",
    "AUTHOR_FEED_RSS", "TRANSLATION_FEED_ATOM", "TRANSLATION_FEED_RSS",
)  # fmt: skip


def family(kind: str) -> str:
    """Return the settings family of a feed kind (``site_rss`` -> ``site``)."""
    return "site" if kind.startswith("site_") else kind


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedsSettings:
    """Settings for the site_feeds plugin, read once and validated."""

    siteurl: str = DEV_SITEURL  # absolute, no trailing slash
    id_authority: str = "127.0.0.1"  # the ``tag:`` URI authority of entry ids
    paths: Mapping[str, str | None] = field(default_factory=lambda: DEFAULT_PATHS)
    content: Mapping[str, str] = field(default_factory=lambda: DEFAULT_CONTENT)
    limits: Mapping[str, int | None] = field(default_factory=lambda: DEFAULT_LIMITS)
    stylesheet: str | None = "feeds/feed.xsl"
    subscribe_url: str = "subscribe/"
    subscribe_save_as: str | None = "subscribe/index.html"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FeedsSettings:
        """Read ``FEEDS_*`` settings, reporting every problem at once."""
        default = cls()
        problems: list[str] = []
        siteurl = _siteurl(settings, problems)
        authority = settings.get("FEEDS_ID_AUTHORITY") or urlsplit(siteurl).hostname
        if not isinstance(authority, str) or not authority or "/" in authority:
            problems.append(
                "FEEDS_ID_AUTHORITY: expected a domain such as 'example.org',"
                f" got {authority!r}"
            )
        paths = _merge(settings, "FEEDS_PATHS", DEFAULT_PATHS, problems)
        for kind, path in sorted(paths.items()):
            _check_path(f"FEEDS_PATHS[{kind!r}]", path, kind in PER_OBJECT, problems)
        _check_distinct(paths, problems)
        for name in PELICAN_FEED_SETTINGS:
            if settings.get(name) is not None:
                problems.append(
                    f"{name}: expected None (plugins.site_feeds writes the feeds),"
                    f" got {settings[name]!r}"
                )
        content = _merge(settings, "FEEDS_CONTENT", DEFAULT_CONTENT, problems)
        for name, mode in sorted(content.items()):
            if mode not in CONTENT_MODES:
                problems.append(
                    f"FEEDS_CONTENT[{name!r}]: expected one of {CONTENT_MODES},"
                    f" got {mode!r}"
                )
        limits = _merge(settings, "FEEDS_LIMITS", DEFAULT_LIMITS, problems)
        for name, limit in sorted(limits.items()):
            if limit is not None and (
                not isinstance(limit, int) or isinstance(limit, bool) or limit < 1
            ):
                problems.append(
                    f"FEEDS_LIMITS[{name!r}]: expected a positive number or None,"
                    f" got {limit!r}"
                )
        stylesheet = settings.get("FEEDS_STYLESHEET", default.stylesheet)
        _check_path("FEEDS_STYLESHEET", stylesheet, False, problems)
        subscribe_url = settings.get("FEEDS_SUBSCRIBE_URL", default.subscribe_url)
        if not isinstance(subscribe_url, str) or subscribe_url.startswith("/"):
            problems.append(
                "FEEDS_SUBSCRIBE_URL: expected a site-relative URL such as"
                f" 'subscribe/', got {subscribe_url!r}"
            )
        save_as = settings.get("FEEDS_SUBSCRIBE_SAVE_AS", default.subscribe_save_as)
        _check_path("FEEDS_SUBSCRIBE_SAVE_AS", save_as, False, problems)
        if problems:
            raise PluginConfigError("\n".join(problems))
        return cls(
            siteurl=siteurl,
            id_authority=authority,
            paths=paths,
            content=content,
            limits=limits,
            stylesheet=stylesheet,
            subscribe_url=subscribe_url,
            subscribe_save_as=save_as,
        )

    def path(self, kind: str, slug: str = "") -> str | None:
        """Return the output path of one feed, or None when it is switched off."""
        pattern = self.paths.get(kind)
        return pattern.format(slug=slug) if pattern else None

    def url(self, path: str) -> str:
        """Return the absolute URL of an output path."""
        return f"{self.siteurl}/{path}"


def _siteurl(settings: Mapping[str, Any], problems: list[str]) -> str:
    siteurl = settings.get("SITEURL") or ""
    if isinstance(siteurl, str) and urlsplit(siteurl).scheme in {"http", "https"}:
        value = siteurl  # publishing: the site's own absolute address
    else:
        value = settings.get("FEEDS_SITEURL") or DEV_SITEURL
    parts = urlsplit(value) if isinstance(value, str) else None
    if not parts or parts.scheme not in {"http", "https"} or not parts.hostname:
        problems.append(
            "FEEDS_SITEURL: expected an absolute http(s) URL such as"
            f" 'https://example.org' (feeds need absolute links), got {value!r}"
        )
        return DEV_SITEURL
    return value.rstrip("/")


def _merge(
    settings: Mapping[str, Any],
    name: str,
    defaults: Mapping[str, Any],
    problems: list[str],
) -> dict[str, Any]:
    given = settings.get(name) or {}
    if not isinstance(given, Mapping):
        problems.append(f"{name}: expected a dict, got {given!r}")
        return dict(defaults)
    for key in sorted(set(given) - set(defaults), key=str):
        problems.append(f"{name}: expected a key in {sorted(defaults)}, got {key!r}")
    return {**defaults, **{k: v for k, v in given.items() if k in defaults}}


def _check_path(name: str, path: Any, per_object: bool, problems: list[str]) -> None:
    if path is None:
        return
    if not isinstance(path, str) or not path or path.startswith("/"):
        problems.append(f"{name}: expected a relative output path, got {path!r}")
        return
    if ".." in posixpath.normpath(path).split("/") or "\\" in path:
        problems.append(f"{name}: expected a path inside the output, got {path!r}")
    has_slug = "{slug}" in path
    if per_object and not has_slug:
        problems.append(f"{name}: expected a path with '{{slug}}' in it, got {path!r}")
    try:
        path.format(slug="x")
    except (KeyError, IndexError, ValueError):
        problems.append(f"{name}: expected no placeholder but '{{slug}}', got {path!r}")


def _check_distinct(paths: Mapping[str, Any], problems: list[str]) -> None:
    seen: dict[str, str] = {}
    for kind, path in sorted(paths.items()):
        if isinstance(path, str) and path:
            shape = path.replace("{slug}", "*")
            if shape in seen:
                problems.append(
                    f"FEEDS_PATHS[{kind!r}]: expected a path of its own,"
                    f" got {path!r} (the same as {seen[shape]!r})"
                )
            seen.setdefault(shape, kind)
