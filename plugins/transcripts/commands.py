"""``colloquy import-chat``: a chat export into ``content/transcripts/<slug>.chat``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
import logging
from pathlib import Path
import sys
import time
from typing import TextIO
import zipfile
import zlib

from plugins.common.errors import ContentError
from plugins.common.files import inside, safe_filename, write_atomic_stream
from plugins.transcripts.chatfile import iter_chat_events, read_chat_stream
from plugins.transcripts.importers.common import ImportOptions, Keeper, fold_exclude
from plugins.transcripts.importers.registry import FORMATS, Importer, by_name, detect
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.importers.spool import Spool
from plugins.transcripts.model import Message, Section, Transcript

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


@contextmanager
def _opened(paths: list[Path], fmt: str) -> Iterator[tuple[ExportSource, Importer]]:
    """Open an export and pick its format; a progress bar runs while it is read."""
    with ExportSource.open(paths) as source:
        importer = by_name(fmt) if fmt != "auto" else detect(source)
        if fmt == "auto":
            logger.info("%s: detected the %s format", source.label, importer.name)
        progress = (
            Progress(source.total_size() * importer.passes, sys.stderr)
            if sys.stderr.isatty()
            else None
        )
        if progress:
            source.progress = progress.advance
        try:
            yield source, importer
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


def read_export(
    paths: list[Path], options: ImportOptions, fmt: str = "auto"
) -> Transcript:
    """Open an export, pick its format and return the whole transcript."""
    with _opened(paths, fmt) as (source, importer):
        return importer.parse(source, options)


def spool_export(
    paths: list[Path], options: ImportOptions, fmt: str, spool: Spool
) -> tuple[Transcript, Keeper]:
    """Read an export into ``spool`` through the shared filters.

    Returns the transcript's header (without messages) and the keeper, which
    knows the ids kept and where sections start; the messages stay on disk.
    """
    with _opened(paths, fmt) as (source, importer):
        export = importer.read(source, options)
        keeper = Keeper(options, export.where)
        for message in export.messages:
            kept = keeper.take(message)
            if kept is not None:
                spool.add(kept)
        return keeper.header(export.about()), keeper


def body(spool: Spool, keeper: Keeper) -> Iterator[Message | Section]:
    """Yield the headings and messages of a new transcript in file order."""
    starts = {s.first_message: s for s in keeper.sections()}
    for message in spool:
        if (section := starts.get(message.id)) is not None:
            yield section
        yield keeper.linked(message)


@dataclass(slots=True)
class Merge:
    """An existing transcript with the new messages it lacks, as a stream.

    Every existing message and heading keeps its place, text and id; new
    messages go in by time, before the first existing message later than
    them; new headings go above their first message.
    """

    existing: Iterator[Message | Section]
    fresh: set[str]  # ids of the new messages the existing file lacks
    known_sections: set[str]
    existing_count: int
    added: int = 0

    def events(self, spool: Spool, keeper: Keeper) -> Iterator[Message | Section]:
        """Yield the merged headings and messages in file order."""
        opens: dict[str, list[Section]] = {}
        for section in keeper.sections():
            if section.id not in self.known_sections and section.first_message:
                opens.setdefault(section.first_message, []).append(section)
        new = (keeper.linked(m) for m in spool if m.id in self.fresh)
        waiting = next(new, None)
        held: list[Section] = []  # existing headings wait for their message
        for event in self.existing:
            if isinstance(event, Section):
                held.append(event)
                continue
            while waiting is not None and waiting.time < event.time:
                yield from opens.pop(waiting.id, ())
                yield waiting
                self.added += 1
                waiting = next(new, None)
            yield from held
            held = []
            yield from opens.pop(event.id, ())
            yield event
        while waiting is not None:
            yield from opens.pop(waiting.id, ())
            yield waiting
            self.added += 1
            waiting = next(new, None)
        yield from held


def _chat_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="\n") as handle:
        yield from handle


def _merge(target: Path, keeper: Keeper) -> tuple[Transcript, Merge]:
    """Return the header of the transcript at ``target`` and a merge into it.

    The file is read twice, as a stream: first for its ids (taken away from a
    copy of the new ids, so only the new messages' ids stay in memory twice),
    then for the merge itself.
    """
    header, events = read_chat_stream(_chat_lines(target), path=str(target))
    sections: set[str] = set()
    count = 0

    def ids() -> Iterator[str]:
        nonlocal count
        for event in events:
            if isinstance(event, Section):
                sections.add(event.id)
            else:
                count += 1
                yield event.id

    fresh = keeper.ids.difference(ids())
    _header, existing = read_chat_stream(_chat_lines(target), path=str(target))
    return header, Merge(existing, fresh, sections, count)


def _target(folder: Path, slug: str) -> Path:
    """Return where the transcript ``slug`` is written, refusing unsafe slugs.

    The slug is a URL and a file name: it must be portable as it is, and must not
    differ only in case from an existing transcript (one page on macOS/Windows).
    """
    name = safe_filename(slug) + ".chat"
    if name != slug + ".chat" or ".." in slug:
        # The build would refuse it too.
        raise ContentError(
            f"expected a slug of letters, digits, '-', '_' and '.', got {slug!r}",
            path="--slug",
        )
    target = inside(folder, name)
    twin = _case_twin(target)
    if twin is not None:
        raise FileExistsError(
            f"{twin}: a transcript whose slug differs only in case exists; on"
            " macOS and Windows both would be one page (choose another --slug)"
        )
    return target


def _refuse(target: Path) -> FileExistsError:
    return FileExistsError(
        f"{target}: a transcript with this slug exists; --update adds new "
        "messages, --force replaces it"
    )


def import_chat(args: argparse.Namespace) -> int:
    """Import the export and write the transcript; never clobber without asking.

    Messages stream from the export through the filters into a spool on disk,
    then, merged in time order (and with an existing file under --update), into
    a temporary file that replaces the transcript in one step.
    """
    options = options_from(args)
    overwrite = args.force or args.update
    folder = inside(args.content, "transcripts")
    if options.slug:  # known before reading: fail before the long part
        early = _target(folder, options.slug)
        if early.exists() and not overwrite:
            raise _refuse(early)
    folder.mkdir(parents=True, exist_ok=True)
    with Spool(folder) as spool:
        header, keeper = spool_export(args.source, options, args.format, spool)
        target = _target(folder, header.slug)
        if target.exists() and not overwrite:
            raise _refuse(target)
        merge = None
        if target.exists() and args.update:
            header, merge = _merge(target, keeper)
            events = merge.events(spool, keeper)
        else:
            events = body(spool, keeper)
        try:
            written = write_atomic_stream(
                target, iter_chat_events(header, events), overwrite=overwrite
            )
        except ValueError as err:
            raise ContentError(
                f"expected a transcript the .chat format can carry: {err}",
                path=str(target),
            ) from None
    if merge is not None:
        logger.info("%s: %d new messages", target, merge.added)
    if written:
        total = keeper.count if merge is None else merge.existing_count + merge.added
        logger.info("wrote %s (%d messages)", target, total)
    else:
        logger.info("%s is already up to date", target)
    return 0


def _case_twin(target: Path) -> Path | None:
    """Return another file in ``target``'s folder whose name differs only in case."""
    if not target.parent.is_dir():
        return None
    folded = target.name.lower()
    for sibling in sorted(target.parent.iterdir()):
        if sibling.name != target.name and sibling.name.lower() == folded:
            return sibling
    return None
