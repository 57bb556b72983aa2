"""The cache of unchanged inputs' results a build may carry in its settings.

``plugins.performance`` puts one there when ``PERFORMANCE_READER_CACHE`` is on (or
a prefetch worker runs); a plugin asks for it with :func:`build_cache` and works
the same without it. What a plugin remembers must depend only on the key it gives,
the settings and the code (the cache is dropped when either of those changes).

A plugin may also offer that work ahead of time: connect a receiver to
:data:`prefetch`. ``plugins.performance`` sends it (sender: the articles generator,
before it reads anything) in a forked worker process, which computes the entries
from the end of the list while the build works from the start, and hands them to
the cache. The receiver returns ``[(key, compute), ...]`` in the order the plugin
will call ``remember(key, compute)``; it runs in the worker, so it may read files
but must not write any, and what it logs is dropped (a job that logs is left to
the build, which logs as usual).

Work the build needs only after every post is read (transcripts, say) is offered
through :data:`prefetch_later` instead: the worker does it once no post is left
for it to convert, while the build finishes its last posts and what follows them.

A plugin that will ask for many files' stamps may name their folders: a receiver
of :data:`survey` returns absolute folder paths (sender: the articles generator;
it runs in a helper process, so it must not write or log). The stamps of those
folders and of the files in them are then worked out ahead, and the cache's
:meth:`BuildCache.stamp` answers from them.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol, TypeVar

from blinker import signal

SETTINGS_KEY = "PERFORMANCE_CONVERSIONS"  # where each build's cache object lives
T = TypeVar("T")
PrefetchJob = tuple[str, Callable[[], Any]]  # (key, compute), as given to remember

prefetch = signal("colloquy_prefetch")
prefetch_later = signal("colloquy_prefetch_later")
survey = signal("colloquy_survey")


class BuildCache(Protocol):
    """Results of earlier builds, by key."""

    def remember(self, key: str, compute: Callable[[], T]) -> T:
        """Return the result kept for ``key``, or compute, keep and return it."""

    def by_stamp(self, stamp_key: str) -> Any | None:
        """Return the result kept for the key an earlier build noted for a stamp.

        A stamp key names a file as it is (see ``plugins.common.files``
        ``settled_stamp``); None when no build noted it or its result is gone.
        """

    def note_stamp(self, stamp_key: str, key: str) -> None:
        """Note that the file ``stamp_key`` names holds the input of ``key``."""

    def stamp(self, path: str) -> str | None:
        """Return ``settled_stamp(path)``, perhaps worked out ahead (:data:`survey`)."""


def build_cache(settings: dict[str, Any]) -> BuildCache | None:
    """Return this build's cache, or None when there is none."""
    cache = settings.get(SETTINGS_KEY)
    return cache if callable(getattr(cache, "remember", None)) else None


LEDGER_KEY = "PERFORMANCE_LEDGER"  # where each build's output ledger lives


class OutputLedger(Protocol):
    """What each output file was made from, so an unchanged one is not made again."""

    def output(
        self, path: str, inputs: object, *, follows_placement: bool = False
    ) -> AbstractContextManager[bool]:
        """Enter with True when ``path`` is up to date for ``inputs``, else False.

        Entered with False, the block makes and writes the file; what it reads of
        posts and pages and what it logs is recorded when it ends without error.
        ``inputs`` must hold everything the file is made from besides the shared
        template context and the posts and pages it reads. It may be a function
        returning them, called only by the process that makes the file, and
        outside the block: what it reads of posts is not noted (a feed's choice
        of its newest posts, say, so that a change to an older one leaves the
        feed alone). ``follows_placement``: ``inputs`` follow only from where
        posts are (their URLs, titles, dates: what they hold as read but their
        HTML), so they are as recorded while no post moved.
        """

    def kept_render(
        self, name: str, scope: tuple, args: tuple, make: Callable[[], str]
    ) -> str:
        """Return ``make()``, or what it returned in an earlier build.

        For a theme macro ``name`` rendered for ``args`` (posts and plain
        values) on pages of ``scope`` (their site URLs): taken from an earlier
        build when every post among ``args`` is as it was then, and the theme,
        settings and code too.
        """

    def together(self, group: str) -> AbstractContextManager[None]:
        """Have the files made in the block made by one process, if two make files.

        For files that share work (what one renders, the others reuse): it is
        then done once. ``group`` names the block's files, unique in the build.
        """


def made_together(settings: dict[str, Any], group: str) -> AbstractContextManager[None]:
    """Return a block whose output files one process makes (see ``together``)."""
    ledger = output_ledger(settings)
    return ledger.together(group) if ledger is not None else nullcontext()


def made_unless_fresh(
    settings: dict[str, Any],
    path: str,
    inputs: object,
    *,
    follows_placement: bool = False,
) -> AbstractContextManager[bool]:
    """Return the ledger's block for ``path`` (see ``output``).

    Without a ledger, the block is entered with False: the file is always made.
    """
    ledger = output_ledger(settings)
    if ledger is None:
        return nullcontext(False)
    return ledger.output(path, inputs, follows_placement=follows_placement)


def output_ledger(settings: dict[str, Any]) -> OutputLedger | None:
    """Return this build's output ledger, or None when there is none."""
    ledger = settings.get(LEDGER_KEY)
    return ledger if callable(getattr(ledger, "output", None)) else None
