"""The ``colloquy`` command: what Pelican has no verb for.

Each feature adds its subcommands from its own ``commands`` module; this file only
gathers them, sets up logging and turns expected errors into a message and an exit
status instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from .common.errors import ContentError, PluginConfigError
from .common.files import UnsafePathError

# Modules with an ``add_commands(subparsers)`` function, in --help order.
COMMAND_MODULES = (
    "plugins.posts.commands",
    "plugins.transcripts.commands",
    "plugins.migrate.commands",
    "plugins.reblog.commands",
    "plugins.perspectives.commands",
    "plugins.intake.commands",
    "plugins.bench.commands",
)

logger = logging.getLogger("colloquy")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every ``colloquy`` subcommand."""
    parser = argparse.ArgumentParser(
        prog="colloquy",
        description="Colloquy: import chats and blogs, moderate perspectives, "
        "and everything else a Pelican site of essays and conversations needs.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="say what is being done"
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``colloquy`` with ``argv`` and return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.handler(args) or 0
    except (ContentError, PluginConfigError, UnsafePathError, FileExistsError) as err:
        logger.error("%s", err)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
