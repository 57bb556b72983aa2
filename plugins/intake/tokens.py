"""Signed form tokens: prove when a form was shown, without keeping any state.

A token is ``v1.<issued unix seconds>.<nonce>.<signature>``; the signature is an
HMAC-SHA256 over the version, the post's slug, the time and the nonce, under a
secret only the intake service knows. A token for one post is no good for another.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import hashlib
import hmac
import os
from pathlib import Path
import re
import secrets

SECRET_ENV = "COLLOQUY_INTAKE_SECRET"
# Unix seconds in ASCII digits; int() of thousands of digits raises, of "١٢" works.
_ISSUED = re.compile(r"[0-9]{1,12}")
SECRET_FILE = ".intake-secret"


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """The verdict on a token: ok, or a problem and how long to wait."""

    ok: bool
    reason: str = ""
    retry_after: int = 0  # seconds, when the token is merely too young


def _signature(secret: bytes, post: str, issued: int, nonce: str) -> str:
    message = f"v1|{post}|{issued}|{nonce}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode("ascii")


def issue_token(secret: bytes, post: str, now: float) -> str:
    """Return a fresh token for ``post``, issued at ``now``."""
    issued, nonce = int(now), secrets.token_hex(6)
    return f"v1.{issued}.{nonce}.{_signature(secret, post, issued, nonce)}"


def check_token(  # noqa: PLR0913 (limits are keyword-only)
    secret: bytes, token: str, post: str, now: float, *, min_age: float, max_age: float
) -> TokenCheck:
    """Say whether ``token`` was issued by us for ``post`` long enough ago."""
    parts = token.split(".")
    if not token:
        return TokenCheck(False, "expected a form token, got nothing")
    if len(parts) != 4 or parts[0] != "v1" or not _ISSUED.fullmatch(parts[1]):  # noqa: PLR2004
        return TokenCheck(False, "expected a form token from this site, got garbage")
    issued, nonce, signature = int(parts[1]), parts[2], parts[3]
    expected = _signature(secret, post, issued, nonce)
    # compare_digest refuses a str with non-ASCII characters (a TypeError: a 500).
    if not signature.isascii() or not hmac.compare_digest(signature, expected):
        return TokenCheck(False, "expected a form token signed for this post")
    age = now - issued
    if age > max_age:
        return TokenCheck(False, f"expected a form at most {int(max_age)} s old")
    if age < min_age:
        wait = max(1, int(min_age - age + 0.999))
        return TokenCheck(
            False,
            f"sent {max(age, 0):.0f} s after the form was shown; wait {wait} s more",
            retry_after=wait,
        )
    return TokenCheck(True)


def load_secret(secret_file: Path | None, queue_root: Path) -> bytes:
    """Return the signing secret: --secret-file, then the env, then the queue's own.

    The queue's own secret (``<queue>/.intake-secret``) is created once, by whichever
    instance starts first, so every instance sharing the queue signs alike.
    """
    if secret_file is not None:
        secret = secret_file.read_bytes().strip()
        if len(secret) < 16:  # noqa: PLR2004
            raise ValueError(
                f"{secret_file}: expected a secret of 16 bytes or more, "
                f"got {len(secret)}"
            )
        return secret
    from_env = os.environ.get(SECRET_ENV, "").encode()
    if from_env:
        return from_env
    target = queue_root / SECRET_FILE
    queue_root.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_urlsafe(32).encode("ascii"))
            handle.flush()
            os.fsync(handle.fileno())
    for _ in range(50):  # another instance may be between create and write
        secret = target.read_bytes().strip()
        if secret:
            return secret
        os.sched_yield()
    raise ValueError(f"{target}: expected a secret, got an empty file")
