"""Run the Nu HTML Checker (npm's vnu-jar) on built pages with the machine's Java."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess

from tests.browser.tools import VNU_JAR


def check(paths: list[Path], *, root: Path) -> list[str]:
    """Return every error the checker finds in ``paths``, as ``page:line: message``."""
    result = subprocess.run(
        ["java", "-Xss1m", "-jar", str(VNU_JAR), "--format", "json",
         "--exit-zero-always", *map(str, paths)],
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
        line = message.get("lastLine", "?")
        errors.append(f"{name}:{line}: {message['message']}")
    return errors
