"""Use the second core: a forked worker computes what the build is about to read.

Pelican reads posts one after the other in one process. Early in the build (when
the articles generator is ready, before it reads anything) this module forks ONE
worker. It first does the work other plugins offer through
:data:`plugins.common.buildcache.prefetch` (parsing perspectives, which the build
needs only after the last post), then converts the posts starting from the END of
the order the build reads them in. It streams each result (cache key, entry) back
through a pipe; the build, before computing an entry, takes what has arrived
(:meth:`Prefetcher.take`). The build marks each key it asks for in a shared bitmap
and the worker skips marked keys, so the two meet somewhere in the posts, each
having done about half of the work, and little is done twice. With no post left,
the worker does what plugins offer through
:data:`plugins.common.buildcache.prefetch_later` (parsing transcripts), then
compiles the theme's templates, whose code the build keeps for its pages to load
(see :mod:`plugins.performance.templates`).

The worker writes no file: its standard output and error go to ``/dev/null``, a
job that logs or shows a warning, or raises, is dropped and left to the build,
which computes it and reports as it always did; it ends with ``os._exit``.
The build stops and reaps it once every generator has read its content; a build
that fails stops it when the next run starts, when the cache object is collected
or when the process exits. A worker whose parent died stops by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import contextlib
import fcntl
import logging
import mmap
import os
import pickle
import struct
import sys
from typing import Any
import warnings
import weakref
import zlib

from pelican.utils import file_suffix

from plugins.common.buildcache import PrefetchJob, prefetch, prefetch_later
from plugins.common.files import read_text
from plugins.performance.forking import end_helper, fork_with_pipe
from plugins.performance.readcache import CachingPostReader, post_key
from plugins.performance.templates import prefetch_templates

CLAIM_BITS = 1 << 19  # 64 kB of "the build has asked for this key" marks
PIPE_BYTES = 1 << 20  # ask Linux for a 1 MB pipe: fewer stalls while the build is busy
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
FRAME = struct.Struct("!I")  # length of the pickled (key, entry) that follows
READ_BYTES = 1 << 20
MISSING: Any = object()


def can_fork() -> bool:
    """Tell whether this platform runs a forked worker (Linux only)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def usable_cores() -> int:
    """Return how many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def frame(key: str, entry: Any) -> bytes:
    """Return ``(key, entry)`` as one message for the pipe."""
    blob = pickle.dumps((key, entry), pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(blob)) + blob


class Frames:
    """Messages reassembled from the pipe's bytes, however they were split."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[tuple[str, Any]]:
        """Add ``chunk``; return the (key, entry) messages it completed."""
        self._buffer += chunk
        buffer, start, found = self._buffer, 0, []
        while len(buffer) - start >= FRAME.size:
            (size,) = FRAME.unpack_from(buffer, start)
            end = start + FRAME.size + size
            if len(buffer) < end:
                break
            found.append(pickle.loads(buffer[start + FRAME.size : end]))
            start = end
        del buffer[:start]
        return found


def _bit(key: str) -> tuple[int, int]:
    index = zlib.crc32(key.encode("utf-8", "surrogatepass")) & (CLAIM_BITS - 1)
    return index >> 3, 1 << (index & 7)


class Prefetcher:
    """The parent's handle on one worker: its results so far, its claims, its end."""

    def __init__(self, pid: int, fd: int, claims: mmap.mmap) -> None:
        self.pid = pid
        self._fd = fd
        self._claims = claims
        self._frames = Frames()
        self._results: dict[str, Any] = {}
        self._done = False  # the worker closed its end (finished or died)
        self._stop = weakref.finalize(self, _end_worker, pid, fd, claims, os.getpid())

    def take(self, key: str) -> tuple[Any] | None:
        """Return ``(entry,)`` if the worker computed ``key``; else claim it, None."""
        if self.stopped:
            return None
        if key not in self._results:
            self._claim(key)
            self.collect(wait=False)
        entry = self._results.pop(key, MISSING)
        return None if entry is MISSING else (entry,)

    def take_all(self, prefix: str) -> dict[str, Any]:
        """Return every result arrived so far whose key starts with ``prefix``."""
        if self.stopped:
            return {}
        self.collect(wait=False)
        keys = [key for key in self._results if key.startswith(prefix)]
        return {key: self._results.pop(key) for key in keys}

    def collect(self, *, wait: bool) -> None:
        """Take the results that arrived (``wait``: all, until the worker is done)."""
        if self._done or not self._stop.alive:
            return
        os.set_blocking(self._fd, wait)
        while True:
            try:
                chunk = os.read(self._fd, READ_BYTES)
            except BlockingIOError:
                break
            if not chunk:
                self._done = True
                break
            self._results.update(self._frames.feed(chunk))

    def stop(self) -> None:
        """Stop the worker (if still running) and reap it; idempotent."""
        self._stop()
        self._results.clear()

    @property
    def stopped(self) -> bool:
        """Tell whether the worker was stopped and reaped."""
        return not self._stop.alive

    def _claim(self, key: str) -> None:
        offset, mask = _bit(key)
        self._claims[offset] |= mask


def _end_worker(pid: int, fd: int, claims: mmap.mmap, owner: int) -> None:
    """Kill and reap the worker, close the pipe (only in the process that forked)."""
    if end_helper(pid, owner):
        os.close(fd)
        claims.close()


def start(
    phases: Iterable[Callable[[], list[PrefetchJob]]], known: Callable[[str], bool]
) -> Prefetcher | None:
    """Fork the worker; it does each phase's jobs last to first (None: no fork)."""
    claims = mmap.mmap(-1, CLAIM_BITS // 8)
    parent = os.getpid()
    forked = fork_with_pipe()
    if forked is None:
        claims.close()
        return None
    pid, fd = forked
    if pid == 0:  # the worker: never returns
        try:
            with contextlib.suppress(OSError):  # a smaller pipe means more waiting
                fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
            _work(list(phases), known, claims, fd, parent)
        finally:
            os._exit(0)
    return Prefetcher(pid, fd, claims)


def _work(
    phases: list[Callable[[], list[PrefetchJob]]],
    known: Callable[[str], bool],
    claims: mmap.mmap,
    fd: int,
    parent: int,
) -> None:
    """Run every phase's jobs, last first, streaming results; skip claimed keys."""
    reported = _silence()
    pending = bytearray()
    os.set_blocking(fd, False)
    for phase in phases:
        try:
            jobs = phase()
        except Exception:  # noqa: BLE001 (the build lists and reports it itself)
            continue
        for key, compute in reversed(jobs):
            if os.getppid() != parent:
                return
            offset, mask = _bit(key)
            if claims[offset] & mask or known(key):
                continue
            reported.clear()
            try:
                message = frame(key, compute())
            except Exception:  # noqa: BLE001 (the build computes it and reports)
                continue
            if not reported:
                pending += message
                _send(fd, pending)
    os.set_blocking(fd, True)
    _send(fd, pending)


def _send(fd: int, pending: bytearray) -> None:
    """Write as much of ``pending`` as the pipe takes, removing what was written."""
    while pending:
        try:
            written = os.write(fd, pending)
        except BlockingIOError:
            return
        del pending[:written]


def _silence() -> list[bool]:
    """Keep the worker from printing or logging; return the "a job reported" flag."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    reported: list[bool] = []

    def drop(*args: object, **kwargs: object) -> None:
        reported.append(True)

    # Every enabled logging call, and every warning the filters let through (those
    # that would raise still raise), ends here: the build would have shown it.
    logging.Logger._log = drop  # type: ignore[method-assign]
    warnings.showwarning = drop
    return reported


def post_jobs(generator: Any) -> list[PrefetchJob]:
    """Return (key, convert) for the posts ``generator`` will read, in its order."""
    settings = generator.settings
    readers = generator.readers.readers
    jobs = []
    for name in generator.get_files(
        settings["ARTICLE_PATHS"], exclude=settings["ARTICLE_EXCLUDES"]
    ):
        reader = readers.get(file_suffix(name))
        if not isinstance(reader, CachingPostReader):
            continue
        source = os.path.abspath(os.path.join(generator.path, name))
        try:
            text = read_text(source, os.path.relpath(source, settings["PATH"]))
        except OSError:
            continue  # the build reads it again, and says what is wrong
        key = post_key(text)
        if key is not None:
            jobs.append((key, _converter(reader, text)))
    return jobs


def _converter(reader: CachingPostReader, text: str) -> Callable[[], Any]:
    return lambda: reader.fresh_entry(text)


def offered_jobs(generator: Any, offer: Any = prefetch) -> list[PrefetchJob]:
    """Return the jobs plugins offer through ``offer``, in their order."""
    jobs: list[PrefetchJob] = []
    for _receiver, offered in offer.send(generator):
        jobs.extend(offered or ())
    return jobs


def start_for(generator: Any, known: Callable[[str], bool]) -> Prefetcher | None:
    """Fork the worker for the articles ``generator`` is about to read."""
    return start(
        [
            lambda: offered_jobs(generator),
            lambda: post_jobs(generator),
            lambda: offered_jobs(generator, prefetch_later),
            lambda: prefetch_templates(generator),
        ],
        known,
    )
