"""DiscordChatExporter JSON: one channel per file, ``{"guild", "channel", "messages"}``.

The ``messages`` array is streamed element by element (exports of busy servers
run to gigabytes); ``guild`` and ``channel`` come first in the file.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    listing,
    mapping,
    message_object,
    parse_iso,
    safe_id,
    string,
    transcript_of,
)
from plugins.transcripts.importers.jsonstream import Field, iter_object
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.model import Attachment, Message, Reaction, Transcript

NAME = "discord"
MESSAGE_TYPES = frozenset(
    {
        "Default",
        "Reply",
        "ThreadStarterMessage",
        "ChatInputCommand",
        "ContextMenuCommand",
    }
)
JOIN_LEAVE = frozenset(
    {"GuildMemberJoin", "RecipientAdd", "RecipientRemove", "ThreadMemberJoin"}
)
# DCE's "-p 10mb" writes "X.json", then "X [part 2].json", "X [part 3].json", ...
PART = re.compile(r"^(?P<base>.*) \[part (?P<number>\d+)\]\.json$", re.IGNORECASE)
MENTION = re.compile(r"<@!?(\d+)>")
CUSTOM_EMOJI = re.compile(r"<a?(:\w+:)\d+>")


def detect(source: ExportSource) -> bool:
    """Say whether the source is a DiscordChatExporter JSON file."""
    names = _json_files(source)
    if not names:
        return False
    head = source.head(names[0], 4096)
    return bool(re.search(r'"guild"\s*:', head) and re.search(r'"channel"\s*:', head))


def _json_files(source: ExportSource) -> list[str]:
    return [n for n in source.names if n.lower().endswith(".json")]


def _pick(source: ExportSource, options: ImportOptions) -> list[str]:
    """Return the file of the channel asked for, with its partitions in order."""
    names = _json_files(source)
    exports = _with_parts(names)
    if len(exports) == 1:
        return next(iter(exports.values()))
    wanted = options.channel.lstrip("#").casefold()
    chosen = [n for n in exports if wanted and wanted in n.casefold()]
    if len(chosen) == 1:
        return exports[chosen[0]]
    raise ContentError(
        f"expected one DiscordChatExporter .json file (or --channel to pick one of "
        f"{', '.join(names)}), got {len(chosen) or len(names)} matches",
        path=source.label,
    )


def _with_parts(names: list[str]) -> dict[str, list[str]]:
    """Return each export file with its partitions, in part order."""
    parts: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        match = PART.match(name)
        base = f"{match['base']}.json" if match else name
        parts.setdefault(base, []).append((int(match["number"]) if match else 1, name))
    return {base: [n for _, n in sorted(found)] for base, found in parts.items()}


def read(source: ExportSource, options: ImportOptions) -> Export:
    """Read a DiscordChatExporter JSON export (all its parts), a message at a time."""
    names = _pick(source, options)
    where = source.where(names[0])
    header: dict[str, Any] = {}

    def messages() -> Iterator[Message]:
        handles = Handles()
        for name in names:
            with source.open_text(name) as handle:
                events = iter_object(handle, path=source.where(name))
                yield from _messages(
                    events, header, source.where(name), options, handles
                )

    return Export(messages(), lambda: _about(header, where), where)


def _about(header: dict[str, Any], where: str) -> About:
    guild = mapping(header.get("guild"))
    channel = mapping(header.get("channel"))
    channel_name = string(channel.get("name"))
    title = " / ".join(
        x
        for x in (
            string(guild.get("name")),
            f"#{channel_name}" if channel_name else "",
        )
        if x
    )
    return About(
        source=NAME,
        title=title,
        channel=f"#{channel_name}" if channel_name else "",
        summary=string(channel.get("topic")),
        where=where,
    )


def parse(source: ExportSource, options: ImportOptions) -> Transcript:
    """Read the export into one transcript held in memory."""
    return transcript_of(read(source, options), options)


def _messages(
    events, header: dict, where: str, options: ImportOptions, handles: Handles
) -> Iterator[Message]:
    for event in events:
        if isinstance(event, Field):
            header[event.key] = event.value
            continue
        message = _message(*message_object(event, where), options, handles)
        if message:
            yield message


def _message(
    raw: dict, at: str, spot: At, options: ImportOptions, handles: Handles
) -> Message | None:
    where, line = spot.path, spot.line or 0
    kind_name = string(raw.get("type")) or "Default"
    if kind_name in JOIN_LEAVE and not options.keep_joins:
        return None
    message_id = expect(
        raw.get("id"), (str, int), f"{at}.id: a message id", path=where, line=line
    )
    when = options.localize(
        parse_iso(
            raw.get("timestamp"), f"{at}.timestamp: an ISO time", path=where, line=line
        )
    )
    author = mapping(raw.get("author"))
    handle = handles.get(
        str(author.get("id") or author.get("name") or "unknown"),
        str(author.get("name") or "unknown"),
    )
    nickname = string(author.get("nickname"))
    text = _text(string(raw.get("content")) or _embed_text(raw), raw)
    kind = "message" if kind_name in MESSAGE_TYPES else "system"
    if kind == "system" and not text:
        text = re.sub(r"(?<!^)([A-Z])", r" \1", kind_name).lower()
    reference = mapping(raw.get("reference"))
    reply = reference.get("messageId")
    return Message(
        id=safe_id(message_id),
        author=handle,
        name=nickname if nickname != handle else "",
        time=when,
        text=text,
        reply_to=safe_id(reply) if reply else None,
        attachments=_attachments(raw),
        reactions=_reactions(raw, at, where, line),
        edited=bool(raw.get("timestampEdited")),
        kind=kind,
        line=line,
    )


def _text(content: str, raw: dict) -> str:
    names = {
        str(m.get("id")): str(m.get("name") or m.get("nickname") or "")
        for m in listing(raw.get("mentions"))
        if isinstance(m, dict)
    }
    content = MENTION.sub(
        lambda m: "@" + (names.get(m.group(1)) or m.group(1)), content
    )
    return CUSTOM_EMOJI.sub(r"\1", content)


def _embed_text(raw: dict) -> str:
    """Return what a bot said in its embeds when the message has no content.

    Webhooks (GitHub, feeds, moderation bots) post only embeds: a title (linked,
    it becomes an attachment), a description and ``name: value`` fields.
    """
    parts = []
    for embed in map(mapping, listing(raw.get("embeds"))):
        if not embed.get("url"):
            parts.append(string(embed.get("title")))
        parts.append(string(embed.get("description")))
        for field in map(mapping, listing(embed.get("fields"))):
            name, value = string(field.get("name")), string(field.get("value"))
            parts.append(f"{name}: {value}" if name and value else name or value)
    return "\n".join(p for p in parts if p.strip())


def _reactions(raw: dict, at: str, where: str, line: int) -> tuple[Reaction, ...]:
    found = []
    for index, item in enumerate(listing(raw.get("reactions"))):
        expect(
            item, dict, f"{at}.reactions[{index}]: a reaction", path=where, line=line
        )
        emoji = mapping(item.get("emoji"))
        name = str(emoji.get("name") or emoji.get("code") or "?")
        if emoji.get("id"):  # a server's own emoji: its name, not a picture
            name = f":{emoji.get('code') or name}:"
        count = item.get("count")
        count = count_of(count) or 1
        found.append(Reaction(emoji=name, count=count))
    return tuple(found)


def _attachments(raw: dict) -> tuple[Attachment, ...]:
    found = []
    for item in listing(raw.get("attachments")):
        if isinstance(item, dict) and item.get("url"):
            found.append(
                Attachment(url=str(item["url"]), title=string(item.get("fileName")))
            )
    for item in listing(raw.get("embeds")):
        if isinstance(item, dict) and item.get("url"):
            found.append(
                Attachment(url=str(item["url"]), title=string(item.get("title")))
            )
    for item in listing(raw.get("stickers")):
        if isinstance(item, dict) and item.get("sourceUrl"):
            found.append(
                Attachment(
                    url=str(item["sourceUrl"]), title=str(item.get("name") or "sticker")
                )
            )
    return tuple(found)
