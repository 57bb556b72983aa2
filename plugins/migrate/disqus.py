"""Disqus XML export: threads matched to posts by URL, comments threaded by parent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from plugins.migrate.markup import html_to_markdown
from plugins.migrate.model import CommentsFor, ImportedComment, Options, Record, Skipped
from plugins.migrate.siteindex import match_post
from plugins.migrate.values import email_hash, local_date
from plugins.migrate.xmlsafe import check_root, parse_tree, text_of

NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"


def _flag(element: etree._Element, name: str) -> bool:
    return (element.findtext(f"{NS}{name}") or "").strip().lower() == "true"


def _thread_post(
    thread: etree._Element, known: dict[str, str], url_map: dict[str, str]
) -> str:
    """Return the slug of a thread's post, from its link or else its identifier.

    Disqus's WordPress plugin names a thread ``"<post id> <guid>"`` (the guid is the
    ``?p=`` URL), which still finds the post when its permalink has changed.
    """
    link = (thread.findtext(f"{NS}link") or "").strip()
    identifier = (thread.findtext(f"{NS}id") or "").split()
    urls = [link, *(p for p in identifier if p.startswith(("http://", "https://")))]
    for url in urls:
        if url and (slug := match_post(url, known, url_map)):
            return slug
    return ""


def _comment(post: etree._Element, number: str, options: Options) -> ImportedComment:
    created = (post.findtext(f"{NS}createdAt") or "").strip()
    if not created:
        raise ValueError("no createdAt")
    parent = post.find(f"{NS}parent")
    author = post.find(f"{NS}author")
    name = username = email = link = ""
    if author is not None:
        name = (author.findtext(f"{NS}name") or "").strip()
        username = (author.findtext(f"{NS}username") or "").strip()
        email = author.findtext(f"{NS}email") or ""
        link = (author.findtext(f"{NS}link") or "").strip()
    body, _ = html_to_markdown(
        text_of(post.find(f"{NS}message")), breaks=False, shortcodes=False
    )
    return ImportedComment(
        source_id=number,
        author=name or username or "Anonymous",
        date=local_date(created, "UTC"),
        body=body,
        url=link,
        parent_id=(parent.get(DSQ_ID, "") if parent is not None else "").strip(),
        email_hash=email_hash(email, options.salt),
        private=(email,),
    )


def parse_disqus(
    path: Path, *, options: Options, known: dict[str, str]
) -> Iterator[Record]:
    """Yield each matched post's comments; threads no post matches are skipped."""
    root = parse_tree(path)
    check_root(root, f"{NS}disqus", what="a Disqus export (<disqus>)", path=str(path))
    threads: dict[str, str] = {}  # thread id -> post slug ("" when unmatched)
    links: dict[str, str] = {}
    for thread in root.iterfind(f"{NS}thread"):
        number = thread.get(DSQ_ID, "").strip()
        link = (thread.findtext(f"{NS}link") or "").strip()
        links[number] = link
        threads[number] = _thread_post(thread, known, options.url_map)
    by_post: dict[str, list[ImportedComment]] = {}
    for post in root.iterfind(f"{NS}post"):
        number = post.get(DSQ_ID, "").strip() or "?"
        record = f"comment {number}"
        if _flag(post, "isSpam"):
            yield Skipped(record=record, reason="spam")
            continue
        if _flag(post, "isDeleted"):
            yield Skipped(record=record, reason="deleted")
            continue
        thread_ref = post.find(f"{NS}thread")
        thread = thread_ref.get(DSQ_ID, "") if thread_ref is not None else ""
        if thread not in threads:
            yield Skipped(record=record, reason=f"unknown thread {thread!r}")
            continue
        if not threads[thread]:
            yield Skipped(
                record=f"{record} (thread {thread})",
                reason="no post matches its thread (add --map OLD_URL=SLUG):"
                f" {links[thread] or 'no link'}",
            )
            continue
        try:
            comment = _comment(post, number, options)
        except (ValueError, OverflowError) as err:
            yield Skipped(record=record, reason=f"unreadable: {err}")
            continue
        by_post.setdefault(threads[thread], []).append(comment)
    for slug in sorted(by_post):
        found = sorted(by_post[slug], key=lambda c: (c.date, c.source_id))
        yield CommentsFor(post_slug=slug, comments=tuple(found))


def looks_like_disqus(head: bytes) -> bool:
    """Tell a Disqus export from its first bytes."""
    return b"<disqus" in head
