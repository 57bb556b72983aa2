"""Code highlighting with Pygments' HTML formatter, its style table built once."""

from __future__ import annotations

from typing import Any

from pygments.formatters.html import HtmlFormatter

CODEHILITE = "markdown.extensions.codehilite"


def reusing_formatter() -> type[HtmlFormatter]:
    """Return an HtmlFormatter class that builds each style's class table once.

    CodeHilite makes a formatter per code block, and each one walks its style
    to map token types to CSS classes: the same tables every time (~140 us a
    block). The class returned keeps them per (style, class prefix) for as long
    as it lives, one reader's (one build's) worth, and gives each formatter its
    own copies; everything else is Pygments' HtmlFormatter unchanged.
    """
    tables: dict[tuple[Any, str], tuple[dict, dict]] = {}

    class ReusingHtmlFormatter(HtmlFormatter):
        def _create_stylesheet(self) -> None:
            key = (self.style, self.classprefix)
            if key not in tables:
                super()._create_stylesheet()
                tables[key] = (dict(self.ttype2class), dict(self.class2style))
            ttype2class, class2style = tables[key]
            self.ttype2class, self.class2style = dict(ttype2class), dict(class2style)

    return ReusingHtmlFormatter


def with_reusing_formatter(config: dict[str, Any]) -> dict[str, Any]:
    """Return Pelican's MARKDOWN config, CodeHilite given the reusing formatter.

    A site that names its own ``pygments_formatter`` keeps it; ``config`` itself
    is not changed.
    """
    extension_configs = config.get("extension_configs") or {}
    codehilite = extension_configs.get(CODEHILITE)
    if codehilite is None or "pygments_formatter" in codehilite:
        return config
    return {
        **config,
        "extension_configs": {
            **extension_configs,
            CODEHILITE: {**codehilite, "pygments_formatter": reusing_formatter()},
        },
    }
