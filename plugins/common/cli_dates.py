"""``--date`` and ``--timezone`` for the commands that start a dated draft post."""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

NOW_ZONE = "America/New_York"  # the sample site's TIMEZONE, for "now" without a zone


def time_zone(text: str) -> ZoneInfo:
    """Return the IANA zone ``text`` names, or tell argparse it names none."""
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected a time zone such as 'Europe/Berlin', got {text!r}"
        ) from None


def local_minute(text: str) -> datetime:
    """Return ``'YYYY-MM-DD HH:MM'`` as a datetime, or tell argparse it is not one."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 'YYYY-MM-DD HH:MM', got {text!r}"
        ) from None


def add_date_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--date`` and ``--timezone`` to a draft-writing command."""
    parser.add_argument(
        "--date", type=local_minute, help="'YYYY-MM-DD HH:MM' (default: now)"
    )
    parser.add_argument(
        "--timezone",
        type=time_zone,
        help="IANA zone of --date, written into the post's Date (default: no zone"
        " is written, so the site's TIMEZONE applies)",
    )


def draft_date(args: argparse.Namespace) -> datetime:
    """Return the draft's date: aware when ``--timezone`` named a zone, else naive.

    A naive date is written without a zone and read in the site's ``TIMEZONE``.
    """
    if args.date is not None:
        return args.date.replace(tzinfo=args.timezone)
    now = datetime.now(args.timezone or ZoneInfo(NOW_ZONE))
    now = now.replace(second=0, microsecond=0)
    return now if args.timezone else now.replace(tzinfo=None)


def date_field(when: datetime) -> str:
    """Return ``when`` as a post's ``Date`` value, with its UTC offset if it has one."""
    text = f"{when:%Y-%m-%d %H:%M}"
    if when.tzinfo is None:
        return text
    offset = f"{when:%z}"
    return f"{text}{offset[:3]}:{offset[3:]}"
