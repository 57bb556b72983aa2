"""A Mastodon thread: a status and its context, as the API returns them.

``GET /api/v1/statuses/:id`` gives the status, ``GET /api/v1/statuses/:id/context``
gives ``{"ancestors": [...], "descendants": [...]}``. Pass both files (or a folder
or zip holding them, or one file ``{"status": ..., "context": ...}``). Content is
HTML: it becomes text with links kept; boosts and favourites become reactions.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
import re
from typing import Any

from plugins.common.errors import ContentError
from plugins.transcripts.importers.common import (
    About,
    Export,
    Hashtags,
    ImportOptions,
    count_of,
    expect,
    listing,
    mapping,
    parse_iso,
    safe_id,
    string,
    transcript_of,
)
from plugins.transcripts.importers.jsonstream import Field, Item, iter_document
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.model import Attachment, Message, Reaction, Transcript

NAME = "mastodon"
FAVOURITE, BOOST = "⭐", "🔁"


def detect(source: ExportSource) -> bool:
    """Say whether the source holds Mastodon API statuses."""
    for name in source.names:
        if not name.lower().endswith(".json"):
            continue
        head = source.head(name, 4096)
        if re.search(r'"(ancestors|descendants)"\s*:', head):
            return True
        if re.search(r'"account"\s*:', head) and re.search(
            r'"in_reply_to_id"\s*:', head
        ):
            return True
    return False


def read(source: ExportSource, options: ImportOptions) -> Export:
    """Read a status and its context, streaming the statuses arrays twice.

    The first pass checks every status id and notes the ids met twice (the first
    is kept); the second yields the messages one at a time, and what the header
    needs (the root's or earliest status's author, the hashtag) is noted on the way.
    """
    files = [(n, source.where(n)) for n in source.names if n.lower().endswith(".json")]
    seen: set[str] = set()
    twice: set[str] = set()
    combined: dict[str, bool] = {}
    groups: dict[str, list[str]] = {}  # file -> its groups of statuses, in file order
    for name, where in files:
        groups[name] = []
        for group, status, at, _root in _statuses(source, name, where, combined):
            if group not in groups[name]:
                groups[name].append(group)
            status_id = expect(
                status.get("id"), str, f"{at}.id: a status id", path=where
            )
            (twice if status_id in seen else seen).add(status_id)
    if not seen:
        raise ContentError(
            "expected a status or a context with ancestors/descendants, got none",
            path=source.label,
        )
    del seen
    header = _Header()

    def messages() -> Iterator[Message]:
        given: set[str] = set()  # of the ids in ``twice``, those already yielded
        for name, where in files:
            for status, at, is_root in _in_order(
                source, name, where, combined, groups[name]
            ):
                status_id = status["id"]
                if is_root:
                    header.rooted(status)
                if status_id in twice:
                    if status_id in given:
                        continue
                    given.add(status_id)
                message = _message(status, f"{where}: {at}", options)
                header.note(status, message)
                yield message

    def about() -> About:
        account = header.account()
        return About(
            source=NAME,
            title=f"Thread by @{string(account.get('acct'), 'unknown')}",
            channel=header.hashtags.main(),
            hosts=(string(account.get("acct"), "unknown"),),
            where=source.label,
        )

    return Export(messages(), about, source.label)


def parse(source: ExportSource, options: ImportOptions) -> Transcript:
    """Read the export into one transcript held in memory."""
    return transcript_of(read(source, options), options)


class _Header:
    """What the header needs of the statuses: the root, the earliest, hashtags."""

    def __init__(self) -> None:
        self.root: dict | None = None
        self.earliest: tuple[str, dict] | None = None  # (created_at, account)
        self.hashtags = Hashtags()

    def rooted(self, status: dict) -> None:
        """Note a status the thread is about (the first one counts)."""
        if self.root is None:
            self.root = mapping(status.get("account"))

    def note(self, status: dict, message: Message) -> None:
        """Note one status as it becomes a message."""
        account = mapping(status.get("account"))
        created = str(status.get("created_at"))
        if self.earliest is None or created < self.earliest[0]:
            self.earliest = (created, account)
        self.hashtags.add(message.text)

    def account(self) -> dict:
        """Return the account of the thread's root, or of its earliest status."""
        if self.root is not None:
            return self.root
        return self.earliest[1] if self.earliest else {}


ORDER = ("list", "status", "ancestors", "descendants", "single")  # as read
STREAMED = ("ancestors", "descendants", "context.ancestors", "context.descendants")
WHAT = "a status, a context or a list of statuses"


def _in_order(
    source: ExportSource,
    name: str,
    where: str,
    combined: dict[str, bool],
    groups: list[str],
) -> Iterator[tuple[dict, str, bool]]:
    """Yield (status, JSON path, is the root): the status, ancestors, descendants.

    A file that holds its groups in another order is read once per group.
    """
    ordered = sorted(groups, key=ORDER.index)
    for only in [None] if groups == ordered else ordered:
        for group, status, at, is_root in _statuses(
            source, name, where, combined, only
        ):
            if only is None or group == only:
                yield status, at, is_root


def _statuses(
    source: ExportSource,
    name: str,
    where: str,
    combined: dict[str, bool],
    only: str | None = None,
) -> Iterator[tuple[str, dict, str, bool]]:
    """Yield (group, status, JSON path, is the root) of one file, in file order.

    A file is a list of statuses, a context (``ancestors``/``descendants``), one
    status, or ``{"status", "context"}``: ``combined[name]`` says so once a first
    pass has seen the whole file (then arrays beside the two are not the thread's).
    """
    whole = combined.get(name, False)
    top: dict[str, Any] = {}
    inner: dict[str, Any] = {}  # the fields of "context"
    with source.open_text(name) as handle:
        events = iter_document(handle, path=where, streamed=STREAMED, expected=WHAT)
        for event in events:
            key = event.key
            group = key.removeprefix("context.")
            inside = group != key
            (inner if inside else top)[group] = (
                event.value if isinstance(event, Field) else None
            )
            if isinstance(event, Item) and not key:
                at = f"[{event.index}]"
                status = expect(event.value, dict, f"{at}: a status object", path=where)
                yield "list", status, at, False
            elif isinstance(event, Item) and (inside or not whole):
                at = f"{group}[{event.index}]"
                if only in {None, group}:
                    status = expect(
                        event.value, dict, f"{at}: a status object", path=where
                    )
                    yield group, _unboost(status), at, False
            elif group in {"ancestors", "descendants"} and (inside or not whole):
                expect(event.value, list, f"{group}: a list of statuses", path=where)
            elif key == "status" and isinstance(event.value, dict):
                yield "status", _unboost(event.value), "status", True
    combined[name] = "status" in top or "context" in top or bool(inner)
    context = top.get("context")
    if context and not isinstance(context, dict):
        expect(context, dict, "context: ancestors and descendants", path=where)
    data = inner if combined[name] else top
    if "ancestors" in data or "descendants" in data:
        return
    if "content" in data and "account" in data:
        yield "single", _unboost(data), "status", True


def _unboost(status: dict) -> dict:
    inner = status.get("reblog")
    return inner if isinstance(inner, dict) else status


def _message(status: dict, at: str, options: ImportOptions) -> Message:
    where, _, path = at.partition(": ")
    account = expect(
        status.get("account"), dict, f"{path}.account: an account object", path=where
    )
    when = options.localize(
        parse_iso(
            status.get("created_at"), f"{path}.created_at: an ISO time", path=where
        )
    )
    text = html_to_text(string(status.get("content")))
    spoiler = string(status.get("spoiler_text"))
    if spoiler:
        text = f"CW: {spoiler}\n\n{text}"
    reactions = []
    for emoji, key in ((FAVOURITE, "favourites_count"), (BOOST, "reblogs_count")):
        count = count_of(status.get(key))
        if count:
            reactions.append(Reaction(emoji=emoji, count=count))
    attachments = []
    for media in listing(status.get("media_attachments")):
        if isinstance(media, dict) and (media.get("url") or media.get("remote_url")):
            attachments.append(
                Attachment(
                    url=str(media.get("remote_url") or media.get("url")),
                    title=str(media.get("description") or media.get("type") or ""),
                )
            )
    card = status.get("card")
    if isinstance(card, dict) and card.get("url"):
        attachments.append(
            Attachment(url=str(card["url"]), title=string(card.get("title")))
        )
    reply = status.get("in_reply_to_id")
    handle = string(account.get("acct")) or string(account.get("username")) or "unknown"
    name = string(account.get("display_name"))
    return Message(
        id=safe_id(status["id"]),
        author=handle,
        name=name if name != handle else "",
        time=when,
        text=text or "(no text)",
        reply_to=safe_id(reply) if reply else None,
        attachments=tuple(attachments),
        reactions=tuple(reactions),
        edited=bool(status.get("edited_at")),
    )


class _Text(HTMLParser):
    """Mastodon's status HTML as text: paragraphs, line breaks, links kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.link: tuple[str, str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "p" and self.out:
            self.out.append("\n\n")
        elif tag == "br":
            (self.link[2] if self.link else self.out).append("\n")
        elif tag == "a" and self.link is None:
            self.link = (values.get("href") or "", values.get("class") or "", [])

    def handle_endtag(self, tag: str) -> None:
        if tag != "a" or self.link is None:
            return
        href, classes, parts = self.link
        self.link = None
        label = "".join(parts)
        if (
            "mention" in classes.split()
            or "hashtag" in classes.split()
            or label.startswith(("@", "#"))
        ):
            self.out.append(label)
        elif (
            not href
            or (label.rstrip("…") and href.startswith(label.rstrip("…")))
            or label.startswith("http")
        ):
            self.out.append(href or label)
        else:
            self.out.append(f"[{label}]({href})")

    def handle_data(self, data: str) -> None:
        (self.link[2] if self.link else self.out).append(data)


def html_to_text(html: str) -> str:
    """Return status HTML as plain text with Markdown links."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.out).strip()
