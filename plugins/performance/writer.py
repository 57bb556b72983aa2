"""A Pelican writer that leaves a file alone when its bytes would not change."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from types import TracebackType
from typing import Any

from pelican.writers import FileOverwriteFailedError

from plugins.common.files import inside
from plugins.outputguard.writer import GuardedWriter

logger = logging.getLogger(__name__)


class UnchangedFileSkipper(io.StringIO):
    """Collect what a generator writes; on close, write it only if it differs.

    A rebuild with nothing changed then writes no file and keeps every mtime, so
    rsync, the browser's cache and ``make serve`` see only what really changed.
    """

    def __init__(self, path: str, encoding: str) -> None:
        super().__init__()
        self.path = path
        self.target_encoding = encoding

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Write the collected text unless an error stopped the writer."""
        if kind is None:
            write_if_changed(self.path, self.getvalue().encode(self.target_encoding))
        super().__exit__(kind, error, traceback)


def write_if_changed(path: str | os.PathLike[str], payload: bytes) -> bool:
    """Write ``payload`` to ``path`` unless it already holds exactly that; say if."""
    target = Path(path)
    try:
        if target.stat().st_size == len(payload) and target.read_bytes() == payload:
            return False
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass  # nothing to compare with; open() below raises what Pelican's would
    with open(target, "wb") as handle:
        handle.write(payload)
    return True


class IncrementalWriter(GuardedWriter):
    """The guarded writer, except that unchanged output files are not rewritten."""

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        """Apply the guard and Pelican's overwrite rules; buffer, don't truncate."""
        if filename != os.devnull:
            inside(self.output_path, filename)  # the guard's last gate, as its own
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time '
                    "(was previously overwritten)"
                )
            logger.info('Skipping "%s", not overwriting', filename)
            return open(os.devnull, "w", encoding=encoding)
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already '
                "written to it previously (set `override=True` if intended)"
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return UnchangedFileSkipper(filename, encoding)
