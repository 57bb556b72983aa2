"""The reblog plugin's settings, read once and checked before any content is read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugins.common.errors import PluginConfigError
from plugins.common.sanitize import safe_url

SHARE_TARGETS = ("email", "mastodon", "bluesky", "hackernews", "reddit", "linkedin")
REDIRECT_MAPS = ("nginx", "netlify")
DEV_SITEURL = "http://127.0.0.1:8000"
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-:")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReblogSettings:
    """Settings for permalinks, reblog pages and reblogs (``REBLOG_*``)."""

    share_targets: tuple[str, ...] = SHARE_TARGETS
    mastodon_instances: tuple[str, ...] = ("mastodon.social",)
    redirect_maps: tuple[str, ...] = ()
    dev_siteurl: str = DEV_SITEURL
    excerpt_chars: int = 600

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> ReblogSettings:
        """Read ``REBLOG_*`` settings, reporting every problem at once."""
        default = cls()
        targets = settings.get("REBLOG_SHARE_TARGETS", default.share_targets)
        instances = settings.get(
            "REBLOG_MASTODON_INSTANCES", default.mastodon_instances
        )
        maps = settings.get("REBLOG_REDIRECT_MAPS", default.redirect_maps)
        dev = settings.get("REBLOG_DEV_SITEURL", default.dev_siteurl)
        chars = settings.get("REBLOG_EXCERPT_CHARS", default.excerpt_chars)
        problems = []
        if not _is_str_sequence(targets) or set(targets) - set(SHARE_TARGETS):
            problems.append(
                "REBLOG_SHARE_TARGETS: expected a list drawn from "
                f"{SHARE_TARGETS}, got {targets!r}"
            )
        if not _is_str_sequence(instances) or not all(
            name and set(name.lower()) <= _HOST_CHARS for name in instances
        ):
            problems.append(
                "REBLOG_MASTODON_INSTANCES: expected a list of host names such as "
                f"'mastodon.social', got {instances!r}"
            )
        if not _is_str_sequence(maps) or set(maps) - set(REDIRECT_MAPS):
            problems.append(
                f"REBLOG_REDIRECT_MAPS: expected a list drawn from {REDIRECT_MAPS}, "
                f"got {maps!r}"
            )
        if not isinstance(dev, str) or safe_url(dev) != dev:
            problems.append(
                "REBLOG_DEV_SITEURL: expected an absolute http(s) URL such as "
                f"{DEV_SITEURL!r}, got {dev!r}"
            )
        if isinstance(chars, bool) or not isinstance(chars, int) or chars < 1:
            problems.append(
                f"REBLOG_EXCERPT_CHARS: expected a positive number, got {chars!r}"
            )
        if problems:
            raise PluginConfigError("\n".join(problems))
        return cls(
            share_targets=tuple(targets),
            mastodon_instances=tuple(name.lower() for name in instances),
            redirect_maps=tuple(maps),
            dev_siteurl=dev.rstrip("/"),
            excerpt_chars=chars,
        )

    def public_siteurl(self, settings: dict[str, Any]) -> str:
        """Return the absolute base URL for snippets, share links and metadata."""
        site = str(settings.get("SITEURL") or "").rstrip("/")
        return site if safe_url(site) else self.dev_siteurl

    def is_dev(self, settings: dict[str, Any]) -> bool:
        """Say whether SITEURL is not absolute, so links use the dev fallback."""
        return not safe_url(str(settings.get("SITEURL") or ""))


def _is_str_sequence(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
