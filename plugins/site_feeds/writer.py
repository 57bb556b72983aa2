"""Write a :class:`Feed` as Atom, RSS 2.0 (with feedgen) or JSON Feed 1.1."""

from __future__ import annotations

import html
import json
from typing import Any

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from plugins.common.errors import ContentError

from .entries import plain_text
from .model import Attribution, Feed, FeedItem

ATOM_NS = "http://www.w3.org/2005/Atom"
THR_NS = "http://purl.org/syndication/thread/1.0"  # RFC 4685
SLASH_NS = "http://purl.org/rss/1.0/modules/slash/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "Colloquy"


class ThreadExtension(BaseExtension):
    """Declare the RFC 4685 namespace on Atom feeds."""

    def extend_ns(self) -> dict[str, str]:
        """Return the ``thr`` prefix."""
        return {"thr": THR_NS}


class ThreadEntryExtension(BaseEntryExtension):
    """Add ``link rel="replies"``, ``thr:total`` and ``thr:in-reply-to`` to an entry.

    It also marks the entry's ``xml:lang`` when the entry is not in the feed's
    language (RFC 4287 section 2): feedgen 1.0 sets it on the feed only.
    """

    def __init__(self) -> None:
        self.item: FeedItem | None = None
        self.lang = ""

    def extend_atom(self, entry: Any) -> Any:
        """Append the discussion pointers of the entry's item."""
        if self.lang:
            entry.set(XML_LANG, self.lang)
        item = self.item
        if item is None:
            return entry
        if item.replies:
            count = str(item.replies.count)
            targets = [(item.replies.page_url, "text/html")]
            if item.replies.feed_url:
                targets.append((item.replies.feed_url, "application/atom+xml"))
            for href, mime in targets:
                attributes = {"rel": "replies", "type": mime}
                _atom_link(entry, href, attributes).set(f"{{{THR_NS}}}count", count)
            etree.SubElement(entry, f"{{{THR_NS}}}total").text = count
        if item.attribution:
            related = {"rel": "related", "type": "text/html"}
            if item.attribution.title:
                related["title"] = item.attribution.title
            _atom_link(entry, item.attribution.url, related)
            if item.attribution.via:
                _atom_link(entry, item.attribution.via, {"rel": "via"})
        if item.in_reply_to:
            etree.SubElement(
                entry,
                f"{{{THR_NS}}}in-reply-to",
                {"ref": item.in_reply_to.ref, "href": item.in_reply_to.href},
            )
        return entry


def _atom_link(entry: Any, href: str, attributes: dict[str, str]) -> Any:
    return etree.SubElement(entry, f"{{{ATOM_NS}}}link", {"href": href, **attributes})


class SlashExtension(BaseExtension):
    """Declare the slash namespace on RSS feeds."""

    def extend_ns(self) -> dict[str, str]:
        """Return the ``slash`` prefix."""
        return {"slash": SLASH_NS}


class SlashEntryExtension(BaseEntryExtension):
    """Add ``slash:comments`` to an item."""

    def __init__(self) -> None:
        self.count: int | None = None

    def extend_rss(self, entry: Any) -> Any:
        """Append the comment count, when the item has a discussion."""
        if self.count is not None:
            etree.SubElement(entry, f"{{{SLASH_NS}}}comments").text = str(self.count)
        return entry


def render_atom(feed: Feed) -> bytes:
    """Return ``feed`` as an Atom 1.0 document."""
    return _render(feed, rss=False)


def render_rss(feed: Feed) -> bytes:
    """Return ``feed`` as an RSS 2.0 document."""
    return _render(feed, rss=True)


def _render(feed: Feed, *, rss: bool) -> bytes:
    fg = _generator(feed, rss=rss)
    try:
        return _finish(fg.rss_str() if rss else fg.atom_str(), feed)
    except ValueError as err:
        # feedgen checks most values only while writing: find the entry at fault.
        for entry, item in zip(fg.entry(), feed.items, strict=True):
            try:
                entry.rss_entry() if rss else entry.atom_entry()
            except ValueError as entry_err:
                raise _entry_error(entry_err, item) from entry_err
        raise ContentError(f"expected a valid feed, got {err}", path=feed.path) from err


def _entry_error(err: ValueError, item: FeedItem) -> ContentError:
    return ContentError(
        f"expected a valid feed entry, got {err}", path=item.source_path
    )


def _generator(feed: Feed, *, rss: bool) -> FeedGenerator:
    fg = FeedGenerator()
    if rss:
        fg.load_extension("dc", atom=False, rss=True)
        fg.register_extension("slash", SlashExtension, SlashEntryExtension, False)
    else:
        fg.register_extension(
            "thread", ThreadExtension, ThreadEntryExtension, True, False
        )
    fg.id(feed.url)
    fg.title(feed.title)
    fg.description(feed.subtitle or feed.title)
    if feed.subtitle:
        fg.subtitle(feed.subtitle)
    fg.link(href=feed.url, rel="self", type=_mime(rss))
    fg.link(href=feed.page_url, rel="alternate", type="text/html")
    if feed.language:
        fg.language(feed.language)
    if feed.author:
        fg.author(_person(feed.author))
    fg.generator(GENERATOR)
    fg.updated(feed.updated)  # never the build time: feedgen's default is now()
    for item in feed.items:
        entry = fg.add_entry(order="append")
        try:
            _fill(entry, item, rss=rss)
            _mark_language(entry, _other_language(item, feed), rss=rss)
        except ValueError as err:
            raise _entry_error(err, item) from err
    return fg


def _mime(rss: bool) -> str:
    return "application/rss+xml" if rss else "application/atom+xml"


def _person(person: Any) -> dict[str, str]:
    return {"name": person.name, **({"uri": person.url} if person.url else {})}


def _fill(entry: FeedEntry, item: FeedItem, *, rss: bool) -> None:
    entry.id(item.id)
    entry.guid(item.id, permalink=False)
    entry.title(item.title)
    entry.link(href=item.link, rel="alternate", type="text/html")
    entry.published(item.published)
    entry.updated(item.updated)
    if item.content_html:
        entry.content(item.content_html, type="html")
    if item.summary_html:
        entry.summary(item.summary_html, type="html")
    for term in item.categories:
        entry.category(term=term)
    if rss:
        names = [person.name for person in item.authors]
        if names:
            entry.dc.dc_creator(names)
    else:
        for person in item.authors:
            entry.author(_person(person))
    if item.attribution:
        _attribute(entry, item.attribution, rss=rss)
    if item.replies:
        entry.comments(item.replies.page_url)
    if rss:
        entry.slash.count = item.replies.count if item.replies else None
    else:
        entry.thread.item = item


def _other_language(item: FeedItem, feed: Feed) -> str:
    """Return the item's language when it is not the feed's, else ""."""
    if item.language and item.language.lower() != feed.language.lower():
        return item.language
    return ""


def _mark_language(entry: FeedEntry, language: str, *, rss: bool) -> None:
    """Say an entry's language: ``xml:lang`` in Atom, ``dc:language`` in RSS."""
    if not language:
        return
    if rss:
        entry.dc.dc_language(language)
    else:
        entry.thread.lang = language


def _attribute(entry: FeedEntry, attribution: Attribution, *, rss: bool) -> None:
    """Say where a reblogged entry came from: a related link and its author."""
    # ThreadEntryExtension adds the related and via links: feedgen 1.0 drops the
    # rel and type of every entry link, which would make them all "alternate".
    if attribution.author:
        entry.contributor(_person(attribution.author))
    if rss:
        entry.source(url=attribution.url, title=attribution.title or attribution.url)


def _finish(document: bytes, feed: Feed) -> bytes:
    """Tidy namespaces, add the stylesheet PI, and serialise deterministically."""
    root = etree.fromstring(
        document, etree.XMLParser(resolve_entities=False, huge_tree=True)
    )
    top = {prefix: uri for prefix, uri in (root.nsmap or {}).items() if prefix}
    etree.cleanup_namespaces(root, top_nsmap=top)
    if feed.stylesheet:
        root.addprevious(
            etree.ProcessingInstruction(
                "xml-stylesheet", f'type="text/xsl" href="{feed.stylesheet}"'
            )
        )
    return etree.tostring(
        root.getroottree(), encoding="UTF-8", xml_declaration=True, pretty_print=True
    )


def render_json(feed: Feed) -> bytes:
    """Return ``feed`` as a JSON Feed 1.1 document."""
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.page_url,
        "feed_url": feed.url,
    }
    if feed.subtitle:
        document["description"] = feed.subtitle
    if feed.language:
        document["language"] = feed.language
    if feed.author:
        document["authors"] = [_json_person(feed.author)]
    document["items"] = [_json_item(item, feed) for item in feed.items]
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return text.encode("utf-8")


def _json_person(person: Any) -> dict[str, str]:
    return {"name": person.name, **({"url": person.url} if person.url else {})}


def _json_item(item: FeedItem, feed: Feed) -> dict[str, Any]:
    result: dict[str, Any] = {"id": item.id, "url": item.link, "title": item.title}
    if _other_language(item, feed):
        result["language"] = item.language
    fallback = f"<p>{html.escape(item.title)}</p>"
    result["content_html"] = item.content_html or item.summary_html or fallback
    summary = plain_text(item.summary_html)
    if summary:
        result["summary"] = summary
    if item.attribution:
        result["external_url"] = item.attribution.url
    result["date_published"] = item.published.isoformat()
    result["date_modified"] = item.updated.isoformat()
    if item.authors:
        result["authors"] = [_json_person(person) for person in item.authors]
    if item.categories:
        result["tags"] = list(item.categories)
    if item.replies:
        result["_colloquy"] = {
            "perspectives": item.replies.count,
            "perspectives_url": item.replies.page_url,
            **(
                {"perspectives_feed_url": item.replies.feed_url}
                if item.replies.feed_url
                else {}
            ),
        }
    return result
