"""Matrix room exports as Element writes them ("Export chat", JSON).

``{"room_name", "topic", ..., "messages": [event, ...]}`` with raw room events.
Edits (``m.replace``) and reactions (``m.annotation``) are relation events: they
are folded into the message they target. Display names come from the room's
``m.room.member`` events, as they stood when each message was sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
import logging
import re
import sys
from typing import Any

from plugins.common.errors import ContentError
from plugins.transcripts.importers.common import (
    About,
    Export,
    Handles,
    ImportOptions,
    expect,
    from_epoch,
    mapping,
    safe_id,
    string,
    transcript_of,
)
from plugins.transcripts.importers.jsonstream import Field, iter_object
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.model import Attachment, Message, Reaction, Transcript

NAME = "matrix"
logger = logging.getLogger(__name__)
MEDIA = frozenset({"m.image", "m.file", "m.video", "m.audio"})
STATE_TEXT = {
    "m.room.name": ("name", "changed the room name to {}"),
    "m.room.topic": ("topic", "changed the topic to {}"),
    "m.room.create": ("creator", "created the room"),
}
JOINS = {  # membership -> the system line it makes with --keep-joins
    "join": "joined",
    "leave": "left",
    "ban": "was banned",
    "invite": "was invited",
}
MXID = re.compile(r"^@(?P<local>[^:]+):(?P<server>.+)$")


def detect(source: ExportSource) -> bool:
    """Say whether the source is an Element JSON room export."""
    names = [n for n in source.names if n.lower().endswith(".json")]
    if not names:
        return False
    head = source.head(names[0], 8192)
    return bool(
        re.search(r'"room_name"\s*:', head)
        or (
            re.search(r'"event_id"\s*:', head)
            and re.search(r'"origin_server_ts"\s*:', head)
        )
    )


def read(source: ExportSource, options: ImportOptions) -> Export:
    """Read an Element room export in two passes: relations first, then messages.

    The first pass keeps only what later messages need: the relation events
    (edits, reactions, redactions, which are few), the ids that occur twice and
    the header. The second yields the messages one at a time, relations folded in.
    """
    names = [n for n in source.names if n.lower().endswith(".json")]
    if len(names) != 1:
        raise ContentError(
            f"expected one exported .json file, got {names or 'none'}",
            path=source.label,
        )
    name = names[0]
    where = source.where(name)
    survey = _Events(options, _Relations())
    seen: set[str] = set()
    twice: set[str] = set()
    header: dict[str, Any] = {}
    locked = 0
    for event in _events(source, name, where, header):
        locked += event[0].get("type") == "m.room.encrypted"
        message_id = survey.message_id(*event)
        if message_id is not None:
            (twice if message_id in seen else seen).add(message_id)
    del seen
    if locked:
        logger.warning(
            "%s: %d encrypted messages could not be read and are left out (export "
            "the room from a session that holds its keys)",
            where,
            locked,
        )
    relations = survey.relations.settled()
    room = string(header.get("room_name"))
    about = About(
        source=NAME,
        title=room,
        channel=room,
        summary=string(header.get("topic")),
        where=where,
    )
    return Export(
        _messages(source, name, options, relations, twice), lambda: about, where
    )


def parse(source: ExportSource, options: ImportOptions) -> Transcript:
    """Read the export into one transcript held in memory."""
    return transcript_of(read(source, options), options)


def _events(
    source: ExportSource, name: str, where: str, header: dict[str, Any]
) -> Iterator[tuple[dict, str, str, int]]:
    """Yield each event of the export with its place; header fields go to ``header``."""
    with source.open_text(name) as handle:
        for event in iter_object(handle, path=where):
            if isinstance(event, Field):
                header[event.key] = event.value
                continue
            at = f"messages[{event.index}]"
            raw = expect(
                event.value, dict, f"{at}: an event object", path=where, line=event.line
            )
            yield raw, at, where, event.line


def _messages(
    source: ExportSource,
    name: str,
    options: ImportOptions,
    relations: _Folding,
    twice: set[str],
) -> Iterator[Message]:
    """Yield every message once (the first of an id), its relations folded in."""
    events = _Events(options, None)
    given: set[str] = set()  # of the ids in ``twice``, those already yielded
    for event in _events(source, name, source.where(name), {}):
        message = events.add(*event)
        if message is None:
            continue
        if message.id in twice:
            if message.id in given:
                continue
            given.add(message.id)
        folded = relations.fold(message)
        if folded is not None:
            yield folded


class _Relations:
    """Edits, reactions and redactions as the first pass meets them."""

    def __init__(self) -> None:
        self.edits: dict[str, tuple[int, str]] = {}  # target -> (time, new body)
        # (target, key, sender), in the order met: each sender counts once per key.
        self.reactions: dict[tuple[str, str, str], None] = {}
        self.redacted: set[str] = set()

    def react(self, target: str, key: str, sender: str) -> None:
        """Note a reaction; keys and senders repeat, so one copy of each is kept."""
        self.reactions.setdefault((target, sys.intern(key), sys.intern(sender)))

    def settled(self) -> _Folding:
        """Return what to fold into messages, by message id (as :func:`safe_id`)."""
        counts: dict[str, dict[str, int]] = {}
        for target, key, _sender in self.reactions:
            keys = counts.setdefault(target, {})
            keys[key] = keys.get(key, 0) + 1
        return _Folding(
            redacted=frozenset(safe_id(e) for e in self.redacted if e),
            edits={safe_id(k): body for k, (_ts, body) in self.edits.items()},
            reactions={
                safe_id(target): tuple(
                    Reaction(emoji=key, count=count) for key, count in keys.items()
                )
                for target, keys in counts.items()
            },
        )


@dataclass(frozen=True, slots=True)
class _Folding:
    """Relations by the message they change: what the second pass folds in."""

    redacted: frozenset[str]
    edits: dict[str, str]  # message id -> its last body
    reactions: dict[str, tuple[Reaction, ...]]

    def fold(self, message: Message) -> Message | None:
        """Return ``message`` edited and with its reactions, or None if redacted."""
        if message.id in self.redacted:
            return None
        folded = message
        if message.id in self.edits:
            folded = replace(folded, text=self.edits[message.id], edited=True)
        if message.id in self.reactions:
            folded = replace(folded, reactions=self.reactions[message.id])
        return folded


class _Events:
    """Turn events into messages in export order; note relations if asked to."""

    def __init__(self, options: ImportOptions, relations: _Relations | None) -> None:
        self.options = options
        self.relations = relations
        self.handles = Handles()
        self.names: dict[str, str] = {}

    def handle(self, sender: str) -> str:
        match = MXID.match(sender)
        return self.handles.get(sender, match["local"] if match else sender)

    def add(self, raw: dict, at: str, where: str, line: int) -> Message | None:
        """Return the message an event makes, or None (relations are noted)."""
        event = self._read(raw, at, where, line)
        if event is None:
            return None
        kind, content, sender, event_id, when = event
        if kind == "m.room.member":
            return self._member(raw, content, event_id, when, line)
        if kind in STATE_TEXT:
            key, phrase = STATE_TEXT[kind]
            value = str(content.get(key) or "")
            return Message(
                id=safe_id(event_id),
                author=self.handle(sender),
                name=self.names.get(sender, ""),
                time=when,
                text=phrase.format(value),
                kind="system",
                line=line,
            )
        return self._message(content, sender, event_id, when, line)

    def message_id(self, raw: dict, at: str, where: str, line: int) -> str | None:
        """Return the id of the message an event makes (as :meth:`add`), or None.

        The event is checked and its relations noted as :meth:`add` does, but no
        message is made: the first pass needs only the ids.
        """
        event = self._read(raw, at, where, line)
        if event is None:
            return None
        kind, content, _sender, event_id, _when = event
        if kind == "m.room.member" and not (
            self.options.keep_joins and string(content.get("membership")) in JOINS
        ):
            return None
        return safe_id(event_id)

    def _read(
        self, raw: dict, at: str, where: str, line: int
    ) -> tuple[str, dict, str, str, datetime] | None:
        """Check an event and note it if a relation; return what makes a message."""
        kind = string(raw.get("type"))
        content = mapping(raw.get("content"))
        sender = string(raw.get("sender"))
        relates = (
            content.get("m.relates_to")
            if isinstance(content.get("m.relates_to"), dict)
            else {}
        )
        if kind == "m.room.redaction" or (
            kind == "m.reaction" and relates.get("rel_type") == "m.annotation"
        ):
            self._note(kind, raw, content, sender, relates)
            return None
        event_id = expect(
            raw.get("event_id"),
            str,
            f"{at}.event_id: an event id",
            path=where,
            line=line,
        )
        ts = expect(
            raw.get("origin_server_ts"),
            (int, float),
            f"{at}.origin_server_ts: milliseconds",
            path=where,
            line=line,
        )
        when = from_epoch(ts / 1000, self.options, path=where, line=line)
        if kind == "m.room.member" or kind in STATE_TEXT:
            return kind, content, sender, event_id, when
        if kind not in {"m.room.message", "m.sticker"} or not content:
            return None
        if relates.get("rel_type") == "m.replace":
            new = (
                content.get("m.new_content")
                if isinstance(content.get("m.new_content"), dict)
                else {}
            )
            target = relates.get("event_id")
            edits = self.relations.edits if self.relations is not None else None
            if (
                edits is not None
                and isinstance(target, str)
                and isinstance(new.get("body"), str)
            ):
                previous = edits.get(target)
                if previous is None or previous[0] <= ts:
                    edits[target] = (ts, new["body"])
            return None
        return kind, content, sender, event_id, when

    def _note(
        self, kind: str, raw: dict, content: dict, sender: str, relates: dict
    ) -> None:
        if self.relations is None:
            return
        if kind == "m.room.redaction":
            self.relations.redacted.add(
                str(raw.get("redacts") or content.get("redacts") or "")
            )
            return
        target, key = relates.get("event_id"), relates.get("key")
        if isinstance(target, str) and isinstance(key, str):
            self.relations.react(target, key, sender)

    def _member(
        self, raw: dict, content: dict, event_id: str, when, line: int
    ) -> Message | None:
        user = str(raw.get("state_key") or raw.get("sender") or "")
        membership = string(content.get("membership"))
        name = content.get("displayname")
        previous = self.names.get(user)
        if isinstance(name, str) and name:
            self.names[user] = name
        if not self.options.keep_joins:
            return None
        if membership == "join" and previous and name and previous != name:
            text = f"{previous} is now {name}"
        elif membership in JOINS:
            text = JOINS[membership]
        else:
            return None
        return Message(
            id=safe_id(event_id),
            author=self.handle(user),
            name=self.names.get(user, ""),
            time=when,
            text=text,
            kind="system",
            line=line,
        )

    def _message(self, content, sender, event_id, when, line) -> Message:
        relates = content.get("m.relates_to")
        relates = relates if isinstance(relates, dict) else {}
        msgtype = string(content.get("msgtype"))
        body = string(content.get("body"))
        reply_to = _reply_target(relates)
        if reply_to and _reply_fallback(relates):
            body = _strip_fallback(body)
        attachments: tuple[Attachment, ...] = ()
        if (msgtype in MEDIA or not msgtype) and isinstance(content.get("url"), str):
            attachments = (Attachment(url=content["url"], title=body),)
        handle = self.handle(sender)
        name = self.names.get(sender, "")
        return Message(
            id=safe_id(event_id),
            author=handle,
            name=name if name != handle else "",
            time=when,
            text=body,
            reply_to=safe_id(reply_to) if reply_to else None,
            attachments=attachments,
            kind="action" if msgtype == "m.emote" else "message",
            line=line,
        )


def _reply_target(relates: dict) -> str | None:
    reply = relates.get("m.in_reply_to")
    if isinstance(reply, dict) and isinstance(reply.get("event_id"), str):
        return reply["event_id"]
    if relates.get("rel_type") == "m.thread" and isinstance(
        relates.get("event_id"), str
    ):
        return relates["event_id"]
    return None


def _reply_fallback(relates: dict) -> bool:
    # Thread messages that are not real replies carry a fallback flag, not a quote.
    return not relates.get("is_falling_back", False)


def _strip_fallback(body: str) -> str:
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:])
