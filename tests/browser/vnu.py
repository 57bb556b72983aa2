"""Run the Nu HTML Checker (npm's vnu-jar) on built files with the machine's Java."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess

from tests.browser.tools import VNU_JAR

# One run per kind: mixing kinds in a run (--also-check-css) shifts HTML line numbers.
KINDS = {".html": (), ".css": ("--css",), ".svg": ("--svg",)}


def check(paths: list[Path], *, root: Path) -> list[str]:
    """Return every error in ``paths`` (HTML, CSS, SVG) as ``file:line: message``."""
    unknown = sorted(str(p) for p in paths if p.suffix not in KINDS)
    if unknown:
        raise ValueError(f"expected .html, .css or .svg files, got {unknown}")
    errors = []
    for suffix, flags in KINDS.items():
        chosen = [p for p in paths if p.suffix == suffix]
        if chosen:
            errors.extend(_run(flags, chosen, root))
    return errors


def _run(flags: tuple[str, ...], paths: list[Path], root: Path) -> list[str]:
    result = subprocess.run(
        ["java", "-Xss1m", "-jar", str(VNU_JAR), "--format", "json",
         "--exit-zero-always", *flags, *map(str, paths)],
        capture_output=True, text=True, check=False, timeout=240,
    )  # fmt: skip
    try:
        report = json.loads(result.stderr or result.stdout)
    except json.JSONDecodeError as err:
        raise AssertionError(f"vnu printed no JSON report: {result.stderr}") from err
    errors = []
    for message in report["messages"]:
        if message["type"] not in {"error", "non-document-error"}:
            continue
        where = Path(message.get("url", "").removeprefix("file:"))
        name = where.relative_to(root) if where.is_relative_to(root) else where
        errors.append(f"{name}:{message.get('lastLine', '?')}: {message['message']}")
    return errors
