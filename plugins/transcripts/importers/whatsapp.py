"""WhatsApp "Export chat" text files (Android and iOS), alone or in the media zip.

Both phones write one line per message with a local date and time and no zone:
Android ``31/12/2024, 21:05 - Ann: text`` and iOS ``[31/12/2024, 21:05:09] Ann: text``,
in the phone's locale (day/month order, 12 or 24 hours, "p. m.", U+202F before
"PM", direction marks around names). The day/month order is inferred from the
whole file, which is why the file is read twice. Phone-number authors become
pseudonyms; their numbers never reach the transcript.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
import itertools
import logging
import re

from plugins.common.errors import ContentError
from plugins.transcripts.importers.common import (
    About,
    Export,
    IdMaker,
    ImportOptions,
    handle_from_name,
    is_phone,
    phone_pseudonym,
    strip_marks,
    transcript_of,
)
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.model import Attachment, Message, Transcript

NAME = "whatsapp"
logger = logging.getLogger(__name__)

_SPACE = r"[ \u00a0\u202f]"
HEADER = re.compile(
    r"^[\u200e\u200f\ufeff ]*(?P<bracket>\[)?"
    r"(?P<d1>\d{1,4})(?P<sep>[./-])(?P<d2>\d{1,2})(?P=sep)(?P<d3>\d{2,4})\.?,?"
    rf"{_SPACE}*(?:(?:at|à|um|klo|kl\.|om|às){_SPACE})?"
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
    rf"(?:{_SPACE}*(?P<ampm>[AaPp]\.?{_SPACE}?[Mm]\.?))?"
    r"(?(bracket)\]|[ \u00a0\u202f]+[-\u2013])"
    r"[ \u00a0\u202f]?(?P<rest>.*)$"
)
MAX_AUTHOR = 80  # longer prefixes are text, not names
# The notice opening every chat: "Messages and calls are end-to-end encrypted." now,
# "Messages to this group are now secured with end-to-end encryption." before 2021.
ENCRYPTION = re.compile(r"^(Messages|Calls)\b.{0,60}\bend-to-end encrypt", re.I)
# The same notice in other languages, looked for only in what is a notice already.
NOTICE_ENCRYPTION = re.compile(
    r"end-to-end|Ende-zu-Ende|de extremo a extremo|de bout en bout|de ponta a ponta|"
    r"uçtan uca|сквозным шифрованием",
    re.I,
)
# What iOS writes after a person's name behind a direction mark, like its notices:
# still that person's message, not one of the group's notices.
_FROM_PERSON = re.compile(
    r"^(This message was deleted|You deleted this message|POLL:|Location: |"
    r"Missed (group )?(voice|video) call|.*https://maps\.google\.com/)"
)
_DELETED = re.compile(r"^(This message was deleted|You deleted this message)\b")
_JOIN_LEAVE = re.compile(
    r"( joined using this group's invite link| joined$| left$| added | removed | was "
    r"removed|changed their phone number|security code (with .* )?changed|"
    r"changed to \+?\d|is now an admin|no longer an admin)",
    re.IGNORECASE,
)
_OMITTED = re.compile(
    r"^\u200e?(<[^<>]{3,40}>|(image|video|audio|sticker|GIF|document|Contact card) "
    r"omitted)$",
    re.IGNORECASE,
)
# "<attached: 00000012-PHOTO-2024-05-13-07-00-00.jpg>", "<Anhang: ...>" in German.
_ATTACHED_IOS = re.compile(
    r"\u200e?<(?:attached|[^\W\d_][^<>:\n]{1,20}?) ?: (?P<file>[^<>\n]+\.\w{2,5})>"
)
_ATTACHED_ANDROID = re.compile(
    r"^\u200e?(?P<file>\S[^\n]*?\.(\w{2,5})?) \(file attached\)"
)
_EDITED = re.compile(r"(?<![ \u200e])[ \u200e]*<This message was edited>$")
_MENTION = re.compile(r"@\u2068?(\+?\d{7,15})\u2069?")
_PHONE_IN_TEXT = re.compile(r"\u202a?\+\d[\d \u00a0().\-]{5,20}\d\u202c?")


@dataclass(frozen=True, slots=True)
class _Header:
    line: int
    d1: int
    d2: int
    d3: int
    year_first: bool
    hour: int
    minute: int
    second: int
    ampm: str
    rest: str
    raw: str


def _headers(
    source: ExportSource, name: str
) -> Iterator[tuple[int, str, _Header | None]]:
    for number, line in source.lines(name):
        match = HEADER.match(line)
        if not match:
            yield number, line, None
            continue
        ampm = (match["ampm"] or "").replace(".", "").replace(" ", "")
        ampm = re.sub(r"[\u00a0\u202f]", "", ampm).lower()
        yield (
            number,
            line,
            _Header(
                line=number,
                d1=int(match["d1"]),
                d2=int(match["d2"]),
                d3=int(match["d3"]),
                year_first=len(match["d1"]) == len("2024"),
                hour=int(match["h"]),
                minute=int(match["mi"]),
                second=int(match["s"] or 0),
                ampm=ampm,
                rest=match["rest"],
                raw=line,
            ),
        )


def _author_candidates(rest: str) -> list[str]:
    rest = rest.lstrip("\u200e")
    found = []
    start = 0
    while True:
        at = rest.find(":", start)
        if at <= 0 or at > MAX_AUTHOR:
            return found
        if at + 1 == len(rest) or rest[at + 1] == " ":
            found.append(rest[:at])
        start = at + 1


def detect(source: ExportSource) -> bool:
    """Say whether the source's text file reads as a WhatsApp export."""
    name = _chat_file(source, quiet=True)
    if not name:
        return False
    lines = [line for line in source.head(name, 8192).splitlines()[:20] if line.strip()]
    hits = sum(1 for line in lines[:-1] if HEADER.match(line))
    return bool(lines) and hits >= max(1, (len(lines) - 1) // 2)


def _chat_file(source: ExportSource, *, quiet: bool = False) -> str:
    texts = [n for n in source.names if n.lower().endswith(".txt")]
    if len(texts) == 1:
        return texts[0]
    for name in texts:
        if name.rsplit("/", 1)[-1] == "_chat.txt":
            return name
    # A chat exported with media may hold .txt files people shared in it; the chat
    # is the one WhatsApp named ("WhatsApp Chat with Ann.txt", "WhatsApp-Chat mit
    # Ann.txt", "Conversa do WhatsApp com Ann.txt").
    named = [n for n in texts if "whatsapp" in n.rsplit("/", 1)[-1].casefold()]
    if len(named) == 1:
        return named[0]
    if quiet:
        return ""
    raise ContentError(
        f"expected one chat .txt file (or _chat.txt), got {texts or 'none'}",
        path=source.label,
    )


@dataclass(frozen=True, slots=True)
class _Survey:
    order: str  # "dmy", "mdy" or "ymd"
    authors: Counter[str]
    # Who signs iOS notices: the group's name in a group (its first line, the
    # encryption notice, reads "[...] Group: \u200eMessages and calls are ...").
    notices_by: str = ""


def _survey(source: ExportSource, name: str, options: ImportOptions) -> _Survey:
    big_first = big_second = False
    year_first = False
    authors: Counter[str] = Counter()
    notices_by = ""
    days: list[tuple[int, int, int]] = []
    for _number, _line, header in _headers(source, name):
        if header is None:
            continue
        year_first = year_first or header.year_first
        big_first = big_first or header.d1 > 12  # noqa: PLR2004
        big_second = big_second or header.d2 > 12  # noqa: PLR2004
        day = (header.d1, header.d2, header.d3)
        if not days or days[-1] != day:
            days.append(day)
        authors.update(set(_author_candidates(header.rest)))
        if not notices_by:
            rest = header.rest.lstrip("\u200e")
            signed = [
                c
                for c in _author_candidates(rest)
                if rest[len(c) + 2 :][:1] == "\u200e"
            ]
            notices_by = _person(signed[0]) if signed else ""
    where = source.where(name)
    if year_first:
        order = "ymd"
    elif big_first and big_second:
        raise ContentError(
            "expected one day/month order for the whole file, got dates with a "
            "first part over 12 and others with a second part over 12",
            path=where,
        )
    elif big_first:
        order = "dmy"
    elif big_second:
        order = "mdy"
    elif options.day_first is not None:
        order = "dmy" if options.day_first else "mdy"
    else:
        order = _order_from_sequence(days)
        logger.warning(
            "%s: every date fits day/month and month/day; read as %s, the order "
            "that keeps them in sequence (say --day-first or --month-first)",
            where,
            "day/month" if order == "dmy" else "month/day",
        )
    if options.day_first is not None and order != "ymd":
        wanted = "dmy" if options.day_first else "mdy"
        if wanted != order:
            raise ContentError(
                f"expected dates in the order you gave ({wanted}), got dates that "
                f"only fit {order}",
                path=where,
            )
    return _Survey(order, authors, notices_by)


def _order_from_sequence(days: list[tuple[int, int, int]]) -> str:
    def backward(order: str) -> int:
        keys = [(y, m, d) if order == "mdy" else (y, d, m) for m, d, y in days]
        return sum(1 for a, b in itertools.pairwise(keys) if b < a)

    return "mdy" if backward("mdy") < backward("dmy") else "dmy"


def _when(header: _Header, order: str, options: ImportOptions, where: str) -> datetime:
    if order == "ymd":
        year, month, day = header.d1, header.d2, header.d3
    elif order == "dmy":
        day, month, year = header.d1, header.d2, header.d3
    else:
        month, day, year = header.d1, header.d2, header.d3
    if year < 100:  # noqa: PLR2004
        year += 2000
    hour = header.hour
    if header.ampm:
        if not 1 <= hour <= 12:  # noqa: PLR2004
            raise ContentError(
                f"expected an hour from 1 to 12 before {header.ampm.upper()}, "
                f"got {hour}",
                path=where,
                line=header.line,
                source_line=header.raw,
            )
        hour = hour % 12 + (12 if header.ampm.startswith("p") else 0)
    try:
        moment = datetime(year, month, day, hour, header.minute, header.second)
    except ValueError as err:
        raise ContentError(
            f"expected a real date and time ({order}), got {err}",
            path=where,
            line=header.line,
            source_line=header.raw,
        ) from None
    return options.localize(moment)


class _Builder:
    """Turn header lines and continuations into messages."""

    def __init__(self, options: ImportOptions, survey: _Survey) -> None:
        self.options, self.survey = options, survey
        self.ids = IdMaker()
        self.phones: dict[str, str] = {}  # raw number -> pseudonym, for text scrubbing
        self.authors: dict[str, tuple[str, str, str]] = {}

    def split(self, rest: str) -> tuple[str, str] | None:
        candidates = _author_candidates(rest)
        if not candidates:
            return None
        mapped = [c for c in candidates if self.options.mapped_name(strip_marks(c))]
        if mapped:
            author = mapped[-1]
        else:
            counts = [self.survey.authors[c] for c in candidates]
            best = max(counts)
            if best >= 2:  # noqa: PLR2004
                author = next(
                    c
                    for c, n in reversed(list(zip(candidates, counts, strict=True)))
                    if n == best
                )
            else:
                author = candidates[0]
        text = rest.lstrip("\u200e")[len(author) + 1 :]
        return author, text[1:] if text.startswith(" ") else text

    def author(self, raw: str) -> tuple[str, str, str]:
        """Return (handle, display name, id key) for a raw author."""
        if raw not in self.authors:
            self.authors[raw] = self._author(raw)
        return self.authors[raw]

    def _author(self, raw: str) -> tuple[str, str, str]:
        clean = _person(raw)
        mapped = self.options.mapped_name(clean)
        if is_phone(clean):
            key = phone_pseudonym(clean)
            self.phones[clean] = mapped or key  # the number in notices: "Liz left"
            if mapped:
                return handle_from_name(mapped), mapped, key
            return key, "", key
        key = handle_from_name(clean)
        return key, mapped or clean, key

    def scrub(self, text: str) -> str:
        for raw, pseudonym in self.phones.items():
            text = text.replace(raw, pseudonym)
        text = _MENTION.sub(lambda m: "@" + self._stand_in(m.group(1), True), text)
        return _PHONE_IN_TEXT.sub(lambda m: self._stand_in(m.group(0), False), text)

    def _stand_in(self, number: str, mention: bool) -> str:
        """Return a phone number's stand-in: its --name (after @, that name's handle).

        Without a --name it is the pseudonym, as for the author with that number.
        """
        mapped = self.options.mapped_name("+" + re.sub(r"\D", "", number))
        if not mapped:
            return phone_pseudonym(number)
        return handle_from_name(mapped) if mention else mapped


def read(source: ExportSource, options: ImportOptions) -> Export:
    """Read a WhatsApp export: a survey pass, then messages one at a time."""
    name = _chat_file(source)
    where = source.where(name)
    if not options.timezone:
        logger.warning(
            "%s: WhatsApp times carry no zone; reading them as UTC (use --timezone)",
            where,
        )
    survey = _survey(source, name, options)
    builder = _Builder(options, survey)
    about = About(source=NAME, title=_title(name, source.label), where=where)
    return Export(_messages(source, name, builder), lambda: about, where)


def parse(source: ExportSource, options: ImportOptions) -> Transcript:
    """Read the export into one transcript held in memory."""
    return transcript_of(read(source, options), options)


def _title(*names: str) -> str:
    """Return "WhatsApp chat with X" from the file or zip name WhatsApp gave."""
    for name in names:
        stem = re.sub(r"\.(txt|zip)$", "", name.rsplit("/", 1)[-1], flags=re.I)
        match = re.match(r"WhatsApp Chat (?:with|-) (?P<who>.+)$", stem, re.I)
        if match:
            return f"WhatsApp chat with {match['who'].strip()}"
    return ""


def _messages(source: ExportSource, name: str, builder: _Builder) -> Iterator[Message]:
    where = source.where(name)
    pending: dict | None = None
    for number, line, header in _headers(source, name):
        if header is None:
            if pending is not None:
                pending["text"].append(line)
            elif line.strip():
                raise ContentError(
                    "expected a WhatsApp message line like "
                    "'31/12/2024, 21:05 - Name: text', "
                    "got text before the first message",
                    path=where,
                    line=number,
                    source_line=line,
                )
            continue
        if pending is not None:
            message = _message(pending, builder, where)
            if message:
                yield message
        pending = {
            "header": header,
            "text": [],
            "when": _when(header, builder.survey.order, builder.options, where),
        }
    if pending is not None:
        message = _message(pending, builder, where)
        if message:
            yield message


def _message(pending: dict, builder: _Builder, where: str) -> Message | None:
    header: _Header = pending["header"]
    when: datetime = pending["when"]
    split = builder.split(header.rest)
    if split is None:
        return _system(header, when, builder, pending["text"])
    raw_author, first = split
    plain = strip_marks(first).strip()
    if ENCRYPTION.match(plain) or (
        first.startswith("\u200e") and _is_notice(raw_author, plain, builder.survey)
    ):
        return _system(header, when, builder, pending["text"], first)
    handle, name, key = builder.author(raw_author)
    # iOS puts a direction mark before its placeholders and each line of a poll.
    text = "\n".join(line.lstrip("\u200e") for line in [first, *pending["text"]])
    edited = bool(_EDITED.search(text))
    text = _EDITED.sub("", text)
    attachments: tuple[Attachment, ...] = ()
    stripped = strip_marks(text).strip()
    if _OMITTED.match(text.strip()):
        text = "(media omitted)"
    elif match := (_ATTACHED_IOS.search(text) or _ATTACHED_ANDROID.search(text)):
        file = match["file"].strip()
        attachments = (Attachment(url=file, title=file),)
        text = (
            text[: match.start()] + text[match.end() :]
        ).strip() or "(file attached)"
    elif _DELETED.match(stripped):
        text = "(message deleted)"
    text = builder.scrub(text)
    return Message(
        id=builder.ids.make(when, key, text),
        author=handle,
        name=name if name != handle else "",
        time=when,
        text=text,
        attachments=attachments,
        edited=edited,
        line=header.line,
    )


def _person(raw: str) -> str:
    """Return an author as written, without marks or the "~ " of a non-contact."""
    return strip_marks(raw).strip().lstrip("~").strip()


def _is_notice(raw_author: str, plain: str, survey: _Survey) -> bool:
    """Say whether iOS's "Name: \u200etext" is a notice, not Name's placeholder.

    iOS puts the mark before both: the group's notices ("Blog: \u200eAnn added Bo",
    sometimes signed by the one who acted: "Ann: \u200eAnn changed the group
    icon") and a person's placeholders ("Bo: \u200eimage omitted", "\u200eBild
    weggelassen", "\u200eThis message was deleted.").
    """
    if _OMITTED.match(plain) or _ATTACHED_IOS.match(plain) or _FROM_PERSON.match(plain):
        return False
    author = _person(raw_author)
    return bool(
        author == survey.notices_by
        or f"{_person(plain)} ".startswith(f"{author} ")
        or _JOIN_LEAVE.search(plain)
    )


def _system(
    header: _Header,
    when: datetime,
    builder: _Builder,
    more: list[str],
    first: str | None = None,
) -> Message | None:
    first = header.rest if first is None else first
    text = strip_marks("\n".join([first, *more])).strip()
    if ENCRYPTION.match(text) or NOTICE_ENCRYPTION.search(text) or not text:
        return None
    if _JOIN_LEAVE.search(text) and not builder.options.keep_joins:
        return None
    text = builder.scrub(text)
    return Message(
        id=builder.ids.make(when, "", text),
        author="system",
        time=when,
        text=text,
        kind="system",
        line=header.line,
    )
