"""What a feed and its entries are, before any feed format is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """An author as feeds show one: a name and, maybe, a web address (never email)."""

    name: str
    url: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Replies:
    """Where an entry's discussion lives and how long it is (RFC 4685, slash)."""

    count: int
    page_url: str  # the post's ``#perspectives`` section
    feed_url: str = ""  # the post's perspectives feed, when it has one


@dataclass(frozen=True, slots=True, kw_only=True)
class InReplyTo:
    """What a perspective answers: the post, or another perspective."""

    ref: str  # the entry id of the thing answered
    href: str  # its web address


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribution:
    """Where a reblogged entry came from."""

    url: str
    title: str = ""
    author: Person | None = None
    via: str = ""  # where the author found it, when that is somewhere else


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedItem:
    """One entry of a feed, already cleaned: XML-safe text, absolute links."""

    id: str
    title: str  # plain text
    link: str  # absolute
    published: datetime  # timezone-aware
    updated: datetime  # timezone-aware, from Modified, never the build time
    source_path: str  # relative to PATH, for error messages
    authors: tuple[Person, ...] = ()
    content_html: str = ""
    summary_html: str = ""
    categories: tuple[str, ...] = ()
    replies: Replies | None = None
    in_reply_to: InReplyTo | None = None
    attribution: Attribution | None = None
    language: str = ""  # the post's ``Lang``; feeds mark it where it is not theirs


@dataclass(frozen=True, slots=True, kw_only=True)
class Feed:
    """One feed document: its metadata and entries, newest first."""

    kind: str  # a key of FEEDS_PATHS, e.g. "category"
    path: str  # output path, e.g. "feeds/category/essays.atom.xml"
    url: str  # absolute URL of the feed itself
    title: str
    page_url: str  # the HTML page the feed follows
    updated: datetime  # newest entry's update, so output never carries build time
    items: tuple[FeedItem, ...]
    subtitle: str = ""
    language: str = ""
    author: Person | None = None
    stylesheet: str = ""  # same-origin path of the XSL stylesheet, or ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedLink:
    """A feed as pages announce it and the subscribe page lists it."""

    kind: str
    path: str  # site-relative, e.g. "feeds/atom.xml"
    title: str
    mime: str  # "application/atom+xml", "application/rss+xml", ...
    description: str = ""

    @property
    def format(self) -> str:
        """Name the format for people: Atom, RSS or JSON Feed."""
        return {
            "application/atom+xml": "Atom",
            "application/rss+xml": "RSS",
            "application/feed+json": "JSON Feed",
        }[self.mime]
