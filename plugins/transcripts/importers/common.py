"""What every chat importer shares: options, ids, handles, errors and the finish."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
import logging
import re
from typing import Any
import unicodedata
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pelican.utils import slugify

from plugins.common.errors import ContentError
from plugins.common.ids import stable_id
from plugins.transcripts.chatfile import HANDLE, header_text
from plugins.transcripts.chatfile import section_id as heading_id
from plugins.transcripts.model import Attachment, Message, Section, Transcript

logger = logging.getLogger(__name__)

# Something that looks like a phone number: an optional +, then 7 to 15 digits
# with the spaces, dots, dashes and brackets people and phones put between them.
# Matched against stripped text: "\s*" at both ends made a run of spaces cost its cube.
PHONE = re.compile(r"^\u202a?\+?[\d\s().\-\u00a0\u2011]{7,24}\u202c?$")
MIN_PHONE_DIGITS = 7
SHOWN = 60  # characters of a bad value quoted in an error
_HANDLE_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
_CHAT_HANDLE = re.compile(rf"^{HANDLE}$")
_HANDLE_FORBIDDEN = re.compile(r"[\s<>|,\\]+")
HASHTAG = re.compile(r"(?<![\w&#])#(\w{2,})", re.UNICODE)
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"))


SOURCE_LABELS = {
    "slack": "Slack chat",
    "discord": "Discord chat",
    "telegram": "Telegram chat",
    "whatsapp": "WhatsApp chat",
    "irc": "IRC log",
    "mastodon": "Mastodon thread",
    "matrix": "Matrix room",
    "hashtag-chat": "Hashtag chat",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportOptions:
    """What the user asked of an import, shared by every format."""

    channel: str = ""  # which channel/chat/room of a multi-channel export
    since: datetime | None = None  # keep messages at or after this time
    until: datetime | None = None  # keep messages before this time
    title: str = ""
    slug: str = ""
    exclude: frozenset[str] = frozenset()  # handles or names to leave out (lowercase)
    names: tuple[tuple[str, str], ...] = ()  # (handle or raw author, display name)
    timezone: str = ""  # IANA name: zone of exports without one, and of output
    date: date | None = None  # the day of logs whose lines carry only times
    keep_joins: bool = False  # keep join/leave/nick-change lines as system messages
    day_first: bool | None = None  # WhatsApp dates: None infers from the whole file

    def zone(self) -> tzinfo:
        """Return the zone for times the export gives without one."""
        if not self.timezone:
            return UTC
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ContentError(
                f"expected an IANA time zone such as 'Europe/Paris', "
                f"got {self.timezone!r}",
                path="--timezone",
            ) from None

    def localize(self, moment: datetime) -> datetime:
        """Return ``moment`` aware: a naive time is in --timezone, else kept."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone())
        return moment.astimezone(self.zone()) if self.timezone else moment

    def mapped_name(self, *keys: str) -> str | None:
        """Return the --name given for any of ``keys`` (a handle or raw author)."""
        if not self.names:
            return None
        wanted = {_fold(k) for k in keys if k}
        for key, name in self.names:
            if _fold(key) in wanted:
                return name
        return None


def _fold(text: str) -> str:
    text = text.translate(_BIDI_MARKS).strip().lstrip("@").casefold()
    if PHONE.match(text.strip()):
        return "+" + re.sub(r"\D", "", text)
    return unicodedata.normalize("NFC", text)


def from_epoch(
    seconds: float, options: ImportOptions, *, path: str = "", line: int | None = None
) -> datetime:
    """Return an epoch time as an aware datetime in the output zone."""
    try:
        return datetime.fromtimestamp(seconds, UTC).astimezone(options.zone())
    except (OverflowError, OSError, ValueError):
        # A forged 1e308 or 20-digit time was a traceback, not a file:line error.
        raise ContentError(
            f"expected a time in years 1 to 9999, got {seconds!r} seconds since 1970",
            path=path,
            line=line,
        ) from None


def strip_marks(text: str) -> str:
    """Remove the invisible direction marks exports wrap around names."""
    return text.translate(_BIDI_MARKS)


def handle_from_name(name: str) -> str:
    """Return a handle made from a display name ("Ann Reader" -> "ann-reader")."""
    cleaned = _HANDLE_UNSAFE.sub("-", strip_marks(name).casefold()).strip("-.")
    return cleaned[:40] or "user-" + stable_id(name, length=6)


def is_phone(text: str) -> bool:
    """Say whether ``text`` is a phone number (and so must not be published)."""
    digits = sum(c.isdigit() for c in text)
    return bool(PHONE.match(strip_marks(text).strip())) and digits >= MIN_PHONE_DIGITS


def phone_pseudonym(text: str) -> str:
    """Return the stable handle that stands for a phone number in content/."""
    digits = re.sub(r"\D", "", text)
    return "participant-" + stable_id("phone", digits, length=6)


class Handles:
    """Give each author key (a platform user id, a name) one unique handle."""

    def __init__(self) -> None:
        self._by_key: dict[str, str] = {}
        self._taken: set[str] = set()

    def get(self, key: str, preferred: str) -> str:
        """Return the handle of ``key``, choosing ``preferred`` when it is free."""
        if key in self._by_key:
            return self._by_key[key]
        handle = preferred or "user-" + stable_id(key, length=6)
        if handle in self._taken:
            handle = f"{handle}-{stable_id(key, length=4)}"
        self._by_key[key] = handle
        self._taken.add(handle)
        return handle


class IdMaker:
    """Derive ids for messages a platform gives none: time, author, text, repeat."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def make(self, time: datetime, author: str, text: str) -> str:
        """Return the id; the n-th identical message gets its own."""
        base = stable_id(time.isoformat(), author, text)
        count = self._seen[base]
        self._seen[base] += 1
        return base if count == 0 else stable_id(base, str(count))


def safe_id(platform_id: Any) -> str:
    """Return a platform's message id as characters safe in an anchor."""
    text = str(platform_id).strip()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    return cleaned or stable_id(text)


def expect(
    value: Any,
    kind: type | tuple[type, ...],
    what: str,
    *,
    path: str,
    line: int | None = None,
) -> Any:
    """Return ``value`` if it has the type an export promises, else fail clearly."""
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    shown = repr(value)
    if len(shown) > SHOWN:
        shown = shown[: SHOWN - 3] + "..."
    raise ContentError(f"expected {what}, got {shown}", path=path, line=line)


def string(value: Any, default: str = "") -> str:
    """Return a JSON value as text if it is text or a number, else ``default``."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return default


def count_of(value: Any) -> int:
    """Return a JSON count if it is a positive whole number, else 0."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0


def mapping(value: Any) -> dict:
    """Return a JSON value if it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def listing(value: Any) -> list:
    """Return a JSON value if it is an array, else an empty one."""
    return value if isinstance(value, list) else []


def parse_iso(text: Any, what: str, *, path: str, line: int | None = None) -> datetime:
    """Return an ISO 8601 time (with ``Z`` or an offset) as a datetime."""
    expect(text, str, what, path=path, line=line)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ContentError(
            f"expected {what}, got {text!r}", path=path, line=line
        ) from None


@dataclass(frozen=True, slots=True)
class At:
    """Where a record or line sits in an export: file and line, for errors."""

    path: str
    line: int | None = None
    text: str = ""  # the source line, for line-based formats


def message_object(item: Any, where: str, prefix: str = "") -> tuple[dict, str, At]:
    """Return a streamed ``messages`` array item, its JSON path and its place.

    ``item`` has the stream's ``index``, ``value`` and ``line``; anything but a
    JSON object is a :class:`ContentError` naming the file, line and path.
    """
    at = f"{prefix}messages[{item.index}]"
    raw = expect(
        item.value, dict, f"{at}: a message object", path=where, line=item.line
    )
    return raw, at, At(where, item.line)


@dataclass(frozen=True, slots=True, kw_only=True)
class About:
    """What an importer knows of the chat as a whole, besides its messages."""

    source: str  # the format's name, e.g. "slack"
    title: str  # a default title; --title wins
    channel: str = ""
    summary: str = ""
    hosts: tuple[str, ...] = ()  # handles of the people who ran the chat
    where: str = ""  # the export file, for error messages


@dataclass(frozen=True, slots=True)
class Export:
    """An export being read: its messages as they come, then what it says of itself.

    ``about`` is called once ``messages`` has been consumed: some exports give
    their title or channel after the messages (or only a full pass knows them).
    """

    messages: Iterable[Message]
    about: Callable[[], About]
    where: str = ""  # the export file, for warnings while reading


class Keeper:
    """Apply the options every format shares, one message at a time.

    What it remembers is bounded by ids, not messages: the ids kept (for
    de-duplication and reply links), the earliest message and where each
    section starts.
    """

    def __init__(self, options: ImportOptions, where: str) -> None:
        self.options, self.where = options, where
        self.ids: set[str] = set()
        self.count = 0
        self.first: Message | None = None
        # section title -> (time, arrival, first message id): the first in time.
        self._sections: dict[str, tuple[datetime, int, str]] = {}

    def take(self, message: Message) -> Message | None:
        """Return ``message`` as it is to be written, or None to leave it out."""
        options = self.options
        if message.id in self.ids:
            logger.warning(
                "%s: message id %r appears twice; kept the first",
                self.where,
                message.id,
            )
            return None
        if _excluded(message, options) or not _in_range(message.time, options):
            return None
        mapped = options.mapped_name(message.author)
        self.ids.add(message.id)
        kept = fit(replace(message, name=mapped) if mapped else message)
        if self.first is None or kept.time < self.first.time:
            self.first = kept
        if kept.section:
            known = self._sections.get(kept.section)
            if known is None or kept.time < known[0]:
                self._sections[kept.section] = (kept.time, self.count, kept.id)
        self.count += 1
        return kept

    def linked(self, message: Message) -> Message:
        """Return ``message`` without a reply link to a message not kept."""
        if message.reply_to and message.reply_to not in self.ids:
            return replace(message, reply_to=None)
        return message

    def sections(self) -> tuple[Section, ...]:
        """Return the sections, each opening at its first message in time order."""
        ordered = sorted(self._sections.items(), key=lambda item: item[1][:2])
        return tuple(
            Section(id=section_id(title), title=title, first_message=first[2])
            for title, first in ordered
        )

    def header(self, about: About) -> Transcript:
        """Return the transcript's header (no messages): title, slug, date, hosts."""
        if self.first is None:
            raise ContentError(
                "expected at least one message (after --channel, --since, --until "
                "and --exclude), got none",
                path=self.where or about.source,
            )
        label = SOURCE_LABELS.get(about.source, about.source)
        title = header_text(
            self.options.title
            or about.title
            or self.first.time.strftime(f"{label}, %Y-%m-%d")
        )
        slug = self.options.slug or slugify(
            title, regex_subs=[(r"[^\w\s-]", ""), (r"[-\s]+", "-")]
        )
        return Transcript(
            slug=slug,
            title=title,
            source=about.source,
            messages=(),
            date=self.first.time,
            channel=header_text(about.channel),
            hosts=tuple(chat_handle(h) for h in about.hosts),
            summary=header_text(about.summary),
        )


def finish(
    messages: Iterable[Message], options: ImportOptions, about: About
) -> Transcript:
    """Apply the options every format shares and return the transcript."""
    return transcript_of(Export(messages, lambda: about, about.where), options)


def transcript_of(export: Export, options: ImportOptions) -> Transcript:
    """Read the whole export into memory as one transcript (small exports, tests)."""
    keeper = Keeper(options, export.where)
    kept = [m for m in map(keeper.take, export.messages) if m is not None]
    header = keeper.header(export.about())
    kept.sort(key=lambda m: m.time)
    return replace(
        header,
        messages=tuple(keeper.linked(m) for m in kept),
        sections=keeper.sections(),
    )


def main_hashtag(messages: Iterable[Message]) -> str:
    """Return the hashtag most messages carry: the chat's own, usually."""
    counts = Hashtags()
    for message in messages:
        counts.add(message.text)
    return counts.main()


class Hashtags:
    """Count, message by message, how many messages carry each hashtag."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def add(self, text: str) -> None:
        """Count the hashtags of one message's text, each spelling once."""
        self._counts.update(tag.casefold() for tag in set(HASHTAG.findall(text)))

    def main(self) -> str:
        """Return the most carried hashtag (first in order on a tie), or ""."""
        if not self._counts:
            return ""
        best = max(self._counts.values())
        return "#" + min(tag for tag, n in self._counts.items() if n == best)


def _excluded(message: Message, options: ImportOptions) -> bool:
    if not options.exclude:
        return False
    return bool({_fold(message.author), _fold(message.name)} & options.exclude)


def _in_range(moment: datetime, options: ImportOptions) -> bool:
    if options.since and moment < options.since:
        return False
    return not (options.until and moment >= options.until)


def section_id(title: str) -> str:
    """Return the anchor of a section heading ("Q1: Why?" -> "q1")."""
    label = re.match(r"\s*([QA]\d+)\b", title, re.IGNORECASE)
    if label:
        return label.group(1).lower()
    return heading_id(title) or "section-" + stable_id(title, length=6)


def chat_handle(handle: str) -> str:
    """Return ``handle`` as the .chat format can carry it (no spaces, ``|``, ...)."""
    if _CHAT_HANDLE.match(handle):
        return handle
    cleaned = _HANDLE_FORBIDDEN.sub("_", handle.strip()).lstrip("@")
    return cleaned or "user-" + stable_id(handle, length=6)


def fit(message: Message) -> Message:
    """Return ``message`` with handle and attachment links the .chat file accepts."""
    changes: dict[str, Any] = {}
    if message.time.microsecond:
        changes["time"] = message.time.replace(microsecond=0)
    if "\n" in message.name or "\r" in message.name:
        changes["name"] = " ".join(message.name.split())
    handle = chat_handle(message.author)
    if handle != message.author:
        changes["author"] = handle
        changes["name"] = message.name or message.author.strip()
    attachments = tuple(
        Attachment(
            url=re.sub(r"\s", lambda m: f"%{ord(m.group(0)):02X}", a.url.strip()),
            title=a.title,
        )
        for a in message.attachments
        if a.url.strip()
    )
    if attachments != message.attachments:
        changes["attachments"] = attachments
    reactions = tuple(r for r in message.reactions if r.emoji.strip() and r.count >= 0)
    if reactions != message.reactions:
        changes["reactions"] = reactions
    return replace(message, **changes) if changes else message


def fold_exclude(values: Iterable[str]) -> frozenset[str]:
    """Return --exclude values in the form :func:`finish` compares."""
    return frozenset(_fold(v) for v in values)
