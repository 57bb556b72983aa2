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

from collections.abc import Iterable
from functools import partial
import hashlib
import io
import os
from pathlib import Path
import shutil
from typing import Any

import jinja2
from jinja2 import FileSystemBytecodeCache

from plugins.common.buildcache import PrefetchJob
from plugins.common.files import write_atomic

from .readcache import settings_digest

FOLDER = "colloquy-templates-"  # + the settings digest: settings, plugins, versions
CODE_JOB = "template-code:"  # + a template's name: the prefetch worker compiles it
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

    def compiled(self, env: jinja2.Environment, name: str) -> tuple[str, bytes] | None:
        """Return (key, file content) of template ``name`` compiled, None if kept.

        Writes nothing: the prefetch worker calls it, and the build keeps the code.
        """
        source, filename, _ = env.loader.get_source(env, name)
        bucket = self.get_bucket(env, name, filename, source)
        if bucket.code is not None:
            return None
        bucket.code = env.compile(source, name, filename)
        with io.BytesIO() as out:
            bucket.write_bytecode(out)
            return bucket.key, out.getvalue()

    def keep(self, key: str, code: bytes) -> None:
        """Keep compiled code as :meth:`compiled` gave it.

        Over the code kept for an earlier version of the template, too: the
        worker compiled only because that code no longer matched the source.
        """
        target = os.path.join(self.directory, self.pattern % key)
        write_atomic(target, code, overwrite=True, durable=False)


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


def prefetch_templates(generator: Any) -> list[PrefetchJob]:
    """Offer compiling the theme's templates, so that pages load their code.

    The prefetch worker does it once no post is left for it, before any page is
    made; each job gives what :meth:`TemplateCodeCache.compiled` gives.
    """
    env = generator.env
    cache = env.bytecode_cache
    if not isinstance(cache, TemplateCodeCache):
        return []
    extensions = tuple(generator.settings.get("TEMPLATE_EXTENSIONS", (".html",)))
    return [
        (f"{CODE_JOB}{name}", partial(cache.compiled, env, name))
        for name in env.list_templates()
        if name.endswith(extensions) and not name.startswith("!")
    ]


def keep_compiled(generators: Iterable[Any], compiled: dict[str, Any]) -> None:
    """Keep the code the prefetch worker compiled, for every environment to load."""
    cache = next(
        (
            g.env.bytecode_cache
            for g in generators
            if isinstance(
                getattr(getattr(g, "env", None), "bytecode_cache", None),
                TemplateCodeCache,
            )
        ),
        None,
    )
    if cache is None:
        return
    for found in compiled.values():
        if found is not None:
            cache.keep(*found)
