"""Counting what a build skipped."""

from __future__ import annotations

import logging
from typing import Any

from plugins.common.errors import PluginConfigError


class ContentSkippedError(RuntimeError):
    """Some content was skipped; the rest of the site was written."""

    exitcode = 1  # Pelican's command line exits with this


class _NoTraceback(logging.Filter):
    """Drop the traceback Pelican logs with a ContentSkippedError.

    It is a report on the author's files, not a crash: a page of Colloquy's and
    Pelican's internals under it reads as one. ``pelican --debug`` still prints it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ContentSkippedError):
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_skipped_traceback(logger: logging.Logger) -> None:
    """Keep ``logger`` (Pelican's own) from printing a traceback for skipped content."""
    if not any(isinstance(f, _NoTraceback) for f in logger.filters):
        logger.addFilter(_NoTraceback())


class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class BuildReport:
    """Errors logged during one build, and what to do about them at its end."""

    def __init__(self, *, fail_on_skipped: bool) -> None:
        self.fail_on_skipped = fail_on_skipped
        self._counter = _ErrorCounter()
        self._borrowed: logging.Handler | None = None

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> BuildReport:
        """Read ``BUILD_REPORT_FAIL_ON_SKIPPED`` (default True)."""
        fail = settings.get("BUILD_REPORT_FAIL_ON_SKIPPED", True)
        if not isinstance(fail, bool):
            raise PluginConfigError(
                f"BUILD_REPORT_FAIL_ON_SKIPPED: expected True or False, got {fail!r}"
            )
        return cls(fail_on_skipped=fail)

    @property
    def errors(self) -> int:
        """How many errors were logged since :meth:`start`."""
        return self._counter.count

    def start(self) -> None:
        """Begin counting, from zero, errors logged anywhere in the process."""
        self._counter.count = 0
        root = logging.getLogger()
        if not root.handlers and logging.lastResort is not None:
            # `pelican --log-handler plain` leaves the root logger without handlers
            # and relies on logging's last resort, which adding ours would silence.
            self._borrowed = logging.lastResort
            root.addHandler(self._borrowed)
        root.addHandler(self._counter)

    def finish(self) -> None:
        """Stop counting; raise :class:`ContentSkippedError` if any were logged."""
        root = logging.getLogger()
        root.removeHandler(self._counter)
        if self._borrowed is not None:
            root.removeHandler(self._borrowed)
            self._borrowed = None
        if self.errors and self.fail_on_skipped:
            raise ContentSkippedError(
                f"{self.errors} error(s) above: the files they name were skipped and "
                "the rest of the site was written; fix them, or set "
                "BUILD_REPORT_FAIL_ON_SKIPPED = False to build anyway"
            )
