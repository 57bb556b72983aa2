"""Turn an approved submission into a perspective file, with nothing private in it."""

from __future__ import annotations

from dataclasses import replace
import logging
import os
from pathlib import Path
import re
import secrets
from zoneinfo import ZoneInfo

from pelican.utils import slugify

from plugins.common.errors import ContentError
from plugins.common.files import inside, safe_filename, write_atomic
from plugins.common.ids import salted_hash
from plugins.common.privacy import EMAIL, redact, redact_name
from plugins.common.sanitize import safe_url

from .fileformat import format_perspective, parse_perspective
from .queue import Queue, Submission

logger = logging.getLogger(__name__)

SALT_ENV = "PERSPECTIVES_EMAIL_SALT"
# The variable's first name: the same as the setting that salts identicons drawn
# from names, which lives in pelicanconf.py and is often published with it.
OLD_SALT_ENV = "PERSPECTIVES_AVATAR_SALT"
SALT_FILE = "avatar-salt"
_ID = re.compile(r"^[\w.-]+$")


class ModerationError(ValueError):
    """A moderation step cannot be done as asked."""


def avatar_salt(queue: Queue) -> str:
    """Return the salt of email hashes: from the environment, else the queue's file.

    The file is made on first use, readable by its owner only, and lives with the
    queue, outside content/, so a published content/ never holds it.
    """
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV]
    if os.environ.get(OLD_SALT_ENV):
        logger.warning(
            "$%s: read as the salt of email hashes; rename it $%s (the setting %s"
            " is another salt, for identicons drawn from names, and is published"
            " with pelicanconf.py if you set it there: keep the two different)",
            OLD_SALT_ENV,
            SALT_ENV,
            OLD_SALT_ENV,
        )
        return os.environ[OLD_SALT_ENV]
    target = queue.root / SALT_FILE
    if not target.exists():
        queue.root.mkdir(parents=True, exist_ok=True)
        write_atomic(target, secrets.token_hex(32) + "\n", mode=0o600)
    return target.read_text(encoding="utf-8").strip()


def scrub(text: str, submission: Submission) -> str:
    """Return ``text`` without the submitter's email address or IP address."""
    return redact(text, (submission.email, submission.ip))


def perspective_text(submission: Submission, *, salt: str) -> str:
    """Return the perspective file for ``submission``: no email, no IP."""
    name = redact_name(submission.name, (submission.email, submission.ip))
    url = safe_url(scrub(submission.url, submission)) or ""
    reply = submission.in_reply_to.strip()
    if reply and not _ID.match(reply):
        logger.warning(
            "%s: expected In-Reply-To to be a perspective id, got %r; dropped",
            submission.id,
            reply,
        )
        reply = ""
    return format_perspective(
        author=name or "A reader",
        date=submission.received,
        url=url,
        in_reply_to=reply,
        body=scrub(submission.text, submission),
        source=f"submission {submission.id}",
        avatar_hash=salted_hash(submission.email, salt) if submission.email else "",
    )


def approve(  # noqa: PLR0913
    queue: Queue,
    submission_id: str,
    *,
    content: Path,
    folder: str = "perspectives",
    salt: str | None = None,
    timezone: str | None = None,
) -> Path:
    """Write the submission into content/ as a new perspective; move it to approved/.

    Its ``Date`` and file name give the time it arrived, to the second, in
    ``timezone`` (the site's) when given: the page shows a perspective's time in
    its own zone, so the queue's UTC would read as hours off beside the post's.
    """
    state, submission = queue.get(submission_id)
    if state == "approved":
        raise ModerationError(
            f"{submission_id}: expected a pending submission, got an approved one"
        )
    if submission.received.tzinfo is None:
        raise ModerationError(
            f"{submission_id}: expected a received time with a zone, got"
            f" {submission.received.isoformat()!r}"
        )
    post = submission.post.strip()
    if not post or safe_filename(post) != post:
        raise ModerationError(
            f"{submission_id}: expected a post slug, got {submission.post!r}"
        )
    arrived = submission.received.replace(microsecond=0)
    if timezone:
        arrived = arrived.astimezone(ZoneInfo(timezone))
    text = perspective_text(
        replace(submission, received=arrived),
        salt=avatar_salt(queue) if salt is None else salt,
    )
    person = slugify(
        EMAIL.sub("", scrub(submission.name, submission)),
        regex_subs=[(r"[^\w\s-]", ""), (r"[-\s]+", "-")],
    )
    stem = safe_filename(
        f"{arrived:%Y-%m-%d-%H%M}-{person}".rstrip("-"), fallback="reader"
    )
    try:  # never write a file the build would refuse (an empty text, …)
        parse_perspective(text, path=f"{stem}.md", post=post)
    except ContentError as err:
        raise ModerationError(
            f"{submission_id}: {err}; edit it first, nothing was written"
        ) from None
    target_folder = inside(content, folder, post)
    for number in range(1, 1000):
        name = stem if number == 1 else f"{stem}-{number}"
        target = inside(target_folder, f"{name}.md")
        if write_atomic(target, text):
            break
    else:
        raise ModerationError(f"{submission_id}: no free file name for {stem!r}")
    rel = target.relative_to(Path(content).resolve()).as_posix()
    queue.move(
        replace(submission, note=_note(submission.note, f"approved as {rel}")),
        "approved",
    )
    logger.info("wrote %s", rel)
    return target


def set_aside(queue: Queue, submission_id: str, state: str, note: str = "") -> Path:
    """Record a submission as rejected or spam, inside the queue only."""
    if state not in ("rejected", "spam"):
        raise ModerationError(f"expected 'rejected' or 'spam', got {state!r}")
    current, submission = queue.get(submission_id)
    if current == "approved":
        raise ModerationError(
            f"{submission_id}: expected a submission not yet published, got an"
            " approved one (delete its file from content/ instead)"
        )
    return queue.move(
        replace(submission, note=_note(submission.note, note or state)), state
    )


def edit(  # noqa: PLR0913
    queue: Queue,
    submission_id: str,
    *,
    name: str | None = None,
    url: str | None = None,
    text: str | None = None,
    in_reply_to: str | None = None,
) -> Submission:
    """Change what a waiting submission says, keeping a note that it was edited."""
    state, submission = queue.get(submission_id)
    if state == "approved":
        raise ModerationError(
            f"{submission_id}: expected a submission not yet published, got an"
            " approved one (edit its file in content/ instead)"
        )
    changes = {
        key: value
        for key, value in {
            "name": name,
            "url": url,
            "text": text,
            "in_reply_to": in_reply_to,
        }.items()
        if value is not None and value != getattr(submission, key)
    }
    if not changes:
        return submission
    if "text" in changes and not changes["text"].strip():
        raise ModerationError(
            f"{submission_id}: expected the perspective's text, got nothing;"
            " nothing changed (reject it instead?)"
        )
    edited = replace(
        submission,
        **changes,
        note=_note(submission.note, "edited: " + ", ".join(sorted(changes))),
    )
    queue.move(edited, state)
    return edited


def _note(old: str, new: str) -> str:
    return f"{old}; {new}" if old else new
