"""The permalink footer line every post carries, filled in by several plugins.

The theme renders "Posted at 10:32 AM in Commentary | Permalink" and then each
:class:`FooterLink` a plugin added ("Perspectives (4)", "Transcript", "Reblog"),
in ``order``. Plugins add links; none reads another plugin's links.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Where each plugin's link sits in the line; gaps leave room for new ones.
ORDER_PERSPECTIVES = 20
ORDER_REBLOGS = 30
ORDER_TRANSCRIPT = 40
ORDER_REBLOG = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class FooterLink:
    """One link in a post's footer line."""

    label: str  # what the reader sees, e.g. "Perspectives (4)"
    url: str  # site-relative ("2024/05/slug/#perspectives") or absolute
    order: int
    css_class: str = ""  # stable hook for tests and styles, e.g. "footer-perspectives"
    rel: str = ""


def add_footer_link(content: Any, link: FooterLink) -> None:
    """Attach ``link`` to an article's footer line, replacing one with the same class.

    Replacing (rather than appending) keeps autoreload builds from doubling links.
    """
    existing = [
        old
        for old in getattr(content, "footer_links", ())
        if not (link.css_class and old.css_class == link.css_class)
    ]
    content.footer_links = tuple(sorted([*existing, link], key=lambda item: item.order))
