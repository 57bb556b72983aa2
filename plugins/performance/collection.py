"""Keep what a build has made out of the garbage collector's full scans.

A full collection walks every live object, and one runs each time the heap has
grown by a quarter: a rebuild of 5,000 posts spent 0.4 s in six of them, walking
the same posts, perspectives and parsed transcripts again and again. Once a step
of the build has made what later steps keep (the posts read, the perspectives
attached, the contexts done, and before each fork), what lives then is frozen:
later collections look only at what is newer. The young generations are collected
first; older garbage (little, within one build) is frozen with the rest.

Everything is given back to the collector when the build ends, failed or not. A
process that builds again (``pelican --autoreload``, the tests) would otherwise
freeze the last build's leftovers anew before Python's own rule ever collected
them, so the next build starts with the full collection Python would have made:
when what the last build held has grown by a quarter since the last one. A
process that builds once (``pelican``, ``make html``) never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
import functools
import gc
from typing import Any

from pelican import Pelican

from .patching import wrap_once

GROWTH = 1.25  # Python's own rule: collect all once the old objects grew by a quarter


def freeze_what_lives(*_signal_args: Any, **_signal_kwargs: Any) -> None:
    """Collect the young generations, then freeze everything still alive."""
    gc.collect(1)
    gc.freeze()


@contextmanager
def kept_from_collection() -> Iterator[None]:
    """Collect nothing while the block makes what the build keeps; then freeze it.

    For bulk loading of acyclic data (the build cache: 65,000 entries at 5,000
    posts, whose growth set off three full collections, 0.09 s). Frozen without
    a collection first: the block made no garbage to find.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def releasing(run: Callable[[Pelican], None]) -> Callable[[Pelican], None]:
    """Wrap Pelican's ``run``: collect what an earlier build left, unfreeze after."""
    alive_after_collecting = 0  # objects alive after this process's last collection
    held_by_last_build = 0  # objects the last build had frozen when it ended

    @functools.wraps(run)
    def run_then_release(pelican: Pelican) -> None:
        nonlocal alive_after_collecting, held_by_last_build
        if held_by_last_build > alive_after_collecting * GROWTH:
            gc.collect()
            alive_after_collecting = _alive()
        try:
            run(pelican)
        finally:
            held_by_last_build = gc.get_freeze_count()
            gc.unfreeze()

    return run_then_release


def _alive() -> int:
    """Return how many objects the collector tracks (a freeze counts them at once)."""
    gc.freeze()
    try:
        return gc.get_freeze_count()
    finally:
        gc.unfreeze()


def install() -> None:
    """Make every build give back what it froze."""
    wrap_once(Pelican, "run", releasing)
