"""Identicons drawn at build time: a face for every reader, no third party asked."""

from __future__ import annotations

import hashlib

from markupsafe import Markup

GRID = 5


def identicon_svg(seed: str, *, size: int = 40) -> Markup:
    """Return a small symmetric SVG pattern that depends only on ``seed``."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    half = (GRID + 1) // 2
    cells = []
    bit = 0
    for row in range(GRID):
        for col in range(half):
            if digest[2 + bit // 8] >> (bit % 8) & 1:
                cells.append((col, row))
                if col != GRID - 1 - col:
                    cells.append((GRID - 1 - col, row))
            bit += 1
    path = "".join(f"M{x} {y}h1v1h-1z" for x, y in sorted(cells))
    return Markup(
        f'<svg class="identicon" xmlns="http://www.w3.org/2000/svg"'
        f' viewBox="0 0 {GRID} {GRID}" width="{size}" height="{size}"'
        f' aria-hidden="true" focusable="false">'
        f'<rect width="{GRID}" height="{GRID}" fill="hsl({hue}, 35%, 90%)"/>'
        f'<path fill="hsl({hue}, 55%, 40%)" d="{path}"/></svg>'
    )
