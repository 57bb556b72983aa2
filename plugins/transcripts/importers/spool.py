"""Messages parked on disk in time-sorted runs, read back merged in time order.

An import of a million messages must not hold them all: the spool keeps at most
``run_size`` in memory, writes each full batch sorted to a temporary file, and
merges the files back lazily. Equal times keep the order they were added in, as
``sorted`` would (``heapq.merge`` prefers the earlier run on ties).
"""

from __future__ import annotations

from collections.abc import Iterator
import heapq
from operator import attrgetter
from pathlib import Path
import pickle
import tempfile
from types import TracebackType
from typing import BinaryIO

from plugins.transcripts.model import Message

RUN_SIZE = 50_000  # messages held before a run goes to disk (~35 MB)
BATCH = 1_000  # messages per pickle record: one batch per run in memory on merging


FIELDS = Message.__slots__
_values = attrgetter(*FIELDS)


def _by_time(message: Message) -> object:
    return message.time


def _reduce(message: Message) -> tuple:
    # A plain tuple pickles several times faster than a frozen dataclass's state.
    return message_from, (_values(message),)


def message_from(values: tuple) -> Message:
    """Return the message whose field values a run file holds."""
    return Message(**dict(zip(FIELDS, values, strict=True)))


class Spool:
    """Collect messages, then yield them all sorted by time, with bounded memory.

    The run files live in a private temporary folder inside ``folder`` (the
    target's own folder, so they land on the same disk as the result) and are
    removed on ``close``. Files are only ever read back by this process.
    """

    def __init__(self, folder: Path | None = None, run_size: int = RUN_SIZE) -> None:
        self._tmp = tempfile.TemporaryDirectory(
            dir=folder, prefix=".import-spool-", ignore_cleanup_errors=True
        )
        self._folder = Path(self._tmp.name)
        self._run_size = run_size
        self._buffer: list[Message] = []
        self._runs: list[Path] = []
        self.count = 0

    def __enter__(self) -> Spool:
        """Return the spool; ``close`` runs on leaving the block."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Remove the run files."""
        self.close()

    def add(self, message: Message) -> None:
        """Keep ``message``; a full buffer goes to disk as one sorted run."""
        self._buffer.append(message)
        self.count += 1
        if len(self._buffer) >= self._run_size:
            self._spill()

    def __iter__(self) -> Iterator[Message]:
        """Yield every message added, by time (ties in the order added)."""
        if not self._runs:
            return iter(sorted(self._buffer, key=_by_time))
        if self._buffer:
            self._spill()
        return heapq.merge(*(self._read(run) for run in self._runs), key=_by_time)

    def close(self) -> None:
        """Forget the messages and delete the run files."""
        self._buffer = []
        self._runs = []
        self._tmp.cleanup()

    def _spill(self) -> None:
        self._buffer.sort(key=_by_time)
        run = self._folder / f"run-{len(self._runs):05d}.pickle"
        with run.open("wb") as handle:
            pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = {Message: _reduce}
            for start in range(0, len(self._buffer), BATCH):
                pickler.dump(self._buffer[start : start + BATCH])
                pickler.clear_memo()
        self._runs.append(run)
        self._buffer = []

    @staticmethod
    def _read(run: Path) -> Iterator[Message]:
        with run.open("rb") as handle:
            yield from _batches(handle)


def _batches(handle: BinaryIO) -> Iterator[Message]:
    while True:
        try:
            batch = pickle.load(handle)
        except EOFError:
            return
        yield from batch
