"""Compile each template once: shared by the generators, kept for the next build.

Pelican gives every generator an environment of its own, and each compiles the
templates it uses: base.html five times a build. With the build cache on, the
compiled templates go to ``CACHE_PATH``: one environment compiles, the others
(the page-writing twin too) and the next build load the code. Jinja checks each
template's source against its compiled code; the key also covers the options that
change what a template compiles to, so a changed setting compiles anew.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import FileSystemBytecodeCache

FOLDER = "colloquy-templates"
_COMPILE_OPTIONS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "is_async",
)


class TemplateCodeCache(FileSystemBytecodeCache):
    """Compiled templates in a folder, keyed by name, file and compile options."""

    def __init__(self, folder: str | os.PathLike[str], options: str) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        super().__init__(str(folder), "%s.code")
        self._options = options

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        """Return the file name of a template's code for these options."""
        text = f"{jinja2.__version__}\0{self._options}\0{name}\0{filename}"
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def compile_options(env: jinja2.Environment) -> str:
    """Return what, besides a template's text, its compiled code depends on."""
    autoescape = env.autoescape
    if callable(autoescape):
        autoescape = f"{autoescape.__module__}.{autoescape.__qualname__}"
    parts = [f"{name}={getattr(env, name, None)!r}" for name in _COMPILE_OPTIONS]
    parts.append(f"autoescape={autoescape!r}")
    parts.append("extensions=" + ",".join(sorted(env.extensions)))
    return "\n".join(parts)


def share_compiled_templates(env: jinja2.Environment, settings: dict[str, Any]) -> None:
    """Give ``env`` the build cache's compiled templates."""
    folder = Path(settings["CACHE_PATH"]) / FOLDER
    env.bytecode_cache = TemplateCodeCache(folder, compile_options(env))
