"""Every transcript of one build: read once, laid out into pages, found by slug."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
import hashlib
import logging
import os
from pathlib import Path
import re
from typing import Any

from plugins.common.buildcache import BuildCache, PrefetchJob
from plugins.common.errors import ContentError
from plugins.common.files import read_text
from plugins.common.ids import anchor, stable_id
from plugins.common.sanitize import xml_safe
from plugins.transcripts.chatfile import check_transcript, read_chat
from plugins.transcripts.model import Message, Transcript
from plugins.transcripts.settings import TranscriptsSettings

logger = logging.getLogger(__name__)

# At most 120 characters, as import-chat writes them (safe_filename): a longer
# slug is a folder name the file system refuses, which stopped the whole build.
MAX_PERSON_SLUG = 120  # bytes
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")
_SLUG_FIELD = re.compile(r"^Slug:[ \t]*(\S+)", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatPage:
    """One output page of a transcript: a run of whole days (or part of a long day)."""

    number: int  # 1-based
    start: int  # index of the first message on the page
    end: int  # index after the last one
    url: str
    save_as: str
    first_day: date | None
    last_day: date | None
    part: int = 1  # which part of its day, when a long day is split


@dataclass(frozen=True, slots=True, kw_only=True)
class Participant:
    """Someone who wrote in a transcript, with a page listing their messages."""

    handle: str
    name: str  # display name, or the handle when the chat had none
    count: int
    url: str
    save_as: str
    page_count: int = 1  # their messages, TRANSCRIPTS_PAGE_SIZE to a page

    def page_url(self, number: int) -> str:
        """Return the URL of page ``number`` (1-based) of this person's messages."""
        return self.url if number == 1 else f"{self.url}page/{number}/"


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptPage:
    """A transcript as the site publishes it; ``context["transcripts"]`` lists them."""

    slug: str
    title: str
    url: str
    save_as: str
    date: datetime | None  # the header's Date, else the first message's time
    end: datetime | None  # the last message's time
    summary: str
    transcript: Transcript
    pages: tuple[ChatPage, ...]
    channel: str  # the header's Channel and Source, as pages can show them
    source: str
    participants: tuple[Participant, ...]
    posts: tuple[Any, ...] = ()  # Pelican articles naming it, newest first
    source_path: str = ""
    # Message id -> index of its first occurrence; parent id -> indexes of replies.
    positions: Mapping[str, int] = field(default_factory=dict, repr=False)
    replies: Mapping[str, tuple[int, ...]] = field(default_factory=dict, repr=False)
    people: Mapping[str, Participant] = field(default_factory=dict, repr=False)
    # Casefolded handle -> the one participant it names ("@Mara" for mara).
    folded: Mapping[str, Participant] = field(default_factory=dict, repr=False)

    def page_at(self, position: int) -> ChatPage:
        """Return the page that shows the message at ``position``."""
        index = bisect_right(self.pages, position, key=lambda page: page.start)
        return self.pages[max(index - 1, 0)]

    def message_url(self, message_id: str) -> str | None:
        """Return the site-relative URL of a message's anchor, on its own page."""
        position = self.positions.get(message_id)
        if position is None:
            return None
        return f"{self.page_at(position).url}#m-{message_id}"

    def message(self, message_id: str) -> Message | None:
        """Return the message with ``message_id``, or None."""
        position = self.positions.get(message_id)
        return None if position is None else self.transcript.messages[position]

    def participant(self, handle: str) -> Participant | None:
        """Return the participant with ``handle`` (or only one in another case)."""
        found = self.people.get(handle)
        return found if found is not None else self.folded.get(handle.casefold())

    def section_url(self, section_id: str) -> str | None:
        """Return the site-relative URL of a section heading, on its own page."""
        for section in self.transcript.sections:
            if section.id == section_id and section.first_message is not None:
                position = self.positions.get(section.first_message)
                if position is not None:
                    return f"{self.page_at(position).url}#s-{section.id}"
        return None

    @property
    def message_count(self) -> int:
        """Return how many messages the transcript holds."""
        return len(self.transcript.messages)

    def __build_digest__(self) -> str | None:
        """Name this page by its transcript, URL and posts (plugins.performance).

        The rest is laid out from the transcript and the settings, which a page's
        fingerprint covers already; each post is named by its file and digested on
        its own. Digesting the layout instead (every message's position) was two
        thirds of the site digest at 1,000 posts.
        """
        transcript = self.transcript.__build_digest__()
        posts = [getattr(post, "source_path", None) for post in self.posts]
        if transcript is None or not all(isinstance(path, str) for path in posts):
            return None
        return "\0".join([transcript, self.url, self.save_as, *posts])


def lay_out(
    transcript: Transcript, settings: TranscriptsSettings, *, posts: tuple = ()
) -> TranscriptPage:
    """Split a transcript into pages and count its participants."""
    url = settings.url.format(slug=transcript.slug)
    messages = transcript.messages
    positions: dict[str, int] = {}
    replies: dict[str, list[int]] = {}
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for index, message in enumerate(messages):
        positions.setdefault(message.id, index)
        counts[message.author] += 1
        if message.name and message.author not in names:
            names[message.author] = message.name
        if message.reply_to is not None:
            replies.setdefault(message.reply_to, []).append(index)
    participants = _participants(counts, names, url, settings.page_size)
    return TranscriptPage(
        slug=transcript.slug,
        title=xml_safe(transcript.title),
        url=url,
        save_as=url + "index.html",
        date=transcript.date or (messages[0].time if messages else None),
        end=messages[-1].time if messages else None,
        summary=xml_safe(transcript.summary),
        transcript=transcript,
        pages=tuple(_pages(messages, url, settings.page_size)),
        channel=xml_safe(transcript.channel),
        source=xml_safe(transcript.source),
        participants=participants,
        posts=posts,
        source_path=transcript.source_path,
        positions=positions,
        replies={key: tuple(value) for key, value in replies.items()},
        people={person.handle: person for person in participants},
        folded=_folded(participants),
    )


def _folded(participants: tuple[Participant, ...]) -> dict[str, Participant]:
    """Return each casefolded handle that names exactly one participant."""
    found: dict[str, list[Participant]] = {}
    for person in participants:
        found.setdefault(person.handle.casefold(), []).append(person)
    return {key: people[0] for key, people in found.items() if len(people) == 1}


def _day_runs(messages: tuple[Message, ...]) -> Iterator[tuple[int, int, date]]:
    start = 0
    for index in range(1, len(messages) + 1):
        if (
            index == len(messages)
            or messages[index].time.date() != messages[start].time.date()
        ):
            yield start, index, messages[start].time.date()
            start = index


def _pages(messages: tuple[Message, ...], url: str, size: int) -> Iterator[ChatPage]:
    """Split a chat longer than ``size`` into one page per day (long days in parts).

    Page URLs name their day (``<url>2024-05-03/``, then ``<url>2024-05-03/2/``),
    except the first, which is the transcript's own URL; so a message's permalink
    does not move when days are added after it or the page size changes.
    """
    if len(messages) <= size:
        first = messages[0].time.date() if messages else None
        last = messages[-1].time.date() if messages else None
        yield ChatPage(
            number=1,
            start=0,
            end=len(messages),
            url=url,
            save_as=url + "index.html",
            first_day=first,
            last_day=last,
        )
        return
    parts: Counter[date] = Counter()
    number = 0
    for start, end, day in _day_runs(messages):
        for piece in range(start, end, size):
            number += 1
            parts[day] += 1
            if number == 1:
                page_url = url
            elif parts[day] == 1:
                page_url = f"{url}{day.isoformat()}/"
            else:
                page_url = f"{url}{day.isoformat()}/{parts[day]}/"
            yield ChatPage(
                number=number,
                start=piece,
                end=min(piece + size, end),
                url=page_url,
                save_as=page_url + "index.html",
                first_day=day,
                last_day=day,
                part=parts[day],
            )


def _person_slug(handle: str) -> str:
    """Return the folder name of a person's page: the handle, if short enough.

    A file name holds 255 bytes: a 300-character handle stopped the whole build.
    """
    slug = anchor(handle).lower()
    if len(slug.encode("utf-8")) <= MAX_PERSON_SLUG:
        return slug
    return f"{slug[:40].rstrip('-.')}-{stable_id(handle, length=6)}"


def _participants(
    counts: Counter[str], names: dict[str, str], url: str, size: int
) -> tuple[Participant, ...]:
    # Who gets a plain slug when two handles share it ("Bo" and "bo") depends on
    # the handles alone, not on who wrote more, so no re-import swaps the pages.
    plain = {handle: _person_slug(handle) for handle in counts}
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for handle in sorted(counts, key=lambda h: (plain[h] != h, h)):
        slug = plain[handle]
        if slug in taken:
            slug = f"{slug}-{stable_id(handle, length=6)}"
        taken.add(slug)
        slugs[handle] = slug
    people = []
    for handle in sorted(counts, key=lambda h: (-counts[h], h.lower(), h)):
        slug = slugs[handle]
        person_url = f"{url}by/{slug}/"
        people.append(
            Participant(
                handle=handle,
                name=xml_safe(names.get(handle, handle)),
                count=counts[handle],
                url=person_url,
                save_as=person_url + "index.html",
                page_count=-(-counts[handle] // size),
            )
        )
    return tuple(people)


class TranscriptLibrary:
    """The transcripts of one build, read on first use and then kept.

    One instance per build lives in the settings, so the Markdown quote extension
    (which runs while posts are read) and the generator share one parse.
    """

    def __init__(
        self,
        content_path: str,
        settings: TranscriptsSettings,
        cache: BuildCache | None = None,
    ) -> None:
        self.content_path = content_path
        self.settings = settings
        self.cache = cache  # this build's cache of parses, if it has one
        self._pages: dict[str, TranscriptPage] | None = None
        self._skipped: dict[str, str] = {}  # slug -> the bad file that claimed it

    def __getstate__(self) -> dict[str, Any]:
        # Pelican's content cache pickles settings; never pickle whole chats.
        return {"content_path": self.content_path, "settings": self.settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.content_path = state["content_path"]
        self.settings = state["settings"]
        self.cache = None
        self._pages = None
        self._skipped = {}

    def get(self, slug: str) -> TranscriptPage | None:
        """Return the published or hidden transcript with ``slug``, or None."""
        return self.all().get(slug)

    def skipped(self, slug: str) -> str | None:
        """Return the file that would have been transcript ``slug`` but was bad."""
        self.all()
        return self._skipped.get(slug.lower())

    def all(self) -> dict[str, TranscriptPage]:
        """Return every readable transcript by slug; report and skip bad files."""
        if self._pages is None:
            self._pages = dict(self._load())
        return self._pages

    def _skip(self, file: Path, rel: str) -> None:
        """Remember that ``file`` meant to be a transcript and was skipped."""
        for slug in _claimed_slugs(file):
            self._skipped.setdefault(slug.lower(), rel)

    def _load(self) -> Iterator[tuple[str, TranscriptPage]]:
        folder = Path(self.content_path) / self.settings.path
        if not folder.is_dir():
            return
        seen: dict[str, str] = {}
        files = sorted(folder.rglob("*"))
        _report_others(files, folder, self.content_path)
        for file in files:
            if file.suffix != ".chat":
                continue
            rel = os.path.relpath(file, self.content_path)
            try:
                transcript = read_transcript(file, rel, self.cache)
            except ContentError as err:
                logger.error("%s (transcript skipped)", err)
                self._skip(file, rel)
                continue
            except OSError as err:  # a dangling link, a folder named x.chat
                logger.error(
                    "%s: expected a readable .chat file, got %s (transcript skipped)",
                    rel,
                    err.strerror or err,
                )
                self._skip(file, rel)
                continue
            if transcript.status == "draft":
                logger.info("%s: a draft, not published", rel)
                continue
            # Case-insensitive: on macOS and Windows "Launch" and "launch" would
            # be one output folder, and one transcript would silently replace the other.
            key = transcript.slug.lower()
            if key in seen:
                logger.error(
                    "%s: expected a slug no other transcript has (ignoring case),"
                    " got %r (also %s; transcript skipped)",
                    rel,
                    transcript.slug,
                    seen[key],
                )
                continue
            seen[key] = rel
            yield transcript.slug, lay_out(transcript, self.settings)


def _parsing(text: str, rel: str) -> PrefetchJob:
    """Return the build cache key of a transcript's text, and its parse."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def parse() -> Transcript:
        return replace(read_chat(text, path=rel), text_digest=digest)

    key = hashlib.sha256(f"{rel}\0{digest}".encode()).hexdigest()
    return f"transcript:{key}", parse


def prefetch_transcripts(generator: Any) -> list[PrefetchJob]:
    """Offer the parsing of every ``.chat`` file, in the order the library reads them.

    Runs in the prefetch worker (see plugins.common.buildcache); the library reads
    and checks each file all the same, and reports what is wrong with it.
    """
    settings = TranscriptsSettings.from_settings(generator.settings)
    content_path = generator.settings["PATH"]
    folder = Path(content_path) / settings.path
    if not folder.is_dir():
        return []
    jobs = []
    for file in sorted(folder.rglob("*")):
        if file.suffix == ".chat":
            rel = os.path.relpath(file, content_path)
            try:
                jobs.append(_parsing(read_text(str(file), rel), rel))
            except OSError:
                continue  # a folder named x.chat, a dangling link: the library says
    return jobs


def _report_others(files: list[Path], folder: Path, content_path: str) -> None:
    """Log each file among the transcripts that is no ``.chat`` file."""
    for file in files:
        name = file.name
        if (
            file.suffix == ".chat"
            or name.startswith((".", "#"))
            or name.endswith(("~", ".swp", ".bak", ".tmp", ".part"))
            or any(p.startswith(".") for p in file.relative_to(folder).parts)
            or file.is_dir()
        ):
            continue
        rel = os.path.relpath(file, content_path)
        if file.suffix.lower() == ".chat":
            logger.error(
                "%s: expected the extension '.chat' (lower case), got %r; not read",
                rel,
                file.suffix,
            )
        else:
            logger.warning(
                "%s: expected a transcript ending '.chat', got %s; not read",
                rel,
                f"a {file.suffix!r} file" if file.suffix else "a file without one",
            )


def _claimed_slugs(file: Path) -> list[str]:
    """Return the slugs a bad file meant to have: its name's, and its Slug field's."""
    try:
        with open(file, "rb") as handle:
            head = handle.read(8192).decode("utf-8", "replace")
    except OSError:
        head = ""
    found = _SLUG_FIELD.search(head)
    return [file.stem, *([found[1]] if found else [])]


def read_transcript(
    file: Path, rel: str, cache: BuildCache | None = None
) -> Transcript:
    """Read and parse one ``.chat`` file, checking its slug is usable in a URL.

    With a build cache, an unchanged file's parse is taken from it; the warnings
    about the file are given in every build all the same.
    """
    text = read_text(str(file), rel)  # invalid UTF-8: replaced, with a warning
    key, parse = _parsing(text, rel)
    transcript = parse() if cache is None else cache.remember(key, parse)
    for warning in check_transcript(transcript):
        logger.warning("%s", warning)
    if not _SLUG.match(transcript.slug) or ".." in transcript.slug:
        raise ContentError(
            "expected a slug of at most 120 letters, digits, '-', '_' and '.',"
            f" got {transcript.slug[:200]!r}",
            path=rel,
        )
    return transcript
