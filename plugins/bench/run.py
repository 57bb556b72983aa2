"""Build bare Pelican and Colloquy on one corpus, interleaved, and compare them."""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import shutil
import statistics
import subprocess
import sys
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


def build(settings: Path, output: Path, *, clean: bool = True) -> Build:
    """Run one Pelican build in a fresh process; return wall time and peak RSS."""
    if clean and output.exists():
        shutil.rmtree(output)
    command = [
        sys.executable, "-m", "pelican", "-s", str(settings), "-o", str(output), "-q",
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=settings.parent)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"build with {settings.name} failed with status {status}")
    return Build(seconds, usage.ru_maxrss / 1024)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Bare Pelican against Colloquy over several interleaved rounds."""

    posts: int
    bare: tuple[Build, ...]
    colloquy: tuple[Build, ...]
    incremental: dict[str, float]

    @property
    def ratio(self) -> float:
        """Median of the per-round ratios (each round builds both, back to back)."""
        return statistics.median(
            c.seconds / b.seconds for b, c in zip(self.bare, self.colloquy, strict=True)
        )

    def median_seconds(self, which: str) -> float:
        """Median wall time of one side."""
        return statistics.median(b.seconds for b in getattr(self, which))

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


def incremental(root: Path, settings: Path) -> dict[str, float]:
    """Time the rebuilds an author waits for after one small change."""
    output = root / "out-colloquy"
    times = {"nothing changed": build(settings, output, clean=False).seconds}
    post = sorted((root / "content" / "posts").glob("*.md"))[0]
    original = post.read_text(encoding="utf-8")
    post.write_text(original + "\nOne more sentence.\n", encoding="utf-8")
    try:
        times["one post changed"] = build(settings, output, clean=False).seconds
    finally:
        post.write_text(original, encoding="utf-8")
    folder = next(iter(sorted((root / "content" / "perspectives").iterdir())))
    added = folder / "9999-12-31-2359-bench.md"
    added.write_text(
        "Author: Bench Reader\nDate: 2025-01-01 10:00\n\nApproved.\n", encoding="utf-8"
    )
    try:
        times["one perspective approved"] = build(settings, output, clean=False).seconds
    finally:
        added.unlink()
    return times
