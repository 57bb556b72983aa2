"""Fork a helper process joined to the build by one pipe."""

from __future__ import annotations

import contextlib
import os
import signal

from .collection import freeze_what_lives


def fork_with_pipe() -> tuple[int, int] | None:
    """Fork; return ``(pid, fd)`` on each side, or None when no process was made.

    The build gets the helper's pid and the pipe's read end; the helper gets 0 and
    the write end, and must end with ``os._exit``. The build's objects are frozen
    out of garbage collection first (and stay so in the build until it ends, see
    collection.py), so the helper's collections leave the pages it shares with the
    build alone.
    """
    read_end, write_end = os.pipe()
    freeze_what_lives()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:
        os.close(read_end)
        return 0, write_end
    os.close(write_end)
    return pid, read_end


def end_helper(pid: int, owner: int) -> bool:
    """Kill and reap helper ``pid``, if this is ``owner``, the process that forked it.

    Say whether it was this process's to end (a forked copy must leave it alone).
    """
    if os.getpid() != owner:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    return True
