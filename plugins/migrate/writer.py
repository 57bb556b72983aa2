"""Write imported records into content/: posts, pages, perspectives, attachment list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import logging
import os
from pathlib import Path
import re
from typing import TextIO

from plugins.common import privacy
from plugins.common.errors import ContentError
from plugins.common.files import UnsafePathError, inside, safe_filename, write_atomic
from plugins.common.sanitize import safe_url, sanitize_inline
from plugins.migrate.model import (
    Attachment,
    CommentsFor,
    ImportedComment,
    ImportedPost,
    Skipped,
)
from plugins.migrate.values import make_slug
from plugins.perspectives.fileformat import format_perspective, parse_date, split_header

logger = logging.getLogger(__name__)

ATTACHMENTS_FILE = "migration-attachments.tsv"
_SPACE = re.compile(r"\s+")
_FEED_ID = re.compile(
    r"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"]+"
)  # a URI, as site_feeds takes
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Drop control characters (NUL and friends) an old database let through."""
    return _CONTROL.sub("", text or "")


@dataclass(slots=True)
class Summary:
    """What an import did, for the report at its end."""

    written: Counter[str] = field(default_factory=Counter)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # existing files left alone
    skipped: list[Skipped] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    def report(self, stream: TextIO) -> None:
        """Write the human summary: counts, then every skip with its reason."""
        for kind in ("posts", "pages", "drafts", "perspectives", "mentions"):
            stream.write(f"{kind + ':':14}{self.written[kind]} written\n")
        stream.write(f"{'unchanged:':14}{self.unchanged} already there\n")
        stream.write(f"{'attachments:':14}{len(self.attachments)} listed\n")
        if self.kept:
            stream.write(
                f"{'kept:':14}{len(self.kept)} existing files differ"
                " (not overwritten; use --force)\n"
            )
            for path in self.kept:
                stream.write(f"    {path}\n")
        stream.write(f"{'skipped:':14}{len(self.skipped)}\n")
        reasons = Counter(skip.reason.split(":")[0] for skip in self.skipped)
        for reason, count in sorted(reasons.items()):
            stream.write(f"    {count:>5}  {reason}\n")


def one_line(text: str) -> str:
    """Collapse ``text`` into one header-safe line."""
    return _SPACE.sub(" ", clean_text(text)).strip()


def html_line(text: str) -> str:
    """Return a title or summary as one line of markup Pelican may print unescaped.

    Markup is cut to inline formatting; text without any is kept as it was (a bare
    ``&`` is harmless, and re-imports must not change it).
    """
    return one_line(sanitize_inline(text) if "<" in text else text)


def list_item(text: str) -> str:
    """Return one item of a Pelican list field (tags, authors): no ``,`` or ``;``.

    Pelican prints these names unescaped, so ``<`` and ``>`` go too.
    """
    return one_line(re.sub(r"[,;<>]", " ", text))


def format_date(when: datetime) -> str:
    """Return ``when`` as the header date Pelican and the perspective reader take."""
    return when.isoformat(sep=" ", timespec="seconds")


def render_post(post: ImportedPost) -> str:
    """Return the Markdown file for one imported post or page."""
    title = html_line(post.title) or f"Untitled ({post.source_id})"
    lines = [f"Title: {title}", f"Date: {format_date(post.date)}"]
    if post.modified and post.modified != post.date:
        lines.append(f"Modified: {format_date(post.modified)}")
    if post.category and not post.is_page:
        lines.append(f"Category: {list_item(post.category)}")
    tags = [list_item(tag) for tag in post.tags if list_item(tag)]
    if tags and not post.is_page:
        lines.append(f"Tags: {', '.join(dict.fromkeys(tags))}")
    if post.author:
        lines.append(f"Author: {list_item(post.author)}")
    lines.append(f"Slug: {post.slug}")
    if post.summary:
        lines.append(f"Summary: {html_line(post.summary)}")
    if post.draft:
        lines.append("Status: draft")
    if post.earlier_urls:
        lines.append(f"Earlier-Urls: {', '.join(post.earlier_urls)}")
    if feed_id := _FEED_ID.fullmatch(one_line(post.feed_id)):
        lines.append(f"Feed-Id: {feed_id[0]}")
    body = clean_text(post.body) if post.body.strip() else "\n"
    return "\n".join(lines) + "\n\n" + body


def perspective_ids(
    comments: Iterable[ImportedComment], *, keep_ids: bool = False
) -> dict[str, str]:
    """Map each comment's source id to its perspective id (a sortable file stem)."""
    ids: dict[str, str] = {}
    for comment in comments:
        if keep_ids:
            stem = safe_filename(comment.source_id)
        else:
            who = make_slug(public_author(comment))[:40].strip("-") or "anonymous"
            source = safe_filename(comment.source_id, fallback="x")
            stem = f"{comment.date:%Y-%m-%d-%H%M}-{who}-{source}"
        ids[comment.source_id] = stem
    return ids


def public_author(comment: ImportedComment) -> str:
    """Return the name to publish: never the commenter's address, nor any email."""
    author = privacy.redact_name(one_line(comment.author), comment.private)
    return author if author and author != privacy.REDACTED else "Anonymous"


def render_perspective(
    comment: ImportedComment, *, source: str, in_reply_to: str = ""
) -> str:
    """Return the perspective file for one comment (never an email or IP).

    A commenter's URL is kept only when it is a safe http(s) URL; a mention
    without one becomes a plain comment, since the reader needs its source.
    """
    url = safe_url(one_line(privacy.redact(comment.url, comment.private))) or ""
    kind = comment.kind if url or comment.kind == "comment" else "comment"
    return format_perspective(
        author=public_author(comment),
        date=comment.date,
        body=privacy.redact(clean_text(comment.body), comment.private),
        url=url,
        in_reply_to=in_reply_to,
        kind=kind,
        title=privacy.redact(comment.title, comment.private)
        if kind == "mention"
        else "",
        source=source,
        avatar_hash=comment.email_hash,
    )


def _same_comment_key(comment: ImportedComment) -> tuple[str, str]:
    """Return what one comment has in every export: its minute (UTC) and author."""
    minute = f"{comment.date.astimezone(UTC):%Y-%m-%d %H:%M}"
    return minute, public_author(comment).casefold()


@dataclass(slots=True)
class Writer:
    """Write records under one content folder, counting what happened."""

    content: Path
    source_label: str  # "wordpress", "movabletype", ...
    force: bool = False
    summary: Summary = field(default_factory=Summary)
    claimed: dict[Path, str] = field(default_factory=dict)  # path -> record, this run

    def skip(self, record: str, reason: str, *, quiet: bool = False) -> None:
        """Record a skip and warn, naming the record."""
        log = logger.debug if quiet else logger.warning
        log("skipped %s: %s", record, reason)
        self.summary.skipped.append(Skipped(record=record, reason=reason, quiet=quiet))

    def _write(self, path: Path, text: str, kind: str, record: str = "") -> bool:
        if record:
            if path in self.claimed:
                self.skip(record, f"same file as {self.claimed[path]}: {path.name}")
                return False
            self.claimed[path] = record
        # One os.sync() in finish() instead of two fsyncs per file: an import of
        # 100,000 comments would otherwise spend its time waiting on the disk.
        if write_atomic(path, text, overwrite=self.force, durable=False):
            self.summary.written[kind] += 1
            logger.info("wrote %s", path)
        elif path.read_text(encoding="utf-8") == text:
            self.summary.unchanged += 1
        else:
            self.summary.kept.append(str(path.relative_to(self.content)))
        return True

    def post(self, post: ImportedPost, *, write_post: bool = True) -> None:
        """Write one post or page (when asked) and its comments."""
        slug = safe_filename(post.slug, fallback="")
        if not slug:
            self.skip(f"post {post.source_id}", "no usable slug")
            return
        if post.unknown_shortcodes:
            logger.warning(
                "%s (%s): shortcodes kept as text: %s",
                post.source_id,
                slug,
                ", ".join(post.unknown_shortcodes),
            )
        if write_post:
            try:
                if post.is_page:
                    path = inside(self.content, "pages", f"{slug}.md")
                else:
                    path = inside(
                        self.content, "posts", f"{post.date:%Y-%m-%d}-{slug}.md"
                    )
            except UnsafePathError as err:
                self.skip(f"post {post.source_id}", str(err))
                return
            kind = "drafts" if post.draft else "pages" if post.is_page else "posts"
            if not self._write(path, render_post(post), kind, f"post {post.source_id}"):
                return
        if post.comments:
            if post.is_page:
                for comment in post.comments:
                    self.skip(
                        f"comment {comment.source_id} on page {post.source_id}",
                        "comments on pages: perspectives belong to posts",
                    )
                return
            self.comments(CommentsFor(post_slug=slug, comments=post.comments))

    def comments(self, group: CommentsFor) -> None:
        """Write one post's comments as perspectives, threaded by their parents."""
        slug = safe_filename(group.post_slug, fallback="")
        if not slug:
            for comment in group.comments:
                self.skip(f"comment {comment.source_id}", "no usable post slug")
            return
        ids = perspective_ids(group.comments, keep_ids=group.keep_ids)
        folder = self.content / "perspectives" / slug
        others = self._from_other_sources(folder)
        copies = {}
        for comment in group.comments:
            other = others.get(_same_comment_key(comment))
            if other and not (folder / f"{ids[comment.source_id]}.md").exists():
                copies[comment.source_id] = other
                ids[comment.source_id] = other  # its replies thread under the copy
        for comment in group.comments:
            if copy := copies.get(comment.source_id):
                self.skip(
                    f"comment {comment.source_id} on {slug}",
                    f"already imported from another export: {copy}",
                )
                continue
            parent = ""
            if comment.parent_id:
                parent = ids.get(comment.parent_id, "")
                if not parent:
                    logger.warning(
                        "comment %s on %s: its parent %s is not imported;"
                        " kept as a top-level perspective",
                        comment.source_id,
                        slug,
                        comment.parent_id,
                    )
            if not comment.body.strip() and comment.kind == "comment":
                self.skip(f"comment {comment.source_id} on {slug}", "empty")
                continue
            try:
                path = inside(
                    self.content, "perspectives", slug, f"{ids[comment.source_id]}.md"
                )
            except UnsafePathError as err:
                self.skip(f"comment {comment.source_id}", str(err))
                continue
            text = render_perspective(
                comment,
                source=f"{self.source_label} {comment.kind} {comment.source_id}",
                in_reply_to=parent,
            )
            kind = "mentions" if comment.kind == "mention" else "perspectives"
            self._write(path, text, kind, f"comment {comment.source_id}")

    def _from_other_sources(self, folder: Path) -> dict[tuple[str, str], str]:
        """Map the perspectives another export wrote in ``folder`` to their stems.

        WordPress with the Disqus plugin keeps each comment in both places (synced
        both ways), so its WXR and its Disqus export hold the same comments.
        """
        found: dict[tuple[str, str], str] = {}
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else ():
            try:
                text = path.read_text("utf-8", "replace")
                fields = {f.key: f.value for f in split_header(text, path=str(path))[0]}
                date = parse_date(fields.get("date", ""), timezone="UTC")
            except (ContentError, ValueError, OverflowError):
                continue
            label = fields.get("source", "").split(" ", 1)[0]
            if label and label != self.source_label:
                key = (
                    f"{date.astimezone(UTC):%Y-%m-%d %H:%M}",
                    fields.get("author", ""),
                )
                found.setdefault((key[0], key[1].casefold()), path.stem)
        return found

    def add(
        self, record: ImportedPost | CommentsFor | Attachment | Skipped, *, posts: bool
    ) -> None:
        """Write any record a parser yields."""
        if isinstance(record, ImportedPost):
            self.post(record, write_post=posts)
        elif isinstance(record, CommentsFor):
            self.comments(record)
        elif isinstance(record, Attachment):
            self.summary.attachments.append(record)
        else:
            self.skip(record.record, record.reason, quiet=record.quiet)

    def finish(self) -> None:
        """Write the attachment list (sorted, so a re-import writes the same file)."""
        if self.summary.attachments:
            self._attachment_list()
        if sum(self.summary.written.values()):
            os.sync()

    def _attachment_list(self) -> None:
        rows = sorted(
            {(a.url, a.post_slug, one_line(a.title)) for a in self.summary.attachments}
        )
        text = "url\tpost\ttitle\n" + "".join("\t".join(row) + "\n" for row in rows)
        self._write(inside(self.content, ATTACHMENTS_FILE), text, "attachment lists")
