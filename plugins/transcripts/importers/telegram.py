"""Telegram Desktop "Export chat history" JSON (``result.json``).

Two shapes: one chat (``{"name", "type", "id", "messages": [...]}``, streamed
message by message) or the whole account (``{"chats": {"list": [...]}}``, where
``--channel`` names the chat). The account form also carries the owner's phone
number under ``personal_information``: it is never read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
import re
from typing import Any

from plugins.common.errors import ContentError
from plugins.transcripts.importers.common import (
    About,
    At,
    Export,
    Handles,
    ImportOptions,
    count_of,
    expect,
    from_epoch,
    handle_from_name,
    listing,
    mapping,
    message_object,
    phone_pseudonym,
    safe_id,
    string,
    transcript_of,
)
from plugins.transcripts.importers.jsonstream import Item, iter_object
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.model import Attachment, Message, Reaction, Transcript

NAME = "telegram"
JOIN_LEAVE = frozenset(
    {"join_group_by_link", "invite_members", "remove_members", "join_group_by_request"}
)
ACTIONS = {
    "create_group": "created the group",
    "create_channel": "created the channel",
    "edit_group_title": "changed the group name to",
    "edit_group_photo": "changed the group photo",
    "pin_message": "pinned a message",
    "migrate_to_supergroup": "upgraded the group",
    "phone_call": "called",
    "group_call": "started a voice chat",
    "invite_members": "added",
    "remove_members": "removed",
    "join_group_by_link": "joined by the invite link",
    "join_group_by_request": "joined",
}
MARKUP = {  # "*" for italics: "_" does not work inside a word ("@ann_" + italic)
    "bold": "**{}**",
    "italic": "*{}*",
    "strikethrough": "~~{}~~",
    "code": "`{}`",
    "underline": "{}",
    "spoiler": "{}",
}
BLOCKS = frozenset({"pre", "blockquote", "expandable_blockquote"})
NOT_INCLUDED = "(File not included"
# An account export lists the chats you are in, then those you have left.
CHAT_LISTS = ("chats.list", "left_chats.list")
STREAMED = ("messages", *CHAT_LISTS)
# The rest of an account export: never read (phone numbers, contact lists).
ACCOUNT_ONLY = frozenset(
    {"personal_information", "contacts", "frequent_contacts", "profile_pictures"}
)


def detect(source: ExportSource) -> bool:
    """Say whether the source is a Telegram Desktop JSON export."""
    names = [n for n in source.names if n.lower().endswith(".json")]
    if not names:
        return False
    head = source.head(names[0], 4096)
    if re.search(r'"chats"\s*:\s*\{', head) or re.search(
        r'"personal_information"\s*:', head
    ):
        return True
    return bool(
        re.search(
            r'"type"\s*:\s*"(personal_chat|private_group|private_supergroup|public_supergroup|private_channel|public_channel|bot_chat|saved_messages)"',
            head,
        )
        and re.search(r'"messages"\s*:', head)
    )


def read(source: ExportSource, options: ImportOptions) -> Export:
    """Read one Telegram chat, one message at a time."""
    names = [n for n in source.names if n.rsplit("/", 1)[-1] == "result.json"]
    names = names or [n for n in source.names if n.lower().endswith(".json")]
    if len(names) != 1:
        raise ContentError(
            f"expected one result.json, got {names or 'none'}", path=source.label
        )
    where = source.where(names[0])
    header: dict[str, Any] = {}
    name = names[0]

    def about() -> About:
        title = string(header.get("name")) or "Telegram chat"
        return About(source=NAME, title=title, channel=title, where=where)

    return Export(_read(source, name, header, options), about, where)


def _read(
    source: ExportSource, name: str, header: dict[str, Any], options: ImportOptions
) -> Iterator[Message]:
    where = source.where(name)
    handles = Handles()
    chats = _Chats(options, where)
    found = 0
    with source.open_text(name) as handle:
        events = iter_object(handle, path=where, streamed=STREAMED)
        for event in events:
            if isinstance(event, Item) and event.key in CHAT_LISTS:
                chat = chats.take(event)
                if chat is not None:
                    header.update({k: v for k, v in chat.items() if k != "messages"})
                    items = (
                        Item("messages", i, m, event.line)
                        for i, m in enumerate(listing(chat.get("messages")))
                    )
                    prefix = f"{event.key}[{event.index}]."
                    for message in _messages(items, where, options, handles, prefix):
                        found += 1
                        yield message
            elif isinstance(event, Item):
                for message in _messages([event], where, options, handles):
                    found += 1
                    yield message
            elif event.key in {"chats", "left_chats"}:
                expect(None, list, f"{event.key}.list: a list of chats", path=where)
            elif "." not in event.key and event.key not in ACCOUNT_ONLY:
                header[event.key] = event.value
    chats.check()
    if not header.get("name") and not found:
        raise ContentError(
            "expected a Telegram chat with 'messages', got none", path=where
        )


def parse(source: ExportSource, options: ImportOptions) -> Transcript:
    """Read the export into one transcript held in memory."""
    return transcript_of(read(source, options), options)


class _Chats:
    """Pick the one chat ``--channel`` names from a whole-account export."""

    def __init__(self, options: ImportOptions, where: str) -> None:
        self.wanted = options.channel.casefold()
        self.where = where
        self.names: list[str] = []
        self.chosen = 0

    def take(self, item: Item) -> dict | None:
        """Return the chat if it is the one asked for; forget it otherwise."""
        chat = mapping(item.value)
        name = string(chat.get("name")) or string(chat.get("id"))
        self.names.append(name)
        keys = {string(chat.get("name")).casefold(), string(chat.get("id"))}
        if not self.wanted or self.wanted not in keys:
            return None
        self.chosen += 1
        if self.chosen > 1:
            raise ContentError(
                f"expected --channel to name one chat, got several named {name!r}",
                path=self.where,
                line=item.line,
            )
        return chat

    def check(self) -> None:
        """Fail if this was an account export and no chat was chosen."""
        if self.names and not self.chosen:
            raise ContentError(
                "expected --channel to name one chat of this account export, "
                "one of: " + ", ".join(self.names),
                path=self.where,
            )


def _messages(
    items, where: str, options: ImportOptions, handles: Handles, prefix: str = ""
) -> Iterator[Message]:
    for item in items:
        message = _message(*message_object(item, where, prefix), options, handles)
        if message:
            yield message


def _when(
    raw: dict, key: str, at: str, spot: At, options: ImportOptions
) -> datetime | None:
    where, line = spot.path, spot.line or 0
    unix = raw.get(f"{key}_unixtime")
    if isinstance(unix, str | int) and (digits := str(unix)).isdigit():
        # int() refuses 4,300 digits; 20 are past year 9999 already.
        seconds = int(digits) if len(digits) <= 20 else 10**20  # noqa: PLR2004
        return from_epoch(seconds, options, path=where, line=line or None)
    value = raw.get(key)
    if value is None:
        return None
    expect(
        value,
        str,
        f"{at}.{key}: a time like '2024-05-01T14:03:00'",
        path=where,
        line=line,
    )
    try:
        return options.localize(datetime.fromisoformat(value))
    except ValueError:
        raise ContentError(
            f"expected {at}.{key}: a time like '2024-05-01T14:03:00', got {value!r}",
            path=where,
            line=line,
        ) from None


def _message(
    raw: dict, at: str, spot: At, options: ImportOptions, handles: Handles
) -> Message | None:
    where, line = spot.path, spot.line or 0
    kind = string(raw.get("type"), "message")
    action = string(raw.get("action"))
    if kind == "service" and action in JOIN_LEAVE and not options.keep_joins:
        return None
    message_id = expect(
        raw.get("id"), (int, str), f"{at}.id: a message id", path=where, line=line
    )
    when = _when(raw, "date", at, spot, options)
    if when is None:
        raise ContentError(
            f"expected {at}.date: a time, got none", path=where, line=line
        )
    who = raw.get("from") if kind != "service" else raw.get("actor")
    who_id = raw.get("from_id") if kind != "service" else raw.get("actor_id")
    display = str(who or "Deleted Account")
    handle = handles.get(str(who_id or display), handle_from_name(display))
    text = render_text(raw.get("text", ""), at, where, line)
    if kind == "service":
        text = _service_text(raw, action, text)
    attachments, placeholder = _media(raw)
    if not text and placeholder:
        text = placeholder
    forwarded = raw.get("forwarded_from")
    if isinstance(forwarded, str) and forwarded and kind != "service":
        text = f"(forwarded from {forwarded})\n{text}".strip()
    reply = raw.get("reply_to_message_id")
    return Message(
        id=safe_id(message_id),
        author=handle,
        name=display if display != handle else "",
        time=when,
        text=text,
        reply_to=safe_id(reply) if reply is not None else None,
        attachments=attachments,
        reactions=_reactions(raw),
        edited=bool(raw.get("edited") or raw.get("edited_unixtime")),
        kind="system" if kind == "service" else "message",
        line=line,
    )


def render_text(value: Any, at: str, where: str, line: int) -> str:
    """Return Telegram's ``text`` (a string, or a list of strings and entities)."""
    if isinstance(value, str):
        return value
    parts = expect(
        value,
        list,
        f"{at}.text: a string or a list of text parts",
        path=where,
        line=line,
    )
    pieces = []
    for index, part in enumerate(parts):
        if isinstance(part, str):
            pieces.append((False, part))
            continue
        expect(
            part,
            dict,
            f"{at}.text[{index}]: a string or an entity object",
            path=where,
            line=line,
        )
        block = string(part.get("type")) in BLOCKS and bool(string(part.get("text")))
        pieces.append((block, _entity(part)))
    out: list[str] = []
    for index, (block, piece) in enumerate(pieces):
        if block:  # code blocks and quotes stand on lines of their own
            after = pieces[index + 1][1] if index + 1 < len(pieces) else "\n"
            before = "\n" if out and not out[-1].endswith("\n") else ""
            out.append(before + piece + ("" if after.startswith("\n") else "\n"))
        else:
            out.append(piece)
    return "".join(out)


def _entity(part: dict) -> str:  # noqa: PLR0911 - one return per entity kind
    """Return one entity of Telegram's ``text`` list as Markdown."""
    text = string(part.get("text"))
    kind = string(part.get("type"))
    if kind == "text_link" and part.get("href"):
        return f"[{text}]({part['href']})"
    if kind == "mention_name":
        return "@" + text.lstrip("@")
    if kind == "phone":  # numbers never reach content/, as in WhatsApp exports
        return phone_pseudonym(text)
    if kind in BLOCKS and text:
        if kind == "pre":
            fence = "```" + string(part.get("language"))
            return f"{fence}\n{text.strip(chr(10))}\n```"
        return "\n".join(f"> {line}" for line in text.splitlines())
    if kind in MARKUP and text.strip():
        # Telegram's entities often take in a space; Markdown's markers must not.
        inner = text.strip()
        start, end = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        return start + MARKUP[kind].format(inner) + end
    return text


def _service_text(raw: dict, action: str, text: str) -> str:
    phrase = ACTIONS.get(action, action.replace("_", " "))
    title = raw.get("title")
    members = [str(m) for m in listing(raw.get("members")) if m]
    extra = f" {title}" if isinstance(title, str) and title else ""
    if members:  # "created the group Blog chat with Ann, Bo"; "added Ann, Bo"
        extra += (" with " if extra else " ") + ", ".join(members)
    return (f"{phrase}{extra}" + (f": {text}" if text else "")).strip()


def _media(raw: dict) -> tuple[tuple[Attachment, ...], str]:
    found = []
    placeholder = ""
    media_type = string(raw.get("media_type"))
    for key in ("photo", "file"):
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            continue
        label = media_type.replace("_", " ") or key
        if value.startswith(NOT_INCLUDED):
            placeholder = f"({label} not included in the export)"
            continue
        found.append(
            Attachment(
                url=value, title=str(raw.get("file_name") or value.rsplit("/", 1)[-1])
            )
        )
        placeholder = placeholder or f"({label})"
    if media_type == "sticker" and raw.get("sticker_emoji"):
        placeholder = str(raw["sticker_emoji"])
    return tuple(found), placeholder or _shared(raw)


def _shared(raw: dict) -> str:
    """Return what a message with no text shared: a poll, a place or a contact."""
    poll = mapping(raw.get("poll"))
    if poll:
        answers = [mapping(a) for a in listing(poll.get("answers"))]
        lines = [f"Poll: {string(poll.get('question'))}"]
        lines += [
            f"- {string(a.get('text'))} ({count_of(a.get('voters'))})" for a in answers
        ]
        return "\n".join(lines)
    place = mapping(raw.get("location_information"))
    if place or "location_information" in raw:
        name = " ".join(
            string(raw.get(k)) for k in ("place_name", "address") if raw.get(k)
        )
        where = ", ".join(string(place.get(k)) for k in ("latitude", "longitude"))
        return f"(location: {name or where or 'live'})"
    contact = mapping(raw.get("contact_information"))
    if contact:  # the phone number stays out
        name = " ".join(
            string(contact.get(k))
            for k in ("first_name", "last_name")
            if contact.get(k)
        )
        return f"(contact: {name or 'unnamed'})"
    return ""


def _reactions(raw: dict) -> tuple[Reaction, ...]:
    found = []
    for item in listing(raw.get("reactions")):
        if not isinstance(item, dict):
            continue
        emoji = item.get("emoji") or (
            ":custom:" if item.get("type") == "custom_emoji" else ""
        )
        count = item.get("count")
        if emoji and count_of(count):
            found.append(Reaction(emoji=string(emoji, "?"), count=count_of(count)))
    return tuple(found)
