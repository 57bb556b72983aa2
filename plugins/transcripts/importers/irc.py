"""IRC logs: irssi, WeeChat, ZNC, Limnoria, HexChat/XChat, mIRC and plain logs.

Every client writes ``<time> <nick> text`` with its own time stamp and event
markers: irssi ``14:03 <@ann> hi`` with ``--- Day changed`` lines, WeeChat
``2024-05-01 14:03:12<TAB>ann<TAB>hi``, ZNC ``[14:03:12] <ann> hi`` in one file per
day, Limnoria ``2024-05-01T14:03:12  <ann> hi``, HexChat
``May 01 14:03:12 <ann><TAB>hi`` under ``**** BEGIN LOGGING AT`` lines, mIRC
``[14:03] <ann> hi`` under ``Session Start:`` lines. Lines with only a time (or a
month and day) take their date (or year) from the log's own date lines, ``--date``,
or a date in the file name.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
import logging
import re

from plugins.common.errors import ContentError
from plugins.transcripts.importers.common import (
    About,
    At,
    Export,
    IdMaker,
    ImportOptions,
    transcript_of,
)
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.model import Message, Transcript

NAME = "irc"
logger = logging.getLogger(__name__)

MONTHS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
STAMP = re.compile(
    r"^(?P<open>\[)?(?:(?P<date>\d{4}-\d{2}-\d{2})[T ])?"
    rf"(?:(?P<mon>(?i:{'|'.join(MONTHS)})) (?P<mday>[ \d]?\d) )?"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?(?(open)\])(?P<sep>\t| +)(?P<body>.*)$"
)
SAY = re.compile(r"^<\s*[~&@%+]?(?P<nick>[^>\s]+)>(?:[ \t](?P<text>.*))?$")
NOTICE = re.compile(r"^-(?P<nick>[^\s-][^\s]*?)-(?: (?P<text>.*))?$")
ACTION = re.compile(r"^\*\s+(?P<nick>[^\s*]+)(?: (?P<text>.*))?$")
EVENT = re.compile(r"^(?:\*\*\*|-!-|-->|<--|--)\s*(?P<text>.*)$")
NOISE = re.compile(
    r"(has joined|has left|has quit|\bJoins: |\bParts: |\bQuits: |is now known as|"
    r"has changed mode|sets mode|\bmode/|\bMode |was kicked|netsplit|Netsplit|"
    r"^Now talking (in|on) |^Irssi: |\bServerMode/|^Channel \S+: \d+ nicks? |"
    r"^Channel created on |^irc: )",
    re.IGNORECASE,
)
# What HexChat and mIRC write behind "* ", the way actions are written: the client's
# own notices, and joins, parts and quits (not "* bo has left the building").
CLIENT_EVENT = re.compile(
    r"^(Now talking (in|on) |Topic (is|for) |Set by |Disconnected|Retrieving |"
    r"You('re| are) now known as |\S+ (\(\S*\) )?(has (joined|left|quit)( IRC)?"
    r"( [#&(]|$)|is now known as |sets mode|has changed the topic to|has kicked |"
    r"(gives|removes) (channel|voice)))"
)
DAY_CHANGED = re.compile(r"^--- Day changed (?P<when>.+)$")
LOG_MARK = re.compile(
    r"^(?:--- Log (?:opened|closed)|\*\*\*\* (?:BEGIN|ENDING) LOGGING AT|"
    r"Session (?:Start|Close|Ident):) (?P<when>.+)$"
)
FILE_DATE = re.compile(r"(?<!\d)(?P<y>\d{4})-?(?P<m>\d{2})-?(?P<d>\d{2})(?!\d)")
FILE_CHANNEL = re.compile(r"([#&][^\s/.,]+)")
LOG_SUFFIXES = (".log", ".txt", ".weechatlog")


def detect(source: ExportSource) -> bool:
    """Say whether most first lines of the source read as an IRC log."""
    logs = _log_files(source)
    if not logs:
        return False
    lines = [
        line for line in source.head(logs[0], 8192).splitlines()[:30] if line.strip()
    ]
    hits = 0
    for line in lines[:-1] or lines:
        stamp = STAMP.match(line)
        body = stamp["body"] if stamp else ""
        if (stamp and _is_irc_body(body, stamp["sep"])) or LOG_MARK.match(line):
            hits += 1
    return hits >= max(1, len(lines[:-1] or lines) // 2)


def _is_irc_body(body: str, sep: str) -> bool:
    if sep == "\t":
        return "\t" in body
    return bool(SAY.match(body) or ACTION.match(body) or EVENT.match(body))


def _log_files(source: ExportSource) -> list[str]:
    return [n for n in source.names if n.lower().endswith(LOG_SUFFIXES)]


def read(source: ExportSource, options: ImportOptions) -> Export:
    """Read one or more IRC log files, line by line, as one chat."""
    logs = _log_files(source)
    if not logs:
        raise ContentError(
            "expected .log or .txt IRC logs, got none", path=source.label
        )
    ids = IdMaker()
    channel = options.channel or _channel_from(logs)
    messages = (m for name in logs for m in _parse_file(source, name, options, ids))
    first = _date_from_name(logs[0]) or options.date
    title = f"{channel or 'IRC'}" + (f", {first:%Y-%m-%d}" if first else "")
    where = source.where(logs[0])
    about = About(source=NAME, title=title, channel=channel, where=where)
    return Export(messages, lambda: about, where)


def parse(source: ExportSource, options: ImportOptions) -> Transcript:
    """Read the export into one transcript held in memory."""
    return transcript_of(read(source, options), options)


def _channel_from(names: list[str]) -> str:
    match = FILE_CHANNEL.search(names[0])
    return match.group(1) if match else ""


def _date_from_name(name: str) -> date | None:
    match = FILE_DATE.search(name.rsplit("/", 1)[-1]) or FILE_DATE.search(name)
    if not match:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def _parse_day(text: str) -> date | None:
    for pattern in ("%a %b %d %Y", "%a %b %d %H:%M:%S %Y", "%a, %d %b %Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _parse_file(
    source: ExportSource, name: str, options: ImportOptions, ids: IdMaker
) -> Iterator[Message]:
    where = source.where(name)
    day = options.date or _date_from_name(name)
    last: datetime | None = None
    skipped = 0
    for number, line in source.lines(name, fallback="cp1252"):
        if not line.strip():
            continue
        mark = DAY_CHANGED.match(line) or LOG_MARK.match(line)
        if mark:
            day = _parse_day(mark["when"]) or day
            last = None
            continue
        stamp = STAMP.match(line)
        if not stamp or _classify(stamp["body"], stamp["sep"])[0] is None:
            skipped += 1
            logger.warning(
                "%s:%d: expected '[HH:MM] <nick> text', got %r; skipped",
                where,
                number,
                line[:60],
                extra={"limit_msg": "more IRC lines skipped"},
            )
            continue
        when = _time(stamp, (day, last), options, At(where, number, line))
        if not stamp["date"]:
            last = when
        message = _message(stamp, when, options, ids, number)
        if message:
            yield message
    if skipped:
        logger.info("%s: %d lines were not IRC messages", where, skipped)


def _time(
    stamp: re.Match,
    context: tuple[date | None, datetime | None],
    options: ImportOptions,
    spot: At,
) -> datetime:
    """Return the line's time; ``context`` is the current day and the last time."""
    day, last = context
    where, number, line = spot.path, spot.line, spot.text
    hour, minute, second = int(stamp["h"]), int(stamp["mi"]), int(stamp["s"] or 0)
    if stamp["date"]:
        text = (
            f"{stamp['date']}T{hour:02d}:{minute:02d}:{second:02d}{stamp['tz'] or ''}"
        )
        try:
            return options.localize(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            raise ContentError(
                f"expected a real date and time, got {text!r}",
                path=where,
                line=number,
                source_line=line,
            ) from None
    if day is None:
        raise ContentError(
            "expected a date for lines that carry only a time: pass --date YYYY-MM-DD "
            "or put the date in the file name",
            path=where,
            line=number,
            source_line=line,
        )
    if stamp["mon"]:
        return _dated(stamp, day.year, last, options, spot)
    try:
        naive = datetime(day.year, day.month, day.day, hour, minute, second)
    except ValueError:
        raise ContentError(
            f"expected a time of day, got {hour:02d}:{minute:02d}:{second:02d}",
            path=where,
            line=number,
            source_line=line,
        ) from None
    when = options.localize(naive)
    while last is not None and last - when > timedelta(hours=12):
        when = options.localize(naive + timedelta(days=1))  # midnight without a mark
        naive += timedelta(days=1)
    return when


def _dated(
    stamp: re.Match, year: int, last: datetime | None, options: ImportOptions, spot: At
) -> datetime:
    """Return the time of a line stamped ``May 01 14:03:12``, in the log's year."""
    month = MONTHS.index(stamp["mon"].lower()) + 1
    clock = (int(stamp["h"]), int(stamp["mi"]), int(stamp["s"] or 0))
    try:
        when = options.localize(datetime(year, month, int(stamp["mday"]), *clock))
        if last is not None and last - when > timedelta(days=180):  # Dec 31 -> Jan 1
            when = options.localize(
                datetime(year + 1, month, int(stamp["mday"]), *clock)
            )
    except ValueError:
        raise ContentError(
            f"expected a real day, got {stamp['mon']} {stamp['mday']} of {year}",
            path=spot.path,
            line=spot.line,
            source_line=spot.text,
        ) from None
    return when


def _message(
    stamp: re.Match,
    when: datetime,
    options: ImportOptions,
    ids: IdMaker,
    number: int,
) -> Message | None:
    kind, nick, text = _classify(stamp["body"], stamp["sep"])
    if kind is None:
        return None
    if kind == "system":
        if NOISE.search(text) and not options.keep_joins:
            return None
        nick = "system"
    return Message(
        id=ids.make(when, nick, text),
        author=nick,
        time=when,
        text=text,
        kind=kind,
        line=number,
    )


def _classify(body: str, sep: str) -> tuple[str | None, str, str]:  # noqa: PLR0911
    if sep == "\t" and "\t" in body:  # WeeChat: prefix<TAB>text
        prefix, text = body.split("\t", 1)
        prefix = prefix.strip()
        if prefix in {"-->", "<--", "--", "=!="}:
            return "system", "", text.strip()
        if prefix == "*":
            nick, _, rest = text.partition(" ")
            return "action", nick, rest
        return "message", prefix.lstrip("~&@%+") or "unknown", text
    body = body.strip(" ")
    event = EVENT.match(body)
    if event:
        return "system", "", event["text"]
    for pattern in (SAY, NOTICE):
        match = pattern.match(body)
        if match:
            return "message", match["nick"], match["text"] or ""
    action = ACTION.match(body)
    if action:
        if CLIENT_EVENT.match(body[1:].strip()):
            return "system", "", body[1:].strip()
        return "action", action["nick"], action["text"] or ""
    return None, "", ""
