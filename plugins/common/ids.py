"""Stable identifiers: the same input gives the same id on every build and import."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata

_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def stable_id(*parts: str, length: int = 10) -> str:
    """Return a short lowercase id derived only from ``parts``.

    The id is the base32 of a SHA-256 over the NFC-normalised parts, so it is
    valid as a file name and an HTML anchor, and never changes for the same parts.
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(unicodedata.normalize("NFC", part).encode("utf-8"))
        digest.update(b"\x1f")
    return base64.b32encode(digest.digest()).decode("ascii").lower()[:length]


def anchor(text: str) -> str:
    """Return ``text`` reduced to characters that are safe in an HTML id and a URL."""
    cleaned = _ANCHOR_UNSAFE.sub("-", text).strip("-")
    return cleaned or stable_id(text)


def salted_hash(value: str, salt: str) -> str:
    """Return a hex digest of ``value`` (for example an email) under a site secret.

    Used for "same person" marks and identicons; the value cannot be read back.
    """
    normalised = value.strip().lower().encode("utf-8")
    return hashlib.blake2b(normalised, key=salt.encode("utf-8")[:64]).hexdigest()[:32]
