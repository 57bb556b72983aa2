"""Where a post's reblog page lives, and the footer links that point to it."""

from __future__ import annotations

import posixpath
from typing import Any

from plugins.common.footer import (
    ORDER_REBLOG,
    ORDER_REBLOGS,
    FooterLink,
    add_footer_link,
)


def reblog_location(article: Any) -> tuple[str, str]:
    """Return ``(url, save_as)`` of a post's reblog page: ``<permalink>reblog/``."""
    url = article.url
    if not url.endswith("/"):
        url = posixpath.splitext(url)[0] + "/"
    return f"{url}reblog/", f"{url}reblog/index.html"


def add_reblog_links(article: Any, reaction_count: int) -> None:
    """Add "Reblogs (N)" (when there are any) and "Reblog" to the footer line."""
    url, _ = reblog_location(article)
    if reaction_count:
        add_footer_link(
            article,
            FooterLink(
                label=f"Reblogs ({reaction_count})",
                url=f"{url}#reblogs",
                order=ORDER_REBLOGS,
                css_class="footer-reblogs",
            ),
        )
    add_footer_link(
        article,
        FooterLink(
            label="Reblog", url=url, order=ORDER_REBLOG, css_class="footer-reblog"
        ),
    )
