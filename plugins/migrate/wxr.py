"""WordPress eXtended RSS (WXR 1.0, 1.1, 1.2): posts, pages, comments, attachments."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
import html
import re
from typing import BinaryIO
from urllib.parse import unquote

from lxml import etree

from plugins.migrate.markup import html_to_markdown
from plugins.migrate.model import (
    Attachment,
    ImportedComment,
    ImportedPost,
    MigrationError,
    Options,
    Record,
    Skipped,
)
from plugins.migrate.values import earlier_urls, email_hash, make_slug, wordpress_date
from plugins.migrate.xmlsafe import iter_elements, text_of

CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_EXPORT_NS = re.compile(r"^\{http://wordpress\.org/export/1\.[0-9]+/(excerpt/)?\}")
POST_TYPES = ("post", "page")
QUIET_TYPES = frozenset(
    {"nav_menu_item", "revision", "custom_css", "customize_changeset", "wp_block",
     "wp_template", "wp_template_part", "wp_global_styles", "wp_navigation",
     "oembed_cache", "user_request", "wp_font_family", "wp_font_face"}
)  # fmt: skip
DRAFT_STATUSES = frozenset({"draft", "pending", "private"})
# Pingbacks, trackbacks and the Webmention plugin's own comment type.
MENTION_TYPES = frozenset({"pingback", "trackback", "webmention"})
PUBLISHED_STATUSES = frozenset({"publish", "future"})


def _local(tag: str) -> str:
    """Return a WXR tag without its namespace (``wp:``/``excerpt:`` of any version)."""
    return _EXPORT_NS.sub("", tag) if _EXPORT_NS.match(tag) else tag


def _fields(element: etree._Element) -> dict[str, str]:
    """Return the first text of each WordPress child field, keyed by local name."""
    found: dict[str, str] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if _EXPORT_NS.match(child.tag):
            key = _local(child.tag)
            key = "excerpt" if child.tag.endswith("excerpt/}encoded") else key
            found.setdefault(key, text_of(child))
    return found


def plain_name(text: str) -> str:
    """Return a name WordPress stored HTML-escaped (``Food &amp; Drink``) as text.

    WordPress passes term names, comment authors and display names through
    ``_wp_specialchars`` before saving them, so the export holds ``&amp;``,
    ``&lt;`` and ``&gt;`` where the person typed ``&``, ``<`` and ``>``.
    """
    return html.unescape(text).strip()


def _terms(item: etree._Element) -> tuple[list[str], list[str]]:
    categories: dict[str, None] = {}
    tags: dict[str, None] = {}
    for element in item.iterfind("category"):
        name = plain_name(text_of(element))
        domain = element.get("domain", "category")
        if not name:
            continue
        if domain in {"post_tag", "tag"}:
            tags[name] = None
        elif domain == "category":
            categories[name] = None
    return list(categories), list(tags)


def _comment(
    element: etree._Element, post_id: str, options: Options
) -> ImportedComment | Skipped:
    fields = _fields(element)
    comment_id = fields.get("comment_id", "").strip() or "?"
    record = f"comment {comment_id} on post {post_id}"
    approved = fields.get("comment_approved", "").strip()
    if approved == "spam":
        return Skipped(record=record, reason="spam")
    if approved == "trash":
        return Skipped(record=record, reason="in the trash")
    if approved != "1" and not (options.pending and approved == "0"):
        return Skipped(record=record, reason="not approved (use --pending)")
    kind_text = fields.get("comment_type", "").strip()
    kind = "mention" if kind_text in MENTION_TYPES else "comment"
    try:
        date = wordpress_date(
            fields.get("comment_date", ""),
            fields.get("comment_date_gmt", ""),
            options.timezone,
        )
    except (ValueError, OverflowError) as err:
        return Skipped(record=record, reason=f"bad date: {err}")
    body, _unknown = html_to_markdown(fields.get("comment_content", ""))
    author = plain_name(fields.get("comment_author", ""))
    parent = fields.get("comment_parent", "").strip()
    return ImportedComment(
        source_id=comment_id,
        author=author or "Anonymous",
        date=date,
        body=body,
        url=fields.get("comment_author_url", "").strip(),
        parent_id="" if parent in {"", "0"} else parent,
        kind=kind,
        title=author if kind == "mention" else "",
        email_hash=email_hash(fields.get("comment_author_email", ""), options.salt),
        private=(
            fields.get("comment_author_email", ""),
            fields.get("comment_author_IP", ""),
        ),
    )


def _post(
    item: etree._Element,
    fields: dict[str, str],
    state: _State,
    options: Options,
) -> Iterator[Record]:
    post_id = fields.get("post_id", "").strip() or "?"
    post_type = fields.get("post_type", "post")
    status = fields.get("status", "publish").strip()
    record = f"{post_type} {post_id}"
    if status not in PUBLISHED_STATUSES | DRAFT_STATUSES:
        yield Skipped(record=record, reason=f"status {status!r}")
        return
    draft = status in DRAFT_STATUSES or bool(fields.get("post_password", "").strip())
    if draft and not options.drafts:
        yield Skipped(record=record, reason="draft or private (use --drafts)")
        return
    title = (item.findtext("title") or "").strip()
    date = wordpress_date(
        fields.get("post_date", ""), fields.get("post_date_gmt", ""), options.timezone
    )
    modified = None
    if fields.get("post_modified", "").strip():
        modified = wordpress_date(
            fields["post_modified"],
            fields.get("post_modified_gmt", ""),
            options.timezone,
        )
    slug = make_slug(unquote(fields.get("post_name", "").strip())) or make_slug(title)
    slug = slug or f"{post_type}-{post_id}"
    body, unknown = html_to_markdown(text_of(item.find(CONTENT)))
    summary, _ = html_to_markdown(fields.get("excerpt", ""))
    categories, tags = _terms(item)
    creator = (item.findtext(DC_CREATOR) or "").strip()
    is_page = post_type == "page"
    new_url = f"/{slug}/" if is_page else f"/{date:%Y}/{date:%m}/{slug}/"
    guid = (item.findtext("guid") or "").strip()
    # WordPress's own feeds use the guid as the entry id: keep it, once.
    feed_id = guid if guid not in state.guids else ""
    state.guids.add(guid)
    old = [item.findtext("link") or ""]
    if "?p=" in guid or "?page_id=" in guid:
        old.append(guid)
    comments = []
    for element in item.iterfind("{*}comment"):
        if not _EXPORT_NS.match(element.tag):
            continue
        result = _comment(element, post_id, options)
        if isinstance(result, Skipped):
            yield result
        else:
            comments.append(result)
    yield ImportedPost(
        source_id=f"{post_type} {post_id}",
        title=title,
        slug=slug,
        date=date,
        body=body,
        is_page=is_page,
        draft=draft,
        modified=modified if modified and modified > date else None,
        category=categories[0] if categories else "",
        tags=tuple(categories[1:] + tags),
        author=state.authors.get(creator, creator),
        summary=summary if fields.get("excerpt", "").strip() else "",
        earlier_urls=earlier_urls(old if status != "draft" else [], new_url),
        feed_id=feed_id,
        comments=tuple(sorted(comments, key=lambda c: (c.date, c.source_id))),
        unknown_shortcodes=tuple(unknown),
    )


def parse_wxr(handle: BinaryIO, *, path: str, options: Options) -> Iterator[Record]:
    """Yield every record of a WXR export, one ``<item>`` in memory at a time."""
    state = _State()
    try:
        yield from _items(handle, path, options, state)
    except MigrationError as err:
        if not state.slugs:
            raise
        # Records before the damage are good: keep them, and say where it stopped.
        yield Skipped(
            record=f"everything after line {err.line or '?'}",
            reason=f"not well-formed XML: {err.message}",
        )
    for url, parent, title in state.attachments:
        if url:
            yield Attachment(
                url=url, post_slug=state.slugs.get(parent.strip(), ""), title=title
            )


@dataclass(slots=True)
class _State:
    """What one parse remembers between items (small: names and ids only)."""

    authors: dict[str, str] = field(default_factory=dict)  # login -> display name
    attachments: list[tuple[str, str, str]] = field(default_factory=list)
    slugs: dict[str, str] = field(default_factory=dict)  # post id -> slug
    guids: set[str] = field(default_factory=set)  # feed ids already given


def _items(
    handle: BinaryIO, path: str, options: Options, state: _State
) -> Iterator[Record]:
    tags = ("item", "{*}author")
    for element in iter_elements(
        handle, tags, path=path, root="rss", what="a WordPress export (<rss>)"
    ):
        if element.tag != "item":
            if _EXPORT_NS.match(element.tag) and _local(element.tag) == "author":
                fields = _fields(element)
                login = fields.get("author_login", "").strip()
                name = plain_name(fields.get("author_display_name", ""))
                if login:
                    state.authors[login] = name or login
            continue
        fields = _fields(element)
        post_type = fields.get("post_type", "post").strip()
        post_id = fields.get("post_id", "").strip() or "?"
        if post_type == "attachment":
            url = fields.get("attachment_url", "").strip() or (
                element.findtext("guid") or ""
            )
            state.attachments.append(
                (
                    url.strip(),
                    fields.get("post_parent", "0"),
                    element.findtext("title") or "",
                )
            )
            # Readers comment on image pages too; say so rather than drop them.
            for comment in element.iterfind("{*}comment"):
                if _EXPORT_NS.match(comment.tag):
                    number = _fields(comment).get("comment_id", "").strip() or "?"
                    yield Skipped(
                        record=f"comment {number} on attachment {post_id}",
                        reason="on an attachment page, which is not imported",
                    )
            continue
        if post_type not in POST_TYPES:
            yield Skipped(
                record=f"{post_type} {post_id}",
                reason=f"not a post or page ({post_type})",
                quiet=post_type in QUIET_TYPES,
            )
            continue
        try:
            for record in _post(element, fields, state, options):
                if isinstance(record, ImportedPost):
                    state.slugs[post_id] = record.slug
                yield record
        except (ValueError, OverflowError) as err:
            yield Skipped(record=f"{post_type} {post_id}", reason=f"unreadable: {err}")


def looks_like_wxr(head: bytes) -> bool:
    """Tell a WXR export from its first bytes."""
    return b"<rss" in head and b"wordpress.org/export/" in head
