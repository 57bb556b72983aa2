"""Errors every plugin raises for bad input and bad settings."""

from __future__ import annotations


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
        text = f"{where}: {self.message}"
        return f"{text}\n    {self.source_line.strip()}" if self.source_line else text

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


def _rebuild_content_error(cls, message, path, line, source_line):
    return cls(message, path=path, line=line, source_line=source_line)


class PluginConfigError(ValueError):
    """A plugin setting has a value the plugin cannot use."""
