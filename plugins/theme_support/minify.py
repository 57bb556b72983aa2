"""Shrink the theme's stylesheets in output/: comments and spare whitespace out."""

from __future__ import annotations

from pathlib import Path
import re

from plugins.common.files import write_atomic

# Strings and comments, matched left to right so "/* Readers' */" is one comment.
_TOKENS = re.compile(
    r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|/\*.*?\*/)""", re.DOTALL
)
_STRINGS = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""")
_AROUND = re.compile(r"\s*([{};,>}])\s*")
_AFTER_COLON = re.compile(r":\s+")  # "a :hover" keeps its space; "color: red" loses it
_LAST_SEMICOLONS = re.compile(r";+\}")  # all of them: ";;}" must not leave ";}"


def minify_css(text: str) -> str:
    """Return ``text`` without comments and spare whitespace; strings stay as is."""
    parts = _TOKENS.split(text)
    # Comments become a space first ("a/**/b" is two tokens), then spaces collapse.
    text = "".join(
        " " if i % 2 and p.startswith("/*") else p for i, p in enumerate(parts)
    )
    out = []
    for index, part in enumerate(_STRINGS.split(text)):
        if index % 2:
            out.append(part)
            continue
        code = _AROUND.sub(r"\1", re.sub(r"\s+", " ", part))
        out.append(_LAST_SEMICOLONS.sub("}", _AFTER_COLON.sub(":", code)))
    return "".join(out).strip() + "\n"


def minify_output_css(output: Path, folder: str = "theme/css") -> list[Path]:
    """Minify every ``*.css`` under ``output/folder`` in place; return those changed."""
    changed = []
    for path in sorted((output / folder).glob("*.css")):
        text = path.read_text(encoding="utf-8")
        if write_atomic(path, minify_css(text), overwrite=True, durable=False):
            changed.append(path)
    return changed
