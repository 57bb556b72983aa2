"""Sort a built site's pages into page types by the template that wrote them."""

from __future__ import annotations

from collections.abc import Iterable

from bs4 import BeautifulSoup

from tests.support import BuiltSite


def page_type(html: str) -> str:
    """Return the page type the theme stamped on ``<body data-page-type>``."""
    body = BeautifulSoup(html, "html.parser").body
    return (body.get("data-page-type") if body else None) or "unmarked"


def by_type(
    site: BuiltSite, pages: Iterable[str] | None = None
) -> dict[str, list[str]]:
    """Group pages (every page of ``site`` by default) by page type, sorted."""
    groups: dict[str, list[str]] = {}
    for rel in sorted(site.pages() if pages is None else pages):
        groups.setdefault(page_type(site.text(rel)), []).append(rel)
    return dict(sorted(groups.items()))


def one_of_each(site: BuiltSite) -> dict[str, str]:
    """Pick one page of each type: the one with the most markup, so the most is seen."""
    return {
        kind: max(pages, key=lambda rel: (len(site.text(rel)), rel))
        for kind, pages in by_type(site).items()
    }
