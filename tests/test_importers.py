"""Chat importers: every export format into a transcript; ``colloquy import-chat``."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
import io
import json
import logging
import os
from pathlib import Path
import pty
import re
import select
import sys
import zipfile
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from plugins import cli
from plugins.common.errors import ContentError
from plugins.transcripts.chatfile import format_chat, parse_chat
from plugins.transcripts.commands import Progress, options_from, read_export
from plugins.transcripts.importers import hashtag_chat, irc, jsonstream, whatsapp
from plugins.transcripts.importers.common import (
    ImportOptions,
    chat_handle,
    fold_exclude,
    handle_from_name,
    phone_pseudonym,
)
from plugins.transcripts.importers.registry import FORMATS, by_name, detect
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.importers.spool import Spool
from plugins.transcripts.library import lay_out
from plugins.transcripts.model import Attachment, Message, Reaction, Transcript
from plugins.transcripts.render import PageContext, render_text
from plugins.transcripts.settings import TranscriptsSettings

from . import chat_exports as ce
from .support import active_content, build_site_at

NEW_YORK = ZoneInfo("America/New_York")


def read(
    files: dict[str, str | bytes], fmt: str | None = None, **options
) -> Transcript:
    """Import in-memory export files with the given options."""
    source = ExportSource.from_texts(files, label="export")
    importer = by_name(fmt) if fmt else detect(source)
    transcript = importer.parse(source, ImportOptions(**options))
    # Whatever an importer produces, the .chat format carries it losslessly.
    assert parse_chat(format_chat(transcript), path="t.chat") == transcript
    return transcript


def by_id(transcript: Transcript) -> dict:
    return {m.id: m for m in transcript.messages}


# -- Slack ------------------------------------------------------------------------


def test_slack_channel_becomes_transcript():
    t = read(ce.slack_files(), channel="general")
    assert t.source == "slack"
    assert t.channel == "#general"
    assert t.summary == "Talk about the blog"
    assert len(t.messages) == 7  # the join and the leave are noise
    assert [m.author for m in t.messages] == [
        "ann.reader", "zoe", "ann.reader", "bo", "ci-bot", "ann.reader", "bo",
    ]  # fmt: skip
    first, reply, fix, wave, bot, topic, morning = t.messages
    assert first.id == "1714572000-000100"
    assert first.name == "Ann"
    assert reply.name == "Zoë Ñandú"
    assert first.time == datetime(2024, 5, 1, 14, 0, tzinfo=UTC)
    assert first.text == (
        "Hi @zoe! Draft is up: [the essay](https://example.org/essay) & notes in "
        "#random <3"
    )
    assert first.reactions == (
        Reaction(emoji="👍", count=2),
        Reaction(emoji=":partyparrot:", count=1),
    )
    # Threads come from thread_ts alone: this export has no "replies" lists.
    assert reply.reply_to == first.id and fix.reply_to == first.id
    assert first.reply_to is None
    assert fix.edited and fix.text == "Fixed the typo @here"
    assert fix.attachments == (
        Attachment(
            url="https://team.slack.com/files/U01ANN/F01/draft_v2.pdf", title="Draft v2"
        ),
    )
    assert wave.kind == "action" and wave.text == "waves at everyone"
    assert bot.attachments[0].url == "https://ci.example.org/42"
    assert topic.kind == "system"
    assert morning.text == "Morning! See https://example.org/a?b=1&c=2"
    assert morning.time.date() == date(2024, 5, 2)


def test_slack_keeps_joins_when_asked_and_converts_zone():
    t = read(
        ce.slack_files(), channel="#general", keep_joins=True, timezone="Asia/Tokyo"
    )
    assert len(t.messages) == 9
    assert t.messages[0].kind == "system"
    assert t.messages[1].time.utcoffset() == timedelta(hours=9)
    assert t.messages[1].time.hour == 23


def test_slack_since_skips_whole_day_files():
    files = ce.slack_files()
    files["general/2024-04-01.json"] = "not even JSON"  # a month earlier: never read
    t = read(files, channel="general", since=datetime(2024, 5, 2, tzinfo=UTC))
    assert [m.author for m in t.messages] == ["ann.reader", "bo"]


def test_slack_with_several_channels_asks_which():
    with pytest.raises(ContentError) as err:
        read(ce.slack_files())
    assert "expected --channel NAME" in str(err.value)
    assert "general, random" in str(err.value)


def test_slack_error_names_the_day_file_and_record():
    files = ce.slack_files()
    files["general/2024-05-02.json"] = json.dumps([{"type": "message", "ts": 17}])
    with pytest.raises(ContentError) as err:
        read(files, channel="general")
    assert err.value.path == "export/general/2024-05-02.json"
    assert "[0].ts: a Slack time stamp" in err.value.message
    files["general/2024-05-02.json"] = '[\n  {"type": "message",\n  "ts": }\n]'
    with pytest.raises(ContentError) as err:
        read(files, channel="general")
    assert err.value.line == 3
    assert err.value.message.startswith("expected JSON")


# -- Discord ----------------------------------------------------------------------


def test_discord_export_becomes_transcript():
    t = read({"Colloquy Friends - essays [9100].json": ce.discord_text()})
    assert t.title == "Colloquy Friends / #essays"
    assert len(t.messages) == 4  # the member join is noise
    draft, answer, pinned, old = t.messages
    assert draft.id == "1235000000000000002"
    assert (draft.author, draft.name) == ("ann_reader", "Ann ✍️")
    assert draft.time == datetime(2024, 5, 1, 14, 1, tzinfo=UTC)
    assert draft.time.utcoffset() == timedelta(hours=2)
    assert draft.text == "Draft is up, @zoe take a look :blobwave:"
    assert draft.edited
    assert draft.reactions == (
        Reaction(emoji="👍", count=3),
        Reaction(emoji=":blobwave:", count=1),
    )
    assert [a.title for a in draft.attachments] == ["draft.pdf", "The essay"]
    assert answer.reply_to == draft.id and answer.text == "On it — شكرا"
    assert pinned.kind == "system"
    assert (old.author, old.name) == ("Old_Timer", "Old Timer")


def test_discord_webhook_embeds_keep_their_words():
    data = json.loads(ce.discord_text())
    data["messages"].append(ce.DISCORD_WEBHOOK)
    hook = read({"c.json": json.dumps(data)}).messages[-1]
    assert (hook.author, hook.time) == (
        "GitHub",
        datetime(2024, 5, 1, 14, 9, tzinfo=UTC),
    )
    assert hook.text == (
        "Issue opened: #7 Broken link\nThe about page links to a dead host.\n"
        "Labels: bug"
    )
    assert hook.attachments == (
        Attachment(
            url="https://github.com/example/blog/commit/abc",
            title="[blog] 1 new commit",
        ),
    )


def test_discord_partitioned_export_is_read_whole():
    data = json.loads(ce.discord_text())
    first, second = dict(data), dict(data)
    first["messages"], second["messages"] = data["messages"][:2], data["messages"][2:]
    base = "Colloquy Friends - essays [9100]"
    files = {
        f"{base}.json": json.dumps(first),
        f"{base} [part 2].json": json.dumps(second),
    }
    whole = read({f"{base}.json": ce.discord_text()})
    assert read(files) == whole
    other = {**files, "Colloquy Friends - news [9200].json": ce.discord_text()}
    assert read(other, channel="essays") == whole
    with pytest.raises(ContentError, match="--channel"):
        read(other)


def test_discord_streams_the_message_array(monkeypatch):
    whole = read({"c.json": ce.discord_text()})
    monkeypatch.setattr(jsonstream, "CHUNK", 7)
    assert read({"c.json": ce.discord_text()}) == whole


def test_discord_truncated_file_names_the_element_and_line():
    text = ce.discord_text()
    cut = text[: text.index('"id": "1235000000000000003"') + 40]
    with pytest.raises(ContentError) as err:
        read({"c.json": cut}, fmt="discord")
    assert "messages[2]: expected JSON" in err.value.message
    start = text[: text.index('"id": "1235000000000000003"')].count("\n")
    assert start <= err.value.line <= cut.count("\n") + 1


# -- Telegram ---------------------------------------------------------------------


def test_telegram_joins_kept_read_as_sentences():
    t = read({"result.json": ce.telegram_text()}, keep_joins=True)
    joined = next(m for m in t.messages if m.id == "2")
    assert (joined.kind, joined.text) == ("system", "joined by the invite link")


def test_telegram_chat_becomes_transcript():
    t = read({"result.json": ce.telegram_text()})
    assert t.title == "Blog chat"
    assert [m.id for m in t.messages] == ["1", "3", "4", "5", "6", "7"]
    created, draft, reply, photo, notes, sticker = t.messages
    assert created.kind == "system"
    assert created.text == "created the group Blog chat with Ann Reader, Бо Иванов"
    assert (draft.author, draft.name) == ("ann-reader", "Ann Reader")
    assert draft.text == (
        "Draft is **up**: [the essay](https://example.org/essay) cc @bo_ivanov"
    )
    assert draft.edited
    assert draft.reactions == (
        Reaction(emoji="🔥", count=2),
        Reaction(emoji="❤", count=1),
    )
    assert draft.time == datetime(2024, 5, 1, 14, 1, tzinfo=UTC)
    assert (reply.author, reply.name) == ("бо-иванов", "Бо Иванов")  # noqa: RUF001
    assert reply.reply_to == "3" and reply.text == "Отлично!\nSecond line"
    assert photo.text == "(photo not included in the export)"
    assert notes.attachments == (Attachment(url="files/notes.pdf", title="notes.pdf"),)
    assert sticker.text == "👍" and sticker.name == "Deleted Account"


def test_telegram_entities_and_text_less_messages_read_as_people_wrote_them():
    t = read({"result.json": json.dumps(ce.TELEGRAM_RICH)})
    assert [m.text for m in t.messages] == [
        "Read **this** by @bo_b*today*!",
        "```python\nprint(1)\n```\n> line one\n> line two\n[the site](https://ex.org/)",
        "Poll: Which book?\n- Dune (2)\n- Emma (0)",
        "(location: 60.1699, 24.9384)",
        "(contact: Zoe Ng)",
        "(forwarded from Daily Paper)\nthe news",
        "call me on " + phone_pseudonym("+1 555 010 4477"),
    ]
    assert "5550100" not in format_chat(t)
    assert "4477" not in format_chat(t)


def test_telegram_account_export_needs_the_chat_and_hides_the_phone(monkeypatch):
    files = {"result.json": ce.telegram_account_text()}
    with pytest.raises(ContentError) as err:
        read(files)
    assert "Family, Blog chat, Old club" in str(err.value)
    t = read(files, channel="blog chat")
    assert len(t.messages) == 6
    assert "0199" not in format_chat(t)
    left = read(files, channel="Old club")  # a chat you left is still yours
    assert (left.title, len(left.messages)) == ("Old club", 1)
    # The account's chats are streamed one at a time, whatever the read size.
    monkeypatch.setattr(jsonstream, "CHUNK", 5)
    assert read(files, channel="blog chat") == t


def test_telegram_bad_text_entity_names_its_path():
    data = json.loads(ce.telegram_text())
    data["messages"][2]["text"] = ["ok", 5]
    with pytest.raises(ContentError) as err:
        read({"result.json": json.dumps(data, indent=1)})
    assert "messages[2].text[1]" in err.value.message
    assert err.value.line > 1


def test_slack_bot_words_in_attachments_and_tombstones_are_kept():
    files = {**ce.slack_files(), "general/2024-05-03.json": json.dumps(ce.SLACK_DAY_3)}
    t = read(files, channel="general", since=datetime(2024, 5, 3, tzinfo=UTC))
    bot, poll, tombstone, answer = t.messages
    assert poll.text == (
        "Weekly poll\nWhich essay next? @zoe\n*Votes:* 3\n"
        "Read [the essay](https://example.org/e):books:\n@bo\nby Polly"
    )
    assert bot.author == "GitHub"
    assert bot.text == (
        "Pull request opened by ann\nFixes the typo in *the essay*\nChecks: 3 passed"
    )
    assert bot.attachments == (
        Attachment(url="https://github.com/example/blog/pull/12", title="#12 Fix typo"),
    )
    assert (tombstone.kind, tombstone.text) == ("system", "This message was deleted.")
    assert answer.reply_to == tombstone.id


# -- WhatsApp ---------------------------------------------------------------------


def test_whatsapp_ios_export():
    t = read({"_chat.txt": ce.WHATSAPP_IOS}, timezone="America/New_York")
    texts = [m.text for m in t.messages]
    assert len(t.messages) == 8  # encryption notice and invite-link join dropped
    created = t.messages[0]
    assert created.kind == "system" and "created group" in created.text
    welcome, notebook, image, tardis, agreed, photo, deleted = t.messages[1:]
    assert welcome.time == datetime(2024, 5, 2, 22, 0, tzinfo=NEW_YORK)
    assert welcome.time.utcoffset() == timedelta(hours=-4)
    assert notebook.author.startswith("participant-")
    assert notebook.name == ""
    assert notebook.text == (
        "A notebook: it got too full.\nSecond line of the same message\n\n"
        "and a third after a blank"
    )
    # A name with ": " in it is found from the whole file, not the first colon.
    assert (tardis.name, tardis.text) == (
        "Dr. Who: Tardis",
        "time: relative, answer: yes",
    )
    assert image.text == "(media omitted)"
    assert agreed.edited and agreed.text == f"@{notebook.author} agreed"
    # Day 13 settles the day/month order for the whole file.
    assert photo.time.date() == date(2024, 5, 13)
    assert photo.attachments[0].url == "00000012-PHOTO-2024-05-13-07-00-00.jpg"
    assert deleted.text == "(message deleted)"
    assert all("555" not in text for text in texts)


def test_whatsapp_android_12_hour_spanish_month_first():
    t = read({"WhatsApp Chat with Blog.txt": ce.WHATSAPP_ANDROID})
    assert t.title == "WhatsApp chat with Blog"
    assert len(t.messages) == 5
    welcome, media, file, late, midnight = t.messages
    assert welcome.time == datetime(2024, 5, 2, 22, 0, tzinfo=UTC)
    assert media.text == "(media omitted)"
    assert file.text == "the caption"
    assert file.attachments[0].url == "IMG-20240502-WA0001.jpg"
    assert late.time == datetime(2024, 5, 13, 23, 59, tzinfo=UTC)
    assert midnight.time == datetime(2024, 5, 14, 0, 0, tzinfo=UTC)
    assert media.author == file.author  # one pseudonym per phone number
    assert "7700" not in format_chat(t)


def test_whatsapp_24_hour_dotted_dates_and_names():
    t = read(
        {"chat.txt": ce.WHATSAPP_24H},
        names=(("Bo", "Bo Brennan"),),
        exclude=fold_exclude(["ann-reader"]),
    )
    assert [(m.author, m.name) for m in t.messages] == [("bo", "Bo Brennan")] * 2
    assert t.messages[1].time == datetime(2024, 5, 3, 8, 0, tzinfo=UTC)


def test_whatsapp_phone_author_mapped_with_name():
    t = read(
        {"chat.txt": ce.WHATSAPP_ANDROID},
        names=(("+44 7700 900123", "Liz"),),
        keep_joins=True,
    )
    authors = {(m.author, m.name) for m in t.messages}
    assert ("liz", "Liz") in authors
    left = t.messages[-1]
    assert left.kind == "system" and left.text.endswith(" left")
    assert "7700" not in format_chat(t)


def test_whatsapp_name_for_a_number_is_used_where_the_number_is_mentioned():
    # A mention (@15550104477) names the same person as the author +1 (555) 010-4477:
    # given --name, both are @nora (the mention linked a pseudonym nobody had).
    t = read(
        {"_chat.txt": ce.WHATSAPP_IOS},
        names=(("+1 (555) 010-4477", "Nora"),),
        keep_joins=True,
    )
    notebook = next(m for m in t.messages if m.text.startswith("A notebook"))
    agreed = next(m for m in t.messages if m.text.endswith(" agreed"))
    joined = next(m for m in t.messages if "invite link" in m.text)
    assert (notebook.author, notebook.name) == ("nora", "Nora")
    assert agreed.text == "@nora agreed"
    assert joined.text == "Nora joined using this group's invite link"
    assert "555" not in format_chat(t)


def test_whatsapp_ios_placeholders_keep_their_author():
    t = read({"_chat.txt": ce.WHATSAPP_IOS_PLACEHOLDERS}, day_first=True)
    assert [(m.author, m.kind, m.text) for m in t.messages] == [
        ("ann", "message", "Hello"),
        ("bo", "message", "(message deleted)"),
        ("ann", "message", "(message deleted)"),
        ("ann", "message", "(message deleted)"),
        ("bo", "message", "Location: https://maps.google.com/?q=60.16,24.95"),
        ("bo", "message", "POLL:\nWhich book?\nOPTION: Dune (1 vote)"),
        ("ann", "message", "Missed voice call"),
        ("bo", "message", "(file attached)"),
    ]
    assert t.messages[-1].attachments[0].url == "AUD-20240321-WA0003."


def test_whatsapp_german_iphone_notices_placeholders_and_non_contacts():
    t = read({"_chat.txt": ce.WHATSAPP_IOS_GERMAN}, keep_joins=True)
    assert [(m.author, m.name, m.kind, m.text) for m in t.messages] == [
        ("system", "", "system", "Ann hat ~\u202fMaija hinzugefügt"),
        ("ann", "Ann", "message", "*Drinnen* oder _draußen_?"),
        ("maija", "Maija", "message", "Drinnen."),
        ("system", "", "system", "~\u202fMaija hat das Gruppenbild geändert"),
        ("maija", "Maija", "message", "Bild weggelassen"),
        ("ann", "Ann", "message", "(file attached)"),
    ]
    assert t.messages[-1].attachments[0].url == "00000003-PHOTO-2025-01-17-09-48-45.jpg"


def test_whatsapp_pre_2021_encryption_notice_and_finnish_times():
    t = read({"_chat.txt": ce.WHATSAPP_OLD_FINNISH}, day_first=True)
    assert [(m.author, m.time, m.text) for m in t.messages] == [
        ("john-doe", datetime(2019, 1, 1, 12, 0, 5, tzinfo=UTC), "Hello"),
        ("matias", datetime(2022, 3, 12, 14, 8, 18, tzinfo=UTC), "Moi"),
        (
            "matias",
            datetime(2022, 3, 12, 14, 9, 0, tzinfo=UTC),
            "I like end-to-end encryption",
        ),
    ]


def test_whatsapp_conflicting_day_month_order_is_an_error():
    text = "13/01/2024, 10:00 - A: x\n01/13/2024, 10:00 - A: y\n"
    with pytest.raises(ContentError, match="one day/month order"):
        read({"chat.txt": text}, fmt="whatsapp")


def test_whatsapp_text_before_first_message_is_an_error():
    with pytest.raises(ContentError) as err:
        read({"chat.txt": "hello\n01/05/2024, 10:00 - A: x\n"}, fmt="whatsapp")
    assert err.value.line == 1
    assert "expected a WhatsApp message line" in err.value.message


# -- IRC --------------------------------------------------------------------------


def test_irssi_log_with_day_change():
    t = read({"#colloquy.log": ce.IRSSI}, timezone="Europe/Berlin")
    assert t.channel == "#colloquy"
    assert [(m.author, m.kind) for m in t.messages] == [
        ("ann", "message"), ("bo", "message"), ("bo", "action"),
        ("zoe_away", "message"), ("ann", "message"), ("bo_", "message"),
    ]  # fmt: skip
    assert t.messages[3].name == "zoe|away"
    assert t.messages[0].time == datetime(
        2024, 5, 1, 21, 58, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert t.messages[4].time == datetime(
        2024, 5, 2, 0, 1, tzinfo=ZoneInfo("Europe/Berlin")
    )


def test_irssi_keeps_joins_and_nick_changes_when_asked():
    t = read({"#colloquy.log": ce.IRSSI}, keep_joins=True)
    system = [m.text for m in t.messages if m.kind == "system"]
    assert len(system) == 3
    assert "bo is now known as bo_" in system


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("irc.libera.#colloquy.weechatlog", ce.WEECHAT, ["ann", "bo", "bo", "system"]),
        ("#colloquy/2024-05-01.log", ce.ZNC, ["ann", "bo", "NickServ"]),
        ("#colloquy.2024-05-01.log", ce.LIMNORIA, ["ann", "bo", "bo"]),
    ],
)
def test_weechat_znc_limnoria_logs(name, text, expected):
    t = read({name: text})
    assert t.source == "irc"
    assert [m.author for m in t.messages] == expected
    assert t.messages[0].time == datetime(2024, 5, 1, 21, 58, 5, tzinfo=UTC)


def test_hexchat_log_takes_the_year_from_its_session_lines():
    t = read({"#colloquy.log": ce.HEXCHAT})
    assert [(m.author, m.kind, m.text, m.time) for m in t.messages] == [
        ("system", "system", "Topic for #colloquy is: essays",
         datetime(2024, 12, 31, 23, 55, 3, tzinfo=UTC)),
        ("ann", "message", "last post of the year",
         datetime(2024, 12, 31, 23, 58, tzinfo=UTC)),
        ("bo", "action", "has left the building",
         datetime(2024, 12, 31, 23, 59, 30, tzinfo=UTC)),
        ("bo", "message", "happy new year", datetime(2025, 1, 1, 0, 0, 5, tzinfo=UTC)),
    ]  # fmt: skip
    joins = read({"#colloquy.log": ce.HEXCHAT}, keep_joins=True).messages
    assert [m.text for m in joins if "(~bo" in m.text] == [
        "bo (~bo@203.0.113.9) has joined #colloquy",
        "bo (~bo@203.0.113.9) has quit (Quit: bye)",
    ]


def test_irssi_client_notices_are_noise():
    log = (
        "--- Log opened Wed May 01 21:55:03 2024\n"
        "21:55 -!- ann [~ann@203.0.113.5] has joined #colloquy\n"
        "21:55 -!- Topic for #colloquy: essays\n"
        "21:55 -!- Irssi: #colloquy: Total of 3 nicks [1 ops, 0 halfops, 0 voices]\n"
        "21:55 -!- Irssi: Join to #colloquy was synced in 1 secs\n"
        "21:55 -!- ServerMode/#colloquy [+nt] by irc.example.net\n"
        "21:56 <@ann> evening\n"
    )
    t = read({"#colloquy.log": log})
    assert [m.text for m in t.messages] == ["Topic for #colloquy: essays", "evening"]


def test_weechat_channel_summary_after_a_join_is_noise():
    log = (
        "2024-05-01 21:58:01\t-->\tann (~ann@203.0.113.5) has joined #colloquy\n"
        '2024-05-01 21:58:01\t--\tTopic for #colloquy is "essays"\n'
        "2024-05-01 21:58:01\t--\tChannel #colloquy: 3 nicks (1 op, 2 normals)\n"
        "2024-05-01 21:58:01\t--\tChannel created on Wed, 01 May 2024 09:00:00\n"
        "2024-05-01 21:58:05\t@ann\tevening\n"
        "2024-05-01 23:00:00\t--\tirc: disconnected from server\n"
    )
    t = read({"irc.libera.#colloquy.weechatlog": log})
    assert [m.text for m in t.messages] == [
        'Topic for #colloquy is "essays"',
        "evening",
    ]


def test_mirc_log_takes_the_day_from_session_start():
    t = read({"#colloquy.log": ce.MIRC})
    assert [(m.author, m.kind, m.time) for m in t.messages] == [
        ("ann", "message", datetime(2024, 5, 2, 21, 56, tzinfo=UTC)),
        ("bo", "action", datetime(2024, 5, 2, 21, 57, tzinfo=UTC)),
    ]


def test_irc_log_with_latin_1_lines_keeps_them_and_warns(caplog):
    log = "[21:56:00] <ann> caf\u00e9 au lait\n".encode() + (
        "[21:57:00] <bo> na\u00efve reply\n".encode("latin-1")
    )
    with caplog.at_level(logging.WARNING):
        t = read({"#colloquy/2024-05-01.log": log})
    assert [m.text for m in t.messages] == ["caf\u00e9 au lait", "na\u00efve reply"]
    assert any(
        "2024-05-01.log:2: expected UTF-8 text, got byte 0xef" in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.parametrize("fmt", ["irc", "whatsapp"])
def test_utf_16_files_from_windows_tools_are_read(fmt):
    text = {"irc": ce.ZNC, "whatsapp": ce.WHATSAPP_24H}[fmt]
    name = {"irc": "#colloquy/2024-05-01.log", "whatsapp": "chat.txt"}[fmt]
    expected = read({name: text}).messages
    assert read({name: text.replace("\n", "\r\n").encode("utf-16")}).messages == (
        expected
    )


def test_limnoria_broken_line_is_a_warning_with_file_and_line(caplog):
    with caplog.at_level(logging.WARNING):
        read({"#colloquy.2024-05-01.log": ce.LIMNORIA})
    assert any(
        ":4: expected '[HH:MM] <nick> text'" in r.getMessage() for r in caplog.records
    )


def test_znc_folder_of_daily_logs_takes_dates_from_file_names(tmp_path):
    logs = tmp_path / "znc" / "libera" / "#colloquy"
    logs.mkdir(parents=True)
    (logs / "2024-05-01.log").write_text("[23:59:00] <ann> late\n", encoding="utf-8")
    (logs / "2024-05-02.log").write_text(
        "[00:00:30] <bo> early\n[00:01:00] a line with no nick\n", encoding="utf-8"
    )
    content = tmp_path / "content"
    assert run(str(tmp_path / "znc"), "--content", str(content)) == 0
    t = parse_chat(
        (content / "transcripts" / "colloquy-2024-05-01.chat").read_text(), path="t"
    )
    assert t.channel == "#colloquy"
    assert [(m.author, m.time) for m in t.messages] == [
        ("ann", datetime(2024, 5, 1, 23, 59, tzinfo=UTC)),
        ("bo", datetime(2024, 5, 2, 0, 0, 30, tzinfo=UTC)),
    ]


def test_telegram_without_unix_times_uses_the_timezone():
    data = json.loads(ce.telegram_text())
    for message in data["messages"]:
        message.pop("date_unixtime")
    t = read({"result.json": json.dumps(data)}, timezone="Europe/Moscow")
    assert t.messages[1].time == datetime(
        2024, 5, 1, 16, 1, tzinfo=ZoneInfo("Europe/Moscow")
    )


def test_slack_folder_export(tmp_path):
    folder = tmp_path / "export"
    for name, text in ce.slack_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    content = tmp_path / "content"
    assert run(str(folder), "--channel", "general", "--format", "slack",
               "--exclude", "ci-bot", "--name", "bo=Bo Brennan",
               "--content", str(content)) == 0  # fmt: skip
    t = parse_chat((content / "transcripts" / "general.chat").read_text(), path="g")
    assert len(t.messages) == 6
    assert {m.name for m in t.messages if m.author == "bo"} == {"Bo Brennan"}


def test_plain_log_takes_date_from_flag_and_rolls_over_midnight():
    text = "[23:58] <ann> late\n[23:59] * bo yawns\n[00:02] <ann> tomorrow already\n"
    with pytest.raises(ContentError, match="--date"):
        read({"chat.txt": text}, fmt="irc")
    t = read({"chat.txt": text}, fmt="irc", date=date(2024, 5, 1))
    assert [m.time.day for m in t.messages] == [1, 1, 2]
    assert t.messages[1].kind == "action"


# -- Mastodon ---------------------------------------------------------------------


def test_mastodon_status_and_context():
    files = {
        "status.json": json.dumps(ce.MASTODON_STATUS),
        "context.json": json.dumps(ce.MASTODON_CONTEXT),
    }
    t = read(files)
    assert t.source == "mastodon"
    assert (t.channel, t.hosts) == ("#blogchat", ("ann",))
    assert len(t.messages) == 3
    root, bo, zoe = t.messages
    assert root.text == (
        "Tonight's #blogchat: what got you blogging?\n\n"
        "Essay: https://example.org/essays/why-blog"
    )
    assert root.reactions == (
        Reaction(emoji="⭐", count=12),
        Reaction(emoji="🔁", count=4),
    )
    assert (bo.author, bo.name) == ("bo@other.example", "")
    assert bo.text == (
        "@ann a notebook\nthat got too full, see [my post](https://bo.example/notebook)"
        " & more"
    )
    assert bo.reply_to == root.id and zoe.reply_to == bo.id
    assert bo.edited and bo.attachments[0].title == "A full notebook"
    assert zoe.text.startswith("CW: plot\n\n")
    assert root.time == datetime(2024, 5, 1, 20, 0, tzinfo=UTC)


def test_mastodon_single_combined_file():
    combined = {"status": ce.MASTODON_STATUS, "context": ce.MASTODON_CONTEXT}
    t = read({"thread.json": json.dumps(combined)})
    assert len(t.messages) == 3
    assert t.title == "Thread by @ann"


# -- Matrix -----------------------------------------------------------------------


def test_matrix_stickers_are_kept_and_unreadable_events_counted(caplog):
    data = json.loads(ce.matrix_text())
    data["messages"] += ce.MATRIX_STICKER_AND_LOCKED
    with caplog.at_level(logging.WARNING):
        t = read({"export.json": json.dumps(data)})
    sticker = by_id(t)["sticker"]
    assert (sticker.author, sticker.text) == ("bo", "waving cat")
    assert sticker.attachments == (
        Attachment(url="mxc://example.org/wave", title="waving cat"),
    )
    assert "locked" not in by_id(t)
    assert any(
        "export.json: 2 encrypted messages could not be read" in r.getMessage()
        for r in caplog.records
    )


def test_matrix_folds_edits_reactions_and_replies():
    t = read({"matrix - Blog Chat - 2024-05-03.json": ce.matrix_text()})
    assert t.title == "Blog Chat" and t.summary == "Essays and replies"
    messages = by_id(t)
    assert list(messages) == ["create", "one", "two", "thread", "emote", "img"]
    one = messages["one"]
    assert one.text == "Draft v2 is up" and one.edited
    assert one.reactions == (
        Reaction(emoji="👍", count=2),
        Reaction(emoji="🎉", count=1),
    )
    assert (one.author, one.name) == ("ann", "Ann Reader")
    two = messages["two"]
    assert two.text == "Reading it now" and two.reply_to == "one"
    thread = messages["thread"]
    assert thread.name == "Other Ann" and thread.author != "ann"
    assert thread.reply_to == "two"
    assert messages["emote"].kind == "action"
    assert messages["img"].attachments[0].url == "mxc://other.example/AbCdEf"
    assert one.time == datetime(2024, 5, 1, 14, 1, tzinfo=UTC)


# -- hashtag chat -----------------------------------------------------------------


def test_hashtag_chat_paste_with_sections():
    t = read(
        {"paste.txt": ce.HASHTAG_CHAT},
        date=date(2024, 5, 1),
        timezone="America/New_York",
    )
    assert t.channel == "#blogchat" and t.title == "#blogchat, 2024-05-01"
    assert t.hosts == ("mara",)  # she asked the questions
    assert [s.id for s in t.sections] == ["q1", "q2"]
    assert [m.author for m in t.messages] == ["mara", "ann", "bo", "ann", "zoë_ñ"]
    assert t.messages[0].name == "Mara Quill"
    assert t.messages[2].text == "A1: same, plus a deadline\nand an editor who said yes"
    assert t.messages[2].time == t.messages[1].time  # no time: the previous one
    assert t.messages[3].time == datetime(2024, 5, 1, 20, 10, tzinfo=NEW_YORK)
    assert [m.section for m in t.messages] == [
        "Q1: What got you blogging?", "Q1: What got you blogging?",
        "Q1: What got you blogging?", "Q2: What keeps you going?",
        "Q2: What keeps you going?",
    ]  # fmt: skip


def test_hashtag_host_repeating_the_question_keeps_the_heading():
    paste = "Q1: Why blog?\n[20:01] @mara Q1: Why blog? #blogchat\n@ann A1: notes\n"
    t = read({"paste.txt": paste}, date=date(2024, 5, 1))
    assert [(s.id, s.title) for s in t.sections] == [("q1", "Q1: Why blog?")]
    assert t.sections[0].first_message == t.messages[0].id


def test_hashtag_chat_needs_a_date():
    with pytest.raises(ContentError, match="--date"):
        read({"paste.txt": "@ann hi\n"}, fmt="hashtag-chat")


# -- detection --------------------------------------------------------------------

DETECTED = [
    ("slack", ce.slack_files),
    ("discord", lambda: {"c.json": ce.discord_text()}),
    ("telegram", lambda: {"result.json": ce.telegram_text()}),
    ("telegram", lambda: {"result.json": ce.telegram_account_text()}),
    ("matrix", lambda: {"room.json": ce.matrix_text()}),
    ("mastodon", lambda: {"context.json": json.dumps(ce.MASTODON_CONTEXT)}),
    ("whatsapp", lambda: {"_chat.txt": ce.WHATSAPP_IOS}),
    ("whatsapp", lambda: {"chat.txt": ce.WHATSAPP_ANDROID}),
    ("irc", lambda: {"#c.log": ce.IRSSI}),
    ("irc", lambda: {"#c.weechatlog": ce.WEECHAT}),
    ("irc", lambda: {"#c.2024-05-01.log": ce.LIMNORIA}),
    ("hashtag-chat", lambda: {"paste.txt": ce.HASHTAG_CHAT}),
]


@pytest.mark.parametrize(("expected", "files"), DETECTED)
def test_format_is_detected_from_content(expected, files):
    assert detect(ExportSource.from_texts(files())).name == expected


def test_unknown_content_lists_every_format_tried():
    with pytest.raises(ContentError) as err:
        detect(
            ExportSource.from_texts({"notes.txt": "just some notes\nnothing more\n"})
        )
    for name in FORMATS:
        assert name in err.value.message


# -- the command --------------------------------------------------------------------


def slack_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in ce.slack_files().items():
            archive.writestr(f"Colloquy Slack export May 1 2024/{name}", text)
        archive.writestr("__MACOSX/._users.json", b"\x00\x05\x16\x07")
    return path


def run(*argv: str) -> int:
    return cli.main(["import-chat", *argv])


def test_import_slack_zip_writes_chat_file_without_private_data(tmp_path, caplog):
    content = tmp_path / "content"
    with caplog.at_level(logging.INFO):
        status = run(str(slack_zip(tmp_path / "slack.zip")), "--channel", "general",
                     "--content", str(content))  # fmt: skip
    assert status == 0
    assert any("detected the slack format" in r.getMessage() for r in caplog.records)
    written = content / "transcripts" / "general.chat"
    text = written.read_text(encoding="utf-8")
    assert parse_chat(text, path="general.chat").messages[0].author == "ann.reader"
    assert_no_private_data(content)


PRIVATE = re.compile(
    r"[\w.+-]+@example\.(org|net|com)|\+?1 555 0100|0199 777|010-4477|555\D?010\D?4477|"
    r"7700 900123|447700900123"
)


def assert_no_private_data(content: Path) -> None:
    for path in content.rglob("*"):
        if path.is_file():
            found = PRIVATE.search(path.read_text(encoding="utf-8"))
            assert found is None, f"{path}: {found.group(0)}"


def test_every_format_keeps_emails_and_phones_out_of_content(tmp_path):
    content = tmp_path / "content"
    exports = {
        "wa-ios/_chat.txt": ce.WHATSAPP_IOS,
        "wa-android/chat.txt": ce.WHATSAPP_ANDROID,
        "tg/result.json": ce.telegram_account_text(),
    }
    for rel, text in exports.items():
        target = tmp_path / "exports" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        args = [str(target), "--slug", rel.split("/")[0], "--content", str(content),
                "--keep-joins", "--channel", "Blog chat"]  # fmt: skip
        assert run(*args) == 0
    assert run(str(slack_zip(tmp_path / "s.zip")), "--channel", "general",
               "--keep-joins", "--content", str(content)) == 0  # fmt: skip
    assert len(list((content / "transcripts").glob("*.chat"))) == 4
    assert_no_private_data(content)


def test_whatsapp_android_export_with_a_shared_text_file_finds_the_chat():
    files = {
        "WhatsApp Chat with Blog.txt": ce.WHATSAPP_ANDROID,
        "notes-from-bo.txt": "a shared document\n",
    }
    assert read(files).messages == read({"chat.txt": ce.WHATSAPP_ANDROID}).messages


def test_whatsapp_zip_with_media_is_read_in_place(tmp_path):
    archive = tmp_path / "WhatsApp Chat - Blog.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("_chat.txt", ce.WHATSAPP_IOS)
        handle.writestr(
            "00000012-PHOTO-2024-05-13-07-00-00.jpg", b"\xff\xd8\xff\xe0jpeg"
        )
    content = tmp_path / "content"
    assert run(str(archive), "--slug", "blog", "--timezone", "America/New_York",
               "--content", str(content)) == 0  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == [archive.name, "content"]
    t = parse_chat((content / "transcripts" / "blog.chat").read_text(), path="blog")
    assert len(t.messages) == 8
    assert t.title == "WhatsApp chat with Blog"


def test_importing_twice_gives_byte_identical_files(tmp_path):
    export = tmp_path / "room.json"
    export.write_text(ce.matrix_text(), encoding="utf-8")
    first, second = tmp_path / "one", tmp_path / "two"
    assert run(str(export), "--content", str(first)) == 0
    assert run(str(export), "--content", str(second)) == 0
    a = (first / "transcripts" / "blog-chat.chat").read_bytes()
    assert a == (second / "transcripts" / "blog-chat.chat").read_bytes()
    assert run(str(export), "--content", str(first), "--force") == 0
    assert (first / "transcripts" / "blog-chat.chat").read_bytes() == a


def test_existing_transcript_is_never_overwritten_without_asking(tmp_path, caplog):
    export = tmp_path / "result.json"
    export.write_text(ce.telegram_text(), encoding="utf-8")
    content = tmp_path / "content"
    target = content / "transcripts" / "blog-chat.chat"
    target.parent.mkdir(parents=True)
    target.write_text("Title: mine\n", encoding="utf-8")
    assert run(str(export), "--content", str(content)) == 1
    assert target.read_text() == "Title: mine\n"
    assert any("--update" in r.getMessage() for r in caplog.records)


def test_update_keeps_every_existing_message_and_anchor(tmp_path):
    lines = ce.WHATSAPP_ANDROID.splitlines(keepends=True)
    export = tmp_path / "chat.txt"
    export.write_text("".join(lines[:3]), encoding="utf-8")
    content = tmp_path / "content"
    # Alone, "5/2/24" could be either order: the user says which.
    assert run(str(export), "--slug", "blog", "--content", str(content),
               "--month-first") == 0  # fmt: skip
    target = content / "transcripts" / "blog.chat"
    before = parse_chat(target.read_text(), path="blog")
    assert len(before.messages) == 2
    # The author edits a message by hand; a later, longer export must keep it.
    edited = target.read_text().replace("Welcome!", "Welcome, everyone!")
    target.write_text(edited, encoding="utf-8")
    export.write_text(ce.WHATSAPP_ANDROID, encoding="utf-8")
    assert (
        run(str(export), "--slug", "blog", "--content", str(content), "--update") == 0
    )
    after = parse_chat(target.read_text(), path="blog")
    assert len(after.messages) == 5
    assert [m.id for m in after.messages[:2]] == [m.id for m in before.messages]
    assert after.messages[0].text == "Welcome, everyone!"
    # Updating again with the same export changes nothing.
    snapshot = target.read_bytes()
    assert (
        run(str(export), "--slug", "blog", "--content", str(content), "--update") == 0
    )
    assert target.read_bytes() == snapshot


def test_malformed_export_is_an_error_not_a_traceback(tmp_path, caplog, capsys):
    archive = tmp_path / "slack.zip"
    files = ce.slack_files()
    files["general/2024-05-02.json"] = '[{"type": "message", "ts": "1714642200.1",'
    with zipfile.ZipFile(archive, "w") as handle:
        for name, text in files.items():
            handle.writestr(name, text)
    assert run(str(archive), "--channel", "general", "--content", str(tmp_path)) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        m.startswith(f"{archive}/general/2024-05-02.json:1: expected JSON")
        for m in errors
    ), errors
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--since", "May 1"], "--since: expected YYYY-MM-DD"),
        (["--timezone", "Mars/Olympus"], "--timezone: expected an IANA time zone"),
        (["--name", "nobody"], "--name: expected HANDLE=NAME"),
        (["--date", "01/05/2024"], "--date: expected YYYY-MM-DD"),
    ],
)
def test_bad_flags_are_clear_errors(tmp_path, caplog, argv, expected):
    export = tmp_path / "paste.txt"
    export.write_text(ce.HASHTAG_CHAT, encoding="utf-8")
    assert run(str(export), *argv, "--content", str(tmp_path)) == 1
    assert any(expected in r.getMessage() for r in caplog.records)


def test_since_and_until_take_whole_days_in_the_zone(tmp_path):
    export = tmp_path / "chat.txt"
    export.write_text(ce.WHATSAPP_ANDROID, encoding="utf-8")
    content = tmp_path / "content"
    assert run(str(export), "--since", "2024-05-13", "--until", "2024-05-13",
               "--slug", "day", "--content", str(content)) == 0  # fmt: skip
    t = parse_chat((content / "transcripts" / "day.chat").read_text(), path="day")
    assert [m.text for m in t.messages] == ["late night"]


def test_progress_bar_draws_only_when_asked():
    stream = io.StringIO()
    bar = Progress(1000, stream)
    bar.advance(500)
    bar.close()
    assert "50%" in stream.getvalue()


def test_progress_bar_on_a_terminal(tmp_path, monkeypatch):
    export = tmp_path / "_chat.txt"
    export.write_text(ce.WHATSAPP_IOS * 20, encoding="utf-8")
    leader, follower = pty.openpty()
    with open(follower, "w", encoding="utf-8", closefd=True) as terminal:
        monkeypatch.setattr(sys, "stderr", terminal)
        transcript = read_export([export], ImportOptions(day_first=True))
    drawn = b""
    while select.select([leader], [], [], 0)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end is closed: all read
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert len(transcript.messages) == 8 * 20  # repeats get ids of their own
    assert b"reading [" in drawn and b"100%" in drawn


def test_no_progress_output_when_not_a_terminal(tmp_path, capsys):
    export = tmp_path / "room.json"
    export.write_text(ce.matrix_text(), encoding="utf-8")
    assert run(str(export), "--content", str(tmp_path / "c")) == 0
    assert "reading [" not in capsys.readouterr().err


def test_time_zones_survive_in_the_written_file(tmp_path):
    export = tmp_path / "c.json"
    export.write_text(ce.discord_text(), encoding="utf-8")
    assert run(str(export), "--content", str(tmp_path / "c"), "--slug", "d") == 0
    t = parse_chat((tmp_path / "c" / "transcripts" / "d.chat").read_text(), path="d")
    assert t.messages[0].time.utcoffset() == timedelta(hours=2)
    assert t.messages[0].time == datetime(
        2024, 5, 1, 16, 1, tzinfo=timezone(timedelta(hours=2))
    )


# -- property tests: the line-based parsers -------------------------------------------

PROPERTY = settings(
    max_examples=int(os.environ.get("IMPORTER_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SAFE_CHARS = list("abcdefXYZ 0123456789.,!?'()-_é中ب😀ñ#/=")
safe_line = st.text(st.sampled_from(SAFE_CHARS), max_size=25)
nonblank_line = safe_line.map(str.strip).filter(bool)
moments = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31)
).map(lambda d: d.replace(microsecond=0))
junk = st.text(max_size=300) | st.lists(
    st.sampled_from(
        [
            "12/31/24, 9:05 PM - Ann: hi", "[31/12/2024, 21:05:09] Bo: yo",
            "31.12.24, 21:05 - x", "99/99/99, 99:99 - A: b",
            "[13/13/13, 13:13 PM] a: b",
            "\u200e", "Q1: hm", "@ann hi", "[25:61] @x y", "2024-02-30 10:00 @a b",
            "--- Day changed Fri Feb 30 2024", "00:00 <a> b", "[12:00] * x",
            "2024-13-01T10:00:00  <a> b", "--- Log opened junk", "\t", "",
        ]
    ),
    max_size=12,
).map("\n".join)  # fmt: skip


def parse_text(module, text: str, name: str, **options):
    return module.parse(ExportSource.from_texts({name: text}), ImportOptions(**options))


@PROPERTY
@given(text=junk, day_first=st.sampled_from([None, True, False]))
def test_whatsapp_never_fails_but_with_content_error(text, day_first):
    with contextlib.suppress(ContentError):
        parse_text(whatsapp, text, "chat.txt", day_first=day_first)


@PROPERTY
@given(text=junk, day=st.sampled_from([None, date(2024, 2, 29)]))
def test_irc_never_fails_but_with_content_error(text, day):
    with contextlib.suppress(ContentError):
        parse_text(irc, text, "chat.log", date=day)


@PROPERTY
@given(text=junk, day=st.sampled_from([None, date(2024, 2, 29)]))
def test_hashtag_chat_never_fails_but_with_content_error(text, day):
    with contextlib.suppress(ContentError):
        parse_text(hashtag_chat, text, "paste.txt", date=day)


WHATSAPP_AUTHORS = ["Ann Reader", "Zoë Ñandú", "Бо", "+1 (555) 010-9999", "x"]


def whatsapp_line(when: datetime, form: str, order: str, four: bool) -> str:
    year = f"{when.year}" if four else f"{when.year % 100:02d}"
    first, second = (when.day, when.month) if order == "dmy" else (when.month, when.day)
    day = f"{first:02d}/{second:02d}/{year}"
    hour = when.strftime("%H") if "24" in form else str((when.hour + 11) % 12 + 1)
    ampm = "" if "24" in form else "\u202f" + ("PM" if when.hour >= 12 else "AM")
    if form == "ios24fi":  # Finnish iPhones: "[12.3.2022 klo 14.08.18]"
        return f"[{first}.{second}.{year} klo {hour}.{when:%M.%S}] "
    if form.startswith("ios"):
        return f"[{day}, {hour}:{when:%M:%S}{ampm}] "
    return f"{day}, {hour}:{when:%M}{ampm} - "


@PROPERTY
@given(
    items=st.lists(
        st.tuples(
            moments,
            st.sampled_from(WHATSAPP_AUTHORS),
            st.lists(safe_line, min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=8,
    ),
    form=st.sampled_from(["android24", "android12", "ios24", "ios12", "ios24fi"]),
    order=st.sampled_from(["dmy", "mdy"]),
    four=st.booleans(),
)
def test_whatsapp_round_trip_of_generated_logs(items, form, order, four):
    items.sort(key=lambda item: item[0])
    if not form.startswith("ios"):
        items = [(when.replace(second=0), *rest) for when, *rest in items]
    lines = []
    for when, author, text in items:
        lines.append(f"{whatsapp_line(when, form, order, four)}{author}: {text[0]}")
        lines.extend(text[1:])
    t = parse_text(
        whatsapp, "\n".join(lines) + "\n", "chat.txt", day_first=order == "dmy"
    )
    expected = []
    for moment, author, text in items:
        handle = (
            phone_pseudonym(author) if author[0] == "+" else handle_from_name(author)
        )
        name = "" if author[0] == "+" else author
        year = moment.year if four else 2000 + moment.year % 100
        when = moment.replace(year=year, tzinfo=UTC)
        shown = name if name != handle else ""
        expected.append((handle, shown, when, "\n".join(text)))
    expected.sort(key=lambda item: item[2])
    assert [(m.author, m.name, m.time, m.text) for m in t.messages] == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(
        st.sampled_from(
            ["type", "text", "elements", "fields", "title", "url", "description",
             "pretext", "fallback", "name", "value", "user_id", "language", "href"]
        ),
        inner,
        max_size=4,
    ),
    max_leaves=12,
)  # fmt: skip


@PROPERTY
@given(value=json_values, where=st.sampled_from(["slack", "discord", "telegram"]))
def test_content_fallbacks_take_any_json_or_say_why(value, where):
    """Blocks, attachments, embeds and entities of any shape never crash an import."""
    if where == "slack":
        day = [{"type": "message", "text": "", "user": "U01ANN", "ts": "1714730000.1",
                "blocks": value, "attachments": value}]  # fmt: skip
        files = {**ce.slack_files(), "general/2024-05-03.json": json.dumps(day)}
        options = {"channel": "general"}
    elif where == "discord":
        data = json.loads(ce.discord_text())
        data["messages"][1].update(content="", embeds=value)
        files, options = {"c.json": json.dumps(data)}, {}
    else:
        data = json.loads(ce.telegram_text())
        data["messages"][2]["text"] = [value, " "]
        files, options = {"result.json": json.dumps(data)}, {}
    with contextlib.suppress(ContentError):
        read(files, fmt=where, **options)


WORDS = st.text(st.sampled_from(list("abcXYZ é中ب😀ñ,.!?")), min_size=1, max_size=12)
ENTITY_KINDS = {
    "bold": "strong",
    "italic": "em",
    "strikethrough": "del",
    "code": "code",
}


@PROPERTY
@given(
    parts=st.lists(
        st.tuples(st.sampled_from([*ENTITY_KINDS, "plain", "mention"]), WORDS),
        min_size=1,
        max_size=8,
    )
)
def test_telegram_entities_render_as_written(parts):
    text: list = []
    for kind, words in parts:
        said = "@" + words.strip(" ,.!?") if kind == "mention" else words
        text += [{"type": kind, "text": said}, " "]
    export = {"name": "c", "type": "personal_chat", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2024-05-01T10:00:00", "from": "Ann",
         "from_id": "user1", "text": text}]}  # fmt: skip
    t = read({"result.json": json.dumps(export)}, fmt="telegram")
    page = lay_out(t, TranscriptsSettings())
    ctx = PageContext(
        page=page, chat_page=page.pages[0], siteurl="", settings=TranscriptsSettings()
    )
    html = BeautifulSoup(str(render_text(t.messages[0].text, ctx)), "html.parser")
    # Every word shows, no marker is left over, and each entity got its element.
    written = "".join(part if isinstance(part, str) else part["text"] for part in text)
    assert html.get_text().split() == written.split()
    for kind, words in parts:
        if kind in ENTITY_KINDS and words.strip():
            tag = ENTITY_KINDS[kind]
            assert words.strip() in [e.get_text() for e in html.find_all(tag)]


nicks = st.from_regex(r"[a-zA-Z_\[\]{}^`][a-zA-Z0-9_\-\[\]{}^`]{0,8}", fullmatch=True)


@PROPERTY
@given(
    items=st.lists(
        st.tuples(st.integers(0, 86399), nicks, nonblank_line, st.booleans()),
        min_size=1,
        max_size=10,
    ),
    style=st.sampled_from(["znc", "irssi", "limnoria", "hexchat"]),
)
def test_irc_round_trip_of_generated_logs(items, style):
    items.sort(key=lambda item: item[0])
    day = date(2024, 5, 1)
    lines = []
    for seconds, nick, text, action in items:
        clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        stamp = {
            "znc": f"[{clock}]",
            "irssi": clock,
            "limnoria": f"{day}T{clock} ",
            "hexchat": f"May 01 {clock}",
        }
        gap = "\t" if style == "hexchat" else " "
        said = f"*{gap}{nick} {text}" if action else f"<{nick}>{gap}{text}"
        lines.append(f"{stamp[style]} {said}")
    t = parse_text(irc, "\n".join(lines) + "\n", "#c.log", date=day)
    assert [(m.author, m.text, m.kind, m.time) for m in t.messages] == [
        (
            chat_handle(nick),
            text,
            "action" if action else "message",
            datetime(2024, 5, 1, tzinfo=UTC) + timedelta(seconds=seconds),
        )
        for seconds, nick, text, action in items
    ]


handles = st.from_regex(r"[a-z0-9_][a-z0-9_.\-]{0,10}", fullmatch=True)
# A first line like "Q1: ..." starts a section, and one like "(Ann) ..." names the
# speaker ("@ann (Ann) hello"): the paste form cannot tell those from text.
paste_text = st.lists(nonblank_line, min_size=1, max_size=3).filter(
    lambda lines: (
        not re.match(r"[Qq]\d+[:.)] *\S|\([^()\n]*[^()\s][^()\n]*\)", lines[0])
    )
)


@PROPERTY
@given(
    items=st.lists(
        st.one_of(
            st.tuples(st.just("section"), nonblank_line),
            st.tuples(st.just("message"), handles, paste_text, st.booleans()),
        ),
        min_size=1,
        max_size=10,
    ).filter(lambda items: any(item[0] == "message" for item in items))
)
def test_hashtag_chat_round_trip_of_generated_pastes(items):
    lines, expected = [], []
    section, minute = None, 0
    current = datetime(2024, 5, 1, tzinfo=UTC)  # --date, before any time is given
    for number, item in enumerate(items, 1):
        if item[0] == "section":
            section = f"Q{number}: {item[1]}"
            lines.append(section)
            continue
        _, handle, text, timed = item
        stamp = ""
        if timed:
            minute = min(minute + 1, 59)
            stamp = f"[20:{minute:02d}] "
            current = datetime(2024, 5, 1, 20, minute, tzinfo=UTC)
        lines.append(f"{stamp}@{handle} {text[0]}")
        lines.extend(f"    {line}" for line in text[1:])
        expected.append((handle, "\n".join(text), section, current))
    paste = "\n".join(lines) + "\n"
    t = parse_text(hashtag_chat, paste, "paste.txt", date=date(2024, 5, 1))
    assert [(m.author, m.text, m.section, m.time) for m in t.messages] == expected


# -- imported transcripts build into pages --------------------------------------------

BUILT_EXPORTS = {
    # slug: (files of the export, extra flags, messages on the page)
    "slack": (ce.slack_files(), ["--channel", "general"], 7),
    "discord": ({"c.json": ce.discord_text()}, [], 4),
    "telegram": ({"result.json": ce.telegram_text()}, [], 6),
    "whatsapp": ({"_chat.txt": ce.WHATSAPP_IOS}, ["--timezone", "America/New_York"], 8),
    "irc": ({"#colloquy.log": ce.IRSSI}, [], 6),
    "mastodon": (
        {
            "status.json": json.dumps(ce.MASTODON_STATUS),
            "context.json": json.dumps(ce.MASTODON_CONTEXT),
        },
        [],
        3,
    ),
    "matrix": ({"room.json": ce.matrix_text()}, [], 6),
    "hashtag": ({"paste.txt": ce.HASHTAG_CHAT}, ["--date", "2024-05-01"], 5),
}


def write_export(folder: Path, files: dict[str, str]) -> list[str]:
    """Write an export's files; return the command-line sources naming them."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return [str(folder / name) for name in files] if len(files) < 3 else [str(folder)]


@pytest.fixture(scope="module")
def imported_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("imported")
    content = root / "content"
    for slug, (files, flags, _count) in BUILT_EXPORTS.items():
        source = write_export(root / "exports" / slug, files)
        assert cli.main(["import-chat", *source, "--slug", slug, *flags,
                         "--content", str(content)]) == 0  # fmt: skip
    post = (
        "Title: About the chats\nDate: 2024-05-04 10:00\nCategory: Essays\n"
        "Transcript: discord\n\nWe talked.\n"
    )
    files = {
        str(p.relative_to(content)): p.read_text(encoding="utf-8")
        for p in content.rglob("*.chat")
    }
    return build_site_at(root / "site", {**files, "posts/2024-05-04-chats.md": post})


@pytest.mark.parametrize("slug", list(BUILT_EXPORTS))
def test_imported_transcript_builds_into_a_page(imported_site, slug):
    page = f"transcripts/{slug}/index.html"
    entries = imported_site.html(page).select("article.transcript-message.h-entry")
    assert len(entries) == BUILT_EXPORTS[slug][2]
    feed = next(
        item for item in imported_site.mf2(page)["items"] if "h-feed" in item["type"]
    )
    assert len(feed["children"]) == len(entries)
    assert all(child["properties"]["published"] for child in feed["children"])
    messages = "".join(str(e) for e in entries)
    assert not active_content(messages)


def test_imported_replies_and_reactions_show_on_the_page(imported_site):
    page = imported_site.html("transcripts/slack/index.html")
    first = page.select_one("#m-1714572000-000100")
    counts = [c.get_text() for c in first.select(".transcript-reaction-count")]
    assert counts == ["2", "1"]
    replies = page.select("a.u-in-reply-to")
    assert {a["href"].rsplit("#", 1)[-1] for a in replies} == {"m-1714572000-000100"}
    discord = imported_site.html("transcripts/discord/index.html")
    assert discord.select_one("a.transcript-post").get_text() == "About the chats"


# -- malformed JSON exports: only ContentError, never a crash -------------------------

JSON_VALUES = st.sampled_from(
    [None, True, 0, -1, 1.5, "", "x", [], {}, ["x"], {"a": 1}]
)


def mutate(data, draw):
    """Replace one value somewhere inside ``data`` with a wrong one."""
    if isinstance(data, dict) and data and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(data)))
        return {**data, key: mutate(data[key], draw)}
    if isinstance(data, list) and data and draw(st.booleans()):
        index = draw(st.integers(0, len(data) - 1))
        return [*data[:index], mutate(data[index], draw), *data[index + 1 :]]
    return draw(JSON_VALUES)


JSON_EXPORTS = {
    "discord": ("discord", "c.json", ce.DISCORD),
    "telegram": ("telegram", "result.json", ce.TELEGRAM),
    "telegram-account": (
        "telegram",
        "result.json",
        json.loads(ce.telegram_account_text()),
    ),
    "matrix": ("matrix", "room.json", ce.MATRIX),
    "mastodon": ("mastodon", "context.json", ce.MASTODON_CONTEXT),
    "mastodon-status": ("mastodon", "status.json", ce.MASTODON_STATUS),
    "slack": ("slack", "general/2024-05-01.json", ce.SLACK_DAY_1),
    "slack-users": ("slack", "users.json", ce.SLACK_USERS),
    "slack-channels": ("slack", "channels.json", ce.SLACK_CHANNELS),
}


@PROPERTY
@given(case=st.sampled_from(sorted(JSON_EXPORTS)), data=st.data(), cut=st.booleans())
def test_malformed_json_exports_fail_only_with_content_error(case, data, cut):
    fmt, name, export = JSON_EXPORTS[case]
    text = json.dumps(mutate(export, data.draw), indent=1)
    if cut:
        text = text[: data.draw(st.integers(0, len(text)))]
    files = {**ce.slack_files(), name: text} if fmt == "slack" else {name: text}
    channel = {"slack": "general", "telegram": "Blog chat"}.get(fmt, "")
    options = ImportOptions(channel=channel)
    try:
        transcript = by_name(fmt).parse(ExportSource.from_texts(files), options)
    except ContentError:
        return
    assert parse_chat(format_chat(transcript), path="t.chat") == transcript


# -- streaming: a million messages in bounded memory -------------------------------


@pytest.mark.parametrize("slug", list(BUILT_EXPORTS))
def test_streamed_import_writes_what_the_whole_transcript_formats_to(tmp_path, slug):
    files, flags, _count = BUILT_EXPORTS[slug]
    source = write_export(tmp_path / "export", files)
    content = tmp_path / "content"
    assert run(*source, "--slug", slug, *flags, "--content", str(content)) == 0
    args = cli.build_parser().parse_args(["import-chat", *source, *flags])
    whole = read_export(args.source, options_from(args), args.format)
    written = (content / "transcripts" / f"{slug}.chat").read_text(encoding="utf-8")
    assert written == format_chat(replace(whole, slug=slug))
    # The spool's run files are gone; only the transcript is left.
    assert [p.name for p in (content / "transcripts").iterdir()] == [f"{slug}.chat"]


def _truncated(text: str, inside_last: str) -> str:
    """Return a JSON export cut off inside its last message."""
    return text[: text.rindex(inside_last)]


@pytest.mark.parametrize(
    ("fmt", "files", "options"),
    [
        (
            "slack",
            {**ce.slack_files(), "general/2099-01-01.json": '[{"type": "message",'},
            {"channel": "general"},
        ),
        ("discord", {"c.json": _truncated(ce.discord_text(), '"timestamp"')}, {}),
        ("telegram", {"result.json": _truncated(ce.telegram_text(), '"date"')}, {}),
    ],
)
def test_messages_stream_out_before_the_export_is_read_to_its_end(fmt, files, options):
    # A broken end is only met when reading gets there: the first messages have
    # come out by then, so nothing had to hold the whole export first.
    export = by_name(fmt).read(ExportSource.from_texts(files), ImportOptions(**options))
    messages = iter(export.messages)
    assert next(messages).id
    with pytest.raises(ContentError):
        list(messages)


@pytest.mark.parametrize(
    ("fmt", "files", "options"),
    [
        ("whatsapp", {"_chat.txt": ce.WHATSAPP_IOS}, {}),
        ("irc", {"#colloquy.log": ce.IRSSI}, {}),
    ],
)
def test_text_exports_give_their_messages_as_an_iterator(fmt, files, options):
    export = by_name(fmt).read(ExportSource.from_texts(files), ImportOptions(**options))
    messages = export.messages
    assert iter(messages) is messages  # a generator, not a list built up front
    assert sum(1 for _ in messages) == len(by_name(fmt).parse(
        ExportSource.from_texts(files), ImportOptions(**options)).messages)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 4), max_size=40),
    st.integers(1, 6),
)
def test_spool_gives_back_messages_sorted_by_time_ties_in_arrival_order(
    minutes, run_size
):
    start = datetime(2024, 5, 1, 20, 0, tzinfo=UTC)
    messages = [
        Message(id=f"m{i}", author="ann", time=start + timedelta(minutes=m), text="")
        for i, m in enumerate(minutes)
    ]
    with Spool(run_size=run_size) as spool:
        for message in messages:
            spool.add(message)
        assert list(spool) == sorted(messages, key=lambda m: m.time)


def test_spool_keeps_full_runs_on_disk_and_removes_them(tmp_path):
    start = datetime(2024, 5, 1, 20, 0, tzinfo=UTC)
    with Spool(tmp_path, run_size=3) as spool:
        for i in range(10):
            spool.add(Message(id=f"m{i}", author="ann", time=start, text=str(i)))
        assert len(list(tmp_path.glob(".import-spool-*/run-*"))) == 3
        assert [m.text for m in spool] == [str(i) for i in range(10)]
    assert list(tmp_path.iterdir()) == []


def test_update_puts_new_messages_around_existing_headings(tmp_path):
    content = tmp_path / "content"
    target = content / "transcripts" / "blog.chat"
    target.parent.mkdir(parents=True)
    head = "Title: Blog chat\nSlug: blog\nDate: 2024-05-01 20:00:00+00:00\n\n"
    target.write_text(
        head + "--- 2024-05-01 +00:00 ---\n\n## Warm-up\n\n## Q1\n\n"
        "[20:05:00 #a1] <ann> first question\n",
        encoding="utf-8",
    )
    log = tmp_path / "chat.log"
    log.write_text("[20:01] <bo> early\n[20:10] <zoe> late\n", encoding="utf-8")
    argv = [str(log), "--format", "irc", "--date", "2024-05-01", "--slug", "blog"]
    assert run(*argv, "--content", str(content), "--update") == 0
    text = target.read_text(encoding="utf-8")
    body = text.split("\n\n", 1)[1]
    # The headings stay together above the message they head; "early" comes
    # before them by time, "late" after.
    assert re.sub(r" #\w+\]", "]", body) == (
        "--- 2024-05-01 +00:00 ---\n[20:01:00] <bo> early\n\n## Warm-up\n\n\n"
        "## Q1\n\n[20:05:00] <ann> first question\n[20:10:00] <zoe> late\n"
    )
    assert text.startswith(head)


def test_the_import_benchmark_answers_help_and_refuses_unknown_formats(capsys):
    # `--help` used to be read as the message count: a ValueError traceback.
    from plugins.transcripts.importers import bench  # noqa: PLC0415

    with pytest.raises(SystemExit) as done:
        bench.main(["--help"])
    assert done.value.code == 0
    assert "messages per export" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        bench.main(["10", "nosuch"])
    assert done.value.code == 2
    assert "got ['nosuch']" in capsys.readouterr().err
