"""The ``TRANSCRIPTS_*`` settings, read once and checked before any content is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugins.common.errors import PluginConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptsSettings:
    """Settings for the transcripts plugin, read once and validated."""

    path: str = "transcripts"  # folder under PATH holding the .chat files
    url: str = "transcripts/{slug}/"  # page URL; the file is URL + index.html
    index_url: str = "transcripts/"
    page_size: int = 1000  # messages per page before a chat is split (by day)
    hashtag_url: str = "https://mastodon.social/tags/{tag}"  # "" leaves #tags as text
    time_format: str = "%-I:%M %p"
    day_format: str = "%A, %B %-d, %Y"
    # Messages of a post's transcript that link to the post become chat quotes
    # among its perspectives (plugins.perspectives).
    quote_links: bool = True

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> TranscriptsSettings:
        """Read ``TRANSCRIPTS_*`` settings, reporting every problem at once."""
        default = cls()
        values = {
            name: settings.get(f"TRANSCRIPTS_{name.upper()}", getattr(default, name))
            for name in cls.__slots__
        }
        problems = []
        for name in ("path", "time_format", "day_format"):
            if not isinstance(values[name], str) or not values[name]:
                problems.append(
                    f"TRANSCRIPTS_{name.upper()}: expected a non-empty string,"
                    f" got {values[name]!r}"
                )
        url = values["url"]
        if not (isinstance(url, str) and "{slug}" in url and url.endswith("/")):
            problems.append(
                "TRANSCRIPTS_URL: expected a pattern with {slug} ending in '/',"
                f" got {url!r}"
            )
        index_url = values["index_url"]
        if not (isinstance(index_url, str) and index_url.endswith("/")):
            problems.append(
                "TRANSCRIPTS_INDEX_URL: expected a folder ending in '/',"
                f" got {index_url!r}"
            )
        size = values["page_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            problems.append(
                f"TRANSCRIPTS_PAGE_SIZE: expected a whole number of messages >= 1,"
                f" got {size!r}"
            )
        tag_url = values["hashtag_url"]
        if not isinstance(tag_url, str) or (
            tag_url and not (tag_url.startswith("https://") and "{tag}" in tag_url)
        ):
            problems.append(
                "TRANSCRIPTS_HASHTAG_URL: expected '' or an https URL with {tag},"
                f" got {tag_url!r}"
            )
        if not isinstance(values["quote_links"], bool):
            problems.append(
                "TRANSCRIPTS_QUOTE_LINKS: expected True or False,"
                f" got {values['quote_links']!r}"
            )
        if problems:
            raise PluginConfigError("\n".join(problems))
        return cls(**values)
