"""``colloquy import-blog``: bring an old blog's posts and comments into content/."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
import contextlib
import logging
from pathlib import Path
import sys
from typing import BinaryIO, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console
from rich.progress import Progress

from plugins.common.cli_dates import site_timezone
from plugins.migrate.blogger import looks_like_blogger, parse_blogger
from plugins.migrate.disqus import looks_like_disqus, parse_disqus
from plugins.migrate.model import MigrationError, Options, Record
from plugins.migrate.movabletype import (
    looks_like_movabletype,
    parse_movabletype_records,
)
from plugins.migrate.pelican_comments import (
    looks_like_comment_folders,
    parse_comment_folders,
)
from plugins.migrate.siteindex import post_urls
from plugins.migrate.writer import Summary, Writer
from plugins.migrate.wxr import looks_like_wxr, parse_wxr
from plugins.migrate.xmlsafe import read_head

logger = logging.getLogger(__name__)

FORMATS = ("auto", "wxr", "movabletype", "blogger", "disqus", "pelican-comments")
SOURCE_LABELS = {
    "wxr": "wordpress",
    "movabletype": "movabletype",
    "blogger": "blogger",
    "disqus": "disqus",
    "pelican-comments": "pelican-comment-system",
}
DEFAULT_ZONE = "America/New_York"  # without a pelicanconf.py beside the content


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``import-blog`` to the ``colloquy`` command."""
    parser = subparsers.add_parser(
        "import-blog",
        help="import a WordPress, Movable Type, Blogger or Disqus export",
        description="Write an old blog's posts to content/posts/ and its comments "
        "to content/perspectives/<post>/. Emails and IPs are never written.",
    )
    parser.add_argument("source", type=Path, help="the export file (or folder)")
    parser.add_argument("--format", choices=FORMATS, default="auto")
    parser.add_argument(
        "--posts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write posts and pages, not only comments (default: %(default)s)",
    )
    parser.add_argument("--drafts", action="store_true", help="import drafts too")
    parser.add_argument(
        "--pending",
        action="store_true",
        help="import comments held for moderation too (never spam)",
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite files that differ"
    )
    parser.add_argument("--content", type=Path, default=Path("content"))
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="OLD_URL=SLUG",
        help="say which post an old URL is (Disqus threads); repeatable",
    )
    parser.add_argument(
        "--timezone",
        help="zone of dates the export gives without one (default: the TIMEZONE of"
        f" the pelicanconf.py beside --content, else {DEFAULT_ZONE})",
    )
    parser.add_argument(
        "--avatar-salt",
        default="",
        help="site secret; when given, comments keep a salted hash of the email",
    )
    parser.set_defaults(handler=import_blog)


def detect_format(source: Path) -> str:
    """Return the format of ``source`` from its contents."""
    if source.is_dir():
        if looks_like_comment_folders(source):
            return "pelican-comments"
        raise MigrationError(
            "expected a pelican-comment-system folder (<slug>/<id>.md), got a folder"
            " without one",
            path=str(source),
        )
    head = read_head(source)
    for name, test in (
        ("wxr", looks_like_wxr),
        ("disqus", looks_like_disqus),
        ("blogger", looks_like_blogger),
        ("movabletype", looks_like_movabletype),
    ):
        if test(head):
            return name
    raise MigrationError(
        "expected a WordPress WXR, Movable Type, Blogger or Disqus export,"
        f" got {head[:40]!r}... (name it with --format)",
        path=str(source),
    )


def _read_text(source: Path) -> str:
    data = source.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        logger.warning("%s: not UTF-8; reading it as Windows-1252", source)
        return data.decode("cp1252", errors="replace")


class _Counting:
    """A binary file that reports how far it has been read (for the progress bar)."""

    def __init__(self, handle: BinaryIO, progress: Progress | None, task: int) -> None:
        self.handle, self.progress, self.task = handle, progress, task

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        if self.progress is not None:
            self.progress.update(self.task, completed=self.handle.tell())
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.handle.seek(offset, whence)


def records(
    fmt: str,
    source: Path,
    options: Options,
    content: Path,
    progress: Progress | None = None,
) -> Iterator[Record]:
    """Yield the records of ``source`` read as ``fmt``."""
    if not source.exists():
        raise MigrationError(
            "expected an export file, got nothing there", path=str(source)
        )
    if fmt == "wxr":
        task = (
            progress.add_task("reading", total=source.stat().st_size) if progress else 0
        )
        with source.open("rb") as handle:
            counting = _Counting(handle, progress, task)
            yield from parse_wxr(counting, path=str(source), options=options)  # type: ignore[arg-type]
    elif fmt == "movabletype":
        yield from parse_movabletype_records(
            _read_text(source), path=str(source), options=options
        )
    elif fmt == "blogger":
        yield from parse_blogger(source, options=options)
    elif fmt == "disqus":
        yield from parse_disqus(source, options=options, known=post_urls(content))
    else:
        yield from parse_comment_folders(source, options=options)


def run_import(
    source: Path,
    *,
    content: Path,
    options: Options | None = None,
    stream: TextIO | None = None,
    show_progress: bool = False,
) -> Summary:
    """Import ``source`` into ``content``; write the summary to ``stream``."""
    options = options or Options()
    if not source.exists():
        raise MigrationError(
            "expected an export file, got nothing there", path=str(source)
        )
    try:
        ZoneInfo(options.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MigrationError(
            f"expected a time zone such as 'Europe/Berlin', got {options.timezone!r}",
            path="--timezone",
        ) from None
    fmt = detect_format(source) if options.format == "auto" else options.format
    writer = Writer(
        content=content, source_label=SOURCE_LABELS[fmt], force=options.force
    )
    manager = (
        Progress(console=Console(stderr=True), transient=True)
        if show_progress
        else contextlib.nullcontext()
    )
    with manager as progress:
        counter = None
        if progress is not None and fmt != "wxr":  # WXR reports bytes read instead
            counter = progress.add_task("importing", total=None)
        for record in records(fmt, source, options, content, progress or None):
            writer.add(record, posts=options.posts)
            if counter is not None:
                progress.advance(counter)
    writer.finish()
    if stream is not None:
        stream.write(f"Imported {source} as {fmt} into {content}\n")
        writer.summary.report(stream)
    return writer.summary


def _parse_map(pairs: Iterable[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        old, sep, slug = pair.rpartition("=")
        if not sep or not old.strip() or not slug.strip():
            raise MigrationError(f"expected OLD_URL=SLUG, got {pair!r}", path="--map")
        mapping[old.strip()] = slug.strip()
    return mapping


def import_blog(args: argparse.Namespace) -> int:
    """Run the import the arguments describe and print its summary."""
    options = Options(
        drafts=args.drafts,
        posts=args.posts,
        timezone=args.timezone or site_timezone(args.content) or DEFAULT_ZONE,
        url_map=_parse_map(args.map),
        salt=args.avatar_salt,
        pending=args.pending,
        force=args.force,
        format=args.format,
    )
    run_import(
        args.source,
        content=args.content,
        options=options,
        stream=sys.stdout,
        show_progress=sys.stderr.isatty(),
    )
    return 0
