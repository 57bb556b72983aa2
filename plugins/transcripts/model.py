"""What a chat transcript is: plain frozen dataclasses every importer produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from plugins.common.pickling import pickled_by_values


@pickled_by_values
@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A file, image or link that came with a message."""

    url: str
    title: str = ""


@pickled_by_values
@dataclass(frozen=True, slots=True, kw_only=True)
class Reaction:
    """An emoji (or a platform's named reaction) and how many people used it."""

    emoji: str
    count: int


@pickled_by_values
@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One message of a chat.

    ``id`` is stable: the platform's own id where it has one, otherwise derived from
    time, author and text (see :func:`plugins.common.ids.stable_id`).
    """

    id: str
    author: str  # handle as the platform knows it, e.g. "ann" for @ann
    time: datetime  # timezone-aware
    text: str  # the message as written (Markdown-ish source markup kept)
    name: str = ""  # display name, when it differs from the handle
    reply_to: str | None = None  # id of the message this one answers
    attachments: tuple[Attachment, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    edited: bool = False
    kind: str = "message"  # "message", "action" (/me), or "system" (joins, renames)
    section: str | None = None  # title of the section heading the message falls under
    # 1-based line in the source file, kept for error messages (not compared).
    line: int = field(default=0, compare=False)


@pickled_by_values
@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """A heading inside a transcript, such as a hashtag chat's "Q1: ..."."""

    id: str  # anchor, stable across re-imports
    title: str
    first_message: str | None  # id of the first message under the heading


@pickled_by_values
@dataclass(frozen=True, slots=True, kw_only=True)
class Transcript:
    """A whole chat as stored in ``content/transcripts/<slug>.chat``."""

    slug: str
    title: str
    source: str  # where it came from: "slack", "discord", "hashtag-chat", ...
    messages: tuple[Message, ...]
    date: datetime | None = (
        None  # when the chat started (defaults to the first message)
    )
    channel: str = ""  # "#general", "#blogchat", a room name
    hosts: tuple[str, ...] = ()
    summary: str = ""
    status: str = "published"
    sections: tuple[Section, ...] = ()
    extra: tuple[tuple[str, str], ...] = field(default=())  # other header fields, kept
    # Relative to PATH, for error messages (not compared).
    source_path: str = field(default="", compare=False)
    # SHA-256 of the file it was parsed from, when it was (not compared).
    text_digest: str = field(default="", compare=False, repr=False)

    def __build_digest__(self) -> str | None:
        """Name this transcript by its file, which is all it was made from.

        A build's output ledger (plugins.performance) then need not read every
        message to see that the transcript is the one it saw last time.
        """
        return f"{self.source_path}\0{self.text_digest}" if self.text_digest else None
