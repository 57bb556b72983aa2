"""Run the other features' own benchmarks, so ``colloquy bench`` reports them too.

Each feature owns its benchmark (its generator of realistic input and what it
measures); this module only calls them and skips any this checkout lacks.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
import io
from pathlib import Path
import subprocess
import sys
import tempfile

ROOT = Path(__file__).resolve().parents[2]
CHAT_BENCH = "plugins.transcripts.importers.bench"
FEEDS_BENCH = "plugins.site_feeds.bench"
BLOG_BENCH = ROOT / "benchmarks" / "import_blog.py"


def _has_module(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _run(label: str, command: list[str]) -> str:
    done = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"{label}: failed with status {done.returncode}: {last}\n"
    return f"{label}:\n{done.stdout}"


def chat_imports(messages: int) -> str:
    """Return the chat importers' table: messages/s and peak RSS per format."""
    if not _has_module(CHAT_BENCH):
        return "chat imports: not measured (no chat importers in this checkout)\n"
    command = [sys.executable, "-m", CHAT_BENCH, str(messages)]
    return _run(f"chat imports, {messages:,} messages per format", command)


def blog_import(posts: int, comments: int) -> str:
    """Return the migration benchmark's line: records/s and peak RSS."""
    if not BLOG_BENCH.is_file():
        return "blog import: not measured (no migration benchmark in this checkout)\n"
    command = [sys.executable, str(BLOG_BENCH), str(posts), str(comments)]
    return _run("blog import (WordPress WXR)", command)


def feeds(entries: int) -> str:
    """Return the feeds benchmark: site_feeds against Pelican's feed writer."""
    if not _has_module(FEEDS_BENCH):
        return "feeds: not measured (no feeds benchmark in this checkout)\n"
    command = [sys.executable, "-m", FEEDS_BENCH, "--entries", str(entries)]
    return _run("feeds", [*command, "--rounds", "3"])


def intake(clients: int, submissions: int) -> str:
    """Return the intake endpoint's submissions/s and latency percentiles."""
    if not _has_module("plugins.intake.bench"):
        return "intake: not measured (no intake endpoint in this checkout)\n"
    run = import_module("plugins.intake.bench").run

    with tempfile.TemporaryDirectory(prefix="colloquy-bench-") as scratch:
        result = run(clients, submissions, 8, Path(scratch))
    out = io.StringIO()
    out.write(f"intake ({clients} clients x {submissions} submissions):\n")
    out.write(result.report())
    return out.getvalue()
