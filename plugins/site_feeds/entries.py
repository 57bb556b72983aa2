"""Turn posts, perspectives and transcripts into clean, stable feed entries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
import functools
import html
import os
import re
from typing import Any
from urllib.parse import urljoin

import lxml.html
from markupsafe import Markup

from plugins.common.errors import ContentError
from plugins.common.sanitize import safe_url, xml_safe

from .model import Attribution, FeedItem, InReplyTo, Person, Replies
from .settings import FeedsSettings

URL_ATTRIBUTES = ("href", "src", "poster", "cite")
_TAG_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")


def plain_text(value: Any) -> str:
    """Return a title or name as plain, XML-safe text (tags stripped, entities read)."""
    return _plain(str(value or ""))


@functools.lru_cache(maxsize=1 << 14)
def _plain(text: str) -> str:
    # Each post's title is asked for by its feed, the subscribe page and its own
    # page's feed links: 15,000 times at 5,000 posts.
    return " ".join(xml_safe(Markup(text).striptags()).split())


def clean_text(value: Any) -> str:
    """Return plain text from outside (a name, a title) XML-safe, on one line."""
    return " ".join(xml_safe(str(value or "")).split())


def absolute_html(fragment: str, base: str) -> str:
    """Return ``fragment`` with every link and image source made absolute to ``base``.

    Characters XML 1.0 cannot carry are removed first, so the result always fits
    in a feed, whatever the source held.
    """
    text = xml_safe(str(fragment or ""))
    if not text.strip():
        return ""
    root = lxml.html.fragment_fromstring(text, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions carry no links
        for name in URL_ATTRIBUTES:
            value = element.get(name)
            if value is not None:
                element.set(name, urljoin(base, value.strip()))
        srcset = element.get("srcset")
        if srcset:
            element.set("srcset", _absolute_srcset(srcset, base))
    parts = [html.escape(root.text or "", quote=False)]
    parts.extend(
        lxml.html.tostring(child, encoding="unicode", method="html") for child in root
    )
    # The HTML parser turns character references such as &#1; into characters.
    return xml_safe("".join(parts))


def _absolute_srcset(srcset: str, base: str) -> str:
    candidates = []
    for candidate in srcset.split(","):
        words = candidate.split()
        if words:
            candidates.append(" ".join([urljoin(base, words[0]), *words[1:]]))
    return ", ".join(candidates)


def earlier_slugs(article: Any) -> list[str]:
    """Return the post's earlier slugs, oldest first, from ``Earlier-Slugs``."""
    value = getattr(article, "metadata", {}).get("earlier-slugs", "")
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    return [slug.strip() for slug in str(value or "").split(",") if slug.strip()]


def first_slug(article: Any) -> str:
    """Return the slug the post was first published under."""
    return (earlier_slugs(article) or [article.slug])[0]


def post_id(article: Any, settings: FeedsSettings, *, path: str) -> str:
    """Return a post's entry id: ``Feed-Id``, or a tag URI fixed when first published.

    The tag URI is built from the first slug and the publication date, so a new
    title, a renamed file (with ``Earlier-Slugs``) or a moved site keeps it.
    """
    override = getattr(article, "metadata", {}).get("feed-id")
    if override:
        value = xml_safe(str(override)).strip()
        if not _TAG_URI.match(value):
            raise ContentError(
                f"expected Feed-Id to be a URI such as 'tag:example.org,2024:post',"
                f" got {value!r}",
                path=path,
            )
        return value
    return f"tag:{settings.id_authority},{day(article.date)}:{first_slug(article)}"


def day(when: date) -> str:
    """Return ``when`` as ``%Y-%m-%d`` would (year unpadded, as the C library does).

    Without strftime: Pelican's dates format through Python code (6 us against
    0.5), and every post's id is asked for by every feed choosing its newest.
    """
    return f"{when.year}-{when.month:02d}-{when.day:02d}"


def relative_source(content: Any, settings: dict[str, Any]) -> str:
    """Return a content object's source path relative to PATH, for messages."""
    source = getattr(content, "source_path", "") or ""
    if source and os.path.isabs(source):
        return os.path.relpath(source, settings["PATH"])
    return str(source)


def post_item(
    article: Any,
    settings: FeedsSettings,
    *,
    path: str,
    full: bool,
) -> FeedItem:
    """Return the feed entry of one post."""
    link = settings.url(article.url)
    published = article.date
    updated = getattr(article, "modified", None) or published
    content = absolute_html(article.content, link) if full else ""
    summary = absolute_html(getattr(article, "summary", "") or "", link)
    # The reblog plugin puts the attribution in the body; feeds add the links.
    attribution = reblog_attribution(getattr(article, "reblog", None))
    return FeedItem(
        id=post_id(article, settings, path=path),
        title=plain_text(article.title) or first_slug(article),
        link=link,
        published=published,
        updated=max(updated, published),
        source_path=path,
        authors=tuple(
            Person(name=plain_text(author.name), url=settings.url(author.url))
            for author in getattr(article, "authors", ()) or ()
            if plain_text(author.name)
        ),
        content_html=content,
        summary_html=summary,
        categories=tuple(
            plain_text(term)
            for term in [getattr(article, "category", None), *_tags(article)]
            if term and plain_text(term)
        ),
        replies=post_replies(article, settings, link),
        attribution=attribution,
        language=clean_text(getattr(article, "lang", "")),
    )


def _tags(article: Any) -> list[Any]:
    return list(getattr(article, "tags", None) or ())


def post_replies(article: Any, settings: FeedsSettings, link: str) -> Replies | None:
    """Return where a post's discussion is, or None when it has none and is closed."""
    perspectives = tuple(getattr(article, "perspectives", ()) or ())
    count = getattr(article, "perspective_count", None)
    count = len(perspectives) if count is None else int(count)
    is_open = getattr(article, "discussion_open", False)
    # An open discussion with no way to join it shows no #perspectives section.
    if not (count or (is_open and getattr(article, "perspectives_shown", is_open))):
        return None
    feed = getattr(article, "perspectives_feed_url", "") or ""
    return Replies(
        count=count,
        page_url=f"{link}#perspectives",
        feed_url=settings.url(feed) if feed else "",
    )


def reblog_attribution(reblog: Any) -> Attribution | None:
    """Return where a reblogged post came from, or None for an original post."""
    url = safe_url(getattr(reblog, "url", None)) if reblog else None
    if not url:
        return None
    name = clean_text(getattr(reblog, "author", ""))
    return Attribution(
        url=url,
        title=clean_text(getattr(reblog, "title", "")),
        author=Person(
            name=name, url=safe_url(getattr(reblog, "author_url", None)) or ""
        )
        if name
        else None,
        via=safe_url(getattr(reblog, "via", None)) or "",
    )


def perspective_ids(article: Any, settings: FeedsSettings) -> dict[str, str]:
    """Return the entry id of each of a post's perspectives, by perspective id."""
    slug, authority = first_slug(article), settings.id_authority
    return {
        p.id: f"tag:{authority},{day(p.date)}:{slug}/perspectives/{p.id}"
        for p in getattr(article, "perspectives", ()) or ()
    }


def newest_perspectives(
    articles: Iterable[Any], settings: FeedsSettings, limit: int
) -> list[tuple[Any, int]]:
    """Return (post, index in its perspectives) of the ``limit`` newest perspectives.

    Ranked as ``newest`` ranks their entries (date, then entry id; ties in the
    order given), without making any entry; posts without an entry id are left
    out, as their perspectives' entries are. Entry ids are worked out only for
    perspectives as new as the ones shown (25,000 perspectives: 55 -> 15 ms).
    """
    by_date = sorted(
        (
            (perspective.date, order, article, index)
            for order, article in enumerate(articles)
            for index, perspective in enumerate(
                getattr(article, "perspectives", ()) or ()
            )
        ),
        key=lambda entry: entry[0],
        reverse=True,
    )
    usable: dict[int, dict[str, str] | None] = {}  # id(post) -> its entry ids

    def ids_of(article: Any) -> dict[str, str] | None:
        key = id(article)
        if key not in usable:
            try:
                post_id(article, settings, path=article.source_path)
                usable[key] = perspective_ids(article, settings)
            except ContentError:
                usable[key] = None
        return usable[key]

    chosen: list[tuple[Any, int]] = []
    start = 0
    while start < len(by_date) and len(chosen) < limit:
        date = by_date[start][0]
        end = start
        while end < len(by_date) and by_date[end][0] == date:
            end += 1
        ties = []  # one date: ranked by entry id, then in the order given
        for _, order, article, index in by_date[start:end]:
            ids = ids_of(article)
            if ids is not None:
                entry_id = ids[article.perspectives[index].id]
                ties.append((entry_id, -order, -index, article, index))
        ties.sort(key=lambda entry: entry[:3], reverse=True)
        chosen.extend((article, index) for *_, article, index in ties)
        start = end
    return chosen[:limit]


def perspective_items(
    article: Any, settings: FeedsSettings, *, post_item_id: str, full: bool
) -> list[FeedItem]:
    """Return the entries of a post's perspectives, oldest first."""
    link = settings.url(article.url)
    post_title = plain_text(article.title)
    perspectives = tuple(getattr(article, "perspectives", ()) or ())
    ids = perspective_ids(article, settings)
    anchors = {
        p.id: getattr(p, "anchor", "") or f"perspective-{p.id}" for p in perspectives
    }
    items = []
    for perspective in perspectives:
        anchor = anchors[perspective.id]
        author = clean_text(perspective.author) or "Anonymous"
        title = clean_text(getattr(perspective, "title", ""))
        parent = getattr(perspective, "in_reply_to", None)
        body = absolute_html(str(perspective.html), link)
        items.append(
            FeedItem(
                id=ids[perspective.id],
                title=title or f"{author} on \u201c{post_title}\u201d",
                link=f"{link}#{anchor}",
                published=perspective.date,
                updated=perspective.date,
                source_path=str(getattr(perspective, "source_path", "")),
                authors=(Person(name=author, url=safe_url(perspective.url) or ""),),
                content_html=body if full else "",
                summary_html="" if full else _shorten(body),
                in_reply_to=InReplyTo(ref=ids[parent], href=f"{link}#{anchors[parent]}")
                if parent in ids
                else InReplyTo(ref=post_item_id, href=link),
            )
        )
    return items


def _shorten(body: str, words: int = 60) -> str:
    text = plain_text(body)
    cut = text.split()
    short = " ".join(cut[:words]) + (" \u2026" if len(cut) > words else "")
    return f"<p>{html.escape(short)}</p>" if short else ""


def transcript_item(page: Any, settings: FeedsSettings, *, full: bool) -> FeedItem:
    """Return the feed entry of one transcript page."""
    link = settings.url(page.url)
    transcript = getattr(page, "transcript", None)
    messages = tuple(getattr(transcript, "messages", ()) or ())
    path = str(getattr(page, "source_path", "") or page.slug)
    published = page.date or getattr(page, "end", None)
    if published is None:
        raise ContentError("expected a Date or timed messages, got neither", path=path)
    updated = max(published, getattr(page, "end", None) or published)
    people = sorted(
        getattr(page, "participants", ()) or (),
        key=lambda person: (-person.count, person.handle),
    )
    summary = plain_text(getattr(page, "summary", ""))
    parts = [f"<p>{html.escape(summary)}</p>"] if summary else []
    if messages:
        who = ", ".join(
            f'<a href="{html.escape(settings.url(person.url))}">'
            f"{html.escape(clean_text(person.name))}</a> ({person.count})"
            for person in people
        )
        parts.append(f"<p>{len(messages)} messages" + (f", from {who}" if who else ""))
        parts[-1] += ".</p>"
    posts = list(getattr(page, "posts", ()) or ())
    if full and posts:
        links = "".join(
            f'<li><a href="{html.escape(settings.url(p.url))}">'
            f"{html.escape(plain_text(p.title))}</a></li>"
            for p in posts
        )
        parts.append(f"<p>Written about in:</p><ul>{links}</ul>")
    body = "".join(parts) or f"<p>{html.escape(clean_text(page.title))}</p>"
    return FeedItem(
        id=f"tag:{settings.id_authority},{published:%Y-%m-%d}:transcripts/{page.slug}",
        title=clean_text(page.title) or page.slug,
        link=link,
        published=published,
        updated=updated,
        source_path=path,
        authors=tuple(
            Person(name=clean_text(person.name), url=settings.url(person.url))
            for person in people[:20]
            if clean_text(person.name)
        ),
        content_html=body if full else "",
        summary_html="" if full else body,
    )


def newest(items: Iterable[FeedItem], limit: int | None) -> tuple[FeedItem, ...]:
    """Return ``items`` newest first (ties broken by id), at most ``limit`` of them."""
    ordered = sorted(items, key=lambda item: (item.published, item.id), reverse=True)
    return tuple(ordered[:limit])


def latest(items: Iterable[FeedItem], fallback: datetime) -> datetime:
    """Return when the newest of ``items`` changed, or ``fallback`` without items."""
    return max((item.updated for item in items), default=fallback)
