"""The Pelican generator that writes every feed and the subscribe page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
import functools
import logging
import os
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from pelican.generators import Generator

from plugins.common.buildcache import made_together, made_unless_fresh
from plugins.common.errors import ContentError
from plugins.common.files import FolderGuard, inside, write_atomic

from .entries import (
    latest,
    newest,
    newest_perspectives,
    perspective_items,
    plain_text,
    post_id,
    post_item,
    relative_source,
    transcript_item,
)
from .model import Feed, FeedItem, FeedLink, Person
from .settings import FeedsSettings, family
from .writer import render_atom, render_json, render_rss

logger = logging.getLogger(__name__)

# A feed's newest posts, and the posts left out for want of an entry id.
Choice = tuple[tuple[Any, ...], tuple[Any, ...]]
POST_FEEDS = "feeds of posts"  # the site's, each category's, tag's and author's
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # "updated" of a feed with nothing in it
MIME = {
    "site_rss": "application/rss+xml",
    "site_json": "application/feed+json",
}
RENDER: dict[str, Callable[[Feed], bytes]] = {
    "application/atom+xml": render_atom,
    "application/rss+xml": render_rss,
    "application/feed+json": render_json,
}


def mime(kind: str) -> str:
    """Return the media type of a feed kind."""
    return MIME.get(kind, "application/atom+xml")


def has_perspectives(context: dict[str, Any]) -> bool:
    """Tell whether the perspectives plugin has attached perspectives to posts."""
    return any(hasattr(a, "perspectives") for a in context.get("articles", ()))


@dataclass(frozen=True, slots=True)
class FeedDirectory:
    """Which feeds exist, for autodiscovery links and the subscribe page."""

    settings: FeedsSettings
    context: dict[str, Any]
    sitename: str = field(init=False)  # as plain text, else the host: feeds need one

    def _link(self, kind: str, title: str, slug: str = "", about: str = "") -> list:
        path = self.settings.path(kind, slug)
        if not path:
            return []
        link = FeedLink(
            kind=kind, path=path, title=title, mime=mime(kind), description=about
        )
        return [link]

    def __post_init__(self) -> None:
        # Every page names the site's feeds: work the title out once per build.
        name = plain_text(self.context.get("SITENAME", ""))
        siteurl = self.settings.siteurl
        object.__setattr__(
            self, "sitename", name or urlsplit(siteurl).netloc or siteurl
        )

    def site(self) -> list[FeedLink]:
        """Return the whole-site feeds (Atom, RSS, JSON Feed)."""
        about = "Every new post, in full."
        if self.settings.content["site"] == "summary":
            about = "Every new post, as a summary."
        return [
            link
            for kind in ("site_atom", "site_rss", "site_json")
            for link in self._link(kind, self.sitename, about=about)
        ]

    def category(self, category: Any) -> list[FeedLink]:
        """Return the feed of one category."""
        title = f"{self.sitename}: {category}"
        return self._link("category", title, category.slug, f"Posts in {category}.")

    def tag(self, tag: Any) -> list[FeedLink]:
        """Return the feed of one tag."""
        title = f"{self.sitename}: posts tagged {tag}"
        return self._link("tag", title, tag.slug, f"Posts tagged {tag}.")

    def author(self, author: Any) -> list[FeedLink]:
        """Return the feed of one author."""
        title = f"{self.sitename}: posts by {author}"
        return self._link("author", title, author.slug, f"Posts by {author}.")

    def post(self, article: Any) -> list[FeedLink]:
        """Return the perspectives feed of one post, when it has one."""
        if not getattr(article, "perspectives_feed_url", ""):
            return []
        title = f"Perspectives on \u201c{plain_text(article.title)}\u201d"
        about = "Readers' perspectives on this post."
        return self._link("post_perspectives", title, article.slug, about)

    def perspectives(self) -> list[FeedLink]:
        """Return the site-wide perspectives feed, when perspectives exist."""
        if not has_perspectives(self.context):
            return []
        about = "Every reader's perspective, on every post."
        title = f"{self.sitename}: perspectives"
        return self._link("perspectives", title, about=about)

    def transcripts(self) -> list[FeedLink]:
        """Return the transcripts feed, when the site has transcripts."""
        if "transcripts" not in self.context:
            return []
        about = "Chat transcripts as they are published."
        title = f"{self.sitename}: transcripts"
        return self._link("transcripts", title, about=about)

    def sections(
        self, post_feeds: list[FeedLink] | None = None
    ) -> list[tuple[str, list[FeedLink]]]:
        """Return every feed, grouped for the subscribe page.

        ``post_feeds``: the posts' perspectives feeds, when already found.
        """
        context = self.context
        if post_feeds is None:
            post_feeds = _each(self.post, context.get("articles", ()))
        groups = [
            ("The whole site", self.site()),
            ("Perspectives", self.perspectives()),
            ("Transcripts", self.transcripts()),
            ("By category", _each(self.category, context.get("categories", ()))),
            ("By tag", _each(self.tag, context.get("tags", ()))),
            ("By author", _each(self.author, context.get("authors", ()))),
            ("Discussions", sorted(post_feeds, key=lambda link: link.path)),
        ]
        return [(title, links) for title, links in groups if links]


def _each(function: Callable[[Any], list[FeedLink]], objects: Iterable) -> list:
    found = []
    for obj in objects:
        thing = obj[0] if isinstance(obj, tuple) else obj
        found.extend(function(thing))
    return sorted(found, key=lambda link: link.path)


class Ranking(NamedTuple):
    """Posts newest first, those without an entry id, and each one's rank key."""

    newest: tuple[Any, ...]
    unranked: tuple[Any, ...]
    places: dict[int, Any]  # id(post) -> (date, entry id), None without an id


@dataclass(frozen=True, slots=True)
class PlannedFeed:
    """A feed to write: where, what it is made from, and how to make it."""

    path: str
    # With the shared context, all that the feed is made from (or a function
    # returning it: see plugins.common.buildcache.OutputLedger.output).
    inputs: tuple | Callable[[], tuple]
    make: Callable[[], Feed]
    group: str = ""  # feeds that share entries, made by one process (see ledger)
    # Made of where its post is placed (its URL, slug, title), not of its text or
    # perspectives, which the feed reads as it is made (see the ledger).
    follows_placement: bool = False


class FeedsGenerator(Generator):
    """Write every feed with feedgen, and the page that lists them."""

    def generate_context(self) -> None:
        """Offer the feed directory to templates and mark posts' perspective feeds."""
        self.feeds = FeedsSettings.from_settings(self.settings)
        self.directory = FeedDirectory(self.feeds, self.context)
        self.context["site_feeds"] = self.directory
        self.mark_perspective_feeds()

    def mark_perspective_feeds(self) -> None:
        """Set ``perspectives_feed_url`` on each post whose perspectives feed exists."""
        for article in self.context.get("articles", ()):
            path = self.feeds.path("post_perspectives", article.slug)
            if path and getattr(article, "perspectives", ()):
                article.perspectives_feed_url = path
            elif hasattr(article, "perspectives_feed_url"):
                del article.perspectives_feed_url

    def generate_output(self, writer: Any) -> None:
        """Write the feeds, then the subscribe page."""
        self.mark_perspective_feeds()
        guard = FolderGuard(self.output_path)  # each folder resolved once
        for plan in self.plan_feeds():
            # Resolved (links followed, and refused outside the output) when
            # written: the ledger knows a feed by where it lies in the output.
            target = os.path.join(self.output_path, plan.path)
            # Feeds of posts share their entries: one process makes them all.
            with (
                made_together(self.settings, plan.group)
                if plan.group
                else nullcontext(),
                made_unless_fresh(
                    self.settings,
                    target,
                    plan.inputs,
                    follows_placement=plan.follows_placement,
                ) as up_to_date,
            ):
                if not up_to_date:
                    guard.resolve(plan.path)
                    self.write_feed(plan.make())
        if self.feeds.stylesheet:
            writer.write_file(
                self.feeds.stylesheet,
                self.env.get_template("feed.xsl"),
                self.context,
                css_href=f"{self._base_path()}/theme/css/site.css",
            )
        save_as = self.feeds.subscribe_save_as
        if save_as:
            writer.write_file(
                save_as,
                self.get_template("subscribe"),
                self.context,
                relative_urls=self.settings["RELATIVE_URLS"],
                url=self.feeds.subscribe_url,
                page_name="subscribe",
                feed_sections=self.directory.sections(self._post_feeds),
            )

    def write_feed(self, feed: Feed) -> None:
        """Render one feed, dropping any entry feedgen refuses, and write it."""
        items = list(feed.items)
        render = RENDER[mime(feed.kind)]
        while True:
            try:
                data = render(replace(feed, items=tuple(items)))
                break
            except ContentError as err:
                kept = [item for item in items if item.source_path != err.path]
                if len(kept) == len(items):
                    # The feed itself is at fault, not an entry: dropping entries
                    # cannot help, so say so once instead of retrying for ever.
                    logger.error("%s (feed not written)", err)
                    return
                logger.error("%s (left out of %s)", err, feed.path)
                items = kept
        target = inside(self.output_path, feed.path)
        # durable=False: output is rebuilt from content, so no fsync per feed.
        if write_atomic(target, data, overwrite=True, durable=False):
            logger.info("Writing %s", target)

    # Building feeds --------------------------------------------------------

    def build_feeds(self) -> list[Feed]:
        """Return every feed the settings ask for, in a fixed order."""
        return [plan.make() for plan in self.plan_feeds()]

    def plan_feeds(self) -> list[PlannedFeed]:
        """Return every feed the settings ask for, in a fixed order, still unmade."""
        context, cache = self.context, {}
        # The posts' perspectives feeds, kept for the subscribe page once listed.
        self._post_feeds: list[FeedLink] | None = None
        articles = list(context.get("articles", ()))
        fallback = max((a.date for a in articles), default=EPOCH)
        # A post without an entry id is reported by one feed, the first to list
        # it, whichever feeds a rebuild makes again: that feed's record alone
        # repeats the error when it is left as it is.
        reporter: dict[str, str] = {}

        def plan(link: FeedLink, posts: list, page: str) -> PlannedFeed:
            full = self.feeds.content[family(link.kind)] == "full"
            limit = self.feeds.limits[family(link.kind)]
            for post in posts:
                reporter.setdefault(post.source_path, link.path)

            @functools.cache
            def choose() -> Choice:  # once: making it must not read every post
                # Feeds of one list and limit (the site's Atom, RSS and JSON)
                # rank its posts once.
                key = ("newest", id(posts), limit)
                if key not in cache:
                    cache[key] = self._newest_posts(posts, limit, cache)
                return cache[key]

            def make() -> Feed:
                newest_posts, unranked = choose()
                for post in unranked:
                    self._post_item(post, full, cache)  # read: the feed depends on it
                    error = cache.get(("error", post.source_path))
                    if error is not None and reporter[post.source_path] == link.path:
                        logger.error("%s (left out of the feeds)", error)
                made = (self._post_item(post, full, cache) for post in newest_posts)
                items = newest([item for item in made if item], limit)
                return self._feed(link, items, fallback, page=page)

            return PlannedFeed(
                link.path,
                lambda: (link, *choose(), page, fallback),
                make,
                group=POST_FEEDS,
            )

        plans = [
            plan(link, articles, self.feeds.siteurl + "/")
            for link in self.directory.site()
        ]
        for group, links in (
            ("category", context.get("categories", ())),
            ("tag", context.get("tags", ())),
            ("author", context.get("authors", ())),
        ):
            for thing, posts in sorted(links, key=lambda pair: pair[0].slug):
                for link in getattr(self.directory, group)(thing):
                    plans.append(plan(link, posts, self.feeds.url(thing.url)))
        plans.extend(self._perspective_feeds(articles, fallback))
        for link in self.directory.transcripts():
            plans.append(
                PlannedFeed(
                    link.path,
                    (link, fallback),
                    lambda link=link: self._transcripts_feed(link, fallback),
                )
            )
        return plans

    def _newest_posts(
        self, posts: Iterable[Any], limit: int | None, cache: dict
    ) -> Choice:
        """Choose the ``limit`` newest posts (all without a limit) for a feed.

        Ranked the way ``newest`` ranks entries (date, then id), so a 20-entry feed
        of a 5,000-post site renders 20 posts' HTML, not 5,000, and depends on
        those 20 only. Posts without an entry id come second, to be reported.
        """
        site = cache.get("site ranking")
        if site is None:
            site = cache["site ranking"] = self._ranked(
                self.context.get("articles", ()), cache
            )
        members = {id(post) for post in posts}
        places = site.places
        if not all(key in places for key in members):
            ranked = self._ranked(posts, cache)  # posts the site's list lacks
            return ranked.newest[:limit], ranked.unranked
        # The site's ranking, cut to this list: the same order, since no two
        # posts rank alike (an entry id is a post's own).
        chosen = []
        for post in site.newest:
            if id(post) in members:
                chosen.append(post)
                if len(chosen) == limit:
                    break
        unranked = tuple(post for post in posts if places[id(post)] is None)
        return tuple(chosen), unranked

    def _ranked(self, posts: Iterable[Any], cache: dict) -> Ranking:
        """Rank ``posts`` the way ``newest`` ranks entries: by date, then id."""
        ranked, unranked, places = [], [], {}
        for post in posts:
            key = ("rank", post.source_path)
            if key not in cache:
                try:  # no path for the message: making the feed reports it
                    cache[key] = (post.date, post_id(post, self.feeds, path=""))
                except ContentError:
                    cache[key] = None
            places[id(post)] = cache[key]
            if cache[key] is None:
                unranked.append(post)
            else:
                ranked.append((cache[key], post))
        ranked.sort(key=lambda pair: pair[0], reverse=True)
        return Ranking(tuple(post for _, post in ranked), tuple(unranked), places)

    def _post_item(self, article: Any, full: bool, cache: dict) -> FeedItem | None:
        """Return a post's entry, or None with the reason kept in ``cache``."""
        key = (article.source_path, full)
        if key not in cache:
            path = relative_source(article, self.settings)
            try:
                cache[key] = post_item(article, self.feeds, path=path, full=full)
            except ContentError as err:
                cache[key] = None
                cache[("error", article.source_path)] = err
        return cache[key]

    def _feed(self, link: FeedLink, items: tuple, fallback: datetime, *, page: str):
        return Feed(
            kind=link.kind,
            path=link.path,
            url=self.feeds.url(link.path),
            title=link.title,
            subtitle=plain_text(self.settings.get("SITESUBTITLE", "")),
            page_url=page,
            updated=latest(items, fallback),
            items=items,
            language=str(self.settings.get("DEFAULT_LANG", "") or ""),
            # RFC 4287 4.1.1: without AUTHOR, entries without one need the feed's.
            author=_site_author(self.settings) or Person(name=self.directory.sitename),
            stylesheet=self._stylesheet(link.kind),
        )

    def _stylesheet(self, kind: str) -> str:
        if not self.feeds.stylesheet or kind == "site_json":
            return ""
        # Browsers apply an XSL stylesheet only from the feed's own origin.
        return f"{self._base_path()}/{self.feeds.stylesheet}"

    def _base_path(self) -> str:
        return urlsplit(self.feeds.siteurl).path.rstrip("/")

    def _perspective_feeds(
        self, articles: list, fallback: datetime
    ) -> list[PlannedFeed]:
        if not has_perspectives(self.context):
            return []
        # Both families usually share a content mode: the items the site-wide feed
        # made are kept for the posts' own feeds, each taken once (memory).
        made: dict[tuple[str, bool], list[FeedItem]] = {}
        ordered = sorted(articles, key=lambda a: a.slug)
        self._post_feeds = []  # for the subscribe page, found once

        def items_of(
            article: Any, family_name: str, *, keep: bool
        ) -> list[FeedItem] | None:
            full = self.feeds.content[family_name] == "full"
            try:
                ref = post_id(article, self.feeds, path=article.source_path)
            except ContentError:
                return None  # reported with the post's own entry
            key = (article.source_path, full)
            items = made.get(key) if keep else made.pop(key, None)
            if items is None:
                items = perspective_items(
                    article, self.feeds, post_item_id=ref, full=full
                )
                if keep:
                    made[key] = items
            return items

        limit = self.feeds.limits["perspectives"]

        @functools.cache
        def choose() -> tuple[tuple[Any, int], ...]:
            """Return (post, index) of the newest perspectives: what the feed shows."""
            return tuple(newest_perspectives(ordered, self.feeds, limit))

        def everything(link: FeedLink) -> Feed:
            items = []
            if limit is None:
                for article in ordered:
                    items.extend(items_of(article, "perspectives", keep=True) or ())
            else:  # make the entries of the newest perspectives only
                for article, index in choose():
                    made_for_post = items_of(article, "perspectives", keep=True)
                    items.append(made_for_post[index])
            limited = newest(items, limit)
            return self._feed(link, limited, fallback, page=self.feeds.siteurl + "/")

        def everything_inputs(link: FeedLink) -> Any:
            if limit is None:
                return (link, articles, fallback)
            # Only the chosen posts are read: a change to another leaves it alone.
            return lambda: (link, choose(), fallback)

        def one_post(link: FeedLink, article: Any, page: str) -> Feed:
            items = items_of(article, "post_perspectives", keep=False) or []
            limited = newest(items, self.feeds.limits["post_perspectives"])
            return self._feed(link, limited, fallback, page=page)

        plans = [
            PlannedFeed(
                link.path,
                everything_inputs(link),
                lambda link=link: everything(link),
            )
            for link in self.directory.perspectives()
        ]
        for article in ordered:
            for link in self.directory.post(article):
                self._post_feeds.append(link)
                page = f"{self.feeds.url(article.url)}#perspectives"
                plans.append(
                    PlannedFeed(
                        link.path,
                        (link, article, page, fallback),
                        lambda link=link, article=article, page=page: one_post(
                            link, article, page
                        ),
                        follows_placement=True,
                    )
                )
        return plans

    def _transcripts_feed(self, link: FeedLink, fallback: datetime) -> Feed:
        full = self.feeds.content["transcripts"] == "full"
        items = []
        for page in self.context.get("transcripts", ()):
            try:
                items.append(transcript_item(page, self.feeds, full=full))
            except ContentError as err:
                logger.warning("%s (left out of the transcripts feed)", err)
        limited = newest(items, self.feeds.limits["transcripts"])
        index = self.settings.get("TRANSCRIPTS_INDEX_URL")
        page = self.feeds.url(index) if index else self.feeds.siteurl + "/"
        return self._feed(link, limited, fallback, page=page)


def _site_author(settings: dict[str, Any]) -> Person | None:
    name = plain_text(settings.get("AUTHOR", ""))
    return Person(name=name) if name else None
