"""Build bare Pelican and Colloquy on one corpus, interleaved, and compare them."""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = Path(__file__).resolve().parents[2]

BARE_SETTINGS = """\
# Bare Pelican: default theme, no plugins, the posts alone.
PATH = {content!r}
ARTICLE_PATHS = ["posts"]
STATIC_PATHS = ["images"]
TIMEZONE = "America/New_York"
SITENAME = "Bench"
SITEURL = ""
"""

COLLOQUY_SETTINGS = """\
# The project's own settings, pointed at the generated corpus.
import sys
sys.path.insert(0, {root!r})
from pelicanconf import *  # noqa: F403
PATH = {content!r}
THEME = {theme!r}
PLUGIN_PATHS = [{root!r}]
MENUITEMS = [("Archives", "archives/")]
"""


@dataclass(frozen=True, slots=True)
class Build:
    """One measured build."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def write_settings(root: Path) -> dict[str, Path]:
    """Write the two settings files next to the corpus and return their paths."""
    content = str(root / "content")
    paths = {"bare": root / "bare.py", "colloquy": root / "colloquy.py"}
    paths["bare"].write_text(BARE_SETTINGS.format(content=content), encoding="utf-8")
    paths["colloquy"].write_text(
        COLLOQUY_SETTINGS.format(
            root=str(ROOT), content=content, theme=str(ROOT / "theme")
        ),
        encoding="utf-8",
    )
    return paths


SET_ASIDE = "set-aside"


def set_aside(folder: Path, shelf: Path) -> None:
    """Move ``folder``, if it exists, into a new folder under ``shelf``.

    Deleting thousands of files leaves the filesystem work behind (ext4's journal
    and discards), and that work slows whichever build runs next: the side that
    deleted the larger output would pay for it in its own next measurement. A
    move is one rename; the run's temporary folder, shelf included, is deleted
    once every measurement is taken.
    """
    if not folder.exists():
        return
    shelf.mkdir(exist_ok=True)
    folder.rename(Path(tempfile.mkdtemp(dir=shelf)) / folder.name)


# Runs Pelican and, at exit, writes the process's own peak RSS (VmHWM, in kB) where
# COLLOQUY_BENCH_RSS says. wait4's ru_maxrss would also count the pages the child
# shared with this (large) process before exec, which hides small builds' memory.
PELICAN_WITH_RSS = """\
import atexit, os, sys
def report():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                with open(os.environ["COLLOQUY_BENCH_RSS"], "w") as out:
                    out.write(line.split()[1])
if os.path.exists("/proc/self/status"):
    atexit.register(report)
from pelican import main
sys.argv[0] = "pelican"
main()
"""


def build(settings: Path, output: Path, *, clean: bool = True) -> Build:
    """Run one Pelican build in a fresh process; return wall and CPU time, peak RSS.

    A clean build starts without output and without the reader cache (CACHE_PATH,
    ``cache/`` next to the settings file); a rebuild keeps both. A clean build's
    earlier output is set aside (see :func:`set_aside`), not deleted. Every
    build starts once what earlier builds wrote has reached the disk.
    """
    if clean:
        for folder in (output, settings.parent / "cache"):
            set_aside(folder, settings.parent / SET_ASIDE)
    command = [
        sys.executable, "-c", PELICAN_WITH_RSS,
        "-s", str(settings), "-o", str(output), "-q",
    ]  # fmt: skip
    rss_file = settings.parent / "peak-rss.txt"
    rss_file.unlink(missing_ok=True)
    env = {**os.environ, "COLLOQUY_BENCH_RSS": str(rss_file)}
    # The last build's files may still be on their way to the disk: let the
    # kernel finish writing them now, untimed, not during this build.
    os.sync()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=settings.parent, env=env, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    # Reaped here (for its rusage), so Popen must be told it ended.
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(
            f"build with {settings.name} failed with status {process.returncode}"
        )
    peak_kb = int(rss_file.read_text()) if rss_file.exists() else usage.ru_maxrss
    return Build(seconds, usage.ru_utime + usage.ru_stime, peak_kb / 1024)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Bare Pelican against Colloquy over several interleaved rounds."""

    posts: int
    bare: tuple[Build, ...]
    colloquy: tuple[Build, ...]
    incremental: dict[str, Rebuild]

    @property
    def ratio(self) -> float:
        """Median of the per-round wall-time ratios (each round builds both)."""
        return statistics.median(
            c.seconds / b.seconds for b, c in zip(self.bare, self.colloquy, strict=True)
        )

    @property
    def cpu_ratio(self) -> float:
        """Median of the per-round CPU-time ratios (steadier on a shared machine)."""
        return statistics.median(
            c.cpu_seconds / b.cpu_seconds
            for b, c in zip(self.bare, self.colloquy, strict=True)
        )

    def median_seconds(self, which: str) -> float:
        """Median wall time of one side."""
        return statistics.median(b.seconds for b in getattr(self, which))

    def median_cpu(self, which: str) -> float:
        """Median CPU time (user + system) of one side."""
        return statistics.median(b.cpu_seconds for b in getattr(self, which))

    def peak_rss(self, which: str) -> float:
        """Largest peak RSS of one side, in MB."""
        return max(b.peak_rss_mb for b in getattr(self, which))


def compare(root: Path, posts: int, rounds: int) -> Comparison:
    """Build both sides ``rounds`` times, interleaved, plus the incremental cases."""
    settings = write_settings(root)
    bare, colloquy = [], []
    for _ in range(rounds):
        bare.append(build(settings["bare"], root / "out-bare"))
        colloquy.append(build(settings["colloquy"], root / "out-colloquy"))
    return Comparison(
        posts, tuple(bare), tuple(colloquy), incremental(root, settings["colloquy"])
    )


@dataclass(frozen=True, slots=True)
class Rebuild:
    """One rebuild over an existing output: its cost and what it rewrote."""

    build: Build
    files_written: int
    files_total: int


def stamps(output: Path) -> dict[str, tuple[int, int]]:
    """Return (mtime in ns, inode) of every output file, by path."""
    found = {}
    for folder, _, files in os.walk(output):
        for name in files:
            path = os.path.join(folder, name)
            info = os.stat(path)
            found[path] = (info.st_mtime_ns, info.st_ino)
    return found


def rebuild(settings: Path, output: Path) -> Rebuild:
    """Build over the existing output and count the files it (re)wrote."""
    before = stamps(output)
    measured = build(settings, output, clean=False)
    after = stamps(output)
    written = sum(1 for path, stamp in after.items() if before.get(path) != stamp)
    return Rebuild(measured, written, len(after))


def incremental(root: Path, settings: Path) -> dict[str, Rebuild]:
    """Time the rebuilds an author waits for after one small change."""
    output = root / "out-colloquy"
    times = {"nothing changed": rebuild(settings, output)}
    post = sorted((root / "content" / "posts").glob("*.md"))[0]
    original = post.read_text(encoding="utf-8")
    post.write_text(original + "\nOne more sentence.\n", encoding="utf-8")
    try:
        times["one post changed"] = rebuild(settings, output)
    finally:
        post.write_text(original, encoding="utf-8")
    folder = next(iter(sorted((root / "content" / "perspectives").iterdir())))
    added = folder / "9999-12-31-2359-bench.md"
    added.write_text(
        "Author: Bench Reader\nDate: 2025-01-01 10:00\n\nApproved.\n", encoding="utf-8"
    )
    try:
        times["one perspective approved"] = rebuild(settings, output)
    finally:
        added.unlink()
    return times
