"""Keep a reader's email address and IP address out of everything published."""

from __future__ import annotations

from collections.abc import Iterable
import re

REDACTED = "[address removed]"
# The lookbehind starts a try only where a run of address characters starts: without
# it a 100 kB name with no "@" cost a scan per character (quadratic).
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Return ``text`` with each secret (an email, an IP) replaced wherever it is."""
    for secret in secrets:
        if secret and secret.strip():
            text = re.sub(re.escape(secret.strip()), REDACTED, text, flags=re.I)
    return text


def redact_name(name: str, secrets: Iterable[str]) -> str:
    """Return a display name without the secrets or anything shaped like an email."""
    return EMAIL.sub(REDACTED, redact(name, secrets)).strip()
