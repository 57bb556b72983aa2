"""The canonical .chat format: round trips, hand-written files, and bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
import io
import logging

from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from plugins.common.errors import ContentError
from plugins.transcripts.chatfile import (
    HANDLE,
    ID,
    derived_id,
    format_chat,
    header_text,
    iter_chat_events,
    parse_chat,
    read_chat_stream,
    section_id,
)
from plugins.transcripts.importers.common import IdMaker
from plugins.transcripts.model import (
    Attachment,
    Message,
    Reaction,
    Section,
    Transcript,
)

# Lines a careless writer would mistake for syntax; each must survive as text.
TRICKY_LINES = [
    "",
    " ",
    "\\",
    "\\\\",
    "\\n",
    "[20:00] <ann> not a new message",
    "[20:00:13 #x1] ! <bo|Bo> nor this",
    "  reply-to: abc",
    "  edited",
    "    four spaces",
    "\ta tab",
    "--- 2024-05-02 -04:00 ---",
    "## Q1: not a heading {#q1}",
    "Title: not a header",
    "مرحبا، هذه رسالة من اليمين إلى اليسار",
    "\u202eRTL override\u202c and \u200f marks",
    "👍🏽 🎉 👩‍👩‍👧 emoji",
    "<script>alert(1)</script>",
]
LINE_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")
any_line = st.one_of(st.sampled_from(TRICKY_LINES), st.text(LINE_CHARS, max_size=30))
message_text = st.lists(any_line, max_size=4).map("\n".join)
header_line = st.text(LINE_CHARS, max_size=20).map(str.strip)
header_value = st.lists(header_line, min_size=1, max_size=3).map("\n".join)
ids = st.from_regex(ID, fullmatch=True).filter(lambda s: len(s) < 30)
handles = st.from_regex(HANDLE, fullmatch=True).filter(lambda s: len(s) < 20)
zones = st.integers(-14 * 60, 14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.builds(
    lambda when, zone: when.replace(tzinfo=zone),
    st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1)),
    zones,
)


@st.composite
def messages(draw) -> Message:
    when = draw(moments)
    author = draw(handles)
    text = draw(message_text)
    explicit = draw(st.booleans())
    return Message(
        id=draw(ids) if explicit else derived_id(when, author, text),
        author=author,
        time=when,
        text=text,
        name=draw(st.one_of(st.just(""), st.text(max_size=15).filter("\r".__ne__))),
        reply_to=draw(st.none() | ids),
        attachments=tuple(
            draw(
                st.lists(
                    st.builds(
                        Attachment,
                        url=st.from_regex(
                            r"https://[a-z]{1,8}\.test/\S{0,10}", fullmatch=True
                        ),
                        title=st.text(max_size=10).filter(lambda t: "\r" not in t),
                    ),
                    max_size=2,
                )
            )
        ),
        reactions=tuple(
            draw(
                st.lists(
                    st.builds(
                        Reaction,
                        emoji=st.one_of(
                            st.sampled_from(
                                ["👍", "🎉", "+1", ":white_check_mark:", "a b"]
                            ),
                            st.text(LINE_CHARS, min_size=1, max_size=5),
                        ),
                        count=st.integers(0, 10_000),
                    ),
                    max_size=3,
                )
            )
        ),
        edited=draw(st.booleans()),
        kind=draw(st.sampled_from(["message", "action", "system"])),
    )


@st.composite
def transcripts(draw) -> Transcript:
    body = draw(st.lists(messages(), max_size=6))
    headings = sorted(
        draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(body)),
                    st.sampled_from(["Q1: Why? {#q1}", "", " ## x", "Q2 {#}"])
                    | st.text(LINE_CHARS, max_size=20),
                    st.none() | ids,
                ),
                max_size=4,
            )
        ),
        key=lambda h: h[0],
    )
    sections = []
    for index, (position, title, explicit) in enumerate(headings):
        last_here = index + 1 == len(headings) or headings[index + 1][0] != position
        first = body[position].id if last_here and position < len(body) else None
        sections.append(
            Section(id=explicit or section_id(title), title=title, first_message=first)
        )
    placed = []
    for index, message in enumerate(body):
        above = [title for position, title, _ in headings if position <= index]
        placed.append(_with_section(message, above[-1] if above else None))
    extra_keys = draw(
        st.lists(
            st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,8}", fullmatch=True).filter(
                lambda k: (
                    k.lower()
                    not in {"title", "slug", "date", "source", "channel", "hosts"}
                    | {"summary", "status"}
                )
            ),
            max_size=3,
            unique_by=str.lower,
        )
    )
    return Transcript(
        slug=draw(header_line),
        title=draw(header_line),
        source=draw(header_line),
        messages=tuple(placed),
        date=draw(st.none() | moments),
        channel=draw(header_line),
        hosts=tuple(draw(st.lists(handles, max_size=3))),
        summary=draw(st.just("") | header_value),
        status=draw(st.sampled_from(["published", "draft", "hidden"])),
        sections=tuple(sections),
        extra=tuple((key, draw(header_value)) for key in extra_keys),
    )


def _with_section(message: Message, title: str | None) -> Message:
    fields = {name: getattr(message, name) for name in Message.__slots__}
    return Message(**{**fields, "section": title})


@settings(max_examples=150, deadline=None)
@given(transcripts())
def test_parse_of_format_is_the_identity(transcript):
    text = format_chat(transcript)
    again = parse_chat(text, path="transcripts/x.chat")
    assert again == transcript
    assert [m.time.utcoffset() for m in again.messages] == [
        m.time.utcoffset() for m in transcript.messages
    ]
    assert format_chat(again) == text


ANY_HEADER = st.lists(
    st.one_of(
        st.sampled_from(["", " ", "   ", "\t", "> ", " x ", "\\", "a\rb", "\x1c"]),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    ),
    min_size=1,
    max_size=4,
).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(transcripts(), ANY_HEADER, ANY_HEADER)
def test_any_header_text_reads_back_as_the_header_keeps_it(transcript, title, summary):
    given = replace(transcript, title=title, summary=summary)
    again = parse_chat(format_chat(given), path="transcripts/x.chat")
    assert again.title == header_text(title)
    assert again.summary == header_text(summary)
    assert again.messages == transcript.messages  # the header ended where it should
    assert header_text(header_text(summary)) == header_text(summary)


def test_a_line_of_spaces_in_a_summary_does_not_end_the_header():
    message = Message(
        id="m1", author="ann", time=datetime(2024, 5, 2, tzinfo=UTC), text="hi"
    )
    transcript = Transcript(
        slug="s", title="T", source="irc", messages=(message,), summary="a\n   \nb"
    )
    again = parse_chat(format_chat(transcript), path="transcripts/x.chat")
    assert again.summary == "a\n\nb"
    assert again.messages == (message,)


@settings(max_examples=100, deadline=None)
@given(transcripts(), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_reading_a_stream_gives_what_parsing_the_text_gives(transcript, end, bom):
    text = ("\ufeff" if bom else "") + format_chat(transcript).replace("\n", end)
    whole = parse_chat(text, path="x.chat")
    header, events = read_chat_stream(io.StringIO(text, newline="\n"), path="x.chat")
    items = list(events)
    assert header == replace(whole, messages=(), sections=())
    assert tuple(e for e in items if isinstance(e, Message)) == whole.messages
    assert tuple(e for e in items if isinstance(e, Section)) == whole.sections
    # Written back event by event, the file is the same text.
    assert "".join(iter_chat_events(header, items)) == format_chat(whole)


@settings(max_examples=200, deadline=None)
@given(st.lists(any_line, max_size=8))
def test_arbitrary_text_lines_survive_inside_one_message(lines):
    text = "\n".join(lines)
    message = Message(
        id="m1",
        author="ann",
        time=datetime(2024, 5, 2, 20, 0, tzinfo=UTC),
        text=text,
    )
    transcript = Transcript(slug="t", title="T", source="", messages=(message,))
    assert parse_chat(format_chat(transcript), path="t.chat").messages[0].text == text


HAND_WRITTEN = """\
Title: Launch chat
Date: 2024-05-02 20:00-04:00
Source: hashtag-chat
Channel: #blogchat
Hosts: @mara, bo
Summary: An hour on why people keep blogs,
    and what they would change.
Sponsor: nobody in particular

--- 2024-05-02 -04:00 ---
[19:58] ! <mara> opened the room

## Q1: Why did you start?
[20:00] <mara|Mara Quill> Welcome! Q1 is up.
  reaction: 👋 4
[20:01:30 #bo-1] <bo|Bo Lindqvist> To remember what I read.
    Also, to be argued with.
  reaction: 👍 2
  reaction: :thinking_face: 1
  edited
[20:02] * <mara> nods
  reply-to: bo-1

## Q2: What would you change?
[23:59:59] <bo> Links that still work in ten years.
  attachment: https://example.org/rot.html Link rot, measured
--- 2024-05-03 -04:00 ---
[00:00:05] <mara> Past midnight. Thanks all!
"""


def test_a_hand_written_file_reads_as_the_reader_expects():
    transcript = parse_chat(HAND_WRITTEN, path="transcripts/launch-chat.chat")
    assert transcript.slug == "launch-chat"
    assert transcript.hosts == ("mara", "bo")
    assert transcript.summary == (
        "An hour on why people keep blogs,\nand what they would change."
    )
    assert transcript.extra == (("Sponsor", "nobody in particular"),)
    assert transcript.date == datetime(
        2024, 5, 2, 20, 0, tzinfo=timezone(timedelta(hours=-4))
    )
    opened, welcome, bo, nod, links, late = transcript.messages
    assert (opened.kind, opened.section, opened.line) == ("system", None, 11)
    assert welcome.name == "Mara Quill"
    assert welcome.reactions == (Reaction(emoji="👋", count=4),)
    assert welcome.id == derived_id(welcome.time, "mara", "Welcome! Q1 is up.")
    assert bo.id == "bo-1"
    assert bo.text == "To remember what I read.\nAlso, to be argued with."
    assert bo.edited
    assert bo.reactions[1] == Reaction(emoji=":thinking_face:", count=1)
    assert (nod.kind, nod.reply_to, nod.section) == (
        "action",
        "bo-1",
        "Q1: Why did you start?",
    )
    assert links.attachments == (
        Attachment(url="https://example.org/rot.html", title="Link rot, measured"),
    )
    assert late.time.day == 3
    assert late.section == "Q2: What would you change?"
    assert [(s.id, s.first_message) for s in transcript.sections] == [
        ("q1-why-did-you-start", welcome.id),
        ("q2-what-would-you-change", links.id),
    ]


def test_formatting_a_hand_written_file_is_stable():
    once = format_chat(parse_chat(HAND_WRITTEN, path="launch-chat.chat"))
    twice = format_chat(parse_chat(once, path="launch-chat.chat"))
    assert once == twice
    assert "[20:01:30 #bo-1] <bo|Bo Lindqvist> To remember what I read." in once


def test_ids_do_not_depend_on_the_header():
    reordered = HAND_WRITTEN.replace(
        "Title: Launch chat\n", "Sponsor-2: x\nTitle: A new title\n"
    )
    first = parse_chat(HAND_WRITTEN, path="a.chat")
    second = parse_chat(reordered, path="b.chat")
    assert [m.id for m in first.messages] == [m.id for m in second.messages]


def test_crlf_and_bom_files_read_the_same():
    crlf = "\ufeff" + HAND_WRITTEN.replace("\n", "\r\n")
    assert parse_chat(crlf, path="launch-chat.chat") == parse_chat(
        HAND_WRITTEN, path="launch-chat.chat"
    )


BAD = [
    ("Title: x\nnot a header\n", 2, "expected a header line 'Key: value'"),
    ("Source: x\n\n", 1, "expected a 'Title:' header field"),
    ("Title: x\nTITLE: y\n", 2, "expected 'TITLE' once (first on line 1)"),
    ("Title: x\nDate: yesterday\n", 2, "expected a date with a zone"),
    ("Title: x\nDate: 2024-05-02 20:00\n", 2, "expected a date with a zone"),
    ("Title: x\nStatus: secret\n", 2, "expected a status in"),
    ("Title: x\nHosts: ann, <bo>\n", 2, "expected hosts as"),
    (
        "Title: x\n\n[20:00] <ann> hi\n",
        3,
        "a day line '--- 2024-05-02 -04:00 ---' first",
    ),
    (
        "Title: x\n\n--- 2024-05-02 -04:00 ---\nann: hi\n",
        4,
        "expected a message '[20:00] <handle> text'",
    ),
    ("Title: x\n\n--- 2024-02-31 -04:00 ---\n", 3, "expected a real date"),
    (
        "Title: x\n\n--- 2024-05-02 -04:00 ---\n[25:00] <ann> hi\n",
        4,
        "expected a time such as '20:00:13'",
    ),
    (
        "Title: x\n\n--- 2024-05-02 -04:00 ---\n[20:00] <ann> hi\n  reaction: 👍\n",
        5,
        "expected an attribute",
    ),
    (
        (
            "Title: x\n\n--- 2024-05-02 -04:00 ---\n[20:00] <ann> hi\n  reply-to: a\n"
            "  reply-to: b\n"
        ),
        6,
        "expected one 'reply-to' per message",
    ),
    (
        "Title: x\n\n--- 2024-05-02 -04:00 ---\n[20:00] <ann> hi\n   three\n",
        5,
        "expected a message",
    ),
    ("Title: x\n\n--- 2024-05-02 -04:00 ---\n  edited\n", 4, "expected a message"),
]


@pytest.mark.parametrize(("text", "line", "expected"), BAD)
def test_malformed_lines_name_file_line_expected_and_got(text, line, expected):
    with pytest.raises(ContentError) as caught:
        parse_chat(text, path="transcripts/bad.chat")
    message = str(caught.value)
    assert message.startswith(f"transcripts/bad.chat:{line}: "), message
    assert expected in message
    assert ", got " in message


def test_oddities_are_warnings_with_file_and_line(caplog):
    text = (
        "Title: x\n\n--- 2024-05-02 -04:00 ---\n"
        "[20:05 #a] <ann> first\n"
        "[20:01 #a] <bo> same id, earlier time\n"
        "[20:06 #c] <ann> answering a lost message\n"
        "  reply-to: gone\n"
    )
    with caplog.at_level(logging.WARNING):
        transcript = parse_chat(text, path="transcripts/odd.chat")
    assert len(transcript.messages) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        w.startswith("transcripts/odd.chat:5: expected a unique message id, got 'a'")
        for w in warnings
    ), warnings
    assert any(
        w.startswith("transcripts/odd.chat:5: expected a time after") for w in warnings
    )
    assert any(
        w.startswith("transcripts/odd.chat:6: expected a reply to a message")
        and "'gone'" in w
        for w in warnings
    )


def test_the_same_words_twice_in_one_minute_are_two_messages(caplog):
    text = (
        "Title: x\n\n--- 2024-05-02 -04:00 ---\n"
        "[20:05] <ann> +1\n[20:05] <bo> +1\n[20:05] <ann> +1\n[20:05] <ann> +1\n"
        "[20:06] <ann> +1\n"
    )
    with caplog.at_level(logging.WARNING):
        transcript = parse_chat(text, path="transcripts/plus.chat")
    assert caplog.records == []
    ids = [message.id for message in transcript.messages]
    assert len(set(ids)) == 5, ids
    # The first keeps the id it always had; the repeats get the ids an importer gives.
    maker = IdMaker()
    assert ids == [maker.make(m.time, m.author, m.text) for m in transcript.messages]
    assert ids[0] == derived_id(transcript.messages[0].time, "ann", "+1")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"author": "two words"}, "handle"),
        ({"author": "@ann"}, "handle"),
        ({"id": "has space"}, "message id"),
        ({"kind": "whisper"}, "unknown kind"),
        ({"time": datetime(2024, 5, 2, 20, 0)}, "with a zone"),
    ],
)
def test_the_writer_refuses_what_the_format_cannot_carry(change, problem):
    fields = {
        "id": "m1",
        "author": "ann",
        "time": datetime(2024, 5, 2, 20, 0, tzinfo=UTC),
        "text": "hi",
        **change,
    }
    transcript = Transcript(
        slug="t", title="T", source="", messages=(Message(**fields),)
    )
    with pytest.raises(ValueError, match=problem):
        format_chat(transcript)
