"""The canonical ``.chat`` file: read it into a Transcript and write one back.

A file is a header of ``Key: value`` lines, a blank line, then the body::

    Title: Launch chat
    Slug: launch-chat
    Date: 2024-05-02 20:00:00-04:00
    Source: hashtag-chat
    Channel: #blogchat
    Hosts: mara, bo

    --- 2024-05-02 -04:00 ---
    ## Q1: What got you blogging? {#q1}
    [20:00:13 #k2x7] <mara|Mara Quill> Welcome! First line,
        and a second line of the same message.
      reply-to: a1b2
      attachment: https://example.org/slides.pdf Slides
      reaction: 👍 3
      edited
    [20:01:02] * <bo> waves
    [20:01:05] ! <bo> joined the channel

The README's "Transcripts" section is the user-facing description.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
import logging
from pathlib import PurePath
import re
import sys

from plugins.common.errors import ContentError
from plugins.common.ids import anchor, stable_id
from plugins.transcripts.model import (
    Attachment,
    Message,
    Reaction,
    Section,
    Transcript,
)

logger = logging.getLogger(__name__)

KINDS = {"message": "", "action": "* ", "system": "! "}
STATUSES = ("published", "draft", "hidden")
# Header fields with a place in the model, in the order the writer puts them.
KNOWN_HEADER = ("title", "slug", "date", "source", "channel", "hosts", "summary")
KNOWN_HEADER_ALL = (*KNOWN_HEADER, "status")

ID = r"[A-Za-z0-9_.:-]+"
HANDLE = r"[^\s<>|,\\@][^\s<>|,\\]*"
_ID = re.compile(rf"^{ID}$")
_HANDLE = re.compile(rf"^{HANDLE}$")
_HEADER = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_-]*):(?: ?(?P<value>.*))?$")
_DAY = re.compile(
    r"^--- (?P<date>\d{4}-\d{2}-\d{2}) "
    r"(?P<offset>Z|[+-]\d{2}:\d{2}(?::\d{2})?) ---$"
)
_HEADING = re.compile(rf"^## (?P<title>.*?)(?: \{{#(?P<id>{ID})\}})?$")
_MESSAGE = re.compile(
    rf"^\[(?P<time>\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d{{1,6}})?)?)(?: #(?P<id>{ID}))?\] "
    rf"(?P<kind>[*!] )?<(?P<handle>{HANDLE})(?:\|(?P<name>(?:[^\\>\n]|\\.)*))?>"
    r"(?: (?P<text>.*))?$"
)
_ATTRIBUTE = re.compile(r"^  (?P<key>[a-z-]+)(?:: (?P<value>.*))?$")
_INLINE_ESCAPE = re.compile(r"\\(.)")
_REACTION = re.compile(r"^(?P<emoji>.+) (?P<count>\d+)$")
_ATTACHMENT = re.compile(r"^(?P<url>\S+)(?: (?P<title>.*))?$")

EXPECTED_BODY = (
    "a message '[20:00] <handle> text', a day line '--- 2024-05-02 -04:00 ---',"
    " a heading '## Q1: ...', an indented continuation or a blank line"
)


@dataclass(slots=True)
class _Draft:
    """A message being read: its fields so far, before it becomes frozen."""

    line: int
    source_line: str
    explicit_id: str | None
    author: str
    name: str
    time: datetime
    kind: str
    section: str | None
    lines: list[str]
    reply_to: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    edited: bool = False


def derived_id(when: datetime, author: str, text: str) -> str:
    """Return the id a message without an explicit one gets: time, author, text."""
    return stable_id(when.isoformat(), author, text)


def section_id(title: str) -> str:
    """Return the id a heading without an explicit ``{#id}`` gets."""
    return anchor(title).lower()


# -- reading -------------------------------------------------------------------


def parse_chat(text: str, *, path: str) -> Transcript:
    """Parse the text of a ``.chat`` file; raise ContentError on a malformed line.

    Oddities that do not stop reading (duplicate ids, replies to messages that are
    not in the file, times going backwards) are logged as warnings with file:line.
    """
    transcript = read_chat(text, path=path)
    for warning in check_transcript(transcript):
        logger.warning("%s", warning)
    return transcript


def read_chat(text: str, *, path: str) -> Transcript:
    """Parse the text of a ``.chat`` file as :func:`parse_chat` does, logging nothing.

    What it returns depends on ``text`` and ``path`` alone, so a build may keep it.
    """
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header, body_start = _parse_header(lines, path)
    return _parse_body(lines, body_start, header, path)


def _error(path: str, number: int, expected: str, raw: str) -> ContentError:
    return ContentError(
        f"expected {expected}, got {raw!r}", path=path, line=number, source_line=raw
    )


def _continuation(raw: str) -> str | None:
    """Return the text of an indented continuation line, or None if it is not one."""
    if raw.startswith("    "):
        return _unescape_line(raw[4:])
    if raw.startswith("\t"):
        return _unescape_line(raw[1:])
    return None


def _unescape_line(content: str) -> str:
    return content[1:] if content.startswith("\\") else content


def _escape_line(content: str) -> str:
    return "\\" + content if content == "" or content.startswith("\\") else content


def _unescape_inline(value: str) -> str:
    return _INLINE_ESCAPE.sub(
        lambda m: "\n" if m[1] == "n" else m[1],
        value,
    )


def _escape_inline(value: str, *, specials: str = "") -> str:
    out = value.replace("\\", "\\\\").replace("\n", "\\n")
    for char in specials:
        out = out.replace(char, "\\" + char)
    return out


def _parse_header(lines: list[str], path: str) -> tuple[dict, int]:
    values: dict[str, tuple[str, int, str]] = {}
    extra: list[tuple[str, str]] = []
    extra_keys: dict[str, int] = {}
    current: list[str] | None = None
    number = 0
    for number, raw in enumerate(lines, start=1):
        if raw.strip() == "":
            break
        if current is not None and raw.startswith(("    ", "\t")):
            current.append(_unescape_line(raw.strip()))
            continue
        match = _HEADER.match(raw)
        if not match:
            raise _error(path, number, "a header line 'Key: value'", raw)
        key = match["key"]
        low = key.lower()
        if low in values or low in extra_keys:
            first = values[low][1] if low in values else extra_keys[low]
            raise _error(path, number, f"{key!r} once (first on line {first})", raw)
        current = [_unescape_line((match["value"] or "").strip())]
        if low in KNOWN_HEADER_ALL:
            values[low] = (current, number, raw)  # type: ignore[assignment]
        else:
            extra_keys[low] = number
            extra.append((key, current))  # type: ignore[arg-type]
    else:
        number = len(lines) + 1
    header = {
        key: ("\n".join(parts), line, raw) for key, (parts, line, raw) in values.items()
    }
    if "title" not in header:
        raise ContentError(
            "expected a 'Title:' header field, got none", path=path, line=1
        )
    header["extra"] = tuple((key, "\n".join(parts)) for key, parts in extra)
    return header, number


def _header_date(value: str, number: int, raw: str, path: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise _error(path, number, "a date with a zone, '2024-05-02 20:00-04:00'", raw)
    return when


def _parse_offset(value: str) -> timezone:
    if value == "Z":
        return UTC
    sign = -1 if value[0] == "-" else 1
    hours, minutes, seconds = [*(int(p) for p in value[1:].split(":")), 0][:3]
    return timezone(sign * timedelta(hours=hours, minutes=minutes, seconds=seconds))


def _parse_body(lines: list[str], start: int, header: dict, path: str) -> Transcript:
    messages: list[Message] = []
    sections: list[Section] = []
    numbered = enumerate(lines[start:], start=start + 1)
    for event in _body_events(numbered, path):
        if isinstance(event, Section):
            sections.append(event)
        else:
            messages.append(event)
    return _build(header, messages, sections, path)


def read_chat_stream(
    lines: Iterable[str], *, path: str
) -> tuple[Transcript, Iterator[Message | Section]]:
    """Read a ``.chat`` file line by line: its header now, its body as it is consumed.

    ``lines`` are the file's lines (with or without their line ends). The header
    comes back as a Transcript without messages or sections; the iterator yields
    headings (each with its first message's id) and messages in file order, so a
    file of any length is read in bounded memory. Errors are those of
    :func:`parse_chat`; its warnings about the whole file are not given.
    """
    numbered = enumerate(_plain_lines(lines), start=1)
    head: list[str] = []
    for _number, raw in numbered:
        head.append(raw)
        if raw.strip() == "":
            break
    header, _start = _parse_header(head, path)
    return _build(header, [], [], path), _body_events(numbered, path)


def _plain_lines(lines: Iterable[str]) -> Iterator[str]:
    """Yield lines as ``parse_chat`` splits text: no BOM, no line ends."""
    for index, raw in enumerate(lines):
        line = raw.removeprefix("\ufeff") if index == 0 else raw
        if line.endswith("\n"):
            line = line[:-1].removesuffix("\r")
        yield line


def _body_events(
    numbered: Iterator[tuple[int, str]], path: str
) -> Iterator[Message | Section]:
    day: tuple[date, timezone] | None = None
    section_title: str | None = None
    heading: Section | None = None  # waits for the message it stands above
    draft: _Draft | None = None
    repeats = _Repeats()

    def finish() -> Iterator[Message | Section]:
        nonlocal draft, heading
        if draft is not None:
            message = _freeze(draft, repeats)
            draft = None
            if heading is not None:
                yield replace(heading, first_message=message.id)
                heading = None
            yield message

    for number, raw in numbered:
        if draft is not None:
            more = _continuation(raw)
            if more is not None:
                draft.lines.append(more)
                continue
            if raw.startswith("  ") and not raw.startswith("   "):
                _parse_attribute(draft, raw, number, path)
                continue
        if raw.strip() == "":
            yield from finish()
            continue
        if (match := _DAY.match(raw)) is not None:
            yield from finish()
            try:
                day = (
                    date.fromisoformat(match["date"]),
                    _parse_offset(match["offset"]),
                )
            except ValueError:
                raise _error(path, number, "a real date and offset", raw) from None
            continue
        if (match := _HEADING.match(raw)) is not None:
            yield from finish()
            if heading is not None:  # a heading directly above another has none
                yield heading
            section_title = match["title"]
            sid = match["id"] or section_id(section_title)
            heading = Section(id=sid, title=section_title, first_message=None)
            continue
        if (match := _MESSAGE.match(raw)) is not None:
            yield from finish()
            draft = _start_message(match, (number, raw), day, section_title, path)
            continue
        raise _error(path, number, EXPECTED_BODY, raw)
    yield from finish()
    if heading is not None:
        yield heading


def _start_message(
    match: re.Match[str],
    where: tuple[int, str],
    day: tuple[date, timezone] | None,
    section_title: str | None,
    path: str,
) -> _Draft:
    number, raw = where
    if day is None:
        raise _error(path, number, "a day line '--- 2024-05-02 -04:00 ---' first", raw)
    try:
        clock = time.fromisoformat(match["time"])
    except ValueError:
        raise _error(path, number, "a time such as '20:00:13'", raw) from None
    text = match["text"]
    return _Draft(
        line=number,
        source_line=raw,
        explicit_id=match["id"],
        # Interned: a long chat repeats a few dozen names 100,000 times.
        author=sys.intern(match["handle"]),
        name=sys.intern(_unescape_inline(match["name"] or "")),
        time=datetime.combine(day[0], clock, tzinfo=day[1]),
        kind={"* ": "action", "! ": "system"}.get(match["kind"], "message"),
        section=section_title,
        lines=[] if text is None else [_unescape_line(text)],
    )


def _build(
    header: dict, messages: list[Message], sections: list[Section], path: str
) -> Transcript:
    date_value = header.get("date")
    status = header.get("status", ("published", 0, ""))
    if status[0] not in STATUSES:
        raise _error(path, status[1], f"a status in {STATUSES}", status[2])
    hosts = header.get("hosts", ("", 0, ""))
    host_list = tuple(
        h.strip().removeprefix("@") for h in hosts[0].split(",") if h.strip()
    )
    for host in host_list:
        if not _HANDLE.match(host):
            raise _error(path, hosts[1], "hosts as 'handle, handle'", hosts[2])
    slug = header.get("slug", (PurePath(path).stem, 0, ""))[0]
    return Transcript(
        slug=slug,
        title=header["title"][0],
        source=header.get("source", ("", 0, ""))[0],
        messages=tuple(messages),
        date=_header_date(*date_value, path) if date_value else None,
        channel=header.get("channel", ("", 0, ""))[0],
        hosts=host_list,
        summary=header.get("summary", ("", 0, ""))[0],
        status=status[0],
        sections=tuple(sections),
        extra=header["extra"],
        source_path=path,
    )


def _parse_attribute(draft: _Draft, raw: str, number: int, path: str) -> None:
    match = _ATTRIBUTE.match(raw)
    expected = (
        "an attribute 'reply-to: ID', 'attachment: URL title',"
        " 'reaction: EMOJI COUNT' or 'edited'"
    )
    if not match:
        raise _error(path, number, expected, raw)
    key, value = match["key"], match["value"]
    if key == "edited" and value is None:
        draft.edited = True
    elif key == "reply-to" and value is not None and _ID.match(value):
        if draft.reply_to is not None:
            raise _error(path, number, "one 'reply-to' per message", raw)
        draft.reply_to = value
    elif key == "attachment" and value and (found := _ATTACHMENT.match(value)):
        draft.attachments.append(
            Attachment(url=found["url"], title=_unescape_inline(found["title"] or ""))
        )
    elif key == "reaction" and value and (found := _REACTION.match(value)):
        draft.reactions.append(
            Reaction(emoji=_unescape_inline(found["emoji"]), count=int(found["count"]))
        )
    else:
        raise _error(path, number, expected, raw)


@dataclass(slots=True)
class _Repeats:
    """Derived ids given at one time: a second "+1" in a minute needs its own.

    Only the current time's ids are kept, so a file of any length costs little.
    """

    at: datetime | None = None
    seen: Counter[str] = field(default_factory=Counter)

    def id_for(self, draft: _Draft, text: str) -> str:
        """Return the id of a message without one, as IdMaker gives it."""
        if draft.time != self.at:
            self.at = draft.time
            self.seen.clear()
        base = derived_id(draft.time, draft.author, text)
        count = self.seen[base]
        self.seen[base] += 1
        return base if count == 0 else stable_id(base, str(count))


def _freeze(draft: _Draft, repeats: _Repeats) -> Message:
    text = "\n".join(draft.lines)
    return Message(
        id=draft.explicit_id or repeats.id_for(draft, text),
        author=draft.author,
        time=draft.time,
        text=text,
        name=draft.name,
        reply_to=draft.reply_to,
        attachments=tuple(draft.attachments),
        reactions=tuple(draft.reactions),
        edited=draft.edited,
        kind=draft.kind,
        section=draft.section,
        line=draft.line,
    )


def check_transcript(transcript: Transcript) -> list[str]:
    """Return ``path:line:`` warnings: duplicate ids, lost replies, time going back."""
    path = transcript.source_path or transcript.slug
    warnings: list[str] = []
    seen: dict[str, int] = {}
    previous: Message | None = None
    for message in transcript.messages:
        where = f"{path}:{message.line}"
        if message.id in seen:
            warnings.append(
                f"{where}: expected a unique message id, got {message.id!r} again"
                f" (first on line {seen[message.id]})"
            )
        else:
            seen[message.id] = message.line
        if previous is not None and message.time < previous.time:
            warnings.append(
                f"{where}: expected a time after {previous.time.isoformat()}"
                f" (line {previous.line}), got {message.time.isoformat()}"
            )
        previous = message
    for message in transcript.messages:
        if message.reply_to is not None and message.reply_to not in seen:
            warnings.append(
                f"{path}:{message.line}: expected a reply to a message in this"
                f" transcript, got reply-to {message.reply_to!r}"
            )
    section_seen: set[str] = set()
    for section in transcript.sections:
        if section.id in section_seen:
            warnings.append(
                f"{path}: expected a unique section id, got {section.id!r} again"
            )
        section_seen.add(section.id)
    return warnings


# -- writing -------------------------------------------------------------------


def format_chat(transcript: Transcript) -> str:
    """Return the canonical ``.chat`` text of ``transcript``.

    Raises ValueError for values the format cannot carry (a handle with spaces,
    an id with characters outside ``A-Za-z0-9_.:-``, an unknown kind).
    """
    return "".join(iter_chat(transcript))


def iter_chat(transcript: Transcript) -> Iterator[str]:
    """Yield the canonical ``.chat`` text of ``transcript`` line by line."""
    placed = _section_positions(transcript)

    def events() -> Iterator[Message | Section]:
        for index, message in enumerate(transcript.messages):
            yield from placed.get(index, ())
            yield message
        yield from placed.get(len(transcript.messages), ())

    return iter_chat_events(transcript, events())


def iter_chat_events(
    header: Transcript, events: Iterable[Message | Section]
) -> Iterator[str]:
    """Yield the ``.chat`` text of ``header`` and of headings and messages in order.

    ``header.messages`` and ``header.sections`` are not written: ``events`` is the
    body, consumed one item at a time, so a chat of any length streams through.
    """
    yield from _format_header(header)
    day: tuple[date, timedelta | None] | None = None
    headings: list[Section] = []
    for event in events:
        if isinstance(event, Section):
            headings.append(event)
            continue
        key = (event.time.date(), event.time.utcoffset())
        if key != day:
            if key[1] is None:
                raise ValueError(f"message {event.id!r}: expected a time with a zone")
            day = key
            yield f"\n--- {key[0].isoformat()} {_format_offset(key[1])} ---\n"
        for section in headings:
            yield _format_heading(section)
        headings = []
        yield from _format_message(event)
    for section in headings:
        yield _format_heading(section)


def _section_positions(transcript: Transcript) -> dict[int, list[Section]]:
    """Map message index to the headings written just before it."""
    indices: dict[str, list[int]] = {}
    for index, message in enumerate(transcript.messages):
        indices.setdefault(message.id, []).append(index)
    placed: dict[int, list[Section]] = {}
    waiting: list[Section] = []
    start = 0  # a heading's first message comes after the previous heading's
    for section in transcript.sections:
        waiting.append(section)
        if section.first_message is None:
            continue
        candidates = [i for i in indices.get(section.first_message, ()) if i >= start]
        if not candidates:
            raise ValueError(
                f"section {section.id!r}: first message"
                f" {section.first_message!r} is not in the transcript after"
                " the previous section"
            )
        # With duplicate ids, the message that carries this section's title wins.
        titled = [
            i for i in candidates if transcript.messages[i].section == section.title
        ]
        position = (titled or candidates)[0]
        placed.setdefault(position, []).extend(waiting)
        waiting = []
        start = position + 1
    if waiting:
        placed.setdefault(len(transcript.messages), []).extend(waiting)
    return placed


def header_text(value: str) -> str:
    """Return ``value`` as a header field of a ``.chat`` file keeps it.

    A header's lines are read stripped, and a file's lines end at LF, CRLF or
    CR; an importer gives its header fields in this form, so the build reads
    back what the import wrote.
    """
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.strip() for line in lines)


def _format_header(transcript: Transcript) -> Iterator[str]:
    def field_line(key: str, value: str) -> str:
        # A line of spaces would end the header: lines are written as read.
        parts = header_text(value).split("\n")
        first = _escape_header_value(parts[0])
        lines = [f"{key}: {first}".rstrip(" ") + "\n"]
        lines += [f"    {_escape_line(part)}\n" for part in parts[1:]]
        return "".join(lines)

    yield field_line("Title", transcript.title)
    yield field_line("Slug", transcript.slug)
    if transcript.date is not None:
        if transcript.date.tzinfo is None:
            raise ValueError("Date: expected a date with a zone")
        yield field_line("Date", transcript.date.isoformat(sep=" "))
    if transcript.source:
        yield field_line("Source", transcript.source)
    if transcript.channel:
        yield field_line("Channel", transcript.channel)
    if transcript.hosts:
        for host in transcript.hosts:
            _check_handle(host)
        yield field_line("Hosts", ", ".join(transcript.hosts))
    if transcript.summary:
        yield field_line("Summary", transcript.summary)
    if transcript.status != "published":
        if transcript.status not in STATUSES:
            raise ValueError(f"Status: expected one of {STATUSES}")
        yield field_line("Status", transcript.status)
    for key, value in transcript.extra:
        if key.lower() in KNOWN_HEADER_ALL or not _HEADER.match(f"{key}:"):
            raise ValueError(f"extra header field {key!r} is not a free field name")
        yield field_line(key, value)


def _escape_header_value(value: str) -> str:
    # Header values are read stripped; a leading backslash protects the rest.
    return "\\" + value if value.startswith("\\") else value


def _format_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{secs:02d}" if secs else text


def _format_heading(section: Section) -> str:
    if "\n" in section.title:
        raise ValueError(f"section {section.id!r}: a heading is one line")
    _check_id(section.id, "section")
    title_line = f"## {section.title}"
    match = _HEADING.match(title_line)
    if section.id != section_id(section.title) or (match and match["id"]):
        title_line += f" {{#{section.id}}}"
    return f"\n{title_line}\n\n"


def _check_id(value: str, what: str) -> None:
    if not _ID.match(value):
        raise ValueError(f"{what} id {value!r}: expected only A-Za-z0-9_.:-")


def _check_handle(handle: str) -> None:
    if not _HANDLE.match(handle):
        raise ValueError(
            f"handle {handle!r}: expected no spaces, commas, backslashes or <>|"
        )


def _format_message(message: Message) -> Iterator[str]:
    _check_id(message.id, "message")
    _check_handle(message.author)
    if message.kind not in KINDS:
        raise ValueError(f"message {message.id!r}: unknown kind {message.kind!r}")
    clock = message.time.time().replace(tzinfo=None).isoformat()
    who = message.author
    if message.name:
        who += "|" + _escape_inline(message.name, specials=">")
    head = f"[{clock} #{message.id}] {KINDS[message.kind]}<{who}>"
    if message.text == "":
        yield head + "\n"
    else:
        first, *rest = message.text.split("\n")
        yield f"{head} {_escape_line(first)}\n"
        for line in rest:
            yield f"    {_escape_line(line)}\n"
    if message.reply_to is not None:
        _check_id(message.reply_to, "reply-to")
        yield f"  reply-to: {message.reply_to}\n"
    for item in message.attachments:
        if not item.url or any(c.isspace() for c in item.url):
            raise ValueError(f"attachment {item.url!r}: expected a URL without spaces")
        title = f" {_escape_inline(item.title)}" if item.title else ""
        yield f"  attachment: {item.url}{title}\n"
    for reaction in message.reactions:
        if not reaction.emoji or reaction.count < 0:
            raise ValueError(f"reaction {reaction!r}: expected an emoji and a count")
        yield f"  reaction: {_escape_inline(reaction.emoji)} {reaction.count}\n"
    if message.edited:
        yield "  edited\n"
