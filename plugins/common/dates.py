"""Dates from content and exports: never completed from the clock."""

from __future__ import annotations

from datetime import datetime
import re
import warnings

from dateutil import parser as dateparser
from dateutil.parser import UnknownTimezoneWarning

# Two defaults that differ in year, month and day: a part the text does not name
# comes out different from each, so it is caught instead of taken from today.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))
# A complete date and local time, as posts write them: fromisoformat reads it as
# dateutil would, at a tenth of the cost. Anything else goes the long way.
_PLAIN = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?"
)


def plain_date(text: str) -> datetime | None:
    """Return a plain ISO date (``2024-05-01 10:32``) read by fromisoformat, or None.

    None means "not plain, or not a real date": the caller goes the long way,
    which then reports what is wrong.
    """
    if _PLAIN.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None  # e.g. month 13
    return None


def parse_complete_date(text: str) -> datetime:
    """Return ``text`` as a datetime, refusing one without its year, month or day.

    dateutil (and Pelican's ``get_date``) fill missing parts from today, so
    ``May 2024`` would be a different day on every build.
    """
    plain = plain_date(text)
    if plain is not None:
        return plain
    first, second = (dateparser.parse(text, default=d) for d in _DEFAULTS)
    if first.date() != second.date():
        raise ValueError(f"expected a date with year, month and day, got {text!r}")
    return first


class ZoneNameError(ValueError):
    """A date whose zone is given by a name (``EST``), not a UTC offset."""


def refuse_zone_names(text: str) -> None:
    """Raise :class:`ZoneNameError` if dateutil would drop a zone name in ``text``.

    It reads ``2024-05-01 10:32 EST`` as 10:32 in whatever zone the site is in.
    """
    if plain_date(text) is not None:
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnknownTimezoneWarning)
        try:
            dateparser.parse(text)
        except (ValueError, OverflowError):
            return  # not a date at all: the caller's own parse says so
    if any(issubclass(w.category, UnknownTimezoneWarning) for w in caught):
        raise ZoneNameError(
            "expected a UTC offset such as '2024-05-01 10:32-05:00', "
            f"got a zone name in {text!r}"
        )
