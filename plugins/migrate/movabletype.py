"""Movable Type / TypePad export: entries, COMMENT and PING sections.

The format: header lines ``KEY: value``, then sections (``BODY:``, ``EXTENDED BODY:``,
``EXCERPT:``, ``COMMENT:``, ``PING:`` ...) each ended by a line ``-----``; an entry
ends with a line ``--------``. Text cannot contain those two lines (the format has
no escape), and a COMMENT's text cannot start with one of its own field lines.
"""

from __future__ import annotations

from collections.abc import Iterator
import csv
from dataclasses import dataclass
from datetime import datetime
import re
from zoneinfo import ZoneInfo

from plugins.common.ids import stable_id
from plugins.migrate.markup import html_to_markdown
from plugins.migrate.model import (
    ImportedComment,
    ImportedPost,
    MigrationError,
    Options,
    Record,
    Skipped,
)
from plugins.migrate.values import (
    earlier_urls,
    email_hash,
    local_date,
    make_slug,
    slug_from_url,
)

ENTRY_END = "--------"
SECTION_END = "-----"
SECTION_FIELDS = {
    "COMMENT": ("AUTHOR", "EMAIL", "IP", "URL", "DATE"),
    "PING": ("TITLE", "URL", "IP", "BLOG NAME", "DATE"),
}
_FIELD = re.compile(r"^(?P<key>[A-Z](?:[A-Z _]*[A-Z])?):(?: (?P<value>.*)|)$")
_SECTION = re.compile(r"^(?P<name>[A-Z](?:[A-Z ]*[A-Z])?):$")
_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p")


class MovableTypeError(MigrationError):
    """A Movable Type entry that does not follow the format."""


@dataclass(frozen=True, slots=True)
class MTSection:
    """One ``NAME:`` section of an entry: its own fields (comments, pings) and text."""

    name: str
    fields: tuple[tuple[str, str], ...]
    text: str


@dataclass(frozen=True, slots=True)
class MTEntry:
    """One entry of an export, as written."""

    fields: tuple[tuple[str, str], ...]
    sections: tuple[MTSection, ...]
    line: int = 1

    def get(self, key: str) -> str:
        """Return the first value of header field ``key``, or ""."""
        return next((value for name, value in self.fields if name == key), "")

    def get_all(self, key: str) -> list[str]:
        """Return every value of header field ``key`` (CATEGORY repeats)."""
        return [value for name, value in self.fields if name == key]


def split_entries(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield each entry's first line number and its lines (without the end line)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start, current = 1, []
    for number, line in enumerate(lines, start=1):
        if line.rstrip() == ENTRY_END:
            if any(part.strip() for part in current):
                yield start, current
            start, current = number + 1, []
        else:
            current.append(line)
    if any(part.strip() for part in current):
        yield start, current


def _chunks(lines: list[str], first: int) -> list[tuple[int, list[str]]]:
    chunks, start, current = [], first, []
    for offset, line in enumerate(lines):
        if line.rstrip() == SECTION_END:
            chunks.append((start, current))
            start, current = first + offset + 1, []
        else:
            current.append(line)
    if any(part.strip() for part in current):
        chunks.append((start, current))
    return chunks


def parse_entry(lines: list[str], *, path: str, line: int = 1) -> MTEntry:
    """Parse one entry's lines; raise :class:`MovableTypeError` naming the line."""
    chunks = _chunks(lines, line)
    if not chunks:
        raise MovableTypeError("expected an entry, got nothing", path=path, line=line)
    start, header_lines = chunks[0]
    fields = []
    for offset, raw in enumerate(header_lines):
        if not raw.strip():
            continue
        match = _FIELD.match(raw.rstrip())
        if not match:
            raise MovableTypeError(
                f"expected 'KEY: value' in the entry header, got {raw[:60]!r}",
                path=path,
                line=start + offset,
            )
        fields.append((match["key"], (match["value"] or "").strip()))
    if not fields:
        raise MovableTypeError(
            "expected header fields (TITLE:, DATE: ...), got none",
            path=path,
            line=start,
        )
    sections = []
    for start, body in chunks[1:]:
        while body and not body[0].strip():
            start += 1  # noqa: PLW2901
            body = body[1:]  # noqa: PLW2901
        if not body:
            continue
        match = _SECTION.match(body[0].rstrip())
        if not match:
            raise MovableTypeError(
                f"expected a section name such as 'BODY:', got {body[0][:60]!r}",
                path=path,
                line=start,
            )
        name, rest = match["name"], body[1:]
        own = SECTION_FIELDS.get(name, ())
        section_fields = []
        while rest:
            found = _FIELD.match(rest[0].rstrip())
            if not found or found["key"] not in own:
                break
            section_fields.append((found["key"], (found["value"] or "").strip()))
            rest = rest[1:]
        text = "\n".join(rest).strip("\n")
        sections.append(MTSection(name, tuple(section_fields), text))
    return MTEntry(tuple(fields), tuple(sections), line)


def parse_movabletype(text: str, *, path: str) -> list[MTEntry]:
    """Parse a whole export strictly (every entry must be well-formed)."""
    return [
        parse_entry(lines, path=path, line=start)
        for start, lines in split_entries(text)
    ]


def format_movabletype(entries: list[MTEntry]) -> str:
    """Write entries in the export format (the inverse of :func:`parse_movabletype`)."""
    out = []
    for entry in entries:
        out.extend(f"{key}: {value}".rstrip() for key, value in entry.fields)
        out.append(SECTION_END)
        for section in entry.sections:
            out.append(f"{section.name}:")
            out.extend(f"{key}: {value}".rstrip() for key, value in section.fields)
            if section.text:
                out.append(section.text)
            out.append(SECTION_END)
        out.append(ENTRY_END)
    return "\n".join(out) + "\n"


def parse_mt_date(text: str, zone: str) -> datetime:
    """Parse an MT date (``01/31/2002 03:31:05 PM``), which has no zone of its own."""
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).replace(
                tzinfo=ZoneInfo(zone)
            )
        except ValueError:
            continue
    return local_date(text, zone)


# Bodies the rich-text editors wrote: HTML, where a newline breaks no line
# ("richtext" in Movable Type, "wysiwyg" in TypePad).
HTML_CONVERTS = frozenset({"0", "richtext", "wysiwyg"})


def _body(text: str, convert: str) -> str:
    if convert.startswith("markdown"):
        return text.strip() + "\n" if text.strip() else ""
    markdown, _ = html_to_markdown(
        text, breaks=convert not in HTML_CONVERTS, shortcodes=False
    )
    return markdown


def _comment(
    section: MTSection, entry_id: str, convert: str, options: Options
) -> ImportedComment:
    fields = dict(section.fields)
    date_text = fields.get("DATE", "")
    if not date_text:
        raise ValueError("no DATE")
    date = parse_mt_date(date_text, options.timezone)
    author = fields.get("BLOG NAME", "") or fields.get("AUTHOR", "")
    source_id = stable_id(section.name, author, date_text, section.text, length=8)
    if section.name == "PING":
        return ImportedComment(
            source_id=source_id,
            author=author or fields.get("URL", "") or "Anonymous",
            date=date,
            body=_body(section.text, "0"),
            url=fields.get("URL", ""),
            kind="mention",
            title=fields.get("TITLE", ""),
            private=(fields.get("IP", ""),),
        )
    return ImportedComment(
        source_id=source_id,
        author=author or "Anonymous",
        date=date,
        body=_body(section.text, convert),
        url=fields.get("URL", ""),
        email_hash=email_hash(fields.get("EMAIL", ""), options.salt),
        private=(fields.get("EMAIL", ""), fields.get("IP", "")),
    )


def _tags(text: str) -> list[str]:
    row = next(csv.reader([text], skipinitialspace=True), [])
    return [tag.strip() for tag in row if tag.strip()]


def entry_records(entry: MTEntry, *, number: int, options: Options) -> Iterator[Record]:
    """Yield the post (with comments) one entry becomes, or why it is skipped."""
    title = entry.get("TITLE")
    record = (
        f"entry {number} (line {entry.line}{', ' + repr(title[:40]) if title else ''})"
    )
    status = entry.get("STATUS").lower() or "publish"
    draft = status == "draft"
    if status not in {"publish", "draft", "future"}:
        yield Skipped(record=record, reason=f"status {status!r}")
        return
    if draft and not options.drafts:
        yield Skipped(record=record, reason="draft or private (use --drafts)")
        return
    if not entry.get("DATE"):
        yield Skipped(record=record, reason="no DATE")
        return
    date = parse_mt_date(entry.get("DATE"), options.timezone)
    convert = entry.get("CONVERT BREAKS") or "__default__"
    sections = {s.name: s.text for s in reversed(entry.sections)}
    text = sections.get("BODY", "")
    if sections.get("EXTENDED BODY", "").strip():
        text = f"{text}\n\n{sections['EXTENDED BODY']}"
    # TypePad writes "UNIQUE URL:"; some Movable Type tools "UNIQUEURL:".
    url = entry.get("UNIQUE URL") or entry.get("UNIQUEURL") or entry.get("PERMALINK")
    slug = (
        slug_from_url(url)
        or make_slug(entry.get("BASENAME"))
        or make_slug(title)
        or f"entry-{number}"
    )
    # Readers type plain text whatever editor the author used: Movable Type turns
    # their line breaks into paragraphs (a blog setting, on by default).
    comment_convert = convert if convert.startswith("markdown") else "__default__"
    comments = []
    sections_with_fields = [s for s in entry.sections if s.name in SECTION_FIELDS]
    for index, section in enumerate(sections_with_fields, start=1):
        try:
            comments.append(_comment(section, str(number), comment_convert, options))
        except (ValueError, OverflowError) as err:
            yield Skipped(
                record=f"{section.name.lower()} {index} of {record}",
                reason=f"unreadable: {err}",
            )
    categories = [entry.get("PRIMARY CATEGORY"), *entry.get_all("CATEGORY")]
    categories = list(dict.fromkeys(c for c in categories if c))
    yield ImportedPost(
        source_id=record,
        title=title,
        slug=slug,
        date=date,
        body=_body(text, convert),
        draft=draft,
        category=categories[0] if categories else "",
        tags=tuple(categories[1:] + _tags(entry.get("TAGS"))),
        author=entry.get("AUTHOR"),
        summary=_body(sections.get("EXCERPT", ""), convert).strip(),
        earlier_urls=earlier_urls([url], f"/{date:%Y}/{date:%m}/{slug}/"),
        comments=tuple(sorted(comments, key=lambda c: (c.date, c.source_id))),
    )


def parse_movabletype_records(
    text: str, *, path: str, options: Options
) -> Iterator[Record]:
    """Yield the records of an export, skipping (not stopping at) a broken entry."""
    for number, (start, lines) in enumerate(split_entries(text), start=1):
        try:
            entry = parse_entry(lines, path=path, line=start)
            yield from entry_records(entry, number=number, options=options)
        except (MovableTypeError, ValueError, OverflowError, csv.Error) as err:
            yield Skipped(
                record=f"entry {number} (line {start})", reason=f"malformed: {err}"
            )


def looks_like_movabletype(head: bytes) -> bool:
    """Tell a Movable Type export from its first bytes."""
    text = head.decode("utf-8", "replace")
    return bool(re.search(r"^(AUTHOR|TITLE|DATE|BASENAME): ", text, re.MULTILINE)) and (
        f"\n{SECTION_END}\n" in text or text.rstrip().endswith(SECTION_END)
    )
