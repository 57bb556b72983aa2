"""Know which posts and pages a page read while it was being made.

While a page is rendered, every attribute read on a post or page object (from a
template, a filter, a plugin's Python) notes that object in the current
:class:`Reading`. The objects get these classes only when the output ledger is
on, and only once the first page is made in the process: until then (a rebuild
that leaves every page as it was, a twin checking feeds) reading them costs
nothing extra; noting every read costs 0.14 s of a 5,000-post rebuild.
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
    """What one page read: the posts and pages it touched, what it logged.

    A post read once is noted, then made quiet (given its untracked twin class)
    until the reading ends: a page reads the same post dozens of times, and only
    the first read needs to cost anything.
    """

    __slots__ = ("quieted", "said", "touched")

    def __init__(self) -> None:
        self.touched: set[int] = set()  # id() of each tracked object read
        self.said: list[tuple[str, int, str]] = []  # (logger, level, message)
        self.quieted: list[Any] = []

    def note(self, content: Any) -> None:
        """Note that ``content`` was read; stop noting its further reads."""
        self.touched.add(id(content))
        content.__class__ = QUIET[type(content)]
        self.quieted.append(content)

    def wake(self) -> None:
        """Make the objects quieted by this reading note reads again."""
        for content in self.quieted:
            content.__class__ = LOUD[type(content)]
        self.quieted.clear()


CURRENT: ContextVar[Reading | None] = ContextVar("colloquy_reading", default=None)


def _noting(self: Any, name: str) -> Any:
    """Read an attribute, noting the object in the current reading first."""
    reading = CURRENT.get()
    if reading is not None:
        reading.note(self)
    return object.__getattribute__(self, name)


class TrackedArticle(ArticleWithFixedUrl):
    """A post that notes its first read in the current :class:`Reading`."""

    __getattribute__ = _noting


class TrackedPage(Page):
    """A page that notes its first read in the current :class:`Reading`."""

    __getattribute__ = _noting


class QuietArticle(ArticleWithFixedUrl):
    """A tracked post already noted by the current reading."""


class QuietPage(Page):
    """A tracked page already noted by the current reading."""


# Pelican finds a page's URL settings by its class's name (PAGE_SAVE_AS...).
TrackedPage.__name__ = QuietPage.__name__ = "Page"
QUIET = {TrackedArticle: QuietArticle, TrackedPage: QuietPage}
LOUD = {quiet: loud for loud, quiet in QUIET.items()}
TRACKED = (TrackedArticle, TrackedPage, QuietArticle, QuietPage)


_UNTRACKED: list[Any] = []  # the build's posts and pages, until a page is made


def track(contents: Iterable[Any]) -> None:
    """Have each post and page note reads of it from the first reading on."""
    _UNTRACKED[:] = contents


def _start_tracking() -> None:
    """Give each post and page waiting for it the class that notes reads of it."""
    for item in _UNTRACKED:
        if type(item) in (Article, ArticleWithFixedUrl):
            item.__class__ = TrackedArticle
        elif type(item) is Page:
            item.__class__ = TrackedPage
    _UNTRACKED.clear()


@contextmanager
def reading() -> Iterator[Reading]:
    """Note what the block reads and logs; an enclosing block sees it too."""
    if _UNTRACKED:
        _start_tracking()
    outer = CURRENT.get()
    if outer is not None:
        outer.wake()  # so that this block notes the objects the outer one read
    inner = Reading()
    token = CURRENT.set(inner)
    try:
        yield inner
    finally:
        CURRENT.reset(token)
        inner.wake()
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
