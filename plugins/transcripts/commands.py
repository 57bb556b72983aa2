"""``colloquy import-chat``: a chat export into ``content/transcripts/<slug>.chat``."""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
import logging
from pathlib import Path
import sys
import time
from typing import TextIO
import zipfile
import zlib

from plugins.common.errors import ContentError
from plugins.common.files import inside, safe_filename, write_atomic
from plugins.transcripts.chatfile import format_chat, parse_chat
from plugins.transcripts.importers.common import ImportOptions, fold_exclude
from plugins.transcripts.importers.registry import FORMATS, by_name, detect
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.model import Message, Transcript

logger = logging.getLogger(__name__)
REDRAW_SECONDS = 0.1


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``import-chat`` to the ``colloquy`` command."""
    parser = subparsers.add_parser(
        "import-chat",
        help="import a Slack, Discord, Telegram, WhatsApp, IRC, Mastodon or "
        "Matrix export (or a pasted hashtag chat) as a transcript",
        description="Write content/transcripts/SLUG.chat from a chat export. "
        "SOURCE is a file, a folder or a zip (several for IRC logs or a Mastodon "
        "status and its context).",
    )
    parser.add_argument("source", nargs="+", type=Path, metavar="SOURCE")
    parser.add_argument(
        "--format", default="auto", choices=("auto", *FORMATS), help="default: auto"
    )
    parser.add_argument("--channel", default="", help="channel, chat or room to take")
    parser.add_argument("--since", help="keep messages from DATE or 'DATE HH:MM' on")
    parser.add_argument("--until", help="keep messages up to DATE (whole day) or time")
    parser.add_argument("--title", default="", help="default: from the export")
    parser.add_argument("--slug", default="", help="default: made from the title")
    parser.add_argument(
        "--date", help="YYYY-MM-DD: the day of logs whose lines carry only times"
    )
    parser.add_argument(
        "--timezone",
        default="",
        help="IANA zone of exports without zones (WhatsApp, IRC), and of all times "
        "written (default: UTC / as the export gives them)",
    )
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="HANDLE",
        help="leave out this author's messages (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--name", action="append", default=[], metavar="HANDLE=NAME",
        help="show HANDLE (or a WhatsApp phone number) as NAME (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--keep-joins",
        action="store_true",
        help="keep joins, leaves and nick changes as system lines",
    )
    order = parser.add_mutually_exclusive_group()
    order.add_argument(
        "--day-first",
        dest="day_first",
        action="store_const",
        const=True,
        help="WhatsApp dates are DD/MM (default: inferred from the whole file)",
    )
    order.add_argument(
        "--month-first",
        dest="day_first",
        action="store_const",
        const=False,
        help="WhatsApp dates are MM/DD",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--force", action="store_true", help="replace an existing file")
    mode.add_argument(
        "--update",
        action="store_true",
        help="keep every message of an existing file and add only new ones",
    )
    parser.add_argument("--content", default="content", type=Path)
    parser.set_defaults(handler=import_chat)


def options_from(args: argparse.Namespace) -> ImportOptions:
    """Return the import options the command line asked for."""
    names = []
    for item in args.name:
        handle, sep, name = item.partition("=")
        if not sep or not handle.strip() or not name.strip():
            raise ContentError(f"expected HANDLE=NAME, got {item!r}", path="--name")
        names.append((handle.strip(), name.strip()))
    base = ImportOptions(timezone=args.timezone)
    zone = base.zone()
    return ImportOptions(
        channel=args.channel,
        since=_moment(args.since, "--since", zone, end=False),
        until=_moment(args.until, "--until", zone, end=True),
        title=args.title,
        slug=args.slug,
        exclude=fold_exclude(args.exclude),
        names=tuple(names),
        timezone=args.timezone,
        date=_day(args.date),
        keep_joins=args.keep_joins,
        day_first=args.day_first,
    )


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ContentError(
            f"expected YYYY-MM-DD, got {value!r}", path="--date"
        ) from None


def _moment(value: str | None, flag: str, zone, *, end: bool) -> datetime | None:
    if not value:
        return None
    try:
        if len(value) == 10:  # noqa: PLR2004 - a bare date covers the whole day
            day = datetime.combine(date.fromisoformat(value), datetime.min.time())
            moment = day + timedelta(days=1) if end else day
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ContentError(
            f"expected YYYY-MM-DD or 'YYYY-MM-DD HH:MM[+zone]', got {value!r}",
            path=flag,
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


class Progress:
    """A one-line progress bar on a terminal's stderr; silent anywhere else."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.stream = max(total, 1), 0, stream
        self.shown = 0.0

    def advance(self, size: int) -> None:
        """Count ``size`` more bytes read and redraw at most ten times a second."""
        self.done += size
        now = time.monotonic()
        if now - self.shown >= REDRAW_SECONDS:
            self.shown = now
            self._draw(min(self.done / self.total, 1.0))

    def close(self) -> None:
        """Draw the finished bar and end its line."""
        self._draw(1.0)
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, share: float) -> None:
        bar = "#" * int(share * 30)
        self.stream.write(
            f"\rreading [{bar:<30}] {share:4.0%} {self.done / 1e6:,.1f} MB"
        )
        self.stream.flush()


def read_export(
    paths: list[Path], options: ImportOptions, fmt: str = "auto"
) -> Transcript:
    """Open an export, pick its format and return the transcript."""
    with ExportSource.open(paths) as source:
        importer = by_name(fmt) if fmt != "auto" else detect(source)
        if fmt == "auto":
            logger.info("%s: detected a %s export", source.label, importer.name)
        progress = (
            Progress(source.total_size() * importer.passes, sys.stderr)
            if sys.stderr.isatty()
            else None
        )
        if progress:
            source.progress = progress.advance
        try:
            return importer.parse(source, options)
        except (RecursionError, zipfile.BadZipFile, zlib.error, EOFError) as err:
            raise ContentError(
                f"expected a readable {importer.name} export, "
                f"got {type(err).__name__}: {err}",
                path=source.label,
            ) from None
        except UnicodeDecodeError as err:
            raise ContentError(
                f"expected UTF-8 text, got {err.reason}", path=source.label
            ) from None
        finally:
            if progress:
                progress.close()


def merge(existing: Transcript, new: Transcript) -> Transcript:
    """Return ``existing`` with the messages and sections of ``new`` it lacks.

    Every existing message keeps its place, text and id; new ones go in by time.
    """
    known = {m.id for m in existing.messages}
    added = sorted((m for m in new.messages if m.id not in known), key=lambda m: m.time)
    merged: list[Message] = []
    index = 0
    for message in existing.messages:
        while index < len(added) and added[index].time < message.time:
            merged.append(added[index])
            index += 1
        merged.append(message)
    merged.extend(added[index:])
    sections = {s.id: s for s in existing.sections}
    new_sections = [s for s in new.sections if s.id not in sections]
    kept = {m.id for m in merged}
    known_sections = [
        *existing.sections,
        *(s for s in new_sections if s.first_message in kept),
    ]
    order = {m.id: i for i, m in enumerate(merged)}
    known_sections.sort(key=lambda s: order.get(s.first_message or "", len(order)))
    return Transcript(
        slug=existing.slug,
        title=existing.title,
        source=existing.source,
        messages=tuple(merged),
        date=existing.date,
        channel=existing.channel,
        hosts=existing.hosts,
        summary=existing.summary,
        status=existing.status,
        sections=tuple(known_sections),
        extra=existing.extra,
    )


def import_chat(args: argparse.Namespace) -> int:
    """Import the export and write the transcript; never clobber without asking."""
    options = options_from(args)
    transcript = read_export(args.source, options, args.format)
    name = safe_filename(transcript.slug) + ".chat"
    target = inside(args.content, "transcripts", name)
    if target.exists() and not (args.force or args.update):
        raise FileExistsError(
            f"{target}: a transcript with this slug exists; --update adds new "
            "messages, --force replaces it"
        )
    if target.exists() and args.update:
        existing = parse_chat(target.read_text(encoding="utf-8"), path=str(target))
        before = len(existing.messages)
        transcript = merge(existing, transcript)
        logger.info("%s: %d new messages", target, len(transcript.messages) - before)
    try:
        text = format_chat(transcript)
    except ValueError as err:
        raise ContentError(
            f"expected a transcript the .chat format can carry: {err}", path=str(target)
        ) from None
    if write_atomic(target, text, overwrite=args.force or args.update):
        logger.info("wrote %s (%d messages)", target, len(transcript.messages))
    else:
        logger.info("%s is already up to date", target)
    return 0
