"""Reading a submission's body and checking its fields: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json
import re
import unicodedata
from urllib.parse import parse_qsl

FIELDS = ("post", "name", "email", "url", "text", "in_reply_to")
HONEYPOT = "homepage"
TOKEN = "token"
# What a form or script may send; anything else is refused, so typos surface.
ACCEPTED = frozenset((*FIELDS, HONEYPOT, TOKEN))

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}"
    r"@(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}$"
)
# http(s), a host (IDN letters allowed; no userinfo), then anything but spaces/quotes.
_URL = re.compile(r"(?i)^https?://[\w.\[\]:-]+(?:[/?#][^\s<>\"'\\]*)?$")
# A perspective's id is its file's name without ".md", in any script (files are
# written by hand and by importers): what the reply form's hidden field carries.
_ID = re.compile(r"[\w-][\w.-]{0,254}")
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)")
# Bidirectional overrides and isolates make a name read differently than it is.
_SURROGATES = (0xD800, 0xDFFF)
# Control characters (CR, LF, NUL, …) and the Unicode line and paragraph separators.
_BREAKS = frozenset({"Cc", "Zl", "Zp"})
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class BodyError(ValueError):
    """A request body that cannot be read as a submission at all."""

    def __init__(self, status: int, field: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.field, self.reason = status, field, reason


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """How long each field may be, and how many links the text may hold."""

    max_name: int = 100
    max_email: int = 254
    max_url: int = 500
    max_text: int = 20_000
    max_links: int = 3
    require_email: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Fields:
    """A submission's fields after checking: stripped, normalised, safe to store."""

    post: str
    name: str
    email: str
    url: str
    text: str
    in_reply_to: str


def media_type(content_type: str) -> tuple[str, str]:
    """Return the lowercased media type and charset ('' if absent) of a header."""
    kind, _, params = content_type.partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return kind.strip().lower(), charset


def parse_body(body: bytes, content_type: str) -> dict[str, str]:
    """Decode a form-encoded or JSON body into ``{field: text}``, strictly UTF-8."""
    kind, charset = media_type(content_type)
    if kind not in ("application/x-www-form-urlencoded", "application/json"):
        raise BodyError(
            415,
            "content_type",
            "expected application/x-www-form-urlencoded or application/json,"
            f" got {kind or 'nothing'!r}",
        )
    if charset and charset not in ("utf-8", "utf8"):
        raise BodyError(415, "content_type", f"expected charset utf-8, got {charset!r}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BodyError(
            400, "body", f"expected UTF-8, got an invalid byte at {err.start}"
        ) from None
    if kind == "application/json":
        return _json_fields(text)
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise BodyError(
            400, "body", "expected percent-encoded UTF-8, got invalid bytes"
        ) from None
    except ValueError as err:
        raise BodyError(400, "body", f"expected form data, got {err}") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise BodyError(400, key, "expected once, got it more than once")
        fields[key] = value
    return fields


def _unique_pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """Build a JSON object, refusing a key given twice (as a form's is refused)."""
    data: dict[str, object] = {}
    for key, value in pairs:
        if _surrogate(key):
            # A "\ud800" escape decodes to a lone surrogate: not text, and a key
            # echoed back in the answer could not even be encoded.
            raise BodyError(400, "body", "expected text keys, got a lone surrogate")
        if key in data:
            raise BodyError(400, key, "expected once, got it more than once")
        data[key] = value
    return data


def _json_fields(text: str) -> dict[str, str]:
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs)
    except (ValueError, RecursionError) as err:
        if isinstance(err, BodyError):
            raise
        raise BodyError(400, "body", f"expected a JSON object, got {err}") from None
    if not isinstance(data, dict):
        raise BodyError(
            400, "body", f"expected a JSON object, got {type(data).__name__}"
        )
    for key, value in data.items():
        if value is not None and not isinstance(value, str):
            raise BodyError(400, key, f"expected a string, got {type(value).__name__}")
    return {key: value or "" for key, value in data.items()}


def count_links(text: str) -> int:
    """Count what looks like a link in free text (``http://``, ``www.``)."""
    return len(_LINK.findall(text))


def _surrogate(value: str) -> bool:
    return any(_SURROGATES[0] <= ord(ch) <= _SURROGATES[1] for ch in value)


def _check_name(value: str, limits: Limits) -> tuple[str, str]:
    name = unicodedata.normalize("NFC", value.strip())
    if not name:
        return name, "expected your name, got nothing"
    if len(name) > limits.max_name:
        return name, f"expected at most {limits.max_name} characters, got {len(name)}"
    if any(unicodedata.category(ch) in _BREAKS or ch in _BIDI for ch in name):
        return name, "expected one line of text, got control characters (CR, LF, …)"
    return name, ""


def _check_email(value: str, limits: Limits) -> tuple[str, str]:
    email = value.strip()
    if not email:
        return email, "expected an email address, got nothing" * limits.require_email
    if len(email) > limits.max_email or not _EMAIL.match(email):
        return email, f"expected an address like ann@example.org, got {email[:80]!r}"
    return email, ""


def _check_url(value: str, limits: Limits) -> tuple[str, str]:
    url = value.strip()
    if url and (len(url) > limits.max_url or not _URL.match(url)):
        return url, f"expected an http:// or https:// address, got {url[:80]!r}"
    return url, ""


def _check_text(value: str, limits: Limits) -> tuple[str, str]:
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n"))
    text = text.replace("\r", "\n").strip()
    if not text:
        return text, "expected your perspective, got nothing"
    if len(text) > limits.max_text:
        return text, f"expected at most {limits.max_text} characters, got {len(text)}"
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        return text, "expected text, got control characters"
    links = count_links(text)
    if links > limits.max_links:
        return text, f"expected at most {limits.max_links} links, got {links}"
    return text, ""


def _check_in_reply_to(value: str, limits: Limits) -> tuple[str, str]:
    ident = value.strip()
    if ident and not _ID.fullmatch(ident):
        return ident, f"expected the id of a perspective, got {ident[:80]!r}"
    return ident, ""


_CHECKS = {
    "name": _check_name,
    "email": _check_email,
    "url": _check_url,
    "text": _check_text,
    "in_reply_to": _check_in_reply_to,
}


def check_fields(
    raw: Mapping[str, str], *, open_posts: Mapping[str, object], limits: Limits
) -> tuple[Fields | None, dict[str, str]]:
    """Check every field; return the clean fields, or None and ``{field: reason}``."""
    errors = dict.fromkeys(sorted(set(raw) - ACCEPTED), "expected no such field")
    errors.update(
        (key, "expected text, got a lone surrogate")
        for key, value in raw.items()
        if _surrogate(value)
    )
    if raw.get(HONEYPOT, ""):
        errors[HONEYPOT] = "expected this field to stay empty (it is a trap for bots)"
    clean = {"post": raw.get("post", "").strip()}
    if not clean["post"]:
        errors["post"] = "expected the slug of a post, got nothing"
    elif clean["post"] not in open_posts:
        errors["post"] = (
            f"expected a post open for discussion, got {clean['post'][:80]!r}"
        )
    for key, check in _CHECKS.items():
        clean[key], problem = check(raw.get(key, ""), limits)
        if problem:
            errors.setdefault(key, problem)
    if errors:
        return None, errors
    return Fields(**clean), {}
