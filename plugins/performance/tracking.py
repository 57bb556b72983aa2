"""Know which posts and pages a page read while it was being made.

While a page is rendered, every attribute read on a post or page object (from a
template, a filter, a plugin's Python) notes that object in the current
:class:`Reading`. The objects get these classes only when the output ledger is
on; otherwise reading them costs nothing extra.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
import logging
from typing import Any

from pelican.contents import Article, Page

from .urls import ArticleWithFixedUrl


class Reading:
    """What one page read: the posts and pages it touched, what it logged."""

    __slots__ = ("said", "touched")

    def __init__(self) -> None:
        self.touched: set[int] = set()  # id() of each tracked object read
        self.said: list[tuple[str, int, str]] = []  # (logger, level, message)


CURRENT: ContextVar[Reading | None] = ContextVar("colloquy_reading", default=None)


class TrackedArticle(ArticleWithFixedUrl):
    """A post that notes each read of it in the current :class:`Reading`."""

    def __getattribute__(self, name: str) -> Any:
        reading = CURRENT.get()
        if reading is not None:
            reading.touched.add(id(self))
        return object.__getattribute__(self, name)


class TrackedPage(Page):
    """A page that notes each read of it in the current :class:`Reading`."""

    def __getattribute__(self, name: str) -> Any:
        reading = CURRENT.get()
        if reading is not None:
            reading.touched.add(id(self))
        return object.__getattribute__(self, name)


# Pelican finds a page's URL settings by its class's name (PAGE_SAVE_AS...).
TrackedPage.__name__ = "Page"
TRACKED = (TrackedArticle, TrackedPage)


def track(contents: Iterable[Any]) -> None:
    """Give each post and page the class that notes reads of it."""
    for item in contents:
        if type(item) in (Article, ArticleWithFixedUrl):
            item.__class__ = TrackedArticle
        elif type(item) is Page:
            item.__class__ = TrackedPage


@contextmanager
def reading() -> Iterator[Reading]:
    """Note what the block reads and logs; an enclosing block sees it too."""
    outer = CURRENT.get()
    inner = Reading()
    token = CURRENT.set(inner)
    try:
        yield inner
    finally:
        CURRENT.reset(token)
        if outer is not None:
            outer.touched |= inner.touched
            outer.said.extend(inner.said)


class SaidHandler(logging.Handler):
    """Keep the warnings and errors logged while a page is made, to say them again.

    A page skipped on a later build would otherwise stay silent about, say, a
    broken link in its post; the ledger repeats what it said instead.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        """Add the record to the current reading, if a page is being made."""
        current = CURRENT.get()
        if current is not None:
            current.said.append((record.name, record.levelno, record.getMessage()))
