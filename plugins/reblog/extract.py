"""Read what a fetched page says about itself: its h-entry, Open Graph, or title."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from markupsafe import Markup, escape
import mf2py

from plugins.common.sanitize import safe_url, sanitize_html

from .model import field_text


@dataclass(frozen=True, slots=True, kw_only=True)
class Original:
    """The post being reblogged, as far as its page describes it."""

    url: str
    title: str
    author: str
    author_url: str
    published: str  # as the page gave it, "" when unknown
    excerpt: Markup  # sanitised HTML
    found_in: str  # "h-entry", "open graph" or "html"


def read_original(html: str, url: str) -> Original:
    """Return the original post described by ``html``, fetched from ``url``."""
    root = _parse(html)
    # mf2py reads lxml's copy: libxml2 stops at 255 levels of nesting, where
    # html5lib goes on, in quadratic time, into mf2py's recursion limit.
    entry = _find_entry(
        mf2py.parse(doc=lxml.html.tostring(root, encoding="unicode"), url=url), url
    )
    if entry is not None:
        original = _from_entry(entry, url, page_title=_page_title(root))
        if original is not None:
            return original
    return _from_open_graph(root, url) or _from_html(root, url)


def _parse(html: str) -> Any:
    # As bytes: lxml refuses a str with an XML declaration (XHTML pages).
    parser = lxml.html.HTMLParser(encoding="utf-8")
    try:
        return lxml.html.document_fromstring(
            (html or "<html></html>").encode("utf-8", "replace"), parser=parser
        )
    except (ValueError, lxml.etree.ParserError):
        return lxml.html.document_fromstring("<html></html>")


def _find_entry(parsed: dict[str, Any], url: str = "") -> dict[str, Any] | None:
    """Return the page's own h-entry (its u-url is the page), else the first."""
    found = None
    queue = list(parsed.get("items", []))
    while queue:
        item = queue.pop(0)
        if "h-entry" in item.get("type", []):
            if _is_page(item, url):
                return item  # not a sidebar's "recent posts" entry above it
            found = found or item
        queue.extend(item.get("children", []))
    return found


def _is_page(entry: dict[str, Any], url: str) -> bool:
    urls = entry.get("properties", {}).get("url") or []
    own = url.rstrip("/")
    return bool(own) and any(_text(u).rstrip("/") == own for u in urls)


def _first(props: dict[str, Any], name: str) -> Any:
    values = props.get(name) or [None]
    return values[0]


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = (
            value.get("value") or (value.get("properties", {}).get("name") or [""])[0]
        )
    return field_text(value or "")


def _from_entry(
    entry: dict[str, Any], url: str, *, page_title: str = ""
) -> Original | None:
    props = entry.get("properties", {})
    content = _first(props, "content")
    summary = _first(props, "summary")
    if isinstance(content, dict) and content.get("html"):
        excerpt = sanitize_html(content["html"])
    elif content or summary:
        excerpt = Markup("<p>{}</p>").format(_text(content or summary))
    else:
        excerpt = Markup("")
    title = _text(_first(props, "name"))
    if not title and not excerpt:
        return None
    author, author_url = "", ""
    first_author = _first(props, "author")
    if isinstance(first_author, dict):
        author_props = first_author.get("properties", {})
        author = _text(_first(author_props, "name")) or _text(first_author)
        author_url = safe_url(_text(_first(author_props, "url"))) or ""
    elif first_author:
        author = _text(first_author)
        if safe_url(author):  # a u-author link: its address, named by its host
            author, author_url = urlsplit(author).hostname or author, author
    entry_url = safe_url(_text(_first(props, "url")))
    if entry_url and entry_url.rstrip("/") != url.rstrip("/"):
        page_title = ""  # one entry of a listing: the page's title is not its own
    return Original(
        url=entry_url or url,
        title=title or page_title or _fallback_title(url),
        author=author,
        author_url=author_url,
        published=_text(_first(props, "published")),
        excerpt=excerpt,
        found_in="h-entry",
    )


def _meta(root: Any, *names: str) -> str:
    for name in names:
        for element in root.iter("meta"):
            key = element.get("property") or element.get("name") or ""
            if key.lower() == name and element.get("content"):
                return field_text(element.get("content"))
    return ""


def _from_open_graph(root: Any, url: str) -> Original | None:
    title = _meta(root, "og:title")
    description = _meta(root, "og:description")
    if not title and not description:
        return None
    author = _meta(root, "article:author", "author")
    author_url = ""
    if safe_url(author):
        author, author_url = _meta(root, "author") or urlsplit(author).hostname, author
    og_url = (
        safe_url(urljoin(url, _meta(root, "og:url"))) if _meta(root, "og:url") else None
    )
    return Original(
        url=og_url or url,
        title=title or _title(root) or _fallback_title(url),
        author=author or "",
        author_url=author_url,
        published=_meta(root, "article:published_time"),
        excerpt=Markup("<p>{}</p>").format(description) if description else Markup(""),
        found_in="open graph",
    )


def _page_title(root: Any) -> str:
    """Return what the page calls itself: its Open Graph title, else its title."""
    return _meta(root, "og:title") or _title(root)


def _title(root: Any) -> str:
    titles = root.xpath("//title")
    return field_text(titles[0].text_content()) if titles else ""


def _from_html(root: Any, url: str) -> Original:
    excerpt = Markup("")
    for paragraph in root.iter("p"):
        text = field_text(paragraph.text_content())
        if text:
            excerpt = Markup("<p>{}</p>").format(escape(text))
            break
    return Original(
        url=url,
        title=_title(root) or _fallback_title(url),
        author=_meta(root, "author"),
        author_url="",
        published="",
        excerpt=excerpt,
        found_in="html",
    )


def _fallback_title(url: str) -> str:
    return urlsplit(url).hostname or url
