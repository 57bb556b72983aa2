"""Realistic chat exports written for the importer tests, ugly cases included.

Every export here was written for Colloquy in the shape each platform really
uses (field names, nesting, time formats, markers), with invented people.
"""

# Export lines are reproduced whole, as the platforms write them.
# ruff: noqa: E501

from __future__ import annotations

import json

# -- Slack ---------------------------------------------------------------------

SLACK_USERS = [
    {
        "id": "U01ANN",
        "team_id": "T0TEAM",
        "name": "ann.reader",
        "real_name": "Ann Reader",
        "deleted": False,
        "is_bot": False,
        "profile": {
            "real_name": "Ann Reader",
            "display_name": "Ann",
            "email": "ann.reader@example.org",
            "phone": "+1 555 0100 123",
            "title": "Editor",
        },
    },
    {
        "id": "U02ZOE",
        "name": "zoe",
        "real_name": "Zoë Ñandú",
        "profile": {
            "real_name": "Zoë Ñandú",
            "display_name": "",
            "email": "zoe@example.net",
        },
    },
    {
        "id": "U03BO",
        "name": "bo",
        "profile": {"display_name": "Bo 🌵", "email": "bo@example.com"},
    },
]
SLACK_CHANNELS = [
    {
        "id": "C01GENERAL",
        "name": "general",
        "created": 1714500000,
        "creator": "U01ANN",
        "members": ["U01ANN", "U02ZOE", "U03BO"],
        "topic": {"value": "Essays in progress", "creator": "U01ANN", "last_set": 0},
        "purpose": {"value": "Talk about the blog", "creator": "U01ANN", "last_set": 0},
    },
    {
        "id": "C02RANDOM",
        "name": "random",
        "created": 1714500000,
        "topic": {"value": ""},
        "purpose": {"value": ""},
    },
]
SLACK_DAY_1 = [
    {
        "type": "message",
        "subtype": "channel_join",
        "ts": "1714571990.000100",
        "user": "U03BO",
        "text": "<@U03BO> has joined the channel",
    },
    {
        "client_msg_id": "6f3a-1",
        "type": "message",
        "text": "Hi <@U02ZOE>! Draft is up: <https://example.org/essay|the essay> "
        "&amp; notes in <#C02RANDOM|random> &lt;3",
        "user": "U01ANN",
        "ts": "1714572000.000100",
        "team": "T0TEAM",
        "user_team": "T0TEAM",
        "user_profile": {
            "display_name": "Ann",
            "real_name": "Ann Reader",
            "name": "ann.reader",
        },
        "thread_ts": "1714572000.000100",
        "reply_count": 2,
        "reply_users_count": 2,
        "latest_reply": "1714572300.000300",
        "reactions": [
            {"name": "+1::skin-tone-3", "users": ["U02ZOE", "U03BO"], "count": 2},
            {"name": "partyparrot", "users": ["U03BO"], "count": 1},
        ],
    },
    {
        "type": "message",
        "text": "Reading it now",
        "user": "U02ZOE",
        "ts": "1714572060.000200",
        "thread_ts": "1714572000.000100",
        "parent_user_id": "U01ANN",
    },
    {
        "type": "message",
        "text": "Fixed the typo <!here>",
        "user": "U01ANN",
        "ts": "1714572300.000300",
        "thread_ts": "1714572000.000100",
        "parent_user_id": "U01ANN",
        "edited": {"user": "U01ANN", "ts": "1714572400.000000"},
        "files": [
            {
                "id": "F01",
                "name": "draft v2.pdf",
                "title": "Draft v2",
                "mimetype": "application/pdf",
                "url_private": "https://files.slack.com/files-pri/T0-F01/draft_v2.pdf",
                "permalink": "https://team.slack.com/files/U01ANN/F01/draft_v2.pdf",
            }
        ],
    },
    {
        "type": "message",
        "subtype": "me_message",
        "text": "waves at everyone",
        "user": "U03BO",
        "ts": "1714572360.000400",
    },
    {
        "type": "message",
        "subtype": "bot_message",
        "text": "Build passed",
        "username": "ci-bot",
        "bot_id": "B01",
        "ts": "1714572370.000500",
        "attachments": [
            {
                "fallback": "Build #42",
                "title": "Build #42",
                "title_link": "https://ci.example.org/42",
            }
        ],
    },
]
SLACK_DAY_2 = [
    {
        "type": "message",
        "subtype": "channel_topic",
        "text": "<@U01ANN> set the channel topic: Essays in progress",
        "user": "U01ANN",
        "ts": "1714642200.000100",
        "topic": "Essays in progress",
    },
    {
        "type": "message",
        "subtype": "channel_leave",
        "text": "<@U02ZOE> has left the channel",
        "user": "U02ZOE",
        "ts": "1714642260.000200",
    },
    {
        "type": "message",
        "text": "Morning! See <https://example.org/a?b=1&amp;c=2>",
        "user": "U03BO",
        "ts": "1714642320.000300",
        "attachments": [
            {
                "from_url": "https://example.org/a?b=1&c=2",
                "title": "A page",
                "service_name": "example.org",
            }
        ],
    },
]

# Integrations post "text": "" with their words in legacy attachments; a deleted
# thread parent stays as Slackbot's tombstone, its replies still pointing at it.
SLACK_DAY_3 = [
    {
        "type": "message",
        "subtype": "bot_message",
        "text": "",
        "username": "GitHub",
        "bot_id": "B02",
        "ts": "1714730000.000100",
        "attachments": [
            {
                "fallback": "[blog] Pull request opened: #12 Fix typo",
                "pretext": "Pull request opened by ann",
                "title": "#12 Fix typo",
                "title_link": "https://github.com/example/blog/pull/12",
                "text": "Fixes the typo in *the essay*",
                "color": "36a64f",
            },
            {"fallback": "Checks: 3 passed", "color": "36a64f"},
        ],
    },
    {
        "type": "message",
        "subtype": "bot_message",
        "text": "",
        "bot_id": "B03",
        "username": "Polly",
        "ts": "1714730050.000150",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Weekly poll"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Which essay next? <@U02ZOE>"},
                "fields": [{"type": "mrkdwn", "text": "*Votes:* 3"}],
            },
            {"type": "divider"},
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": "Read "},
                            {
                                "type": "link",
                                "url": "https://example.org/e",
                                "text": "the essay",
                            },
                            {"type": "emoji", "name": "books"},
                        ],
                    },
                    {
                        "type": "rich_text_list",
                        "style": "bullet",
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [{"type": "user", "user_id": "U03BO"}],
                            },
                        ],
                    },
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "by Polly"}]},
        ],
    },
    {
        "type": "message",
        "subtype": "tombstone",
        "text": "This message was deleted.",
        "user": "USLACKBOT",
        "hidden": True,
        "ts": "1714730100.000200",
        "thread_ts": "1714730100.000200",
        "reply_count": 1,
    },
    {
        "type": "message",
        "text": "answering the deleted question",
        "user": "U03BO",
        "ts": "1714730200.000300",
        "thread_ts": "1714730100.000200",
        "parent_user_id": "USLACKBOT",
    },
]


def slack_files() -> dict[str, str]:
    """Return the Slack export as {member: text}."""
    return {
        "users.json": json.dumps(SLACK_USERS, indent=4, ensure_ascii=False),
        "channels.json": json.dumps(SLACK_CHANNELS, indent=4),
        "integration_logs.json": "[]",
        "general/2024-05-01.json": json.dumps(SLACK_DAY_1, indent=4),
        "general/2024-05-02.json": json.dumps(SLACK_DAY_2, indent=4),
        "random/2024-05-01.json": json.dumps(
            [
                {
                    "type": "message",
                    "text": "elsewhere",
                    "user": "U03BO",
                    "ts": "1714572001.000000",
                }
            ]
        ),
    }


# -- DiscordChatExporter -------------------------------------------------------

DISCORD = {
    "guild": {
        "id": "9001",
        "name": "Colloquy Friends",
        "iconUrl": "https://cdn.discordapp.com/icons/9001/a.png",
    },
    "channel": {
        "id": "9100",
        "type": "GuildTextChat",
        "categoryId": "9050",
        "category": "Text Channels",
        "name": "essays",
        "topic": "Drafts and feedback",
    },
    "dateRange": {"after": None, "before": None},
    "exportedAt": "2024-05-03T10:00:00.000+02:00",
    "messages": [
        {
            "id": "1235000000000000001",
            "type": "GuildMemberJoin",
            "timestamp": "2024-05-01T16:00:00.000+02:00",
            "timestampEdited": None,
            "callEndedTimestamp": None,
            "isPinned": False,
            "content": "",
            "author": {
                "id": "501",
                "name": "bo",
                "discriminator": "0000",
                "nickname": "Bo",
                "isBot": False,
            },
            "attachments": [],
            "embeds": [],
            "stickers": [],
            "reactions": [],
            "mentions": [],
        },
        {
            "id": "1235000000000000002",
            "type": "Default",
            "timestamp": "2024-05-01T16:01:00.123+02:00",
            "timestampEdited": "2024-05-01T16:03:00.000+02:00",
            "callEndedTimestamp": None,
            "isPinned": True,
            "content": "Draft is up, <@502> take a look <:blobwave:7777>",
            "author": {
                "id": "500",
                "name": "ann_reader",
                "discriminator": "0000",
                "nickname": "Ann ✍️",
                "isBot": False,
            },
            "attachments": [
                {
                    "id": "800",
                    "url": "https://cdn.discordapp.com/attachments/9100/800/draft.pdf",
                    "fileName": "draft.pdf",
                    "fileSizeBytes": 12345,
                }
            ],
            "embeds": [
                {
                    "title": "The essay",
                    "url": "https://example.org/essay",
                    "description": "An essay",
                }
            ],
            "stickers": [],
            "reactions": [
                {
                    "emoji": {
                        "id": "",
                        "name": "👍",
                        "code": "thumbsup",
                        "isAnimated": False,
                    },
                    "count": 3,
                },
                {
                    "emoji": {
                        "id": "7777",
                        "name": "blobwave",
                        "code": "blobwave",
                        "isAnimated": True,
                    },
                    "count": 1,
                },
            ],
            "mentions": [
                {
                    "id": "502",
                    "name": "zoe",
                    "discriminator": "0000",
                    "nickname": "Zoë",
                    "isBot": False,
                }
            ],
        },
        {
            "id": "1235000000000000003",
            "type": "Reply",
            "timestamp": "2024-05-01T16:02:30.000+02:00",
            "timestampEdited": None,
            "isPinned": False,
            "content": "On it — شكرا",
            "author": {
                "id": "502",
                "name": "zoe",
                "discriminator": "0000",
                "nickname": "Zoë",
                "isBot": False,
            },
            "attachments": [],
            "embeds": [],
            "stickers": [],
            "reactions": [],
            "mentions": [],
            "reference": {
                "messageId": "1235000000000000002",
                "channelId": "9100",
                "guildId": "9001",
            },
        },
        {
            "id": "1235000000000000004",
            "type": "ChannelPinnedMessage",
            "timestamp": "2024-05-01T16:04:00.000+02:00",
            "timestampEdited": None,
            "isPinned": False,
            "content": "Pinned a message.",
            "author": {
                "id": "500",
                "name": "ann_reader",
                "discriminator": "0000",
                "nickname": "Ann ✍️",
                "isBot": False,
            },
            "attachments": [],
            "embeds": [],
            "stickers": [],
            "reactions": [],
            "mentions": [],
            "reference": {
                "messageId": "1235000000000000002",
                "channelId": "9100",
                "guildId": "9001",
            },
        },
        {
            "id": "1235000000000000005",
            "type": "Default",
            "timestamp": "2024-05-01T16:05:00.000+02:00",
            "timestampEdited": None,
            "isPinned": False,
            "content": "old-style name",
            "author": {
                "id": "503",
                "name": "Old Timer",
                "discriminator": "1234",
                "nickname": "Old Timer",
                "isBot": False,
            },
            "attachments": [],
            "embeds": [],
            "stickers": [],
            "reactions": [],
            "mentions": [],
        },
    ],
    "messageCount": 5,
}


# A webhook posts only an embed: no content, the words in title, description and
# fields (DCE writes every embed key, "url": null when there is none).
DISCORD_WEBHOOK = {
    "id": "1235000000000000009",
    "type": "Default",
    "timestamp": "2024-05-01T16:09:00.1234567+02:00",
    "timestampEdited": None,
    "callEndedTimestamp": None,
    "isPinned": False,
    "content": "",
    "author": {
        "id": "4400",
        "name": "GitHub",
        "discriminator": "0000",
        "nickname": "GitHub",
        "color": None,
        "isBot": True,
        "roles": [],
        "avatarUrl": "https://cdn.discordapp.com/embed/avatars/0.png",
    },
    "attachments": [],
    "embeds": [
        {
            "title": "Issue opened: #7 Broken link",
            "url": None,
            "timestamp": None,
            "description": "The about page links to a dead host.",
            "images": [],
            "fields": [{"name": "Labels", "value": "bug", "isInline": True}],
            "inlineEmojis": [],
        },
        {
            "title": "[blog] 1 new commit",
            "url": "https://github.com/example/blog/commit/abc",
            "timestamp": None,
            "description": "",
            "images": [],
            "fields": [],
            "inlineEmojis": [],
        },
    ],
    "stickers": [],
    "reactions": [],
    "mentions": [],
    "inlineEmojis": [],
}


def discord_text() -> str:
    """Return the DiscordChatExporter file as DCE writes it (indented JSON)."""
    return json.dumps(DISCORD, indent=2, ensure_ascii=False)


# -- Telegram Desktop ----------------------------------------------------------

TELEGRAM = {
    "name": "Blog chat",
    "type": "private_supergroup",
    "id": 1712345678,
    "messages": [
        {
            "id": 1,
            "type": "service",
            "date": "2024-05-01T16:00:00",
            "date_unixtime": "1714572000",
            "actor": "Ann Reader",
            "actor_id": "user1001",
            "action": "create_group",
            "title": "Blog chat",
            "members": ["Ann Reader", "Бо Иванов"],
            "text": "",
            "text_entities": [],
        },
        {
            "id": 2,
            "type": "service",
            "date": "2024-05-01T16:00:30",
            "date_unixtime": "1714572030",
            "actor": "Zoë",
            "actor_id": "user1003",
            "action": "join_group_by_link",
            "inviter": "Group",
            "text": "",
            "text_entities": [],
        },
        {
            "id": 3,
            "type": "message",
            "date": "2024-05-01T16:01:00",
            "date_unixtime": "1714572060",
            "edited": "2024-05-01T16:02:00",
            "edited_unixtime": "1714572120",
            "from": "Ann Reader",
            "from_id": "user1001",
            "text": [
                "Draft is ",
                {"type": "bold", "text": "up"},
                ": ",
                {
                    "type": "text_link",
                    "text": "the essay",
                    "href": "https://example.org/essay",
                },
                " cc ",
                {"type": "mention", "text": "@bo_ivanov"},
            ],
            "text_entities": [],
            "reactions": [
                {"type": "emoji", "count": 2, "emoji": "🔥", "recent": []},
                {"type": "emoji", "count": 1, "emoji": "❤"},
            ],
        },
        {
            "id": 4,
            "type": "message",
            "date": "2024-05-01T16:03:00",
            "date_unixtime": "1714572180",
            "from": "Бо Иванов",
            "from_id": "user1002",
            "reply_to_message_id": 3,
            "text": "Отлично!\nSecond line",
            "text_entities": [],
        },
        {
            "id": 5,
            "type": "message",
            "date": "2024-05-01T16:04:00",
            "date_unixtime": "1714572240",
            "from": "Ann Reader",
            "from_id": "user1001",
            "photo": "(File not included. Change data exporting settings to download.)",
            "width": 1280,
            "height": 720,
            "text": "",
            "text_entities": [],
        },
        {
            "id": 6,
            "type": "message",
            "date": "2024-05-01T16:05:00",
            "date_unixtime": "1714572300",
            "from": "Бо Иванов",
            "from_id": "user1002",
            "file": "files/notes.pdf",
            "file_name": "notes.pdf",
            "mime_type": "application/pdf",
            "text": "my notes",
            "text_entities": [],
        },
        {
            "id": 7,
            "type": "message",
            "date": "2024-05-01T16:06:00",
            "date_unixtime": "1714572360",
            "from": None,
            "from_id": "user1009",
            "media_type": "sticker",
            "sticker_emoji": "👍",
            "file": "(File not included. Change data exporting settings to download.)",
            "text": "",
            "text_entities": [],
        },
    ],
}


def _tg(mid: int, minute: int, sender: str, text, **extra) -> dict:
    return {
        "id": mid,
        "type": "message",
        "date": f"2024-05-03T10:{minute:02d}:00",
        "date_unixtime": str(1714730400 + minute * 60),
        "from": sender,
        "from_id": "user" + str(sum(map(ord, sender))),
        "text": text,
        "text_entities": [],
        **extra,
    }


# Entities as people make them: a bold word with its space, italics against a
# mention, a code block and a two-line quote; and messages whose only content is
# a poll, a place, a contact (whose number must stay out) or a forward.
TELEGRAM_RICH = {
    "name": "Blog club",
    "type": "private_supergroup",
    "id": 4242,
    "messages": [
        _tg(1, 0, "Ann Reader", ["Read ", {"type": "bold", "text": "this "},
            "by ", {"type": "mention", "text": "@bo_b"},
            {"type": "italic", "text": "today"}, "!"]),
        _tg(2, 1, "Bo", [{"type": "pre", "text": "print(1)", "language": "python"},
            "\n", {"type": "blockquote", "text": "line one\nline two"},
            {"type": "text_link", "text": "the site", "href": "https://ex.org/"}]),
        _tg(3, 2, "Bo", "", poll={"question": "Which book?", "closed": False,
            "total_voters": 2, "answers": [
                {"text": "Dune", "voters": 2, "chosen": False},
                {"text": "Emma", "voters": 0, "chosen": True}]}),
        _tg(4, 3, "Bo", "", location_information={"latitude": 60.1699,
            "longitude": 24.9384}),
        _tg(5, 4, "Ann Reader", "", contact_information={"first_name": "Zoe",
            "last_name": "Ng", "phone_number": "+15550100"},
            contact_vcard="contacts/contact_1.vcard"),
        _tg(6, 5, "Bo", "the news", forwarded_from="Daily Paper"),
        _tg(7, 6, "Bo", ["call me on ", {"type": "phone", "text": "+1 555 010 4477"}]),
    ],
}  # fmt: skip


def telegram_text() -> str:
    """Return Telegram Desktop's result.json for one chat."""
    return json.dumps(TELEGRAM, indent=1, ensure_ascii=False)


def telegram_account_text() -> str:
    """Return the full-account form, with the owner's phone number in it."""
    other = {"name": "Family", "type": "private_group", "id": 5, "messages": []}
    left = {
        "name": "Old club",
        "type": "private_supergroup",
        "id": 6,
        "messages": [TELEGRAM["messages"][2]],
    }
    return json.dumps(
        {
            "about": "Here is the data you requested.",
            "personal_information": {
                "user_id": 1001,
                "first_name": "Ann",
                "phone_number": "+1 555 0199 777",
            },
            "contacts": {
                "about": "This is your contact list.",
                "list": [{"first_name": "Zoe", "phone_number": "+1 555 0142 888"}],
            },
            "chats": {"about": "This page lists all chats.", "list": [other, TELEGRAM]},
            "left_chats": {"about": "Chats you have left.", "list": [left]},
        },
        indent=1,
        ensure_ascii=False,
    )


# -- WhatsApp ------------------------------------------------------------------

NNBSP = "\u202f"
LRM = "\u200e"

WHATSAPP_IOS = (
    f"[02/05/2024, 9:58:01{NNBSP}PM] Blog: Club: {LRM}Messages and calls are end-to-end encrypted. "
    "No one outside of this chat, not even WhatsApp, can read or listen to them.\n"
    f"[02/05/2024, 9:58:01{NNBSP}PM] Blog: Club: {LRM}Ann Reader created group “Blog: Club”\n"
    f"{LRM}[02/05/2024, 9:59:12{NNBSP}PM] {LRM}\u202a+1 (555) 010-4477\u202c: {LRM}\u202a+1 (555) 010-4477\u202c joined using this group's invite link\n"
    f"[02/05/2024, 10:00:00{NNBSP}PM] Ann Reader: Welcome! Q1: what got you blogging?\n"
    f"[02/05/2024, 10:01:15{NNBSP}PM] \u202a+1 (555) 010-4477\u202c: A notebook: it got too full.\n"
    "Second line of the same message\n"
    "\n"
    "and a third after a blank\n"
    f"[02/05/2024, 10:02:00{NNBSP}PM] Dr. Who: Tardis: {LRM}image omitted\n"
    f"[02/05/2024, 10:02:30{NNBSP}PM] Dr. Who: Tardis: time: relative, answer: yes\n"
    f"[02/05/2024, 10:03:00{NNBSP}PM] Ann Reader: @15550104477 agreed {LRM}<This message was edited>\n"
    f"[13/05/2024, 7:00:00{NNBSP}AM] Ann Reader: {LRM}<attached: 00000012-PHOTO-2024-05-13-07-00-00.jpg>\n"
    f"[13/05/2024, 7:01:00{NNBSP}AM] Ann Reader: This message was deleted\n"
)

WHATSAPP_ANDROID = (
    "5/2/24, 9:58 p. m. - Messages and calls are end-to-end encrypted. No one outside "
    "of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n"
    "5/2/24, 10:00 p. m. - Ann Reader: Welcome!\n"
    "5/2/24, 10:01 p. m. - +44 7700 900123: <Media omitted>\n"
    "5/2/24, 10:02 p. m. - +44 7700 900123: IMG-20240502-WA0001.jpg (file attached)\n"
    "the caption\n"
    "5/13/24, 11:59 p. m. - Ann Reader: late night\n"
    "5/14/24, 12:00 a. m. - Ann Reader: midnight\n"
    "5/14/24, 12:30 p. m. - +44 7700 900123 left\n"
)

# What iOS writes behind a direction mark after a person's name: still theirs.
WHATSAPP_IOS_PLACEHOLDERS = (
    f"[21/03/24, 10:40:00{NNBSP}PM] Book club: {LRM}Messages and calls are end-to-end "
    "encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.\n"
    f"{LRM}[21/03/24, 10:41:00{NNBSP}PM] Book club: {LRM}Ann added Bo\n"
    f"[21/03/24, 10:42:52{NNBSP}PM] Ann: Hello\n"
    f"{LRM}[21/03/24, 10:45:00{NNBSP}PM] Bo: {LRM}This message was deleted.\n"
    f"{LRM}[21/03/24, 10:45:30{NNBSP}PM] Ann: {LRM}You deleted this message.\n"
    f"{LRM}[21/03/24, 10:46:00{NNBSP}PM] Ann: {LRM}This message was deleted by admin ~{NNBSP}Bo.\n"
    f"{LRM}[21/03/24, 10:47:00{NNBSP}PM] Bo: {LRM}Location: https://maps.google.com/?q=60.16,24.95\n"
    f"{LRM}[21/03/24, 10:48:00{NNBSP}PM] Bo: {LRM}POLL:\n{LRM}Which book?\n{LRM}OPTION: Dune (1 vote)\n"
    f"{LRM}[21/03/24, 10:49:00{NNBSP}PM] Ann: {LRM}Missed voice call\n"
    f"[21/03/24, 10:50:00{NNBSP}PM] Bo: AUD-20240321-WA0003. (file attached)\n"
)

# A German iPhone: notices signed by the group or by whoever acted, placeholders
# in German, and "~\u202f" before the names of people who are not contacts.
WHATSAPP_IOS_GERMAN = (
    f"[09.01.25, 15:40:00] Blog: {LRM}Nachrichten und Anrufe sind "
    "Ende-zu-Ende-verschlüsselt. Nur Personen in diesem Chat können sie lesen.\n"
    f"{LRM}[09.01.25, 15:41:00] Blog: {LRM}Ann hat ~{NNBSP}Maija hinzugefügt\n"
    "[09.01.25, 15:48:14] Ann: *Drinnen* oder _draußen_?\n"
    f"[12.01.25, 11:01:18] ~{NNBSP}Maija: Drinnen.\n"
    f"{LRM}[12.01.25, 11:02:00] ~{NNBSP}Maija: {LRM}~{NNBSP}Maija hat das "
    "Gruppenbild geändert\n"
    f"{LRM}[12.01.25, 11:03:00] ~{NNBSP}Maija: {LRM}Bild weggelassen\n"
    f"{LRM}[17.01.25, 09:48:45] Ann: {LRM}<Anhang: 00000003-PHOTO-2025-01-17-09-48-45.jpg>\n"
)

# Before 2021 the first notice said "secured with end-to-end encryption"; Finnish
# iPhones write "klo" between date and time, and dots in the time.
WHATSAPP_OLD_FINNISH = (
    "[1.1.2019, 12.00.00] John, Jane, Joe: Messages to this group are now secured with "
    "end-to-end encryption.\n"
    "[1.1.2019, 12.00.05] John Doe: Hello\n"
    "[12.3.2022 klo 14.08.18] Matias: Moi\n"
    "[12.3.2022 klo 14.09.00] Matias: I like end-to-end encryption\n"
)

WHATSAPP_24H = (
    "02.05.24, 21:58 - Ann Reader: Hallo\n"
    "02.05.24, 22:00 - Bo: Servus\n"
    "03.05.24, 08:00 - Bo: Guten Morgen\n"
)

# -- IRC -------------------------------------------------------------------------

IRSSI = """--- Log opened Wed May 01 21:55:03 2024
21:55 -!- ann [~ann@203.0.113.5] has joined #colloquy
21:58 <@ann> evening all, topic: essays
21:59 < bo> hi ann
21:59  * bo waves
23:59 <+zoe|away> late
--- Day changed Thu May 02 2024
00:01 <@ann> past midnight
00:02 -!- bo is now known as bo_
00:03 < bo_> still me
00:04 -!- zoe|away [~z@host] has quit [Quit: bye]
--- Log closed Thu May 02 00:10:00 2024
"""

WEECHAT = (
    "2024-05-01 21:58:01\t-->\tann (~ann@203.0.113.5) has joined #colloquy\n"
    "2024-05-01 21:58:05\t@ann\tevening all\n"
    "2024-05-01 21:58:09\tbo\thi\tthere\n"
    "2024-05-01 21:58:10\t *\tbo waves\n"
    '2024-05-01 21:58:11\t--\tann has changed topic for #colloquy to "essays"\n'
    "2024-05-01 21:58:12\t<--\tbo (~b@h) has quit (Ping timeout)\n"
)

ZNC = (
    "[21:58:01] *** Joins: ann (~ann@203.0.113.5)\n"
    "[21:58:05] <ann> evening all\n"
    "[21:58:09] * bo waves\n"
    "[21:58:10] -NickServ- notice text\n"
    "[21:58:12] *** Quits: bo (~b@h) (Quit: bye)\n"
)

LIMNORIA = (
    "2024-05-01T21:58:01  *** ann <~ann@203.0.113.5> has joined #colloquy\n"
    "2024-05-01T21:58:05  <ann> evening all\n"
    "2024-05-01T21:58:09  * bo waves\n"
    "this line is broken\n"
    "2024-05-01T21:58:12  <bo> bye\n"
)

# HexChat: "%b %d %H:%M:%S" stamps, a TAB after the nick, the year only in the
# session lines; its notices and joins are written like actions.
HEXCHAT = (
    "**** BEGIN LOGGING AT Tue Dec 31 23:55:03 2024\n"
    "\n"
    "Dec 31 23:55:03 *\tNow talking on #colloquy\n"
    "Dec 31 23:55:03 *\tTopic for #colloquy is: essays\n"
    "Dec 31 23:56:10 *\tbo (~bo@203.0.113.9) has joined #colloquy\n"
    "Dec 31 23:58:00 <@ann>\tlast post of the year\n"
    "Dec 31 23:59:30 *\tbo has left the building\n"
    "Jan 01 00:00:05 <bo>\thappy new year\n"
    "Jan 01 00:01:00 *\tbo (~bo@203.0.113.9) has quit (Quit: bye)\n"
    "**** ENDING LOGGING AT Wed Jan  1 00:02:00 2025\n"
    "\n"
)

# mIRC: the day only in "Session Start:" lines, joins written like actions.
MIRC = (
    "Session Start: Thu May 02 21:55:03 2024\n"
    "Session Ident: #colloquy\n"
    "[21:55] * Now talking in #colloquy\n"
    "[21:55] * bo has joined #colloquy\n"
    "[21:56] <ann> evening all\n"
    "[21:57] * bo waves\n"
    "Session Close: Thu May 02 22:00:00 2024\n"
)

# -- Mastodon ---------------------------------------------------------------------


def _account(acct: str, name: str) -> dict:
    user = acct.split("@", maxsplit=1)[0]
    host = acct.split("@")[1] if "@" in acct else "social.example"
    return {
        "id": str(abs(hash(acct)) % 10**6),
        "username": user,
        "acct": acct,
        "display_name": name,
        "url": f"https://{host}/@{user}",
        "avatar": f"https://{host}/avatars/{user}.png",
    }


def _status(sid, acct, name, created, content, **extra) -> dict:
    status = {
        "id": sid,
        "created_at": created,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://social.example/users/x/statuses/{sid}",
        "url": f"https://social.example/@x/{sid}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "content": content,
        "reblog": None,
        "account": _account(acct, name),
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }
    status.update(extra)
    return status


MASTODON_STATUS = _status(
    "112345678901234567",
    "ann",
    "Ann Reader :blog:",
    "2024-05-01T20:00:00.000Z",
    '<p>Tonight&#39;s <a href="https://social.example/tags/blogchat" class="mention hashtag" '
    'rel="tag">#<span>blogchat</span></a>: what got you blogging?</p><p>Essay: '
    '<a href="https://example.org/essays/why-blog" target="_blank" rel="nofollow noopener">'
    '<span class="invisible">https://</span><span class="ellipsis">example.org/essays/wh</span>'
    '<span class="invisible">y-blog</span></a></p>',
    favourites_count=12,
    reblogs_count=4,
    replies_count=2,
)
MASTODON_CONTEXT = {
    "ancestors": [],
    "descendants": [
        _status(
            "112345678901234600",
            "bo@other.example",
            "",
            "2024-05-01T20:03:00.000Z",
            '<p><span class="h-card" translate="no"><a href="https://social.example/@ann" '
            'class="u-url mention">@<span>ann</span></a></span> a notebook<br />that got too '
            'full, see <a href="https://bo.example/notebook">my post</a> &amp; more</p>',
            in_reply_to_id="112345678901234567",
            favourites_count=1,
            edited_at="2024-05-01T20:05:00.000Z",
            media_attachments=[
                {
                    "id": "1",
                    "type": "image",
                    "url": "https://files.social.example/media/1.jpg",
                    "remote_url": None,
                    "description": "A full notebook",
                }
            ],
        ),
        _status(
            "112345678901234700",
            "zoe@third.example",
            "Zoë",
            "2024-05-01T20:04:00.000Z",
            "<p>Spoilers!</p>",
            in_reply_to_id="112345678901234600",
            spoiler_text="plot",
        ),
    ],
}

# -- Matrix (Element export) -------------------------------------------------------


def _event(eid, kind, sender, ts, content, **extra) -> dict:
    event = {
        "type": kind,
        "sender": sender,
        "content": content,
        "origin_server_ts": ts,
        "unsigned": {"age": 1234},
        "event_id": eid,
        "room_id": "!room:example.org",
    }
    event.update(extra)
    return event


T0 = 1714572000000  # 2024-05-01 14:00:00 UTC in milliseconds
MATRIX = {
    "room_name": "Blog Chat",
    "room_creator": "@ann:example.org",
    "topic": "Essays and replies",
    "export_date": "03/05/2024",
    "exported_by": "@ann:example.org",
    "messages": [
        _event(
            "$create",
            "m.room.create",
            "@ann:example.org",
            T0,
            {"creator": "@ann:example.org", "room_version": "10"},
            state_key="",
        ),
        _event(
            "$m-ann",
            "m.room.member",
            "@ann:example.org",
            T0 + 1000,
            {"membership": "join", "displayname": "Ann Reader"},
            state_key="@ann:example.org",
        ),
        _event(
            "$m-bo",
            "m.room.member",
            "@bo:other.example",
            T0 + 2000,
            {"membership": "join", "displayname": "Bo"},
            state_key="@bo:other.example",
        ),
        _event(
            "$m-ann2",
            "m.room.member",
            "@ann:other.example",
            T0 + 2500,
            {"membership": "join", "displayname": "Other Ann"},
            state_key="@ann:other.example",
        ),
        _event(
            "$one",
            "m.room.message",
            "@ann:example.org",
            T0 + 60000,
            {
                "msgtype": "m.text",
                "body": "Draft is up",
                "format": "org.matrix.custom.html",
                "formatted_body": "<b>Draft</b> is up",
            },
        ),
        _event(
            "$two",
            "m.room.message",
            "@bo:other.example",
            T0 + 120000,
            {
                "msgtype": "m.text",
                "body": "> <@ann:example.org> Draft is up\n\nReading it now",
                "m.relates_to": {"m.in_reply_to": {"event_id": "$one"}},
            },
        ),
        _event(
            "$react1",
            "m.reaction",
            "@bo:other.example",
            T0 + 130000,
            {
                "m.relates_to": {
                    "rel_type": "m.annotation",
                    "event_id": "$one",
                    "key": "👍",
                }
            },
        ),
        _event(
            "$react2",
            "m.reaction",
            "@ann:other.example",
            T0 + 131000,
            {
                "m.relates_to": {
                    "rel_type": "m.annotation",
                    "event_id": "$one",
                    "key": "👍",
                }
            },
        ),
        _event(
            "$react3",
            "m.reaction",
            "@ann:other.example",
            T0 + 132000,
            {
                "m.relates_to": {
                    "rel_type": "m.annotation",
                    "event_id": "$one",
                    "key": "🎉",
                }
            },
        ),
        _event(
            "$edit",
            "m.room.message",
            "@ann:example.org",
            T0 + 180000,
            {
                "msgtype": "m.text",
                "body": " * Draft v2 is up",
                "m.new_content": {"msgtype": "m.text", "body": "Draft v2 is up"},
                "m.relates_to": {"rel_type": "m.replace", "event_id": "$one"},
            },
        ),
        _event(
            "$thread",
            "m.room.message",
            "@ann:other.example",
            T0 + 240000,
            {
                "msgtype": "m.text",
                "body": "a thread reply",
                "m.relates_to": {
                    "rel_type": "m.thread",
                    "event_id": "$one",
                    "is_falling_back": True,
                    "m.in_reply_to": {"event_id": "$two"},
                },
            },
        ),
        _event(
            "$emote",
            "m.room.message",
            "@bo:other.example",
            T0 + 300000,
            {"msgtype": "m.emote", "body": "cheers"},
        ),
        _event(
            "$img",
            "m.room.message",
            "@bo:other.example",
            T0 + 360000,
            {
                "msgtype": "m.image",
                "body": "notebook.jpg",
                "url": "mxc://other.example/AbCdEf",
            },
        ),
        _event(
            "$gone",
            "m.room.message",
            "@bo:other.example",
            T0 + 400000,
            {"msgtype": "m.text", "body": "oops"},
        ),
        _event(
            "$redact",
            "m.room.redaction",
            "@bo:other.example",
            T0 + 410000,
            {},
            redacts="$gone",
        ),
        _event(
            "$enc",
            "m.room.encrypted",
            "@bo:other.example",
            T0 + 420000,
            {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "xyz"},
        ),
    ],
}


# A sticker is its own event type; an event Element could not decrypt stays
# "m.room.encrypted" in the export.
MATRIX_STICKER_AND_LOCKED = [
    _event("$sticker", "m.sticker", "@bo:other.example", T0 + 900_000,
           {"body": "waving cat", "url": "mxc://example.org/wave", "info": {}}),
    _event("$locked", "m.room.encrypted", "@bo:other.example", T0 + 960_000,
           {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEp",
            "session_id": "s1", "sender_key": "k", "device_id": "D"}),
]  # fmt: skip


def matrix_text() -> str:
    """Return Element's JSON export of the room."""
    return json.dumps(MATRIX, indent=4, ensure_ascii=False)


# -- hashtag chat paste -----------------------------------------------------------

HASHTAG_CHAT = """Q1: What got you blogging?
[20:01] @mara (Mara Quill) Welcome to #blogchat! Q1: What got you blogging?
[20:02] @ann A1: a notebook that got too full
@bo A1: same, plus a deadline
    and an editor who said yes
Q2: What keeps you going?
8:10 PM @ann A2: readers who write back https://example.org/letters
[20:11] @zoë_ñ A2: مرحبا — the replies
"""
