"""``colloquy reblog URL``: start a draft post that reblogs someone else's post."""

from __future__ import annotations

import argparse
from datetime import datetime
import html
import logging
from pathlib import Path

from pelican.utils import slugify

from plugins.common.cli_dates import add_date_arguments, date_field, draft_date
from plugins.common.dates import parse_complete_date, refuse_zone_names
from plugins.common.files import inside, safe_filename, write_atomic
from plugins.common.sanitize import safe_url

from .extract import Original, read_original
from .fetch import FetchError, fetch_page
from .markdown import html_to_markdown, quote_markdown
from .model import field_text

logger = logging.getLogger(__name__)
MAX_BYTES = 2_000_000


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``reblog`` to the ``colloquy`` command."""
    parser = subparsers.add_parser(
        "reblog",
        help="start a draft post reblogging a post elsewhere",
        description="Fetch URL, read its h-entry (or Open Graph, or title and first "
        "paragraph) and write content/posts/YYYY-MM-DD-slug.md as a draft reblog "
        "with the excerpt quoted and attributed.",
    )
    parser.add_argument("url", help="the post to reblog (http or https)")
    parser.add_argument("--content", default="content", type=Path)
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    parser.add_argument("--via", default="", help="the blog where you found it")
    parser.add_argument("--category", default="Notes", help="default: %(default)s")
    parser.add_argument("--slug", help="default: made from the original's title")
    add_date_arguments(parser)
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds (default: %(default)s)"
    )
    parser.add_argument(
        "--max-chars",
        type=int,
        default=600,
        help="longest excerpt, in characters (default: %(default)s)",
    )
    parser.set_defaults(handler=reblog)


def reblog(args: argparse.Namespace) -> int:
    """Fetch the page and write the draft; refuse to overwrite without --force."""
    if args.via and safe_url(args.via) != args.via:
        logger.error("--via: expected an http(s) URL, got %r", args.via)
        return 2
    try:
        page = fetch_page(args.url, timeout=args.timeout, max_bytes=MAX_BYTES)
    except FetchError as err:
        logger.error("%s", err)
        return 1
    original = read_original(page.html, page.url)
    logger.info("read %s from its %s", original.url, original.found_in)
    when = draft_date(args)
    slug = safe_filename(
        args.slug
        or slugify(original.title, regex_subs=[(r"[^\w\s-]", ""), (r"[-\s]+", "-")]),
        fallback="reblog",
    )
    target = inside(args.content, "posts", f"{when:%Y-%m-%d}-{slug}.md")
    text = draft_text(original, when=when, category=args.category, via=args.via,
                      max_chars=args.max_chars)  # fmt: skip
    if not write_atomic(target, text, overwrite=args.force):
        if target.exists() and target.read_text(encoding="utf-8") == text:
            logger.info("%s is up to date", target)
            return 0
        raise FileExistsError(
            f"{target}: a post with this name exists already (--force replaces it)"
        )
    logger.info("wrote %s", target)
    return 0


def draft_text(
    original: Original, *, when: datetime, category: str, via: str, max_chars: int
) -> str:
    """Return the draft post: a header with the attribution, then the quote."""
    header = [
        ("Title", html.escape(original.title, quote=False)),  # a post title is HTML
        ("Date", date_field(when)),
        ("Category", category),
        ("Status", "draft"),
        ("Reblog-Of", original.url),
        ("Reblog-Title", original.title),
        ("Reblog-Author", original.author),
        ("Reblog-Author-Url", original.author_url),
        ("Reblog-Date", _date(original.published)),
        ("Reblog-Via", via if via and via != original.url else ""),
    ]
    lines = [
        f"{key}: {field_text(value)}" for key, value in header if field_text(value)
    ]
    excerpt = trim_markdown(html_to_markdown(original.excerpt), max_chars)
    body = quote_markdown(excerpt) + "\n\n" if excerpt else ""
    return "\n".join(lines) + "\n\n" + body + "Write here why it is worth reading.\n"


def trim_markdown(markdown: str, max_chars: int) -> str:
    """Return whole leading blocks of ``markdown`` up to about ``max_chars``."""
    kept: list[str] = []
    size = 0
    for block in markdown.split("\n\n"):
        if kept and size + len(block) > max_chars:
            break
        kept.append(block)
        size += len(block)
    text = "\n\n".join(kept)
    if len(text) > max_chars * 2:  # one enormous first paragraph
        text = text[:max_chars].rsplit(" ", 1)[0].rstrip("\\") + " […]"
    return text


def _date(published: str) -> str:
    if not published:
        return ""
    try:
        refuse_zone_names(published)  # 'EST' would be dropped: a wrong time
        when = parse_complete_date(published)  # never a day made up from today
    except (ValueError, OverflowError):
        return ""
    if when.tzinfo is None:
        return f"{when:%Y-%m-%d %H:%M}"
    return when.isoformat(sep=" ", timespec="minutes")
