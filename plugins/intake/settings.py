"""Settings: the build's (``INTAKE_*`` in pelicanconf) and the service's (flags)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from plugins.common.errors import PluginConfigError
from plugins.intake.validate import Limits


@dataclass(frozen=True, slots=True, kw_only=True)
class IntakeSettings:
    """Build-side settings for the intake plugin, read once and validated."""

    manifest_save_as: str = "intake/manifest.json"

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> IntakeSettings:
        """Read ``INTAKE_*`` settings, reporting every problem at once."""
        default = cls()
        save_as = settings.get("INTAKE_MANIFEST_SAVE_AS", default.manifest_save_as)
        problems = []
        if (
            not isinstance(save_as, str)
            or not save_as.endswith(".json")
            or PurePosixPath(save_as).is_absolute()
            or ".." in PurePosixPath(save_as).parts
        ):
            problems.append(
                "INTAKE_MANIFEST_SAVE_AS: expected a relative path ending in .json,"
                f" got {save_as!r}"
            )
        if problems:
            raise PluginConfigError("\n".join(problems))
        return cls(manifest_save_as=save_as)


def origin_of(url: str) -> str:
    """Return ``scheme://host[:port]`` of an absolute http(s) URL, or ''."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.netloc.lower()}"


BYTES_PER_CHARACTER = 9  # "中" is 3 UTF-8 bytes, each sent as "%E4"


@dataclass(frozen=True, slots=True, kw_only=True)
class IntakeConfig:
    """What the running service needs: where, for whom, and how strict."""

    queue: Path
    manifest: Path
    site_url: str
    secret: bytes
    origins: tuple[str, ...] = ()  # allowed browser origins; the site's is first
    min_seconds: float = 3.0
    token_max_age: float = 86_400.0
    rate_limit: int = 20
    rate_window: float = 600.0
    # A browser percent-encodes each UTF-8 byte of a form: up to 9 bytes for one
    # character of the text (a CJK one), so this holds --max-text in any script.
    max_body: int = 262_144
    limits: Limits = field(default_factory=Limits)
    stale_temp_seconds: float = 600.0

    @property
    def site_origin(self) -> str:
        """Return the origin of the site's URL."""
        return origin_of(self.site_url)

    def check(self) -> IntakeConfig:
        """Return self, or raise one error listing every unusable value."""
        problems = []
        if not self.site_origin:
            problems.append(
                f"--site-url: expected an http(s) URL, got {self.site_url!r}"
            )
        problems.extend(
            f"--allow-origin: expected scheme://host[:port], got {origin!r}"
            for origin in self.origins
            if origin_of(origin) != origin
        )
        if not self.manifest.is_file():
            problems.append(
                f"--manifest: expected the build's intake/manifest.json,"
                f" got {str(self.manifest)!r} (no such file; build the site first)"
            )
        numbers = {
            "--min-seconds": self.min_seconds,
            "--token-max-age": self.token_max_age,
            "--rate-limit": self.rate_limit,
            "--rate-window": self.rate_window,
            "--max-links": self.limits.max_links,
        }
        problems.extend(
            f"{flag}: expected 0 or more, got {value!r}"
            for flag, value in numbers.items()
            if value < 0
        )
        needed = BYTES_PER_CHARACTER * self.limits.max_text + 4096
        if self.max_body < needed:
            problems.append(
                f"--max-body: expected {needed} or more (--max-text characters as"
                f" a browser sends them, {BYTES_PER_CHARACTER} bytes each at most,"
                f" and the other fields), got {self.max_body}"
            )
        if self.limits.max_text < 1:
            problems.append(
                f"--max-text: expected 1 or more, got {self.limits.max_text}"
            )
        if self.token_max_age <= self.min_seconds:
            problems.append(
                "--token-max-age: expected more than --min-seconds,"
                f" got {self.token_max_age} <= {self.min_seconds}"
            )
        if problems:
            raise PluginConfigError("\n".join(problems))
        return self
