"""``colloquy new-post``: start a post with a header Pelican and Colloquy accept."""

from __future__ import annotations

import argparse
from datetime import datetime
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican.utils import slugify

from plugins.common.files import inside, write_atomic

logger = logging.getLogger(__name__)


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``new-post`` to the ``colloquy`` command."""
    parser = subparsers.add_parser(
        "new-post",
        help="create a draft post in content/posts/",
        description="Create content/posts/YYYY-MM-DD-slug.md as a draft to edit.",
    )
    parser.add_argument("title", help="the post's title")
    parser.add_argument("--category", default="Essays", help="default: %(default)s")
    parser.add_argument("--tags", default="", help="comma-separated tags")
    parser.add_argument("--slug", help="default: made from the title")
    parser.add_argument(
        "--date", help="'YYYY-MM-DD HH:MM' in --timezone (default: now)"
    )
    parser.add_argument("--timezone", default="America/New_York")
    parser.add_argument("--content", default="content", type=Path)
    parser.set_defaults(handler=new_post)


def new_post(args: argparse.Namespace) -> int:
    """Write the draft; refuse to overwrite an existing post."""
    zone = ZoneInfo(args.timezone)
    when = (
        datetime.strptime(args.date, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
        if args.date
        else datetime.now(zone).replace(second=0, microsecond=0)
    )
    slug = args.slug or slugify(
        args.title, regex_subs=[(r"[^\w\s-]", ""), (r"[-\s]+", "-")]
    )
    name = f"{when:%Y-%m-%d}-{slug}.md"
    target = inside(args.content, "posts", name)
    header = [
        f"Title: {args.title}",
        f"Date: {when:%Y-%m-%d %H:%M}",
        f"Category: {args.category}",
    ]
    if args.tags:
        header.append(f"Tags: {args.tags}")
    header.append("Status: draft")
    text = "\n".join(header) + "\n\nWrite here.\n"
    if not write_atomic(target, text):
        raise FileExistsError(f"{target}: a post with this name exists already")
    logger.info("wrote %s", target)
    return 0
