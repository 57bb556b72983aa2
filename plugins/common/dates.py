"""Dates from content and exports: never completed from the clock."""

from __future__ import annotations

from datetime import datetime

from dateutil import parser as dateparser

# Two defaults that differ in year, month and day: a part the text does not name
# comes out different from each, so it is caught instead of taken from today.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


def parse_complete_date(text: str) -> datetime:
    """Return ``text`` as a datetime, refusing one without its year, month or day.

    dateutil (and Pelican's ``get_date``) fill missing parts from today, so
    ``May 2024`` would be a different day on every build.
    """
    first, second = (dateparser.parse(text, default=d) for d in _DEFAULTS)
    if first.date() != second.date():
        raise ValueError(f"expected a date with year, month and day, got {text!r}")
    return first
