"""Errors every plugin raises for bad input and bad settings."""

from __future__ import annotations

import re


class ContentError(ValueError):
    """Bad input in a content file; prints like ``jinja2.TemplateSyntaxError``.

    ``str(err)`` reads ``path:line: message`` and then the offending line, indented.
    """

    def __init__(
        self, message: str, *, path: str, line: int | None = None, source_line: str = ""
    ) -> None:
        super().__init__(message)
        self.message, self.path = message, path
        self.line, self.source_line = line, source_line

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {_shown(self.message, MAX_MESSAGE)}"
        shown = _shown(self.source_line.strip(), MAX_SOURCE_LINE)
        return f"{text}\n    {shown}" if shown else text

    def __reduce__(self):
        # Keyword-only arguments do not survive the default pickling, and
        # --autoreload carries exceptions across processes.
        return _rebuild_content_error, (
            type(self),
            self.message,
            self.path,
            self.line,
            self.source_line,
        )


MAX_MESSAGE = 600  # characters of a message shown (a message quotes the bad line)
MAX_SOURCE_LINE = 200
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _shown(text: str, limit: int) -> str:
    """Return ``text`` safe for a terminal: controls escaped, at most ``limit`` long."""
    text = _CONTROLS.sub(lambda m: repr(m[0])[1:-1], text)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text):,} characters)"
    return text


def _rebuild_content_error(cls, message, path, line, source_line):
    return cls(message, path=path, line=line, source_line=source_line)


class PluginConfigError(ValueError):
    """A plugin setting has a value the plugin cannot use."""
