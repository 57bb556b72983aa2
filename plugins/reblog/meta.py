"""Open Graph and JSON-LD for a post page, saying what its h-entry says."""

from __future__ import annotations

from dataclasses import dataclass
import json
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from markupsafe import Markup


@dataclass(frozen=True, slots=True, kw_only=True)
class PostMeta:
    """The machine-readable description of one post page."""

    open_graph: tuple[tuple[str, str], ...]  # (property, content), in page order
    json_ld: Markup  # a JSON object, safe inside <script type="application/ld+json">


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


def body_image(article: Any, url: str, siteurl: str) -> str:
    """Return the post's first image as a web address, resolved as its page does."""
    src = first_image(article.get_content(siteurl)).strip()
    found = urljoin(url, src) if src else ""  # "chart.png", "//cdn.example/a.png"
    return found if urlsplit(found).scheme in {"http", "https"} else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PostMetaMaker:
    """What a post page tells machines about its post, made when the page is rendered.

    The template calls :meth:`make`: the text (a JSON-LD object, a description
    twice) lives only while its page is made, not for the whole build (~4 kB a
    post), and a page the output ledger finds up to date never makes it.
    """

    article: Any
    base: str
    site_name: str
    siteurl: str  # whose links the post's content and summary show, as when read

    def make(self) -> PostMeta:
        """Return the Open Graph tags and the BlogPosting object of the post."""
        return post_meta(
            self.article, base=self.base, site_name=self.site_name, siteurl=self.siteurl
        )


def post_meta(article: Any, *, base: str, site_name: str, siteurl: str) -> PostMeta:
    """Return the Open Graph tags and the BlogPosting object of ``article``.

    Its summary and content are those shown under ``siteurl`` (Pelican keeps one
    of each per site URL, for relative URLs).
    """
    url = absolute(base, article.url)
    title = plain(article.title)
    description = " ".join(plain(article.get_summary(siteurl)).split())
    image = getattr(article, "image", "")
    image = absolute(base, str(image)) if image else body_image(article, url, siteurl)
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
        graph.append(("og:image", image))
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
    if getattr(article, "lang", ""):
        data["inLanguage"] = str(article.lang)
    if description:
        data["description"] = description
    if image:
        data["image"] = image
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
