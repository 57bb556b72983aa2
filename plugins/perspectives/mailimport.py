"""Turn perspectives that came back by email (the mailto: fallback) into submissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
import email
import email.errors
from email.message import EmailMessage
import email.policy
import email.utils
import logging
import mailbox
from pathlib import Path
import re

from plugins.common.ids import stable_id
from plugins.common.privacy import EMAIL
from plugins.common.sanitize import safe_url

from .contact import PLACEHOLDER
from .queue import STATES, Queue, Submission

logger = logging.getLogger(__name__)

_SUBJECT_TAG = re.compile(r"\[perspective:(?P<slug>[\w.-]+)\]")
_FIELD = re.compile(r"^(?P<key>Post|Author|Url|In-Reply-To):[ \t]*(?P<value>.*)$", re.I)
_ID = re.compile(r"^[\w.-]+$")
_POST_URL = re.compile(r"/\d{4}/\d{2}/(?P<slug>[\w.-]+)/")
_WROTE = re.compile(r"^(On .+ wrote:|.+ (a écrit|schrieb) ?:)\s*$")


@dataclass(frozen=True, slots=True)
class MailPerspective:
    """What one reply says, before it becomes a submission."""

    post: str
    name: str
    url: str
    in_reply_to: str
    text: str


class MailSkip(ValueError):
    """One mail cannot be turned into a submission."""


def read_reply(body: str, subject: str) -> MailPerspective:
    """Read a mail body: a filled-in perspective file, or a plain reply."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for number, line in enumerate(lines):
        if line.rstrip() == "--":  # the signature separator, "-- "
            cut = number
            break
    lines = [
        line
        for line in lines[:cut]
        if not line.lstrip().startswith(">") and not _WROTE.match(line)
    ]
    while lines and not lines[0].strip():
        lines.pop(0)
    # The fields head the body; but a mail client puts the cursor at the top, so
    # many write above the ready-made "Post:" block: it is taken from there too.
    first = 0
    if lines and not _FIELD.match(lines[0].strip()):
        first = next(
            (
                number
                for number, line in enumerate(lines)
                if (match := _FIELD.match(line.strip()))
                and match["key"].lower() == "post"
                and _ID.match(match["value"].strip())
            ),
            0,
        )
    header: dict[str, str] = {}
    end = first
    for line in lines[first:]:
        match = _FIELD.match(line.strip())
        if not match:
            break
        header.setdefault(match["key"].lower(), match["value"].strip())
        end += 1
    text = "\n".join(lines[:first] + lines[end:]).replace(PLACEHOLDER, "").strip()
    tag = _SUBJECT_TAG.search(subject or "")
    link = _POST_URL.search(text)
    post = (
        header.get("post")
        or (tag["slug"] if tag else "")
        or (link["slug"] if link else "")
    )
    if not post or not _ID.match(post):
        raise MailSkip(
            "expected a 'Post:' line, '[perspective:slug]' in the subject or a"
            f" link to the post, got subject {subject!r}"
        )
    if not text:
        raise MailSkip("expected a perspective below the header, got nothing")
    reply = header.get("in-reply-to", "")
    return MailPerspective(
        post=post,
        name=" ".join(header.get("author", "").split()),
        url=safe_url(header.get("url", "")) or "",
        in_reply_to=reply if _ID.match(reply) else "",
        text=text,
    )


def _plain_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        raise MailSkip("expected a text/plain part, got none")
    if part.get_content_charset() is not None:
        try:
            return part.get_content()
        except LookupError:  # a charset Python does not know: "unknown-8bit", …
            pass
    # No charset (8-bit text read as ASCII would be all U+FFFD) or an unknown one:
    # most mail clients send UTF-8, the rest mostly Windows-1252.
    payload = part.get_payload(decode=True) or b""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("cp1252", errors="replace")


# Where a forwarded message starts (Gmail, Thunderbird, Apple Mail), and where
# Outlook puts the message it forwards or answers, unquoted.
_FORWARDED = re.compile(
    r"^\s*(?:-+ ?Forwarded [Mm]essage ?-+|Begin forwarded message:)\s*$"
)
_ORIGINAL = re.compile(r"^\s*(?:-+ ?Original Message ?-+|_{20,})\s*$")
_FORWARD_SUBJECT = re.compile(r"(?i)^\s*(?:re:\s*)*(?:fwd?|tr|wg|rv):")
_FORWARD_FIELD = re.compile(
    r"(?i)^\s*(?P<key>From|Sent|Date|To|Cc|Subject|Reply-To):\s*(?P<value>.*)$"
)


@dataclass(frozen=True, slots=True)
class Forwarded:
    """The message inside a forward: who wrote it, its subject and its text."""

    name: str
    address: str
    subject: str
    body: str


def unforward(body: str, subject: str) -> Forwarded | str:
    """Return the forwarded message in ``body``, or ``body`` without a quoted one.

    Someone (often the site's author) forwarding a reader's mail is not its writer:
    the reader is, and the forward's header block (the reader's address in it)
    is no part of the perspective. Outlook quotes the mail it answers below an
    "Original Message" line, unmarked: that part is cut like a ``>`` quote.
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    forward = bool(_FORWARD_SUBJECT.match(subject))
    for number, line in enumerate(lines):
        if _FORWARDED.match(line) or (forward and _ORIGINAL.match(line)):
            break
        if _ORIGINAL.match(line):
            return "\n".join(lines[:number])
    else:
        return body
    rest = number + 1
    while rest < len(lines) and not lines[rest].strip():
        rest += 1
    fields: dict[str, str] = {}
    while rest < len(lines) and (match := _FORWARD_FIELD.match(lines[rest])):
        fields.setdefault(match["key"].lower(), match["value"].strip())
        rest += 1
    # "Ann <ann@example.org>", Outlook's "Ann [mailto:ann@example.org]", or bare.
    sender = fields.get("from", "")
    found = EMAIL.search(sender)
    if not found:
        raise MailSkip(
            f"expected the forwarded message's From address, got {sender[:200]!r}"
        )
    name = sender[: found.start()].replace("mailto:", "")
    return Forwarded(
        name=" ".join(name.strip(" \t\"'<[(").split()),
        address=found[0],
        subject=fields.get("subject", ""),
        body="\n".join(lines[rest:]),
    )


def _header(message: EmailMessage, name: str) -> str:
    """Return a header as text; a malformed one is a skip, not a crash."""
    try:
        return str(message.get(name, ""))
    except (
        AttributeError,
        IndexError,
        ValueError,
        TypeError,
        email.errors.MessageError,
    ) as err:
        raise MailSkip(f"expected a readable {name} header, got {err}") from None


def submission_from_mail(raw: bytes, *, origin: str) -> Submission:
    """Return the queued submission for one raw mail."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    sender = _header(message, "From")
    try:
        display, address = email.utils.parseaddr(sender)
    except ValueError:
        display, address = "", ""
    if not address or "@" not in address:
        raise MailSkip(f"expected a From address, got {sender[:200]!r}")
    date = _header(message, "Date")
    try:
        received = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError):
        raise MailSkip(f"expected a Date header, got {date or None!r}") from None
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    subject = _header(message, "Subject")
    body = unforward(_plain_body(message), subject)
    if isinstance(body, Forwarded):
        display, address = body.name, body.address
        subject, body = f"{body.subject} {subject}", body.body
    reply = read_reply(body, subject)
    try:
        key = _header(message, "Message-ID").strip()
    except MailSkip:  # a broken Message-ID is no reason to lose the mail
        key = ""
    key = key or stable_id(raw.decode("latin-1"))
    return Submission(
        id=f"{received.astimezone(UTC):%Y%m%dT%H%M%S}-mail-{stable_id(key)}",
        received=received,
        post=reply.post,
        name=reply.name or " ".join(display.split()) or "A reader",
        email=address,
        text=reply.text,
        url=reply.url,
        in_reply_to=reply.in_reply_to,
        user_agent="email",
        note=f"imported from {origin}",
    )


def _open(source: Path) -> mailbox.Mailbox:
    if source.is_dir():
        if not (source / "cur").is_dir() and not (source / "new").is_dir():
            raise MailSkip(f"{source}: expected a Maildir (cur/, new/), got a folder")
        return mailbox.Maildir(source, factory=None, create=False)
    if not source.is_file():
        raise MailSkip(f"{source}: expected an mbox file or a Maildir, got nothing")
    return mailbox.mbox(source, factory=None, create=False)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """How an import went."""

    queued: int
    already: int
    skipped: int


def import_mail(source: Path, queue: Queue) -> ImportReport:
    """Queue every perspective in an mbox file or a Maildir; re-runs add nothing."""
    box = _open(source)
    queued = already = skipped = 0
    try:
        for key in sorted(box.keys(), key=str):
            where = f"{source}#{key}"
            try:
                submission = submission_from_mail(
                    box.get_bytes(key), origin=source.name
                )
            except MailSkip as err:
                logger.warning("%s: %s; skipped", where, err)
                skipped += 1
                continue
            if any(queue.path(state, submission.id).exists() for state in STATES):
                already += 1
                continue
            queue.add(submission)
            logger.info("%s: queued %s for %s", where, submission.id, submission.post)
            queued += 1
    finally:
        box.close()
    return ImportReport(queued=queued, already=already, skipped=skipped)
