"""Copy the theme's static files, skipping those the output holds up to date."""

from __future__ import annotations

from dataclasses import dataclass
import fnmatch
import logging
import os
from pathlib import Path
from typing import Any

from pelican.generators import Generator

from plugins.common.errors import PluginConfigError
from plugins.performance.writer import write_if_changed

logger = logging.getLogger(__name__)

WORKERS = (0, 1, 2)  # processes reading content: the build alone, or plus one worker
WITH_WORKER = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class PerformanceSettings:
    """Settings for the performance plugin, read once and validated."""

    theme_static_paths: tuple[str, ...] = ("static",)
    reader_cache: bool = False  # keep posts' Markdown conversions in CACHE_PATH
    skip_unchanged: bool = False  # keep an output ledger in CACHE_PATH
    workers: int | None = None  # processes reading content; None: 2 on 2+ cores

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> PerformanceSettings:
        """Read ``PERFORMANCE_*`` settings, reporting every problem at once."""
        problems = []
        paths = settings.get("PERFORMANCE_THEME_STATIC_PATHS", ["static"])
        if not isinstance(paths, list | tuple) or not all(
            isinstance(p, str) and p and not os.path.isabs(p) and ".." not in p
            for p in paths
        ):
            problems.append(
                "PERFORMANCE_THEME_STATIC_PATHS: expected a list of relative paths "
                f"inside the theme, got {paths!r}"
            )
        if settings.get("THEME_STATIC_PATHS") and paths:
            problems.append(
                "THEME_STATIC_PATHS: expected [] when PERFORMANCE_THEME_STATIC_PATHS "
                f"copies the theme's files, got {settings.get('THEME_STATIC_PATHS')!r}"
            )
        switches = {}
        for name in ("PERFORMANCE_READER_CACHE", "PERFORMANCE_SKIP_UNCHANGED"):
            switches[name] = settings.get(name, False)
            if not isinstance(switches[name], bool):
                problems.append(
                    f"{name}: expected True or False, got {switches[name]!r}"
                )
        workers = settings.get("PERFORMANCE_WORKERS")
        if workers is not None and (
            isinstance(workers, bool)
            or not isinstance(workers, int)
            or workers not in WORKERS
        ):
            problems.append(
                "PERFORMANCE_WORKERS: expected None (a worker when there are two"
                " cores), 0 or 1 (no worker) or 2 (one worker), got"
                f" {workers!r}"
            )
        if problems:
            raise PluginConfigError("; ".join(problems))
        return cls(
            theme_static_paths=tuple(paths),
            reader_cache=switches["PERFORMANCE_READER_CACHE"],
            skip_unchanged=switches["PERFORMANCE_SKIP_UNCHANGED"],
            workers=workers,
        )

    def worker(self, cores: int, *, can_fork: bool) -> bool:
        """Tell whether a build on ``cores`` cores forks a prefetch worker."""
        processes = cores if self.workers is None else self.workers
        return processes >= WITH_WORKER and can_fork


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def theme_files(
    theme: Path, paths: tuple[str, ...], ignores: list[str]
) -> list[tuple[Path, str]]:
    """Return (source, path under the theme's output folder) pairs, like Pelican."""
    found: list[tuple[Path, str]] = []
    for name in paths:
        source = theme / name
        if _ignored(source.name, ignores):
            continue
        if source.is_file():
            found.append((source, source.name))
            continue
        for folder, subdirs, files in os.walk(source, followlinks=True):
            subdirs[:] = [s for s in subdirs if not _ignored(s, ignores)]
            for file in files:
                path = Path(folder) / file
                if not _ignored(file, ignores) and path.is_file():
                    found.append((path, path.relative_to(source).as_posix()))
    return sorted(found)


class ThemeStaticGenerator(Generator):
    """Pelican's theme-static copy, minus the rewrite of files that did not change."""

    def generate_context(self) -> None:
        """Nothing to add to the context."""

    def generate_output(self, writer: Any) -> None:
        """Copy each theme static file whose bytes differ from the output's."""
        options = PerformanceSettings.from_settings(self.settings)
        target = Path(self.output_path) / self.settings["THEME_STATIC_DIR"]
        ignores = list(self.settings.get("IGNORE_FILES", []))
        for source, rel in theme_files(
            Path(self.theme), options.theme_static_paths, ignores
        ):
            destination = target / rel
            if _up_to_date(destination, source):
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            if write_if_changed(destination, source.read_bytes()):
                logger.info("Copying %s to %s", source, destination)


def _up_to_date(destination: Path, source: Path) -> bool:
    """Say whether ``destination`` was written after ``source`` last changed.

    By date, not by bytes: the theme may rewrite its copy (minified CSS) after
    the copy, and comparing bytes would recopy and rewrite it on every build.
    """
    try:
        return destination.stat().st_mtime_ns >= source.stat().st_mtime_ns
    except FileNotFoundError:
        return False
