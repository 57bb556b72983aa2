"""Which of the two page-writing processes makes which file: the first to ask.

The build and its twin (see .split) walk the same output steps in the same order.
Before making a file, each asks :meth:`Claims.claim` for its key; the first to
ask gets it, the other skips it. So the work balances itself (a process busy
with a long page is overtaken by the other), and files that share work (every
listing page shows nearly every post's summary; a transcript's pages and its
participants' pages share rendered messages) can share one key: a "group" made
by one process, whose shared work is then done once.

The table lives in shared memory made before the fork: 64-bit hashes of keys,
each with the role that claimed it, written under one lock. A file is made by
at least one process whatever the timing.
"""

from __future__ import annotations

import hashlib
import mmap
import multiprocessing
import struct
import zlib

SLOTS = 1 << 18  # keys the table holds; a fuller table falls back to a fixed split
MAX_PROBES = 64
LOCK_SECONDS = 60.0
_HASH = struct.Struct("<Q")


class Claims:
    """A table of claimed keys, shared by the processes forked after it is made."""

    def __init__(self, slots: int = SLOTS) -> None:
        self._slots = slots
        self._table = mmap.mmap(-1, slots * (_HASH.size + 1))  # shared, anonymous
        self._roles = slots * _HASH.size  # where the byte of each slot's role starts
        self._lock = multiprocessing.get_context("fork").Lock()
        self._known: dict[str, bool] = {}  # this process's answers so far

    def claim(self, key: str, role: int) -> bool:
        """Tell whether ``role`` makes ``key``: claim it if nobody has yet."""
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._claim(key, role)
        return known

    def _claim(self, key: str, role: int) -> bool:
        data = key.encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(data, digest_size=_HASH.size).digest()
        number = int.from_bytes(digest, "little")
        wanted = number | 1  # 0 marks a free slot
        slot = (number >> 1) & (self._slots - 1)
        table = self._table
        if not self._lock.acquire(timeout=LOCK_SECONDS):
            raise RuntimeError("the other page-writing process holds the claims lock")
        try:
            for _ in range(MAX_PROBES):
                (found,) = _HASH.unpack_from(table, slot * _HASH.size)
                if found == 0:
                    _HASH.pack_into(table, slot * _HASH.size, wanted)
                    table[self._roles + slot] = role
                    return True
                if found == wanted:
                    return table[self._roles + slot] == role
                slot = (slot + 1) & (self._slots - 1)
        finally:
            self._lock.release()
        # No free slot near: both processes see the same full run, so both fall
        # back to the same fixed owner.
        return zlib.crc32(data) & 1 == role
