"""The moderation queue: submissions waiting for the author, outside content/.

The intake endpoint writes here; ``colloquy perspectives`` reads, approves and
rejects. One JSON file per submission, in a folder per state. A submission keeps
what the reader sent, email and IP included, which is why the queue never lives
under content/: approval writes a perspective file without them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
import json
import logging
import os
from pathlib import Path
import secrets

from plugins.common.errors import ContentError
from plugins.common.files import inside, write_atomic

logger = logging.getLogger(__name__)

STATES = ("pending", "approved", "rejected", "spam")


class AlreadyQueued(FileExistsError):
    """A submission with this id is queued already (not a broken queue folder)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """One reader's submission as received."""

    id: str
    received: datetime  # timezone-aware, when the endpoint accepted it
    post: str  # slug of the post it responds to
    name: str
    email: str  # private: never leaves the queue
    text: str  # Markdown source, as typed
    url: str = ""
    in_reply_to: str = ""  # id of a perspective it answers
    ip: str = ""  # private: never leaves the queue
    user_agent: str = ""
    note: str = ""  # moderator's note (why rejected, what was edited)

    def to_json(self) -> str:
        """Serialise for the queue file."""
        data = asdict(self)
        data["received"] = self.received.isoformat()
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Submission:
        """Read a queue file written by :meth:`to_json`."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        for key, value in data.items():
            if key == "received":
                continue
            if value is None:  # a field emptied by hand
                data[key] = ""
            elif not isinstance(value, str):
                raise TypeError(
                    f"expected {key!r} to be text, got {type(value).__name__}"
                )
        data["received"] = datetime.fromisoformat(data["received"])
        return cls(**data)


def new_submission_id(received: datetime) -> str:
    """Return a unique, time-sortable id for a new submission."""
    return f"{received.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(6)}"


class Queue:
    """A queue folder shared by any number of intake processes and the CLI."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, state: str, submission_id: str) -> Path:
        """Return where a submission in ``state`` lives (inside the queue, always)."""
        if state not in STATES:
            raise ValueError(f"expected one of {STATES}, got {state!r}")
        return inside(self.root, state, f"{submission_id}.json")

    def add(self, submission: Submission) -> Path:
        """Store a new pending submission atomically; never replaces another."""
        target = self.path("pending", submission.id)
        if not write_atomic(target, submission.to_json(), mode=0o600):
            raise AlreadyQueued(f"submission {submission.id!r} is already queued")
        return target

    def list(self, state: str = "pending") -> list[Submission]:
        """Return the submissions in ``state``, oldest first."""
        folder = self.root / state
        if not folder.is_dir():
            return []
        found = []
        for target in sorted(p for p in folder.iterdir() if p.suffix == ".json"):
            try:
                found.append(self._read(target))
            except ContentError as err:
                logger.warning("%s; skipped", err)  # one bad file hides no other
        return found

    def get(self, submission_id: str) -> tuple[str, Submission]:
        """Return the state and content of one submission."""
        for state in STATES:
            target = self.path(state, submission_id)
            if target.exists():
                return state, self._read(target)
        raise KeyError(submission_id)

    def _read(self, target: Path) -> Submission:
        """Read one queue file; a damaged one is a :class:`ContentError` naming it."""
        try:
            submission = Submission.from_json(target.read_text(encoding="utf-8"))
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            raise ContentError(
                f"expected a submission as the intake writes it, got {err!r}",
                path=str(target),
            ) from None
        if submission.id != target.stem:
            # A copy made by hand keeps the original's id: moving it would replace
            # the original, and the copy would stay behind to be approved again.
            raise ContentError(
                f"expected the id {target.stem!r} (the file's name),"
                f" got {submission.id!r}",
                path=str(target),
            )
        return submission

    def move(self, submission: Submission, state: str) -> Path:
        """Record ``submission`` (maybe edited) in ``state``; drop it elsewhere."""
        target = self.path(state, submission.id)
        write_atomic(target, submission.to_json(), overwrite=True, mode=0o600)
        for other in STATES:
            if other != state:
                self.path(other, submission.id).unlink(missing_ok=True)
        return target
