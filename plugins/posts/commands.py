"""``colloquy new-post``: start a post with a header Pelican and Colloquy accept."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pelican.utils import slugify

from plugins.common.cli_dates import add_date_arguments, date_field, draft_date
from plugins.common.files import inside, safe_filename, write_atomic

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
    add_date_arguments(parser)
    parser.add_argument("--content", default="content", type=Path)
    parser.set_defaults(handler=new_post)


def new_post(args: argparse.Namespace) -> int:
    """Write the draft; refuse to overwrite an existing post."""
    when = draft_date(args)
    slug = safe_filename(
        args.slug
        or slugify(args.title, regex_subs=[(r"[^\w\s-]", ""), (r"[-\s]+", "-")]),
        fallback="post",
    )
    name = f"{when:%Y-%m-%d}-{slug}.md"
    target = inside(args.content, "posts", name)
    header = [
        f"Title: {args.title}",
        f"Date: {date_field(when)}",
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
