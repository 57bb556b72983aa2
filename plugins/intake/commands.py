"""``colloquy intake serve``: run the perspective intake service."""

from __future__ import annotations

import argparse
from pathlib import Path

from plugins.common.errors import PluginConfigError
from plugins.intake.bench import add_bench_command
from plugins.intake.settings import IntakeConfig
from plugins.intake.tokens import load_secret
from plugins.intake.validate import Limits


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``intake serve`` to the ``colloquy`` command."""
    intake = subparsers.add_parser(
        "intake", help="the HTTP service that takes readers' perspectives"
    )
    verbs = intake.add_subparsers(dest="intake_command", required=True, metavar="VERB")
    serve = verbs.add_parser(
        "serve",
        help="serve POST /perspectives into the moderation queue",
        description="Take perspectives from the site's form into the moderation "
        "queue (outside content/), refusing spam and malformed input.",
    )
    serve.add_argument("--queue", type=Path, required=True, help="queue folder")
    serve.add_argument(
        "--manifest",
        type=Path,
        required=True,
        help="the build's output/intake/manifest.json (re-read when it changes)",
    )
    serve.add_argument(
        "--site-url", required=True, help="the site's URL, e.g. https://example.org"
    )
    serve.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    serve.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    serve.add_argument("--threads", type=int, default=8, help="default: %(default)s")
    serve.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="another origin the form may be on (repeatable), e.g. https://www.example.org",
    )
    serve.add_argument(
        "--secret-file",
        type=Path,
        help="token signing secret (default: $COLLOQUY_INTAKE_SECRET, "
        "else <queue>/.intake-secret, created on first start)",
    )
    serve.add_argument(
        "--trusted-proxy",
        default="",
        metavar="IP",
        help="reverse proxy whose X-Forwarded-For/-Proto to believe",
    )
    default = IntakeConfig(
        queue=Path(), manifest=Path(), site_url="", secret=b""
    )  # the defaults, shown in --help
    numbers: list[tuple[str, type, object, str]] = [
        ("--min-seconds", float, default.min_seconds, "shortest form-to-send time"),
        ("--token-max-age", float, default.token_max_age, "longest a form stays valid"),
        ("--rate-limit", int, default.rate_limit, "POSTs per IP per window; 0: off"),
        ("--rate-window", float, default.rate_window, "rate-limit window, seconds"),
        ("--max-body", int, default.max_body, "largest request body, bytes"),
        ("--max-links", int, default.limits.max_links, "most links in the text"),
        ("--max-text", int, default.limits.max_text, "longest text, characters"),
        ("--max-name", int, default.limits.max_name, "longest name, characters"),
        ("--shutdown-timeout", float, 30.0, "seconds to finish requests on SIGTERM"),
    ]  # fmt: skip
    for flag, kind, value, what in numbers:
        serve.add_argument(
            flag, type=kind, default=value, help=f"{what} (default: %(default)s)"
        )
    serve.add_argument(
        "--require-email", action="store_true", help="refuse submissions without email"
    )
    serve.set_defaults(handler=serve_command)
    add_bench_command(verbs)


def serve_command(args: argparse.Namespace) -> int:
    """Check the flags, then serve until SIGTERM."""
    from plugins.intake.server import serve  # noqa: PLC0415 (waitress only when serving)

    try:
        secret = load_secret(args.secret_file, args.queue)
    except (OSError, ValueError) as err:
        raise PluginConfigError(f"--secret-file: {err}") from None
    config = IntakeConfig(
        queue=args.queue,
        manifest=args.manifest,
        site_url=args.site_url,
        secret=secret,
        origins=tuple(args.allow_origin),
        min_seconds=args.min_seconds,
        token_max_age=args.token_max_age,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        max_body=args.max_body,
        limits=Limits(
            max_name=args.max_name,
            max_text=args.max_text,
            max_links=args.max_links,
            require_email=args.require_email,
        ),
    ).check()
    serve(
        config,
        host=args.host,
        port=args.port,
        threads=args.threads,
        trusted_proxy=args.trusted_proxy,
        shutdown_timeout=args.shutdown_timeout,
    )
    return 0
