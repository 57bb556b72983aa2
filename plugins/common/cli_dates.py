"""``--date`` and ``--timezone`` for the commands that start a dated draft post."""

from __future__ import annotations

import argparse
from datetime import datetime
import logging
from pathlib import Path
import runpy
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

logger = logging.getLogger(__name__)

# The sample site's TIMEZONE: "now" when no pelicanconf.py sits beside the content.
NOW_ZONE = "America/New_York"


def time_zone(text: str) -> ZoneInfo:
    """Return the IANA zone ``text`` names, or tell argparse it names none."""
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected a time zone such as 'Europe/Berlin', got {text!r}"
        ) from None


def site_timezone(content: Path) -> str | None:
    """Return the TIMEZONE of the pelicanconf.py beside ``content``, if there is one.

    Pelican reads a configuration without TIMEZONE as UTC; so does this. A file
    that cannot be run, or a zone that does not exist, is a warning and gives None.
    """
    conf = Path(content).resolve().parent / "pelicanconf.py"
    if not conf.is_file():
        return None
    try:
        # run_path, not an import: the file is not left behind in sys.modules
        zone = str(runpy.run_path(str(conf)).get("TIMEZONE") or "UTC")
        ZoneInfo(zone)
    except Exception as err:  # noqa: BLE001 - any failure of the user's own file
        logger.warning("%s: expected a site TIMEZONE, got %s", conf, err)
        return None
    return zone


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

    A naive date is written without a zone and read in the site's ``TIMEZONE``, so
    "now" is taken in that zone (from the pelicanconf.py beside ``args.content``).
    """
    if args.date is not None:
        return args.date.replace(tzinfo=args.timezone)
    site_zone = site_timezone(args.content) or NOW_ZONE
    now = datetime.now(args.timezone or ZoneInfo(site_zone))
    now = now.replace(second=0, microsecond=0)
    return now if args.timezone else now.replace(tzinfo=None)


def date_field(when: datetime) -> str:
    """Return ``when`` as a post's ``Date`` value, with its UTC offset if it has one."""
    text = f"{when:%Y-%m-%d %H:%M}"
    if when.tzinfo is None:
        return text
    offset = f"{when:%z}"
    return f"{text}{offset[:3]}:{offset[3:]}"
