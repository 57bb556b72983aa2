"""Open Graph and JSON-LD for a post page, saying what its h-entry says."""

from __future__ import annotations

from dataclasses import dataclass
import json
from typing import Any

import lxml.html
from markupsafe import Markup


@dataclass(frozen=True, slots=True, kw_only=True)
class PostMeta:
    """The machine-readable description of one post page."""

    open_graph: tuple[tuple[str, str], ...]  # (property, content), in page order
    json_ld: Markup  # a JSON object, safe inside <script type="application/ld+json">


@dataclass(frozen=True, slots=True, kw_only=True)
class DeferredPostMeta:
    """What a post page's metadata is made from; the page's template makes it.

    A build whose output ledger finds the page up to date never renders it, and
    so never reads the post's summary and HTML for it; a full build makes it on
    whichever core writes the page.
    """

    article: Any
    base: str
    site_name: str
    siteurl: str  # SITEURL: the post's HTML with links for the site, not the page

    def make(self) -> PostMeta:
        """Return the post's Open Graph tags and BlogPosting object."""
        return post_meta(
            self.article, base=self.base, site_name=self.site_name, siteurl=self.siteurl
        )


def plain(text: Any) -> str:
    """Return HTML (a title, a summary) as plain text."""
    return Markup(str(text or "")).striptags()


def absolute(base: str, url: str) -> str:
    """Return a site URL (``/x``, ``x`` or absolute) as an absolute URL."""
    if "://" in url:
        return url
    return f"{base}/{url.lstrip('/')}"


def first_image(html: str) -> str:
    """Return the ``src`` of the first image in ``html``, or ""."""
    if "<img" not in html:
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for image in root.iter("img"):
        if image.get("src"):
            return image.get("src")
    return ""


def post_meta(article: Any, *, base: str, site_name: str, siteurl: str) -> PostMeta:
    """Return the Open Graph tags and the BlogPosting object of ``article``.

    Its HTML is read as for ``siteurl`` (SITEURL): while a page renders with
    relative URLs, ``article.content`` has links relative to that page.
    """
    url = absolute(base, article.url)
    title = plain(article.title)
    description = " ".join(plain(article.get_summary(siteurl)).split())
    image = getattr(article, "image", "") or first_image(article.get_content(siteurl))
    authors = getattr(article, "authors", None) or []
    modified = getattr(article, "modified", None)
    tags = [str(tag) for tag in getattr(article, "tags", None) or []]

    graph: list[tuple[str, str]] = [
        ("og:type", "article"),
        ("og:site_name", plain(site_name)),
        ("og:title", title),
        ("og:url", url),
    ]
    if description:
        graph.append(("og:description", description))
    if image:
        graph.append(("og:image", absolute(base, str(image))))
    graph.append(("article:published_time", article.date.isoformat()))
    if modified:
        graph.append(("article:modified_time", modified.isoformat()))
    graph.extend(("article:author", absolute(base, a.url)) for a in authors)
    if getattr(article, "category", None):
        graph.append(("article:section", str(article.category)))
    graph.extend(("article:tag", tag) for tag in tags)

    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": title,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": article.date.isoformat(),
        "dateModified": (modified or article.date).isoformat(),
        "author": [
            {"@type": "Person", "name": str(a), "url": absolute(base, a.url)}
            for a in authors
        ],
        "publisher": {"@type": "Organization", "name": plain(site_name)},
    }
    if description:
        data["description"] = description
    if image:
        data["image"] = absolute(base, str(image))
    if getattr(article, "category", None):
        data["articleSection"] = str(article.category)
    if tags:
        data["keywords"] = tags
    reblog = getattr(article, "reblog", None)
    if reblog is not None:
        data["isBasedOn"] = reblog.url
    return PostMeta(open_graph=tuple(graph), json_ld=script_json(data))


def script_json(data: Any) -> Markup:
    """Return ``data`` as JSON that cannot end or confuse a ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
