"""``colloquy perspectives``: moderate the queue and import replies sent by email."""

from __future__ import annotations

import argparse
from collections.abc import Callable
import functools
import logging
import os
from pathlib import Path
import re
import shlex
import subprocess
import sys
import tempfile

from plugins.common.cli_dates import site_timezone
from plugins.common.errors import ContentError

from .fileformat import split_header
from .mailimport import MailSkip, import_mail
from .moderation import ModerationError, approve, edit, set_aside
from .queue import STATES, Queue, Submission

logger = logging.getLogger(__name__)


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``perspectives`` and its actions to the ``colloquy`` command."""
    parser = subparsers.add_parser(
        "perspectives",
        help="moderate readers' perspectives",
        description="List, show, approve, reject, mark as spam or edit the"
        " submissions in the moderation queue, or import replies sent by email.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    queue = argparse.ArgumentParser(add_help=False)
    queue.add_argument(
        "--queue",
        required=True,
        type=Path,
        help="the moderation queue folder (outside content/)",
    )
    one = argparse.ArgumentParser(add_help=False, parents=[queue])
    one.add_argument("id", help="the submission's id, as `list` shows it")

    listing = actions.add_parser("list", parents=[queue], help="list submissions")
    listing.add_argument(
        "--state", choices=[*STATES, "all"], default="pending", help="%(default)s"
    )
    listing.set_defaults(handler=_reported(list_command))

    actions.add_parser(
        "show", parents=[one], help="show one submission, email included"
    ).set_defaults(handler=_reported(show_command))

    approving = actions.add_parser(
        "approve", parents=[one], help="publish as content/perspectives/<post>/<id>.md"
    )
    approving.add_argument("--content", type=Path, default=Path("content"))
    approving.add_argument(
        "--folder", default="perspectives", help="PERSPECTIVES_PATH (%(default)s)"
    )
    approving.set_defaults(handler=_reported(approve_command))

    for state, text in (("reject", "rejected"), ("spam", "spam")):
        aside = actions.add_parser(
            state, parents=[one], help=f"record as {text}; nothing is published"
        )
        aside.add_argument("--note", default="", help="why (kept in the queue)")
        aside.set_defaults(handler=_reported(set_aside_command), state=text)

    editing = actions.add_parser(
        "edit",
        parents=[one],
        help="change a waiting submission ($EDITOR, or the flags below)",
    )
    editing.add_argument("--name")
    editing.add_argument("--url")
    editing.add_argument("--text")
    editing.add_argument("--in-reply-to", dest="in_reply_to")
    editing.set_defaults(handler=_reported(edit_command))

    mail = actions.add_parser(
        "import-mail",
        parents=[queue],
        help="queue perspectives that came back by email",
    )
    mail.add_argument("source", type=Path, help="an mbox file or a Maildir folder")
    mail.set_defaults(handler=_reported(import_mail_command))


def _reported(
    handler: Callable[[argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    """Turn a refused moderation step into a message and exit status 1."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ModerationError as err:
            logger.error("%s", err)
            return 1

    return run


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _out(text: str) -> None:
    # What readers sent may hold terminal escape sequences, or bidi overrides that
    # make a line of `list` read differently than it is: show them inert.
    sys.stdout.write(_CONTROL.sub("\ufffd", text) + "\n")


def _summary(state: str, item: Submission) -> str:
    first = " ".join(item.text.split())[:60]
    return (
        f"{item.id}  {state:<8}  {item.post}  {item.name}"
        f"  {item.received:%Y-%m-%d %H:%M}  {first}"
    )


def list_command(args: argparse.Namespace) -> int:
    """Print one line per submission in the chosen state."""
    queue = Queue(args.queue)
    states = STATES if args.state == "all" else (args.state,)
    count = 0
    for state in states:
        for item in queue.list(state):
            _out(_summary(state, item))
            count += 1
    logger.info("%d submission(s)", count)
    return 0


def _get(queue: Queue, submission_id: str) -> tuple[str, Submission]:
    try:
        return queue.get(submission_id)
    except KeyError:
        raise ModerationError(
            f"expected the id of a queued submission, got {submission_id!r}"
        ) from None


def show_command(args: argparse.Namespace) -> int:
    """Print everything a submission holds (private fields too: it is the queue)."""
    state, item = _get(Queue(args.queue), args.id)
    for label, value in (
        ("Id", item.id),
        ("State", state),
        ("Post", item.post),
        ("Received", item.received.isoformat(sep=" ")),
        ("Name", item.name),
        ("Email", item.email),
        ("Url", item.url),
        ("In-Reply-To", item.in_reply_to),
        ("IP", item.ip),
        ("User-Agent", item.user_agent),
        ("Note", item.note),
    ):
        if value:
            _out(f"{label}: {value}")
    _out("")
    _out(item.text)
    return 0


def approve_command(args: argparse.Namespace) -> int:
    """Publish one submission into content/."""
    queue = Queue(args.queue)
    _get(queue, args.id)
    target = approve(
        queue,
        args.id,
        content=args.content,
        folder=args.folder,
        timezone=site_timezone(args.content),
    )
    _out(str(target))
    return 0


def set_aside_command(args: argparse.Namespace) -> int:
    """Record one submission as rejected or spam."""
    queue = Queue(args.queue)
    _get(queue, args.id)
    set_aside(queue, args.id, args.state, args.note)
    logger.info("%s: %s", args.id, args.state)
    return 0


def edit_command(args: argparse.Namespace) -> int:
    """Edit one waiting submission, with flags or in $VISUAL / $EDITOR."""
    queue = Queue(args.queue)
    _, item = _get(queue, args.id)
    flags = {
        "name": args.name,
        "url": args.url,
        "text": args.text,
        "in_reply_to": args.in_reply_to,
    }
    if all(value is None for value in flags.values()):
        flags = _edit_in_editor(item, queue)
    edited = edit(queue, args.id, **flags)
    logger.info("%s: %s", args.id, edited.note or "unchanged")
    return 0


EDIT_FIELDS = (("Name", "name"), ("Url", "url"), ("In-Reply-To", "in_reply_to"))


def _edit_in_editor(item: Submission, queue: Queue) -> dict[str, str | None]:
    """Open the submission in the user's editor and read back what they saved."""
    header = "\n".join(f"{label}: {getattr(item, key)}" for label, key in EDIT_FIELDS)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    queue.root.mkdir(parents=True, exist_ok=True)
    # The draft holds what the reader sent: keep it with the queue, not in /tmp.
    fd, name = tempfile.mkstemp(dir=queue.root, prefix=".edit-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"{header}\n\n{item.text}\n")
        try:
            subprocess.run([*shlex.split(editor), name], check=True)
        except (OSError, subprocess.CalledProcessError) as err:
            # Quitting with an error (vi's :cq) is how one abandons an edit.
            raise ModerationError(
                f"{item.id}: expected the editor {editor!r} to save and exit, got"
                f" {err}; nothing changed"
            ) from None
        text = Path(name).read_text(encoding="utf-8")
    finally:
        Path(name).unlink(missing_ok=True)
    fields, body, _ = split_header(text, path=f"{item.id} (edited)")
    values = {field.key: field.value for field in fields}
    known = {label.lower() for label, _ in EDIT_FIELDS}
    for field in fields:
        if field.key not in known:
            raise ContentError(
                f"expected one of {[label for label, _ in EDIT_FIELDS]}, got"
                f" {field.name!r}",
                path=f"{item.id} (edited)",
                line=field.line,
                source_line=field.source_line,
            )
    result: dict[str, str | None] = {
        key: values.get(label.lower(), "") for label, key in EDIT_FIELDS
    }
    result["text"] = body.strip("\n")
    return result


def import_mail_command(args: argparse.Namespace) -> int:
    """Queue the perspectives found in an mbox file or a Maildir."""
    try:
        report = import_mail(args.source, Queue(args.queue))
    except MailSkip as err:
        raise ModerationError(str(err)) from None
    _out(
        f"queued {report.queued}, already queued {report.already},"
        f" skipped {report.skipped}"
    )
    return 0
