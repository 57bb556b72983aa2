"""The ``POSTS_*`` settings, read once and checked together."""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Any

from plugins.common.errors import PluginConfigError

from .metadata import KNOWN_FIELDS

_FIELD_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class PostsSettings:
    """Settings for the strict post reader, read once and validated."""

    extra_metadata: frozenset[str] = frozenset()  # the site's own header fields

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> PostsSettings:
        """Read ``POSTS_*`` settings, reporting every problem at once."""
        extra = settings.get("POSTS_EXTRA_METADATA", ())
        problems = []
        if isinstance(extra, str) or not isinstance(extra, (list, tuple, set)):
            problems.append(
                "POSTS_EXTRA_METADATA: expected a list of field names such as"
                f" ['mood'], got {extra!r}"
            )
            extra = ()
        for name in extra:
            if not isinstance(name, str) or not _FIELD_NAME.match(name):
                problems.append(
                    "POSTS_EXTRA_METADATA: expected field names of letters, digits,"
                    f" '-' and '_', got {name!r}"
                )
        if problems:
            raise PluginConfigError("\n".join(problems))
        names = frozenset(name.lower() for name in extra)
        return cls(extra_metadata=names - KNOWN_FIELDS)
