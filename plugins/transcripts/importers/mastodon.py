"""A Mastodon thread: a status and its context, as the API returns them.

``GET /api/v1/statuses/:id`` gives the status, ``GET /api/v1/statuses/:id/context``
gives ``{"ancestors": [...], "descendants": [...]}``. Pass both files (or a folder
or zip holding them, or one file ``{"status": ..., "context": ...}``). Content is
HTML: it becomes text with links kept; boosts and favourites become reactions.
"""

from __future__ import annotations

from html.parser import HTMLParser
import json
import re
from typing import Any

from plugins.common.errors import ContentError
from plugins.transcripts.importers.common import (
    About,
    Export,
    ImportOptions,
    count_of,
    expect,
    listing,
    main_hashtag,
    mapping,
    parse_iso,
    safe_id,
    string,
    transcript_of,
)
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
    """Read a status and its context (one API response, held whole)."""
    statuses: dict[str, tuple[dict, str]] = {}
    root: dict | None = None
    for name in source.names:
        if not name.lower().endswith(".json"):
            continue
        where = source.where(name)
        data = _load(source, name, where)
        for status, at, is_root in _statuses(data, where):
            status_id = expect(
                status.get("id"), str, f"{at}.id: a status id", path=where
            )
            statuses.setdefault(status_id, (status, f"{where}: {at}"))
            if is_root and root is None:
                root = status
    if not statuses:
        raise ContentError(
            "expected a status or a context with ancestors/descendants, got none",
            path=source.label,
        )
    messages = [_message(status, at, options) for status, at in statuses.values()]
    first = root or min(
        (s for s, _ in statuses.values()), key=lambda s: str(s.get("created_at"))
    )
    account = mapping(first.get("account"))
    title = f"Thread by @{string(account.get('acct'), 'unknown')}"
    about = About(
        source=NAME,
        title=title,
        channel=main_hashtag(messages),
        hosts=(string(account.get("acct"), "unknown"),),
        where=source.label,
    )
    return Export(messages, lambda: about, about.where)


def parse(source: ExportSource, options: ImportOptions) -> Transcript:
    """Read the export into one transcript held in memory."""
    return transcript_of(read(source, options), options)


def _load(source: ExportSource, name: str, where: str) -> Any:
    try:
        with source.open_text(name) as handle:
            return json.load(handle)
    except json.JSONDecodeError as err:
        raise ContentError(
            f"expected JSON, got {err.msg.lower()}", path=where, line=err.lineno
        ) from None
    except UnicodeDecodeError as err:
        raise ContentError(
            f"expected UTF-8 text, got byte {err.object[err.start]:#x}", path=where
        ) from None


def _statuses(data: Any, where: str):
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield (
                expect(item, dict, f"[{index}]: a status object", path=where),
                f"[{index}]",
                False,
            )
        return
    expect(data, dict, "a status, a context or a list of statuses", path=where)
    if "status" in data or "context" in data:
        if isinstance(data.get("status"), dict):
            yield _unboost(data["status"]), "status", True
        data = data.get("context") or {}
    if "ancestors" in data or "descendants" in data:
        for key in ("ancestors", "descendants"):
            items = expect(
                data.get(key, []), list, f"{key}: a list of statuses", path=where
            )
            for index, item in enumerate(items):
                yield (
                    _unboost(
                        expect(
                            item, dict, f"{key}[{index}]: a status object", path=where
                        )
                    ),
                    f"{key}[{index}]",
                    False,
                )
        return
    if "content" in data and "account" in data:
        yield _unboost(data), "status", True


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
