"""Compile each template once: shared by the generators, kept for the next build.

Pelican gives every generator an environment of its own, and each compiles the
templates it uses: base.html several times a build. With the build cache on, the
compiled templates go to ``CACHE_PATH``: one environment compiles, the others
(the page-writing twin too) and the next build load the code. Jinja checks each
template's source against its compiled code; the folder is named by the digest of
the settings, the plugins' code and the libraries' versions, and the key covers the
environment's options, filters and tests, so any change compiles anew.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
import shutil
from typing import Any

import jinja2
from jinja2 import FileSystemBytecodeCache

from .readcache import settings_digest

FOLDER = "colloquy-templates-"  # + the settings digest: settings, plugins, versions
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
    """Return what of ``env``, besides a template's text, its compiled code holds.

    The filters and tests (Jinja runs constant filters and decides how to call
    each while compiling) come from the settings and the plugins' code, which
    name the folder.
    """
    named = []
    for name in ("autoescape", "finalize"):
        value = getattr(env, name, None)
        if callable(value):
            value = f"{value.__module__}.{value.__qualname__}"
        named.append(f"{name}={value!r}")
    parts = [f"{name}={getattr(env, name, None)!r}" for name in _COMPILE_OPTIONS]
    parts.append("extensions=" + ",".join(sorted(env.extensions)))
    for kind, table in (("filters", env.filters), ("tests", env.tests)):
        parts.append(f"{kind}=" + ",".join(sorted(table)))
    return "\n".join([*parts, *named])


def share_compiled_templates(env: jinja2.Environment, settings: dict[str, Any]) -> None:
    """Give ``env`` the compiled templates kept for these settings and plugins.

    Kept for other settings, plugin code or library versions, they are removed.
    """
    cache = Path(settings["CACHE_PATH"])
    folder = cache / f"{FOLDER}{settings_digest(settings)}"
    if not folder.is_dir():
        for stale in cache.glob(f"{FOLDER}*"):
            shutil.rmtree(stale, ignore_errors=True)
    env.bytecode_cache = TemplateCodeCache(folder, compile_options(env))
