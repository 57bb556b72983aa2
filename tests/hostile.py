"""Hostile input for the tests: the public vector list and a grammar around it."""

from __future__ import annotations

import json
import os
from pathlib import Path
import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from .support import ROOT

VECTORS: list[dict[str, str]] = json.loads(
    (ROOT / "tests" / "data" / "hostile" / "vectors.json").read_text(encoding="utf-8")
)["vectors"]

# Pieces that break parsers and serialisers rather than sanitisers: markup
# punctuation, entity starts, scheme fragments, XML's forbidden characters, lone
# surrogates, the CDATA terminator, bidi overrides, Markdown's block markers.
SHARDS = (
    "<", ">", '"', "'", "`", "&", "&#", "&#x", "&amp;", "&lt;", ";", ":", "/", "\\",
    "javascript:", "JaVa\tScRiPt:", "vbscript:", "data:text/html,", "&#106;", "&colon;",
    "on", "onerror=", "onload=alert(1)", "style=", "expression(", "srcdoc=",
    "<a href=", "<img src=", "<svg>", "<math>", "<!--", "-->", "<![CDATA[", "]]>",
    "</script>", "</textarea>", "</title>", "</style>", "{{", "}}", "{%", "%}",
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\ufeff",
    "\ufffe", "\uffff", "\ud800", "\udfff", "\u202e", "\u2028", "\u00a0",
    "[", "]", "](", ")", "![", "<http://", "*", "_", "#", "> ", "- ", "1. ",
    "    ", "\n", "\r", "\r\n", "\t", "|", "---", "@", "ann@mail.example",
)  # fmt: skip

# Whole vectors, shards and random text, in any order.
hostile_text = st.lists(
    st.one_of(
        st.sampled_from([v["input"] for v in VECTORS]),
        st.sampled_from(SHARDS),
        st.text(max_size=12),
    ),
    max_size=10,
).map("".join)

# One line of it (for header values, names and handles).
hostile_line = hostile_text.map(
    lambda text: re.sub(r"[\r\n\x85\u2028\u2029]", " ", text)
)

# ``make fuzz`` raises this; the suite keeps it small (the whole suite runs in minutes).
FUZZ_EXAMPLES = int(os.environ.get("COLLOQUY_FUZZ_EXAMPLES", "40"))
fuzz = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Addresses no test input ever means to publish.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
PHONE = re.compile(r"\+\d[\d ()-]{7,}\d")


def private_data(root: Path, secrets: list[str], *, allowed: set[str]) -> list[str]:
    """Return ``file: value`` for private data in any file under ``root``.

    Finds each of ``secrets`` in any encoding :func:`support.files_containing`
    knows, and also any email, IPv4 address or phone number at all except those in
    ``allowed`` (the site's own contact address, say).
    """
    from .support import files_containing  # noqa: PLC0415

    found = files_containing(root, secrets)
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        for pattern in (EMAIL, IPV4, PHONE):
            for match in pattern.findall(text):
                if match not in allowed:
                    found.append(f"{path.relative_to(root).as_posix()}: {match}")
    return sorted(set(found))
