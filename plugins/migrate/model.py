"""What every format's parser yields: posts, comments, attachments and skips."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from plugins.common.errors import ContentError


class MigrationError(ContentError):
    """An export that cannot be read at all (as opposed to one bad record)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedComment:
    """One reader's comment (or pingback) as the export has it; never its email or IP.

    ``private`` holds the commenter's email and IP only so that the writer can remove
    them wherever the commenter typed them (a name that is an address, a signature).
    """

    source_id: str  # the export's own id, for threading and messages
    author: str
    date: datetime  # tz-aware
    body: str  # Markdown
    url: str = ""
    parent_id: str = ""  # source_id of the comment it answers, "" if none
    kind: str = "comment"  # "comment" or "mention" (pingback, trackback)
    title: str = ""  # the linking page's title, for mentions
    email_hash: str = ""  # salted hash, only when a salt was given
    private: tuple[str, ...] = field(default=(), repr=False)  # never written


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedPost:
    """One post or page, converted to Markdown, with its comments."""

    source_id: str
    title: str
    slug: str
    date: datetime  # tz-aware
    body: str  # Markdown
    is_page: bool = False
    draft: bool = False
    modified: datetime | None = None
    category: str = ""
    tags: tuple[str, ...] = ()
    author: str = ""
    summary: str = ""
    earlier_urls: tuple[str, ...] = ()  # site-relative paths of the old permalinks
    feed_id: str = ""  # the old feed's entry id, so subscribers see no repeats
    comments: tuple[ImportedComment, ...] = ()
    unknown_shortcodes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentsFor:
    """Comments on a post the export does not carry (Disqus, comment folders)."""

    post_slug: str
    comments: tuple[ImportedComment, ...]
    keep_ids: bool = False  # the source ids are file stems worth keeping


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A file the old blog hosted, listed so the author can fetch it."""

    url: str
    post_slug: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    """A record left out, and why (shown as a warning and in the summary)."""

    record: str  # "post 12", "comment 4411 on post 12", "thread 77"
    reason: str
    quiet: bool = False  # expected and uninteresting (menu items, revisions)


Record = ImportedPost | CommentsFor | Attachment | Skipped


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """What the user asked ``import-blog`` for."""

    drafts: bool = False
    posts: bool = True
    timezone: str = "UTC"
    url_map: dict[str, str] = field(default_factory=dict)
    salt: str = ""
    pending: bool = False  # also comments held for moderation (never spam)
    force: bool = False  # overwrite existing files that differ
    format: str = "auto"
