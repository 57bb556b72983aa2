"""Theme settings (footer text, colours), read once and validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import re
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from plugins.common.errors import PluginConfigError

# The stylesheet's custom properties a site may override, with the theme's values.
LIGHT = {
    "text": "#1d1d1f",
    "muted": "#5b5b63",
    "bg": "#fdfcf9",
    "surface": "#f3f0e8",
    "accent": "#8a3b12",
    "rule": "#d9d4c7",
}
DARK = {
    "text": "#ecebe6",
    "muted": "#b2b0a8",
    "bg": "#16161a",
    "surface": "#222228",
    "accent": "#f0a46f",
    "rule": "#3a3a42",
}
HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
# Text colours that must stay readable (WCAG AA, normal text) on the page's
# background and on the surface of cards, code, badges and reblogs.
READABLE = ("text", "muted", "accent")
BACKGROUNDS = ("bg", "surface")
MIN_CONTRAST = 4.5


@pass_context
def page_type(context: Context) -> str:
    """Name the page type from the template that renders the page: ``article``."""
    name = (context.name or "page").rsplit("/", 1)[-1]
    return name.removesuffix(".html").replace("_", "-")


def contrast(foreground: str, background: str) -> float:
    """Return the WCAG contrast ratio of two ``#rrggbb`` colours."""
    lighter, darker = sorted(
        (_luminance(foreground), _luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


SHORT_HEX = 3
SRGB_LINEAR_LIMIT = 0.04045  # below it an sRGB channel is linear


def _luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == SHORT_HEX:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [
        c / 12.92 if c <= SRGB_LINEAR_LIMIT else ((c + 0.055) / 1.055) ** 2.4
        for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@dataclass(frozen=True, slots=True, kw_only=True)
class ThemeSettings:
    """Settings for the theme, read once and validated."""

    footer_text: str = ""
    minify_css: bool = True
    colors: Mapping[str, str] = field(default_factory=dict)
    dark_colors: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> ThemeSettings:
        """Read ``THEME_*`` settings, reporting every problem at once."""
        footer = settings.get("THEME_FOOTER_TEXT", "")
        minify = settings.get("THEME_MINIFY_CSS", True)
        problems = []
        if not isinstance(footer, str):
            problems.append(f"THEME_FOOTER_TEXT: expected text, got {footer!r}")
        if not isinstance(minify, bool):
            problems.append(f"THEME_MINIFY_CSS: expected True or False, got {minify!r}")
        colors = _colours("THEME_COLORS", settings.get("THEME_COLORS", {}), problems)
        dark = _colours(
            "THEME_DARK_COLORS", settings.get("THEME_DARK_COLORS", {}), problems
        )
        if problems:
            raise PluginConfigError("\n".join(problems))
        return cls(
            footer_text=footer, minify_css=minify, colors=colors, dark_colors=dark
        )

    def contrast_problems(self) -> list[str]:
        """Describe each text colour hard to read on ``bg`` or ``surface``."""
        problems = []
        for setting, overrides, defaults in (
            ("THEME_COLORS", self.colors, LIGHT),
            ("THEME_DARK_COLORS", self.dark_colors, DARK),
        ):
            if not overrides:
                continue
            palette = {**defaults, **overrides}
            for background in BACKGROUNDS:
                for name in READABLE:
                    ratio = contrast(palette[name], palette[background])
                    if ratio < MIN_CONTRAST:
                        problems.append(
                            f"{setting}: {name!r} on {background!r} has contrast "
                            f"{ratio:.2f}:1, expected at least {MIN_CONTRAST}:1"
                        )
        return problems

    def custom_css(self) -> Markup:
        """Return the ``:root`` overrides for the configured colours ("" if none).

        Markup, so autoescape leaves the CSS alone: names and values are checked
        against LIGHT and HEX_COLOUR in ``from_settings``, so nothing else gets in.
        """
        parts = []
        if self.colors:
            parts.append(f":root{{{_declarations(self.colors)}}}")
        if self.dark_colors:
            dark = _declarations(self.dark_colors)
            parts.append(f"@media (prefers-color-scheme: dark){{:root{{{dark}}}}}")
        return Markup("".join(parts))


def require_autoescape(settings: Mapping[str, Any]) -> None:
    """Refuse a build whose Jinja would print values unescaped: the theme needs it."""
    environment = settings.get("JINJA_ENVIRONMENT") or {}
    value = environment.get("autoescape") if isinstance(environment, Mapping) else None
    if value is not True:
        raise PluginConfigError(
            "JINJA_ENVIRONMENT['autoescape']: expected True (the theme escapes every "
            f"value that is not Markup or commented |safe), got {value!r}"
        )


def _declarations(colours: Mapping[str, str]) -> str:
    return "".join(f"--{name}:{value};" for name, value in sorted(colours.items()))


def _colours(setting: str, value: Any, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        problems.append(f"{setting}: expected a dict of colour names, got {value!r}")
        return {}
    for name, colour in sorted(value.items(), key=str):
        if name not in LIGHT:
            problems.append(
                f"{setting}: expected a colour name in {sorted(LIGHT)}, got {name!r}"
            )
        if not isinstance(colour, str) or not HEX_COLOUR.fullmatch(colour):
            problems.append(
                f"{setting}[{name!r}]: expected a colour such as '#8a3b12', "
                f"got {colour!r}"
            )
    return dict(sorted(value.items()))
