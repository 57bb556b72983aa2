"""Files' stamps worked out ahead, by a forked helper, while the build reads posts.

Perspectives are found by their files' stamps (see ``plugins.perspectives``):
30,000 ``stat`` calls at 5,000 posts, 75 ms of one core once every post is read.
The folders a plugin names through ``plugins.common.buildcache.survey`` are
stat'ed, with every file in them, by a helper forked as the build starts to read
posts, on the other core; the build cache then answers ``stamp(path)`` from what
it found, once for each path, and stats anything else itself. A file changed
after the helper saw it is seen as it was then, as if changed just after the
build read it: the next build sees the change.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from typing import Any
import weakref

from plugins.common.buildcache import survey
from plugins.common.files import settled_stamp

from .forking import end_helper, fork_with_pipe

MISSING = object()


class Survey:
    """The helper stat'ing the surveyed folders, then what it found."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid, self._fd = pid, fd
        self._found: dict[str, str | None] | None = None
        self._finalizer = weakref.finalize(self, end_helper, pid, os.getpid())

    @classmethod
    def start(cls, generator: Any) -> Survey | None:
        """Fork the helper for ``generator``'s build; None when none can start."""
        if not survey.receivers:
            return None
        forked = fork_with_pipe()
        if forked is None:
            return None
        pid, fd = forked
        if pid == 0:
            try:
                folders = [
                    folder
                    for _, named in survey.send(generator)
                    for folder in named or ()
                ]
                data = pickle.dumps(stamps_of(folders), pickle.HIGHEST_PROTOCOL)
                with os.fdopen(fd, "wb") as pipe:
                    pipe.write(data)
            finally:
                os._exit(0)
        return cls(pid, fd)

    def stamp(self, path: str) -> Any:
        """Return the stamp found for ``path`` (asked once), or ``MISSING``."""
        if self._found is None:
            self._found = self._receive()
        return self._found.pop(path, MISSING)

    def _receive(self) -> dict[str, str | None]:
        """Wait for the helper's stamps and reap it; nothing if it failed."""
        try:
            with os.fdopen(self._fd, "rb") as pipe:
                found = pickle.loads(pipe.read())
        except Exception:  # noqa: BLE001 (no stamps: the build stats every file)
            found = {}
        finally:
            self._finalizer()
        return found if isinstance(found, dict) else {}

    def stop(self) -> None:
        """End the helper unless its stamps were taken; reap it."""
        if self._found is None:
            self._found = {}
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._finalizer()


def stamps_of(folders: list[str]) -> dict[str, str | None]:
    """Return the settled stamp of each folder and of each visible file in it."""
    found: dict[str, str | None] = {}
    for folder in folders:
        found[folder] = settled_stamp(folder)
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if not entry.name.startswith(".") and entry.is_file():
                        found[entry.path] = settled_stamp(entry.path)
        except OSError:
            continue  # the build lists it and says what is wrong
    return found
