"""Slack workspace exports, as a zip or as its folder.

An export holds ``channels.json``, ``users.json`` and one
``<channel>/<YYYY-MM-DD>.json`` file per channel per day.

Each day file is read whole (it is one day of one channel) and dropped before
the next, so memory follows the busiest day. Newer exports no longer list a
thread's ``replies``: threads are rebuilt from every message's ``thread_ts``.
Profile emails in ``users.json`` are never read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
import json
import logging
import re
from typing import Any

from plugins.common.errors import ContentError
from plugins.transcripts.importers.common import (
    About,
    At,
    Export,
    ImportOptions,
    expect,
    from_epoch,
    listing,
    mapping,
    safe_id,
    string,
    transcript_of,
)
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.model import Attachment, Message, Reaction, Transcript

NAME = "slack"
logger = logging.getLogger(__name__)

DAY_FILE = re.compile(r"^(?P<channel>[^/]+)/\d{4}-\d{2}-\d{2}\.json$")
TS = re.compile(r"^\d{9,11}(\.\d{1,6})?$")
TOKEN = re.compile(r"<([^<>|\s][^<>|]*)(?:\|([^<>]*))?>")
JOIN_LEAVE = frozenset({"channel_join", "channel_leave", "group_join", "group_leave"})
SYSTEM = frozenset(
    {
        "channel_topic", "channel_purpose", "channel_name", "channel_archive",
        "channel_unarchive", "group_topic", "group_purpose", "group_name",
        "group_archive", "group_unarchive", "pinned_item", "unpinned_item",
        "channel_convert_to_private", "channel_convert_to_public", "tombstone",
    }
)  # fmt: skip
MAX_DEPTH = 8  # of rich text nested in rich text; deeper is left out
NOT_MESSAGES = frozenset({"message_deleted", "message_changed", "message_replied"})
# The reactions people use most, by Slack's short name; others keep ":name:".
EMOJI = {
    "+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎", "heart": "❤️",
    "joy": "😂", "laughing": "😆", "smile": "😄", "slightly_smiling_face": "🙂",
    "tada": "🎉", "clap": "👏", "eyes": "👀", "fire": "🔥", "rocket": "🚀",
    "pray": "🙏", "100": "💯", "white_check_mark": "✅", "heavy_check_mark": "✔️",
    "raised_hands": "🙌", "thinking_face": "🤔", "wave": "👋", "star": "⭐",
    "bulb": "💡", "muscle": "💪", "ok_hand": "👌", "sob": "😭", "sparkles": "✨",
}  # fmt: skip


def detect(source: ExportSource) -> bool:
    """Say whether the source is laid out like a Slack export."""
    if source.has("channels.json") or source.has("users.json"):
        return True
    return any(DAY_FILE.match(name) for name in source.names[:50])


def read(source: ExportSource, options: ImportOptions) -> Export:
    """Read one channel of a Slack export, a day file at a time."""
    users = _users(source)
    channels = _channels(source)
    folder = _pick_channel(source, options, channels)
    info = channels.get(folder, {})
    days = [
        n
        for n in source.names
        if n.startswith(folder + "/") and n.endswith(".json") and _wanted(n, options)
    ]
    about = About(
        source=NAME,
        title=f"#{folder}",
        channel=f"#{folder}",
        summary=_text_of(info.get("purpose")) or _text_of(info.get("topic")),
        where=source.where(days[0]) if days else source.label,
    )
    return Export(
        _messages(source, days, users, channels, options), lambda: about, about.where
    )


def parse(source: ExportSource, options: ImportOptions) -> Transcript:
    """Read the export into one transcript held in memory."""
    return transcript_of(read(source, options), options)


def _wanted(name: str, options: ImportOptions) -> bool:
    """Say whether a day file can hold messages inside --since/--until.

    Day files are cut at midnight in some zone; a day's margin covers any of them,
    and the exact times are checked per message.
    """
    match = DAY_FILE.match(name)
    if not match or not (options.since or options.until):
        return True
    try:
        day = date.fromisoformat(name[-len("2024-05-01.json") : -len(".json")])
    except ValueError:
        return True  # not a real date: read it, and let its messages decide
    if options.since and day < options.since.date() - timedelta(days=1):
        return False
    return not (options.until and day > options.until.date() + timedelta(days=1))


def _text_of(value: Any) -> str:
    return string(value.get("value")) if isinstance(value, dict) else ""


def _load(source: ExportSource, name: str) -> Any:
    where = source.where(name)
    try:
        with source.open_text(name) as handle:
            return json.load(handle)
    except json.JSONDecodeError as err:
        raise ContentError(
            f"expected JSON, got {err.msg.lower()}", path=where, line=err.lineno
        ) from None
    except UnicodeDecodeError:
        raise ContentError("expected UTF-8 JSON, got other bytes", path=where) from None


def _users(source: ExportSource) -> dict[str, tuple[str, str]]:
    """Return user id -> (handle, display name); emails are left where they are."""
    found: dict[str, tuple[str, str]] = {}
    if not source.has("users.json"):
        return found
    where = source.where("users.json")
    records = expect(_load(source, "users.json"), list, "a list of users", path=where)
    for index, record in enumerate(records):
        expect(record, dict, f"a user object at [{index}]", path=where)
        user_id = expect(record.get("id"), str, f"[{index}].id: a user id", path=where)
        profile = mapping(record.get("profile"))
        handle = str(record.get("name") or user_id)
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or record.get("real_name")
            or ""
        )
        found[user_id] = (handle, str(name))
    return found


def _channels(source: ExportSource) -> dict[str, dict]:
    """Return channel folder name -> channel record, from every channel list."""
    found: dict[str, dict] = {}
    for index_file in ("channels.json", "groups.json", "mpims.json"):
        if not source.has(index_file):
            continue
        where = source.where(index_file)
        records = expect(
            _load(source, index_file), list, "a list of channels", path=where
        )
        for index, record in enumerate(records):
            expect(record, dict, f"a channel object at [{index}]", path=where)
            name = record.get("name") or record.get("id")
            if isinstance(name, str):
                found[name] = record
    return found


def _pick_channel(
    source: ExportSource, options: ImportOptions, channels: dict[str, dict]
) -> str:
    folders = sorted({m["channel"] for n in source.names if (m := DAY_FILE.match(n))})
    wanted = options.channel.lstrip("#")
    if wanted:
        if wanted in folders:
            return wanted
        by_id = {str(r.get("id")): name for name, r in channels.items()}
        if by_id.get(wanted) in folders:
            return by_id[wanted]
        raise ContentError(
            f"expected --channel to be one of {', '.join(folders) or '(none)'}, "
            f"got {options.channel!r}",
            path=source.label,
        )
    if len(folders) == 1:
        return folders[0]
    raise ContentError(
        "expected --channel NAME for an export with several channels, "
        f"one of: {', '.join(folders) or '(no channel folders found)'}",
        path=source.label,
    )


def _messages(
    source: ExportSource,
    days: list[str],
    users: dict[str, tuple[str, str]],
    channels: dict[str, dict],
    options: ImportOptions,
) -> Iterator[Message]:
    channel_names = {str(r.get("id")): name for name, r in channels.items()}
    for day in days:
        where = source.where(day)
        records = expect(_load(source, day), list, "a list of messages", path=where)
        for index, record in enumerate(records):
            expect(record, dict, f"a message object at [{index}]", path=where)
            message = _message(
                record, At(where, text=f"[{index}]"), users, channel_names, options
            )
            if message:
                yield message


def _message(
    raw: dict,
    spot: At,
    users: dict[str, tuple[str, str]],
    channel_names: dict[str, str],
    options: ImportOptions,
) -> Message | None:
    where, at = spot.path, spot.text  # the day file and the record's JSON path
    if string(raw.get("type"), "message") != "message":
        return None
    subtype = string(raw.get("subtype"))
    if subtype in NOT_MESSAGES or (subtype in JOIN_LEAVE and not options.keep_joins):
        return None
    ts = raw.get("ts")
    if not isinstance(ts, str) or not TS.match(ts):
        expect(
            None,
            str,
            f"{at}.ts: a Slack time stamp like '1714651200.123456'",
            path=where,
        )
    kind = "message"
    if subtype in JOIN_LEAVE or subtype in SYSTEM:
        kind = "system"
    elif subtype == "me_message":
        kind = "action"
    handle, name = _author(raw, users)
    text = string(raw.get("text")) or _attachment_text(raw) or _block_text(raw)
    text = resolve_tokens(text, users, channel_names)
    thread = raw.get("thread_ts")
    reply_to = safe_id(thread) if isinstance(thread, str) and thread != ts else None
    return Message(
        id=safe_id(ts),
        author=handle,
        name=name if name != handle else "",
        time=from_epoch(float(ts), options),
        text=text,
        reply_to=reply_to,
        attachments=_attachments(raw),
        reactions=_reactions(raw, at, where),
        edited=isinstance(raw.get("edited"), dict),
        kind=kind,
    )


def _author(raw: dict, users: dict[str, tuple[str, str]]) -> tuple[str, str]:
    user = string(raw.get("user"))
    if user in users:
        return users[user]
    profile = mapping(raw.get("user_profile"))
    bot = mapping(raw.get("bot_profile"))
    handle = str(
        profile.get("name")
        or raw.get("username")
        or bot.get("name")
        or user
        or raw.get("bot_id")
        or "unknown"
    )
    name = str(profile.get("display_name") or profile.get("real_name") or "")
    return handle, name


def resolve_tokens(
    text: str, users: dict[str, tuple[str, str]], channels: dict[str, str]
) -> str:
    """Turn Slack's ``<@U1>``, ``<#C1|name>`` and ``<url|label>`` into plain text."""

    def token(match: re.Match) -> str:  # noqa: PLR0911 - one return per token kind
        target, label = match.group(1), match.group(2)
        if target.startswith(("@U", "@W", "@B")):
            user = users.get(target[1:])
            return "@" + (user[0] if user else (label or target[1:]).lstrip("@"))
        if target.startswith("#C") or target.startswith("#G"):
            return "#" + (label or channels.get(target[1:], target[1:]))
        if target.startswith("!"):
            keyword = target[1:].split("^", 1)[0]
            if keyword in {"here", "channel", "everyone"}:
                return "@" + keyword
            return label or "@" + keyword
        if target.startswith("mailto:"):
            return label or target[len("mailto:") :]
        if label and label != target:
            return f"[{label}]({target})"
        return target

    resolved = TOKEN.sub(token, text)
    return resolved.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _attachment_text(raw: dict) -> str:
    """Return what a bot said in its attachments when its own text is empty.

    Integrations (GitHub, Jira, RSS feeds) often post ``"text": ""`` with the words in
    legacy attachments: ``pretext`` above, ``text`` inside, ``fallback`` for both
    (the ``title`` and its link become the message's attachment).
    """
    parts = []
    for item in listing(raw.get("attachments")):
        if not isinstance(item, dict):
            continue
        said = [string(item.get(k)) for k in ("pretext", "text") if item.get(k)]
        parts.extend(said or [string(item.get("fallback"))])
    return "\n".join(p for p in parts if p)


def _block_text(raw: dict) -> str:
    """Return the words of an app's Block Kit message that left ``text`` empty."""
    lines = []
    for block in map(mapping, listing(raw.get("blocks"))):
        kind = string(block.get("type"))
        if kind in {"section", "header"}:
            parts = [
                mapping(block.get("text")),
                *map(mapping, listing(block.get("fields"))),
            ]
        elif kind == "context":
            parts = list(map(mapping, listing(block.get("elements"))))
        elif kind == "rich_text":
            lines.append(_rich_text(listing(block.get("elements"))))
            continue
        else:
            continue
        lines.extend(string(part.get("text")) for part in parts)
    return "\n".join(line for line in lines if line.strip())


def _rich_text(elements: list, depth: int = 0) -> str:
    """Return rich text elements as Slack's own markup (resolved later)."""
    out = []
    for element in map(mapping, elements):
        kind = string(element.get("type"))
        if "elements" in element and depth < MAX_DEPTH:  # sections, lists, quotes
            out.append(_rich_text(listing(element.get("elements")), depth + 1))
            if kind in {"rich_text_section", "rich_text_list", "rich_text_quote"}:
                out.append("\n")
        elif kind == "text":
            out.append(string(element.get("text")))
        elif kind == "link":
            url, label = string(element.get("url")), string(element.get("text"))
            out.append(f"<{url}|{label}>" if label else f"<{url}>")
        elif kind == "user":
            out.append(f"<@{string(element.get('user_id'))}>")
        elif kind == "channel":
            out.append(f"<#{string(element.get('channel_id'))}>")
        elif kind == "emoji":
            out.append(f":{string(element.get('name'))}:")
    return "".join(out).strip("\n")


def _reactions(raw: dict, at: str, where: str) -> tuple[Reaction, ...]:
    found = []
    for index, item in enumerate(listing(raw.get("reactions"))):
        expect(item, dict, f"{at}.reactions[{index}]: a reaction", path=where)
        name = expect(
            item.get("name"), str, f"{at}.reactions[{index}].name", path=where
        )
        count = item.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            count = len(listing(item.get("users"))) or 1
        base = name.split("::", 1)[0]  # "+1::skin-tone-2"
        found.append(Reaction(emoji=EMOJI.get(base, f":{base}:"), count=count))
    return tuple(found)


def _attachments(raw: dict) -> tuple[Attachment, ...]:
    found = []
    for item in listing(raw.get("files")):
        if not isinstance(item, dict) or string(item.get("mode")) in {
            "tombstone",
            "hidden_by_limit",
        }:
            continue
        url = string(item.get("permalink")) or string(item.get("url_private"))
        if isinstance(url, str) and url:
            found.append(
                Attachment(
                    url=url, title=str(item.get("title") or item.get("name") or "")
                )
            )
    for item in listing(raw.get("attachments")):
        if not isinstance(item, dict):
            continue
        url = (
            string(item.get("from_url"))
            or string(item.get("original_url"))
            or string(item.get("title_link"))
        )
        if isinstance(url, str) and url:
            found.append(
                Attachment(
                    url=url, title=str(item.get("title") or item.get("fallback") or "")
                )
            )
    return tuple(found)
