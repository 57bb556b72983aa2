"""Use the second core while pages are written: a forked twin makes some of them.

Once every generator has its content and the output ledger is open, the build
forks ONE twin. Both run every generator's output step, but each page and feed the
ledger knows is made by the one that claims it first (see .claims; pages that share
work are claimed as a group): the other only notes the file as written, as for an
up-to-date page. The twin makes what it claimed, then,
instead of copying static files, sends the ledger's records of its pages and what
it logged to the build and ends with ``os._exit``. The build, after its own last
generator, waits for the twin, takes its records and logs what it logged, then
finishes as usual (only the build runs ``finalized``: CSS, the ledger's file, the
report). What both twins write outside the ledger (redirect maps, anchors) is
written atomically and identically by each. A twin that fails makes the build
fail with its error, as the same failure in one process would.

When the ledger expects few files to be made (a rebuild after a small change),
most of the output step is checking, and walking every generator in both
processes would do half of it twice (planning the feeds, paginating the
listings: 0.35 s at 5,000 posts). Then whole generators are shared instead: the
build takes them from the first, the twin from the last, each claiming a
generator before running it. A generator that reads what earlier ones wrote
(``reads_earlier_outputs()``, the reblog pages when they plan redirects) stays
in the build with every generator before it, and so do the static files.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import traceback
from typing import Any
import weakref

from pelican.generators import StaticGenerator

from .claims import Claims
from .forking import end_helper, fork_with_pipe
from .ledger import OutputLedger
from .prefetch import Frames, frame
from .static import ThemeStaticGenerator

logger = logging.getLogger(__name__)

BUILD, TWIN = 0, 1
SKIPPED_BY_TWIN = (StaticGenerator, ThemeStaticGenerator)  # copies, not atomic


class Forwarder(logging.Handler):
    """In the twin: keep each warning and error, for the build to log."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's logger, level and message."""
        self.records.append((record.name, record.levelno, record.getMessage()))


def split(ledger: OutputLedger, generators: list[Any]) -> None:
    """Fork the twin and share the output step with it (no fork: do nothing).

    Not when a post or page replaces another file (``Save_as: index.html`` for a
    home page): Pelican lets it overwrite what was written before it, which only
    holds within one process.
    """
    if any(hasattr(content, "override_save_as") for content in ledger.contents):
        return
    claims = Claims()
    writing = _writing(generators)
    movable = _movable(writing) if ledger.few_to_make() else []
    forked = fork_with_pipe()
    if forked is None:
        return
    pid, fd = forked
    if pid == 0:
        _become_twin(ledger, writing, fd, claims, movable)
        return
    # Whatever happens before the build's output steps end (an error in another
    # receiver, Ctrl-C), the twin is killed and reaped when the ledger goes.
    weakref.finalize(ledger, end_helper, pid, os.getpid())
    if movable:
        for generator in movable:
            generator.generate_output = _claimed_by(generator, claims, BUILD)
    else:
        ledger.share(BUILD, claims)
    _wait_after_last(ledger, writing, pid, fd)


def _movable(writing: list[Any]) -> list[Any]:
    """Return the generators the twin may take whole, in the build's order."""
    last_reader = max(
        (
            index
            for index, generator in enumerate(writing)
            if getattr(generator, "reads_earlier_outputs", lambda: False)()
        ),
        default=-1,
    )
    return [
        generator
        for generator in writing[last_reader + 1 :]
        if not isinstance(generator, SKIPPED_BY_TWIN)
    ]


def _key(generator: Any) -> str:
    return f"generator:{type(generator).__module__}.{type(generator).__qualname__}"


def _claimed_by(generator: Any, claims: Claims, role: int) -> Any:
    """Return ``generator``'s output step, run only if ``role`` claims it first."""
    method = generator.generate_output

    def run(writer: Any) -> None:
        if claims.claim(_key(generator), role):
            method(writer)

    return run


def _become_twin(
    ledger: OutputLedger,
    writing: list[Any],
    fd: int,
    claims: Claims,
    movable: list[Any],
) -> None:
    """Make this process the twin: the pages it claims, then report and end."""
    if not movable:
        ledger.share(TWIN, claims)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    forwarder = Forwarder()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler is not ledger.said_handler:
            root.removeHandler(handler)  # the build prints; the twin forwards
    root.addHandler(forwarder)

    def report(outcome: Any) -> None:
        try:
            data = frame("twin", outcome)
            while data:
                data = data[os.write(fd, data) :]
        finally:
            os._exit(0)

    def guarded(method: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except BaseException:  # noqa: BLE001 (the build raises it, as its own)
                report(("failed", traceback.format_exc(), forwarder.records))
            return None

        return run

    if movable:
        # From the last generator back, each one the build has not claimed yet.
        steps = [_claimed_by(g, claims, TWIN) for g in reversed(movable)]

        def take_from_the_end(writer: Any) -> None:
            for step in steps:
                step(writer)

        for generator in writing:
            generator.generate_output = lambda writer: None
        writing[0].generate_output = guarded(take_from_the_end)
    else:
        for generator in writing:
            if isinstance(generator, SKIPPED_BY_TWIN):
                generator.generate_output = lambda writer: None
            else:
                generator.generate_output = guarded(generator.generate_output)
    last = writing[-1]
    done = last.generate_output

    def finish(writer: Any) -> None:
        done(writer)
        report(("done", ledger.handed_over(), forwarder.records))

    last.generate_output = finish


def _writing(generators: list[Any]) -> list[Any]:
    """Return the generators that have an output step, in Pelican's order."""
    return [g for g in generators if hasattr(g, "generate_output")]


def _wait_after_last(
    ledger: OutputLedger, generators: list[Any], pid: int, fd: int
) -> None:
    """After the build's last generator, take the twin's pages and words.

    If the build fails before that, the twin is stopped and reaped at once.
    """
    received: list[tuple] = []

    def stopping(method: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except BaseException:
                if not received:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    received.append(_receive(pid, fd))
                raise

        return run

    for generator in generators[:-1]:
        generator.generate_output = stopping(generator.generate_output)
    last = generators[-1]
    done = stopping(last.generate_output)

    def finish(writer: Any) -> None:
        done(writer)
        outcome = _receive(pid, fd)
        kind, payload, said = outcome
        for name, level, message in said:
            logging.getLogger(name).log(level, message)
        if kind != "done":
            raise RuntimeError(f"the page-writing twin failed:\n{payload}")
        ledger.take_over(payload)

    last.generate_output = finish


def _receive(pid: int, fd: int) -> tuple[str, Any, list]:
    """Read the twin's one message, reap it; a twin that died says so."""
    frames, found, status = Frames(), [], None
    try:
        while not found:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            found = frames.feed(chunk)
    finally:
        os.close(fd)
        with contextlib.suppress(ChildProcessError):
            _, status = os.waitpid(pid, 0)
    if not found:
        return ("failed", f"it ended without a word (status {status})", [])
    return found[0][1]
