"""``colloquy bench``: measure a build against bare Pelican, as a ratio."""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path
import platform
import sys
import tempfile

from plugins.bench.corpus import CorpusShape, write_corpus
from plugins.bench.run import Comparison, compare

logger = logging.getLogger(__name__)


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``bench`` to the ``colloquy`` command."""
    parser = subparsers.add_parser(
        "bench",
        help="compare a full Colloquy build with bare Pelican on a generated corpus",
        description="Generate a deterministic corpus, build it with bare Pelican and "
        "with Colloquy in interleaved rounds, and report the ratio.",
    )
    parser.add_argument(
        "--posts",
        type=int,
        action="append",
        help="corpus sizes to measure (repeatable; default: 1000 and 5000)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="default: %(default)s")
    parser.add_argument("--transcripts", type=int, default=10)
    parser.add_argument("--messages", type=int, default=1400)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.set_defaults(handler=bench)


def bench(args: argparse.Namespace) -> int:
    """Run the benchmark for each corpus size and print the table."""
    results = []
    for posts in args.posts or [1000, 5000]:
        shape = CorpusShape(
            posts=posts,
            transcripts=args.transcripts,
            messages_per_transcript=args.messages,
        )
        with tempfile.TemporaryDirectory(prefix="colloquy-bench-") as tmp:
            root = Path(tmp)
            counts = write_corpus(root, shape)
            logger.info("corpus: %s", counts)
            comparison = compare(root, posts, args.rounds)
        results.append(comparison)
        sys.stdout.write(report(comparison) + "\n")
    if args.json:
        args.json.write_text(json.dumps([as_dict(c) for c in results], indent=2))
    return 0


def report(c: Comparison) -> str:
    """Return the human-readable lines for one corpus size."""
    bare, ours = c.median_seconds("bare"), c.median_seconds("colloquy")
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    lines = [
        (
            f"== {c.posts} posts, {len(c.bare)} interleaved rounds ({machine}, "
            f"Python {platform.python_version()})"
        ),
        _side("bare Pelican", bare, c.posts, c.peak_rss("bare")),
        _side("Colloquy", ours, c.posts, c.peak_rss("colloquy")),
        f"ratio (median of per-round ratios): {c.ratio:.2f}x",
    ]
    lines += [f"rebuild, {case}: {sec:.2f} s" for case, sec in c.incremental.items()]
    return "\n".join(lines)


def _side(label: str, seconds: float, posts: int, rss: float) -> str:
    per_post = 1000 * seconds / posts
    return (
        f"{label:<14} {seconds:7.2f} s {per_post:7.2f} ms/post  peak RSS {rss:6.1f} MB"
    )


def as_dict(c: Comparison) -> dict:
    """Return one comparison as plain data for --json."""
    return {
        "posts": c.posts,
        "ratio": c.ratio,
        "bare_seconds": [b.seconds for b in c.bare],
        "colloquy_seconds": [b.seconds for b in c.colloquy],
        "bare_peak_rss_mb": c.peak_rss("bare"),
        "colloquy_peak_rss_mb": c.peak_rss("colloquy"),
        "incremental_seconds": c.incremental,
    }
