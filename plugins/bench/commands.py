"""``colloquy bench``: measure a build against bare Pelican, as a ratio."""

from __future__ import annotations

import argparse
import compileall
import contextlib
import itertools
import json
import logging
import os
from pathlib import Path
import platform
import sys
import tempfile

from plugins.bench import others
from plugins.bench.corpus import CorpusShape, write_corpus
from plugins.bench.run import ROOT, Comparison, compare

logger = logging.getLogger(__name__)

# What --quick measures: small enough for a laptop in a minute or two.
QUICK = {"posts": [100, 300], "rounds": 2, "transcripts": 2, "messages": 300}
LINEARITY_BASE = 100  # the small corpus the marginal cost is measured from


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``bench`` to the ``colloquy`` command."""
    parser = subparsers.add_parser(
        "bench",
        help="compare a full Colloquy build with bare Pelican on a generated corpus",
        description="Generate a deterministic corpus, build it with bare Pelican and "
        "with Colloquy in interleaved rounds, and report the ratio, the incremental "
        "rebuilds, the scaling, and the other features' own benchmarks.",
    )
    parser.add_argument(
        "--posts",
        type=int,
        action="append",
        help="corpus sizes to measure (repeatable; default: 100, 1000 and 5000, "
        "the 100 only to measure linearity)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="default: %(default)s")
    parser.add_argument("--transcripts", type=int, default=10)
    parser.add_argument("--messages", type=int, default=1400, help="per transcript")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a small run: {QUICK['posts']} posts, {QUICK['rounds']} rounds, "
        "small transcripts and small side benchmarks",
    )
    parser.add_argument(
        "--builds-only",
        action="store_true",
        help="skip the import and intake benchmarks",
    )
    parser.add_argument(
        "--chat-messages",
        type=int,
        default=20_000,
        help="messages per chat format for the import benchmark (default: %(default)s)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.set_defaults(handler=bench)


def bench(args: argparse.Namespace) -> int:
    """Run the benchmark for each corpus size and print the report."""
    if args.quick:
        args.posts = args.posts or QUICK["posts"]
        args.rounds, args.transcripts = QUICK["rounds"], QUICK["transcripts"]
        args.messages, args.chat_messages = QUICK["messages"], 2_000
    sizes = sorted(set(args.posts or [LINEARITY_BASE, 1000, 5000]))
    # Bare Pelican's modules were byte-compiled when pip installed them; the
    # plugins are compiled here, so no timed build compiles them from source.
    compileall.compile_dir(ROOT / "plugins", quiet=1)
    out = sys.stdout
    out.write(machine() + "\n")
    results = []
    # Every size's folder, with the outputs its builds set aside, is deleted only
    # after the last measurement: no deletion runs while something is timed.
    with contextlib.ExitStack() as folders:
        for posts in sizes:
            shape = CorpusShape(
                posts=posts,
                transcripts=args.transcripts,
                messages_per_transcript=args.messages,
            )
            tmp = tempfile.TemporaryDirectory(prefix="colloquy-bench-")
            root = Path(folders.enter_context(tmp))
            counts = write_corpus(root, shape)
            logger.info("corpus: %s", counts)
            comparison = compare(root, posts, args.rounds)
            results.append(comparison)
            out.write(report(comparison) + "\n")
            out.flush()
        out.write(linearity(results))
        if not args.builds_only:
            out.write(others.chat_imports(args.chat_messages))
            out.write(others.blog_import(100 if args.quick else 1000, 10))
            out.write(others.feeds(200 if args.quick else 1000))
            out.write(others.intake(10 if args.quick else 50, 20))
    if args.json:
        args.json.write_text(json.dumps([as_dict(c) for c in results], indent=2))
    return 0


def machine() -> str:
    """Return one line naming what the numbers were taken on."""
    try:
        load = ", load %.1f %.1f %.1f" % os.getloadavg()  # noqa: UP031
    except OSError:
        load = ""
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores{load}; "
        f"Python {platform.python_version()}"
    )


def report(c: Comparison) -> str:
    """Return the human-readable lines for one corpus size."""
    lines = [
        f"== {c.posts} posts, {len(c.bare)} interleaved rounds",
        _side("bare Pelican", c, "bare"),
        _side("Colloquy", c, "colloquy"),
        (
            f"ratio (median of per-round ratios): wall {c.ratio:.2f}x, "
            f"CPU {c.cpu_ratio:.2f}x; peak RSS "
            f"{c.peak_rss('colloquy') / c.peak_rss('bare'):.2f}x"
        ),
    ]
    for case, done in c.incremental.items():
        lines.append(
            f"rebuild, {case + ':':<26} {done.build.seconds:6.2f} s wall "
            f"{done.build.cpu_seconds:6.2f} s CPU, wrote {done.files_written} of "
            f"{done.files_total} files"
        )
    return "\n".join(lines)


def _side(label: str, c: Comparison, which: str) -> str:
    seconds, cpu = c.median_seconds(which), c.median_cpu(which)
    return (
        f"{label:<13} {seconds:7.2f} s wall {cpu:7.2f} s CPU "
        f"{1000 * seconds / c.posts:6.2f} ms/post  peak RSS {c.peak_rss(which):6.1f} MB"
    )


def linearity(results: list[Comparison]) -> str:
    """Return marginal ms per post between each pair of neighbouring sizes."""
    if len(results) < 2:  # noqa: PLR2004
        return ""
    lines = ["== scaling: marginal CPU ms per post between sizes"]
    for which, label in (("bare", "bare Pelican"), ("colloquy", "Colloquy")):
        parts = []
        for small, large in itertools.pairwise(results):
            extra = large.median_cpu(which) - small.median_cpu(which)
            per_post = 1000 * extra / (large.posts - small.posts)
            parts.append(f"{small.posts}->{large.posts}: {per_post:.2f}")
        lines.append(f"{label:<13} " + ", ".join(parts))
    return "\n".join(lines) + "\n"


def as_dict(c: Comparison) -> dict:
    """Return one comparison as plain data for --json."""
    return {
        "posts": c.posts,
        "ratio": c.ratio,
        "cpu_ratio": c.cpu_ratio,
        "bare_seconds": [b.seconds for b in c.bare],
        "colloquy_seconds": [b.seconds for b in c.colloquy],
        "bare_cpu_seconds": [b.cpu_seconds for b in c.bare],
        "colloquy_cpu_seconds": [b.cpu_seconds for b in c.colloquy],
        "bare_peak_rss_mb": c.peak_rss("bare"),
        "colloquy_peak_rss_mb": c.peak_rss("colloquy"),
        "incremental": {
            case: {
                "seconds": r.build.seconds,
                "cpu_seconds": r.build.cpu_seconds,
                "files_written": r.files_written,
                "files_total": r.files_total,
            }
            for case, r in c.incremental.items()
        },
    }
