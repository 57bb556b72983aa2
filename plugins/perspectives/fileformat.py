"""The perspective file: a header of ``Field: value`` lines, a blank line, a body.

:func:`parse_perspective` reads one (pure: text in, :class:`Perspective` out);
:func:`format_perspective` writes one, for moderation and importers.
:func:`parse_comment_system` reads a pelican-comment-system comment file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import re
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser
from markupsafe import Markup

from plugins.common.dates import parse_complete_date
from plugins.common.errors import ContentError
from plugins.common.sanitize import render_outside_text, safe_url, sanitize_html

from .model import FORMATS, KINDS, Perspective

_FIELD = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_-]*):[ \t]*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^[ \t]+\S")
_HEX = re.compile(r"^[0-9a-f]{8,128}$")
_MESSAGE = re.compile(r"^(?!//)[A-Za-z0-9_~%./#-]+$")
_ID = re.compile(r"^[\w.-]+$")
# Bidirectional embeddings, overrides and isolates: in a name they make the page
# read differently than it is ("Ann\u202egpj.exe" shows as "Annexe.jpg"), and an
# unclosed one reorders what follows it on the line.
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
# Fields that would put a reader's private data into content/.
PRIVATE_FIELDS = frozenset(
    {"email", "e-mail", "mail", "ip", "ip-address", "remote-addr"}
)
KNOWN = frozenset(
    {"author", "date", "url", "in-reply-to", "kind", "format", "source",
     "avatar-hash", "title", "message"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class HeaderField:
    """One ``Field: value`` line of a perspective's header."""

    key: str  # lowercased
    name: str  # as written
    value: str
    line: int
    source_line: str


def split_header(text: str, *, path: str) -> tuple[list[HeaderField], str, int]:
    """Return the header fields, the body and the body's first line number."""
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    fields: list[HeaderField] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            if not fields:
                got = "a blank line" if text.strip() else "an empty file"
                raise ContentError(
                    f"expected a header such as 'Author: Ann Reader', got {got}",
                    path=path,
                    line=number,
                )
            return fields, "\n".join(lines[number:]), number + 1
        match = _FIELD.match(line)
        if match:
            fields.append(
                HeaderField(
                    match["key"].lower(),
                    match["key"],
                    match["value"].strip(),
                    number,
                    line,
                )
            )
        elif fields and _CONTINUATION.match(line):
            last = fields[-1]
            fields[-1] = HeaderField(
                last.key,
                last.name,
                f"{last.value} {line.strip()}",
                last.line,
                last.source_line,
            )
        else:
            raise ContentError(
                "expected 'Field: value' or a blank line before the body,"
                f" got {line!r}",
                path=path,
                line=number,
                source_line=line,
            )
    if not fields:
        raise ContentError("expected a header, got an empty file", path=path, line=1)
    return fields, "", len(lines) + 1


def parse_date(value: str, *, timezone: str) -> datetime:
    """Return ``value`` as an aware datetime; without a zone it is in ``timezone``."""
    try:
        parsed = dateparser.isoparse(value)
    except ValueError:
        parsed = parse_complete_date(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed


def parse_perspective(
    text: str,
    *,
    path: str,
    post: str = "",
    timezone: str = "UTC",
    allow_images: bool = False,
) -> Perspective:
    """Read one perspective file; raise :class:`ContentError` naming the line."""
    fields, body, _ = split_header(text, path=path)
    seen: dict[str, HeaderField] = {}
    for item in fields:
        where = {"path": path, "line": item.line, "source_line": item.source_line}
        if item.key in PRIVATE_FIELDS:
            raise ContentError(
                f"expected no {item.name!r} field (content/ is public; keep at most"
                " an Avatar-Hash), got one",
                **where,
            )
        if item.key in seen:
            raise ContentError(
                f"expected {item.name!r} once, got it again"
                f" (first on line {seen[item.key].line})",
                **where,
            )
        seen[item.key] = item
    stem = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return _build(
        seen,
        body,
        path=path,
        ident=stem,
        post=post,
        timezone=timezone,
        allow_images=allow_images,
    )


def _build(  # noqa: PLR0912, PLR0913
    seen: dict[str, HeaderField],
    body: str,
    *,
    path: str,
    ident: str,
    post: str,
    timezone: str,
    allow_images: bool,
    url_key: str = "url",
    reply_key: str = "in-reply-to",
) -> Perspective:
    def where(key: str) -> dict:
        item = seen[key]
        return {"path": path, "line": item.line, "source_line": item.source_line}

    def value(key: str) -> str:
        return seen[key].value if key in seen else ""

    if not _ID.match(ident):
        raise ContentError(
            f"expected a file name of letters, digits, '.', '_' or '-', got {ident!r}",
            path=path,
        )
    for required in ("author", "date"):
        if not value(required):
            if required in seen:
                raise ContentError(
                    f"expected a value for {seen[required].name!r}, got nothing",
                    **where(required),
                )
            raise ContentError(
                f"expected a {required.title()!r} field in the header, got none",
                path=path,
                line=1,
            )
    author = _one_line(value("author").translate(_BIDI_CONTROLS))
    if not author:
        raise ContentError(
            f"expected a name, got only direction controls {value('author')!r}",
            **where("author"),
        )
    try:
        date = parse_date(value("date"), timezone=timezone)
    except (ValueError, OverflowError, TypeError):
        raise ContentError(
            "expected a date such as '2024-05-02 14:03:00-04:00', got"
            f" {value('date')!r}",
            **where("date"),
        ) from None
    kind = value("kind").lower() or "comment"
    if kind not in KINDS:
        raise ContentError(
            f"expected a Kind in {KINDS}, got {value('kind')!r}", **where("kind")
        )
    fmt = value("format").lower() or "markdown"
    if fmt not in FORMATS:
        raise ContentError(
            f"expected a Format in {FORMATS}, got {value('format')!r}",
            **where("format"),
        )
    url = ""
    if value(url_key):
        url = safe_url(value(url_key)) or ""
        if not url:
            raise ContentError(
                f"expected an http(s) URL, got {value(url_key)!r}", **where(url_key)
            )
    if kind in ("mention", "reblog") and not url:
        raise ContentError(
            f"expected a Url naming the source of a {kind}, got none",
            path=path,
            line=seen["kind"].line,
            source_line=seen["kind"].source_line,
        )
    reply = value(reply_key) or None
    if reply is not None and not _ID.match(reply):
        raise ContentError(
            f"expected the id (file name) of another perspective, got {reply!r}",
            **where(reply_key),
        )
    avatar = value("avatar-hash").lower()
    if avatar and not _HEX.match(avatar):
        raise ContentError(
            f"expected a hexadecimal Avatar-Hash, got {value('avatar-hash')!r}",
            **where("avatar-hash"),
        )
    message = value("message")
    if message and (":" in message or not _MESSAGE.match(message)):
        raise ContentError(
            f"expected a site path or #anchor of a transcript message, got {message!r}",
            **where("message"),
        )
    source = body.strip("\n")
    # A quote naming its Message may leave the text to the transcript.
    if not source.strip() and (kind == "comment" or (kind == "quote" and not message)):
        raise ContentError(
            "expected a body after the blank line, got nothing", path=path, line=1
        )
    html: Markup = (
        sanitize_html(source, allow_images=allow_images)
        if fmt == "html"
        else render_outside_text(source, allow_images=allow_images)
    )
    extra = tuple(
        (item.name, item.value)
        for key, item in seen.items()
        if key not in KNOWN and key not in (url_key, reply_key)
    )
    return Perspective(
        id=ident,
        post=post,
        author=author,
        date=date,
        html=html,
        source_path=path,
        url=url,
        kind=kind,
        in_reply_to=reply,
        title=_one_line(value("title").translate(_BIDI_CONTROLS)),
        message=message,
        avatar_hash=avatar,
        source=value("source"),
        extra=extra,
        reply_line=seen[reply_key].line if reply_key in seen else 0,
        message_line=seen["message"].line if "message" in seen else 0,
    )


# pelican-comment-system fields that are Pelican's own, not the reader's.
_COMMENT_SYSTEM_DROPPED = frozenset({"slug", "locale_date", "lang", "status"})


def parse_comment_system(
    text: str,
    *,
    path: str,
    post: str = "",
    timezone: str = "UTC",
    allow_images: bool = False,
) -> tuple[Perspective, list[str]]:
    """Read a pelican-comment-system comment; return it and warnings about it.

    Its fields are ``date``, ``author``, ``website``, ``replyto`` (the parent's
    file stem, or in later versions its slug such as ``1md``) and ``slug``. An
    ``email`` field is dropped (and warned about), never published.
    """
    fields, body, _ = split_header(text, path=path)
    seen: dict[str, HeaderField] = {}
    warnings = []
    for item in fields:
        if item.key in PRIVATE_FIELDS:
            warnings.append(
                f"{path}:{item.line}: {item.name!r} is not published; remove it, "
                "content/ is public"
            )
            continue
        if item.key in _COMMENT_SYSTEM_DROPPED:
            continue
        seen.setdefault(item.key, item)
    website = seen.pop("website", None)
    if website and "url" not in seen:
        if safe_url(website.value):
            seen["url"] = website
        elif website.value:
            warnings.append(
                f"{path}:{website.line}: expected an http(s) website, got"
                f" {website.value!r}; not linked"
            )
    stem = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    perspective = _build(
        seen,
        body,
        path=path,
        ident=stem,
        post=post,
        timezone=timezone,
        allow_images=allow_images,
        reply_key="replyto",
    )
    return perspective, warnings


def _one_line(value: str) -> str:
    return " ".join(value.split())


def format_perspective(  # noqa: PLR0913
    *,
    author: str,
    date: datetime,
    body: str,
    url: str = "",
    in_reply_to: str = "",
    kind: str = "comment",
    fmt: str = "markdown",
    title: str = "",
    message: str = "",
    source: str = "",
    avatar_hash: str = "",
) -> str:
    """Return the text of a perspective file that :func:`parse_perspective` reads.

    Header values are folded onto one line, so no value can start a field of its
    own (a name cannot smuggle in an ``Email:`` line).
    """
    if date.tzinfo is None:
        raise ValueError("expected a timezone-aware date, got a naive one")
    header = [
        ("Author", author),
        ("Date", date.isoformat(sep=" ")),
        ("Url", url),
        ("Title", title),
        ("In-Reply-To", in_reply_to),
        ("Kind", "" if kind == "comment" else kind),
        ("Format", "" if fmt == "markdown" else fmt),
        ("Message", message),
        ("Source", source),
        ("Avatar-Hash", avatar_hash),
    ]
    lines = [f"{key}: {_one_line(value)}" for key, value in header if _one_line(value)]
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return "\n".join(lines) + "\n\n" + text + "\n"
