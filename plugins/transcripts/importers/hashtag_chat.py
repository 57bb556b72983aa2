"""A hashtag chat pasted as text: ``@handle message`` lines and ``Q1:`` sections.

The form people copy out of Twitter/Mastodon searches and chat recaps::

    Q1: What got you blogging?
    [20:01] @ann A1: a notebook that got too full
    @bo A1: same, plus a deadline
        and an editor who said yes          <- indented: continues the message

A time (``20:01``, ``8:01 PM``, ``2024-05-01 20:01``) may open a line; lines without
one take the previous time, and the day comes from ``--date`` unless the times
carry it. A host's message that starts with ``Q2:`` opens a section too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
import re

from plugins.common.errors import ContentError
from plugins.transcripts.importers.common import (
    About,
    At,
    Export,
    Hashtags,
    IdMaker,
    ImportOptions,
    transcript_of,
)
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.model import Message, Transcript

NAME = "hashtag-chat"

TIME = (
    r"\[?(?:(?P<date>\d{4}-\d{2}-\d{2})[ T])?(?P<h>\d{1,2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2}))?(?:[ \u202f]?(?P<ampm>[AaPp]\.?[Mm]\.?))?\]?"
)
MESSAGE = re.compile(
    rf"^(?:{TIME}[ \t]+)?@(?P<handle>[\w.\-]+)"
    r"(?: \((?P<name>[^()\n]*[^()\s][^()\n]*)\))?:?"  # "(Ann Reader)": not "()"
    r"(?:[ \t]+(?P<text>.*))?$"
)
SECTION = re.compile(r"^(?:#+ *)?(?P<title>[Qq]\d+[:.)] *\S.*)$")
ASKS = re.compile(r"(?<!\w)Q\d+[:.)] *\S")
QUESTION = re.compile(r"^[Qq]\d+[:.)] *\S")


def detect(source: ExportSource) -> bool:
    """Say whether the first lines read as an ``@handle message`` paste."""
    if len(source.names) != 1:
        return False
    lines = [
        ln for ln in source.head(source.names[0], 8192).splitlines()[:30] if ln.strip()
    ]
    hits = sum(1 for ln in lines if MESSAGE.match(ln) or SECTION.match(ln))
    return bool(lines) and hits * 2 >= len(lines)


def read(source: ExportSource, options: ImportOptions) -> Export:
    """Read a pasted hashtag chat line by line; hosts and hashtag come at the end."""
    if len(source.names) != 1:
        raise ContentError(
            f"expected one pasted text file, got {len(source.names)} files",
            path=source.label,
        )
    name = source.names[0]
    where = source.where(name)
    seen = _Seen()

    def about() -> About:
        channel = options.channel or seen.hashtags.main()
        day = f", {seen.first:%Y-%m-%d}" if seen.first else ""
        return About(
            source=NAME,
            title=f"{channel}{day}" if channel else "",
            channel=channel,
            hosts=tuple(seen.hosts),
            where=where,
        )

    return Export(seen.watch(_messages(source, name, options, where)), about, where)


class _Seen:
    """What the header needs from every message: hashtags, hosts, the first day."""

    def __init__(self) -> None:
        self.hashtags = Hashtags()
        self.hosts: dict[str, None] = {}  # in order: who asks numbered questions
        self.first: datetime | None = None

    def watch(self, messages: Iterator[Message]) -> Iterator[Message]:
        """Yield ``messages`` unchanged, noting what the header needs of each."""
        for message in messages:
            if self.first is None:
                self.first = message.time
            self.hashtags.add(message.text)
            if ASKS.search(message.text):
                self.hosts.setdefault(message.author)
            yield message


def parse(source: ExportSource, options: ImportOptions) -> Transcript:
    """Read the export into one transcript held in memory."""
    return transcript_of(read(source, options), options)


def _messages(
    source: ExportSource, name: str, options: ImportOptions, where: str
) -> Iterator[Message]:
    ids = IdMaker()
    section: str | None = None
    current: datetime | None = None
    pending: dict | None = None
    for number, line in source.lines(name):
        if not line.strip():
            continue
        heading = SECTION.match(line)
        match = MESSAGE.match(line) if not heading else None
        if (heading or match) and pending:
            yield _build(pending, ids)
            pending = None
        if heading:
            section = heading["title"].strip()
            continue
        if match:
            current = _time(match, current, options, At(where, number, line))
            text = match["text"] or ""
            if QUESTION.match(text) and not _same_question(text, section):
                section = text.strip()
            pending = {
                "handle": match["handle"],
                "name": (match["name"] or "").strip(),
                "time": current,
                "lines": [text],
                "section": section,
                "line": number,
            }
        elif pending is not None:
            pending["lines"].append(line.strip())
        else:
            raise ContentError(
                "expected '@handle message' or 'Q1: question', "
                f"got {line.strip()[:40]!r}",
                path=where,
                line=number,
                source_line=line,
            )
    if pending:
        yield _build(pending, ids)


def _same_question(text: str, section: str | None) -> bool:
    """Say whether a host's "Q2: ..." repeats the heading already open."""
    if section is None:
        return False
    number = re.match(r"[Qq](\d+)", text)
    current = re.match(r"[Qq](\d+)", section)
    return bool(number and current and number.group(1) == current.group(1))


def _build(pending: dict, ids: IdMaker) -> Message:
    text = "\n".join(pending["lines"]).strip()
    return Message(
        id=ids.make(pending["time"], pending["handle"], text),
        author=pending["handle"],
        name=pending["name"],
        time=pending["time"],
        text=text,
        section=pending["section"],
        line=pending["line"],
    )


def _time(
    match: re.Match,
    current: datetime | None,
    options: ImportOptions,
    spot: At,
) -> datetime:
    where, number, line = spot.path, spot.line, spot.text
    if match["h"] is None:
        if current is not None:
            return current
        if options.date is None:
            raise ContentError(
                "expected --date YYYY-MM-DD (or a time with a date on the first line)",
                path=where,
                line=number,
                source_line=line,
            )
        return options.localize(datetime(*options.date.timetuple()[:3]))
    day: date | None = current.date() if current else options.date
    if match["date"]:
        try:
            day = date.fromisoformat(match["date"])
        except ValueError:
            raise ContentError(
                f"expected a real date, got {match['date']!r}",
                path=where,
                line=number,
                source_line=line,
            ) from None
    if day is None:
        raise ContentError(
            "expected --date YYYY-MM-DD for times without a date",
            path=where,
            line=number,
            source_line=line,
        )
    hour, minute = int(match["h"]), int(match["mi"])
    ampm = (match["ampm"] or "").replace(".", "").lower()
    if ampm:
        if not 1 <= hour <= 12:  # noqa: PLR2004
            raise ContentError(
                f"expected an hour from 1 to 12 before {ampm.upper()}, got {hour}",
                path=where,
                line=number,
                source_line=line,
            )
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    try:
        naive = datetime(
            day.year, day.month, day.day, hour, minute, int(match["s"] or 0)
        )
    except ValueError:
        raise ContentError(
            f"expected a time of day, got {match.group(0)[:20]!r}",
            path=where,
            line=number,
            source_line=line,
        ) from None
    return options.localize(naive)
