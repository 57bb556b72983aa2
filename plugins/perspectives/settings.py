"""The ``PERSPECTIVES_*`` settings, read once and checked together."""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Any

from plugins.common.errors import PluginConfigError
from plugins.common.sanitize import safe_url

# Nesting is rendered recursively; deeper threads are flattened anyway.
MAX_THREAD_DEPTH = 50
ORDERS = ("oldest-first", "newest-first")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class PerspectiveSettings:
    """Settings for the perspectives plugin, read once and validated."""

    path: str = "perspectives"  # folder under PATH, one sub-folder per post
    order: str = "oldest-first"  # of top-level perspectives; replies stay in order
    max_depth: int = 3  # nesting levels shown; deeper replies are flattened
    close_after_days: int | None = None  # close discussions this old (see README)
    allow_images: bool = False  # let perspectives show images
    intake_url: str = ""  # the endpoint's base URL; the form posts to it
    email: str = ""  # where the mailto: fallback sends perspectives
    avatar_salt: str = ""  # salt for identicons made from author names
    comment_system_path: str = ""  # a pelican-comment-system folder to read too
    timezone: str = "UTC"  # the site's TIMEZONE, for dates without a zone

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> PerspectiveSettings:
        """Read ``PERSPECTIVES_*`` settings, reporting every problem at once."""
        default = cls()
        get = settings.get
        path = get("PERSPECTIVES_PATH", default.path)
        order = get("PERSPECTIVES_ORDER", default.order)
        depth = get("PERSPECTIVES_MAX_DEPTH", default.max_depth)
        close = get("PERSPECTIVES_CLOSE_AFTER_DAYS", default.close_after_days)
        images = get("PERSPECTIVES_ALLOW_IMAGES", default.allow_images)
        intake = get("PERSPECTIVES_INTAKE_URL", default.intake_url) or ""
        email = get("PERSPECTIVES_EMAIL", None) or get("AUTHOR_EMAIL", None) or ""
        salt = get("PERSPECTIVES_AVATAR_SALT", default.avatar_salt) or ""
        compat = get("PERSPECTIVES_COMMENT_SYSTEM_PATH", "") or ""
        problems = []
        if not isinstance(path, str) or not path or path.startswith(("/", "..")):
            problems.append(
                f"PERSPECTIVES_PATH: expected a folder name inside PATH, got {path!r}"
            )
        if order not in ORDERS:
            problems.append(
                f"PERSPECTIVES_ORDER: expected one of {ORDERS}, got {order!r}"
            )
        if (
            isinstance(depth, bool)
            or not isinstance(depth, int)
            or not 1 <= depth <= MAX_THREAD_DEPTH
        ):
            problems.append(
                "PERSPECTIVES_MAX_DEPTH: expected a whole number from 1 to "
                f"{MAX_THREAD_DEPTH}, got {depth!r}"
            )
        if close is not None and (
            isinstance(close, bool) or not isinstance(close, int) or close < 0
        ):
            problems.append(
                "PERSPECTIVES_CLOSE_AFTER_DAYS: expected None or a whole number"
                f" of days >= 0, got {close!r}"
            )
        if not isinstance(images, bool):
            problems.append(
                f"PERSPECTIVES_ALLOW_IMAGES: expected True or False, got {images!r}"
            )
        if intake and (not isinstance(intake, str) or not safe_url(intake)):
            problems.append(
                f"PERSPECTIVES_INTAKE_URL: expected an http(s) URL, got {intake!r}"
            )
        if email and (not isinstance(email, str) or not _EMAIL.match(email)):
            problems.append(
                "PERSPECTIVES_EMAIL: expected an address such as"
                f" 'perspectives@example.org', got {email!r}"
            )
        if not isinstance(salt, str):
            problems.append(
                f"PERSPECTIVES_AVATAR_SALT: expected a string, got {salt!r}"
            )
        if not isinstance(compat, str) or compat.startswith(("/", "..")):
            problems.append(
                "PERSPECTIVES_COMMENT_SYSTEM_PATH: expected a folder name inside"
                f" PATH, got {compat!r}"
            )
        if problems:
            raise PluginConfigError("\n".join(problems))
        return cls(
            path=path.strip("/"),
            order=order,
            max_depth=depth,
            close_after_days=close,
            allow_images=images,
            intake_url=intake.rstrip("/"),
            email=email,
            avatar_salt=salt,
            comment_system_path=compat.strip("/"),
            timezone=str(get("TIMEZONE") or "UTC"),
        )
