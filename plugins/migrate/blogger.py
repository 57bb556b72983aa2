"""Blogger's Atom export (classic and Takeout), read even when not well-formed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from lxml import etree

from plugins.migrate.markup import html_to_markdown
from plugins.migrate.model import (
    ImportedComment,
    ImportedPost,
    Options,
    Record,
    Skipped,
)
from plugins.migrate.values import earlier_urls, local_date, make_slug, slug_from_url
from plugins.migrate.xmlsafe import check_root, parse_tree, text_of

ATOM = "{http://www.w3.org/2005/Atom}"
THR = "{http://purl.org/syndication/thread/1.0}"
KIND_SCHEME = "http://schemas.google.com/g/2005#kind"
LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
GD = "{http://schemas.google.com/g/2005}"


def _kind(entry: etree._Element) -> str:
    for category in entry.iterfind(f"{ATOM}category"):
        if category.get("scheme") == KIND_SCHEME:
            return category.get("term", "").rsplit("#", 1)[-1]
    return (entry.findtext("{*}type") or "").strip().lower()


def _short_id(text: str) -> str:
    """Return the post or comment number of a Blogger id or feed URL."""
    text = text.strip().rstrip("/")
    if ".post-" in text:
        return text.rsplit(".post-", 1)[-1]
    return text.rsplit("/", 1)[-1]


def _link(entry: etree._Element, rel: str) -> str:
    for link in entry.iterfind(f"{ATOM}link"):
        if link.get("rel") == rel and link.get("href"):
            return link.get("href", "")
    return ""


def _status(entry: etree._Element) -> str:
    if (entry.findtext("{*}control/{*}draft") or "").strip().lower() == "yes":
        return "draft"
    status = (entry.findtext("{*}status") or "live").strip().lower()
    return {"live": "live", "draft": "draft", "scheduled": "live"}.get(status, status)


def _content_removed(entry: etree._Element) -> bool:
    """Tell a comment whose text Blogger replaced ("This comment has been removed")."""
    return any(
        prop.get("name") == "blogger.contentRemoved"
        and prop.get("value", "true").strip().lower() != "false"
        for prop in entry.iterfind(f"{GD}extendedProperty")
    )


def _date(entry: etree._Element, options: Options) -> tuple[datetime, datetime | None]:
    published = entry.findtext(f"{ATOM}published") or entry.findtext("{*}created")
    updated = entry.findtext(f"{ATOM}updated")
    if not published:
        raise ValueError("no published date")
    date = local_date(published, options.timezone)
    modified = local_date(updated, options.timezone) if updated else None
    return date, modified if modified and modified > date else None


def _title(element: etree._Element | None) -> str:
    """Return an entry's title as the HTML a post title is (Blogger's are text)."""
    title = text_of(element).strip()
    if element is not None and element.get("type", "text") == "text":
        title = title.replace("<", "&lt;").replace(">", "&gt;")
    return title


def _post(entry: etree._Element, number: str, options: Options) -> ImportedPost:
    date, modified = _date(entry, options)
    title = _title(entry.find(f"{ATOM}title"))
    url = _link(entry, "alternate")
    filename = (entry.findtext("{*}filename") or "").strip()
    slug = slug_from_url(url or filename) or make_slug(title) or f"post-{number}"
    body, _ = html_to_markdown(
        text_of(entry.find(f"{ATOM}content")), breaks=False, shortcodes=False
    )
    labels = [
        c.get("term", "").strip()
        for c in entry.iterfind(f"{ATOM}category")
        if c.get("scheme") == LABEL_SCHEME and c.get("term", "").strip()
    ]
    is_page = _kind(entry) == "page"
    new_url = f"/{slug}/" if is_page else f"/{date:%Y}/{date:%m}/{slug}/"
    return ImportedPost(
        source_id=f"post {number}",
        title=title,
        slug=slug,
        date=date,
        body=body,
        is_page=is_page,
        draft=_status(entry) == "draft",
        modified=modified,
        category=labels[0] if labels else "",
        tags=tuple(labels[1:]),
        author=(entry.findtext(f"{ATOM}author/{ATOM}name") or "").strip(),
        earlier_urls=earlier_urls([url or filename], new_url),
        # Blogger's feeds use the export's entry id ("tag:blogger.com,1999:...").
        feed_id=(entry.findtext(f"{ATOM}id") or "").strip(),
    )


def _comment(entry: etree._Element, options: Options) -> tuple[str, ImportedComment]:
    reply = entry.find(f"{THR}in-reply-to")
    post_ref = reply.get("ref", "") if reply is not None else ""
    post_ref = post_ref or entry.findtext("{*}parent") or ""
    if not post_ref.strip():
        raise ValueError("no post it replies to (thr:in-reply-to)")
    date, _ = _date(entry, options)
    # Classic exports link a reply to its parent; Takeout names it in inReplyTo.
    related = _link(entry, "related") or (entry.findtext("{*}inReplyTo") or "").strip()
    author = (entry.findtext(f"{ATOM}author/{ATOM}name") or "").strip()
    body, _ = html_to_markdown(
        text_of(entry.find(f"{ATOM}content")), breaks=False, shortcodes=False
    )
    comment = ImportedComment(
        source_id=_short_id(entry.findtext(f"{ATOM}id") or ""),
        author=author or "Anonymous",
        date=date,
        body=body,
        url=(entry.findtext(f"{ATOM}author/{ATOM}uri") or "").strip(),
        parent_id=_short_id(related) if related else "",
    )
    return _short_id(post_ref), comment


def parse_blogger(path: Path, *, options: Options) -> Iterator[Record]:
    """Yield the posts of a Blogger export, each with its comments."""
    root = parse_tree(path, recover=True)
    check_root(
        root, f"{ATOM}feed", what="a Blogger export (an Atom <feed>)", path=str(path)
    )
    posts: dict[str, ImportedPost] = {}
    comments: dict[str, list[ImportedComment]] = {}
    for index, entry in enumerate(root.iterfind(f"{ATOM}entry"), start=1):
        kind = _kind(entry)
        number = _short_id(entry.findtext(f"{ATOM}id") or "") or f"#{index}"
        if kind not in {"post", "page", "comment"}:
            yield Skipped(record=f"entry {number}", reason=f"kind {kind!r}", quiet=True)
            continue
        try:
            if kind == "comment":
                if _status(entry) not in {"live"}:
                    yield Skipped(record=f"comment {number}", reason="not live (spam?)")
                    continue
                if _content_removed(entry):
                    yield Skipped(record=f"comment {number}", reason="deleted")
                    continue
                post_number, comment = _comment(entry, options)
                comments.setdefault(post_number, []).append(comment)
                continue
            status = _status(entry)
            if status not in {"live", "draft"}:
                yield Skipped(record=f"{kind} {number}", reason=f"status {status!r}")
                continue
            if status == "draft" and not options.drafts:
                yield Skipped(record=f"{kind} {number}", reason="draft (use --drafts)")
                continue
            posts[number] = _post(entry, number, options)
        except (ValueError, OverflowError) as err:
            yield Skipped(record=f"{kind} {number}", reason=f"unreadable: {err}")
    for number in sorted(comments.keys() - posts.keys()):
        for comment in comments[number]:
            yield Skipped(
                record=f"comment {comment.source_id}",
                reason=f"its post {number} is not imported",
            )
    for number in sorted(posts, key=lambda n: (posts[n].date, n)):
        found = sorted(comments.get(number, ()), key=lambda c: (c.date, c.source_id))
        yield replace(posts[number], comments=tuple(found))


def looks_like_blogger(head: bytes) -> bool:
    """Tell a Blogger export from its first bytes."""
    return b"<feed" in head and (b"blogger" in head.lower())
