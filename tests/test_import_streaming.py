"""Matrix, Mastodon and hashtag-chat imports stream, and write what reading whole did.

Each reference below reads the export the way the importer did before it
streamed (the whole file in memory: a ``found`` dict of messages with the
relations folded in at the end, a dict of statuses, a list of pasted messages);
the streaming importers must give the same ``.chat`` text on generated exports,
ugly cases included.
"""

from __future__ import annotations

from datetime import date
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
import pytest

from plugins import cli
from plugins.common.errors import ContentError
from plugins.transcripts.chatfile import format_chat
from plugins.transcripts.importers import hashtag_chat, mastodon, matrix
from plugins.transcripts.importers.common import (
    About,
    Export,
    ImportOptions,
    fold_exclude,
    main_hashtag,
    mapping,
    string,
    transcript_of,
)
from plugins.transcripts.importers.registry import by_name
from plugins.transcripts.importers.source import ExportSource

from .test_importers import PROPERTY

T0 = 1714572000000  # 2024-05-01 14:00 UTC, in milliseconds


def outcome(parse, options: ImportOptions) -> str:
    """Return the .chat text a reading gives, or its error (both sides must agree)."""
    try:
        return format_chat(parse(options))
    except ContentError as err:
        return f"error: {err}"


# -- Matrix ------------------------------------------------------------------------


def matrix_in_memory(export: dict, options: ImportOptions):
    """Read a Matrix export whole: every message in a dict, relations folded last."""
    events = matrix._Events(options, matrix._Relations())
    found = {}
    for index, raw in enumerate(export["messages"]):
        message = events.add(raw, f"messages[{index}]", "room.json", 1)
        if message is not None:
            found.setdefault(message.id, message)
    relations = events.relations.settled()
    messages = [m for m in map(relations.fold, found.values()) if m is not None]
    room = string(export.get("room_name"))
    about = About(
        source="matrix", title=room, channel=room, summary=string(export.get("topic"))
    )
    return transcript_of(Export(messages, lambda: about, "room.json"), options)


# "$f g" and "$f-g" are one message id once made safe for an anchor.
event_ids = st.sampled_from(["$a", "$b", "$c:example.org", "$d", "$f g", "$f-g"])
senders = st.sampled_from(["@ann:example.org", "@bo:example.org", "@ann:other.org"])
stamps = st.integers(0, 4).map(lambda minutes: T0 + minutes * 60_000)
words = st.text(alphabet="abc #Q1:", min_size=1, max_size=12).filter(str.strip)


def _event(kind: str, eid: str, sender: str, ts: int, content: dict, **extra) -> dict:
    return {
        "type": kind,
        "event_id": eid,
        "sender": sender,
        "origin_server_ts": ts,
        "content": content,
        **extra,
    }


@st.composite
def matrix_events(draw) -> dict:
    """Draw one room event: a message, a relation, a state change or an unknown."""
    kind = draw(
        st.sampled_from(
            [
                *("message", "reply", "edit", "reaction", "redaction"),
                *("member", "state", "unknown", "empty"),
            ]
        )
    )
    eid, sender, ts = draw(event_ids), draw(senders), draw(stamps)
    target = draw(event_ids)
    if kind in {"message", "reply"}:
        msgtype = draw(st.sampled_from(["m.text", "m.emote", "m.image"]))
        content = {"msgtype": msgtype, "body": draw(words)}
        if msgtype == "m.image":
            content["url"] = "mxc://example.org/picture"
        if kind == "reply":
            content["body"] = f"> <{sender}> quoted\n\n{content['body']}"
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": target}}
        return _event("m.room.message", eid, sender, ts, content)
    if kind in {"edit", "reaction", "redaction"}:
        return _relation(kind, (eid, sender, ts), target, draw(words))
    if kind == "member":
        content = {"membership": draw(st.sampled_from(["join", "leave", "knock"]))}
        if draw(st.booleans()):
            content["displayname"] = draw(st.sampled_from(["Ann", "Ann R.", "Bo"]))
        return _event("m.room.member", eid, sender, ts, content, state_key=sender)
    if kind == "state":
        return _event("m.room.topic", eid, sender, ts, {"topic": draw(words)})
    if kind == "unknown":
        return _event("org.example.poll", eid, sender, ts, {"question": "?"})
    return _event("m.room.message", eid, sender, ts, {})


def _edit(head: tuple[str, str, int], target: str, text: str) -> dict:
    eid, sender, ts = head
    content = {
        "msgtype": "m.text",
        "body": f"* {text}",
        "m.new_content": {"msgtype": "m.text", "body": text},
        "m.relates_to": {"rel_type": "m.replace", "event_id": target},
    }
    return _event("m.room.message", eid, sender, ts, content)


def _reaction(head: tuple[str, str, int], target: str, key: str = "👍") -> dict:
    eid, sender, ts = head
    relates = {"rel_type": "m.annotation", "event_id": target, "key": key}
    return _event("m.reaction", eid, sender, ts, {"m.relates_to": relates})


def _relation(kind: str, head: tuple[str, str, int], target: str, text: str) -> dict:
    if kind == "edit":  # the target may itself be an edit: an edit of an edit
        return _edit(head, target, text)
    if kind == "reaction":
        return _reaction(head, target)
    eid, sender, ts = head
    return _event("m.room.redaction", eid, sender, ts, {}, redacts=target)


@PROPERTY
@given(
    events=st.lists(matrix_events(), min_size=1, max_size=25),
    header_last=st.booleans(),
    keep_joins=st.booleans(),
    exclude=st.sampled_from([(), ("bo",)]),
)
def test_matrix_streamed_reading_equals_reading_whole(
    events, header_last, keep_joins, exclude
):
    head = {"room_name": "Blog Chat", "topic": "Drafts"}
    export = (
        {"messages": events, **head} if header_last else {**head, "messages": events}
    )
    source = ExportSource.from_texts({"room.json": json.dumps(export, indent=1)})
    # --exclude drops a message after the first copy of its id was chosen.
    options = ImportOptions(keep_joins=keep_joins, exclude=fold_exclude(exclude))
    streamed = outcome(lambda o: matrix.parse(source, o), options)
    assert streamed == outcome(lambda o: matrix_in_memory(export, o), options)


UGLY_ROOM = {
    "room_name": "Blog Chat",
    "messages": [
        # Relations that arrive before the message they change.
        _reaction(("$r1", "@bo:example.org", T0), "$m1", "🎉"),
        _edit(("$e1", "@bo:example.org", T0 + 5), "$m1", "better"),
        _event("m.room.message", "$m1", "@ann:example.org", T0 + 1, {"body": "good"}),
        # A second edit, later, wins; an older one arriving last does not.
        _edit(("$e2", "@ann:example.org", T0 + 9), "$m1", "best"),
        _edit(("$e3", "@ann:example.org", T0 + 2), "$m1", "old"),
        # A reaction on a message that is then redacted: both gone.
        _event("m.room.message", "$m2", "@bo:example.org", T0 + 3, {"body": "oops"}),
        _reaction(("$r2", "@ann:example.org", T0 + 4), "$m2", "👀"),
        _event("m.room.redaction", "$x1", "@bo:example.org", T0 + 6, {}, redacts="$m2"),
        # The same event twice (exports repeat them): the first is kept.
        _event("m.room.message", "$m3", "@bo:example.org", T0 + 7, {"body": "once"}),
        _event("m.room.message", "$m3", "@bo:example.org", T0 + 8, {"body": "again"}),
        _event("org.example.poll", "$p1", "@bo:example.org", T0 + 9, {"q": "?"}),
    ],
}


def test_matrix_ugly_room_folds_relations_whatever_their_order(tmp_path):
    export = tmp_path / "room.json"
    export.write_text(json.dumps(UGLY_ROOM), encoding="utf-8")
    content = tmp_path / "content"
    argv = ["import-chat", str(export), "--slug", "room", "--content", str(content)]
    assert cli.main(argv) == 0
    written = (content / "transcripts" / "room.chat").read_text(encoding="utf-8")
    whole = matrix_in_memory(UGLY_ROOM, ImportOptions())
    assert written == format_chat(whole.__class__(**{**_fields(whole), "slug": "room"}))
    messages = {m.id: m for m in whole.messages}
    assert sorted(messages) == ["m1", "m3"]
    assert (messages["m1"].text, messages["m1"].edited) == ("best", True)
    assert [(r.emoji, r.count) for r in messages["m1"].reactions] == [("🎉", 1)]
    assert messages["m3"].text == "once"


def _fields(transcript) -> dict:
    return {name: getattr(transcript, name) for name in transcript.__slots__}


def test_matrix_bad_event_is_an_error_before_any_message(tmp_path):
    # The first pass reads every event, so a bad one stops the import before
    # anything is written, naming the file, the line and the event.
    room = {"room_name": "R", "messages": [*UGLY_ROOM["messages"], {"type": 1}]}
    text = json.dumps(room, indent=1)
    with pytest.raises(ContentError) as caught:
        matrix.read(ExportSource.from_texts({"room.json": text}), ImportOptions())
    assert "room.json:" in str(caught.value)
    assert "messages[11].event_id: an event id" in str(caught.value)


# -- Mastodon ----------------------------------------------------------------------


def mastodon_in_memory(files: dict[str, object], options: ImportOptions):
    """Read Mastodon API JSON whole: statuses by id (first kept), then the header."""
    statuses: dict[str, tuple[dict, str]] = {}
    root = None
    for name in ExportSource.from_texts(dict.fromkeys(files, "")).names:
        for status, at, is_root in _whole_statuses(files[name]):
            statuses.setdefault(status["id"], (status, f"{name}: {at}"))
            if is_root and root is None:
                root = status
    label = ExportSource.from_texts(dict.fromkeys(files, "")).label
    if not statuses:
        raise ContentError(
            "expected a status or a context with ancestors/descendants, got none",
            path=label,
        )
    messages = [mastodon._message(s, at, options) for s, at in statuses.values()]
    first = root or min(
        (s for s, _ in statuses.values()), key=lambda s: str(s.get("created_at"))
    )
    account = mapping(first.get("account"))
    about = About(
        source="mastodon",
        title=f"Thread by @{string(account.get('acct'), 'unknown')}",
        channel=main_hashtag(messages),
        hosts=(string(account.get("acct"), "unknown"),),
    )
    return transcript_of(Export(messages, lambda: about, label), options)


def _whole_statuses(data):
    if isinstance(data, list):
        yield from ((item, f"[{i}]", False) for i, item in enumerate(data))
        return
    if "status" in data or "context" in data:
        if isinstance(data.get("status"), dict):
            yield mastodon._unboost(data["status"]), "status", True
        data = data.get("context") or {}
    if "ancestors" in data or "descendants" in data:
        for key in ("ancestors", "descendants"):
            for index, item in enumerate(data.get(key, [])):
                yield mastodon._unboost(item), f"{key}[{index}]", False
        return
    if "content" in data and "account" in data:
        yield mastodon._unboost(data), "status", True


TAGS = ["", " #Blog", " #blog #chat", " #chat"]


@st.composite
def statuses(draw) -> dict:
    """Draw a status: repeated ids, equal times, hashtags, boosts, spoilers."""
    number = draw(st.integers(0, 5))
    acct = draw(st.sampled_from(["ann", "bo@other.example", "zoe"]))
    status = {
        "id": str(1000 + number),
        "created_at": f"2024-05-01T20:0{draw(st.integers(0, 3))}:00.000Z",
        "in_reply_to_id": str(1000 + draw(st.integers(0, 6))),
        "content": f"<p>{draw(words)}{draw(st.sampled_from(TAGS))}</p>",
        "account": {"acct": acct, "display_name": acct.title()},
        "favourites_count": draw(st.integers(0, 2)),
        "spoiler_text": draw(st.sampled_from(["", "plot"])),
    }
    if draw(st.integers(0, 4)) == 0:  # a boost: the boosted status is the message
        booster = {"acct": "kai", "display_name": "Kai"}
        return {"id": "9" + status["id"], "account": booster, "reblog": status}
    return status


def _ordered(data: dict, keys: list[str]) -> dict:
    return {key: data[key] for key in keys}


@st.composite
def mastodon_exports(draw) -> dict[str, object]:
    """Draw the files of an export: status + context, one combined file, or a list."""
    ancestors = draw(st.lists(statuses(), max_size=5))
    descendants = draw(st.lists(statuses(), max_size=8))
    root = draw(statuses())
    context_keys = draw(st.permutations(["ancestors", "descendants"]))
    context = _ordered(
        {"ancestors": ancestors, "descendants": descendants}, context_keys
    )
    shape = draw(st.sampled_from(["two files", "combined", "list"]))
    if shape == "two files":
        return {"status.json": root, "context.json": context}
    if shape == "combined":  # a file people write by hand: its keys in any order
        keys = draw(st.permutations(["status", "context"]))
        return {"thread.json": _ordered({"status": root, "context": context}, keys)}
    return {"statuses.json": [root, *ancestors, *descendants]}


@PROPERTY
@given(files=mastodon_exports(), exclude=st.sampled_from([(), ("zoe",)]))
def test_mastodon_streamed_reading_equals_reading_whole(files, exclude):
    texts = {name: json.dumps(data, indent=1) for name, data in files.items()}
    source = ExportSource.from_texts(texts)
    options = ImportOptions(exclude=fold_exclude(exclude))
    streamed = outcome(lambda o: mastodon.parse(source, o), options)
    assert streamed == outcome(lambda o: mastodon_in_memory(files, o), options)


def test_mastodon_status_and_context_import_as_read_whole(tmp_path):
    root = {
        "id": "1",
        "created_at": "2024-05-01T20:00:00Z",
        "in_reply_to_id": None,
        "content": "<p>Tonight #BlogChat</p>",
        "account": {"acct": "ann", "display_name": "Ann"},
    }
    reply = {
        **root,
        "id": "2",
        "in_reply_to_id": "1",
        "content": "<p>#blogchat yes</p>",
    }
    files = {
        "thread.json": {"context": {"descendants": [reply, reply]}, "status": root}
    }
    export = tmp_path / "thread.json"
    export.write_text(json.dumps(files["thread.json"]), encoding="utf-8")
    content = tmp_path / "content"
    argv = ["import-chat", str(export), "--slug", "t", "--content", str(content)]
    assert cli.main(argv) == 0
    written = (content / "transcripts" / "t.chat").read_text(encoding="utf-8")
    whole = mastodon_in_memory(files, ImportOptions())
    assert written == format_chat(whole.__class__(**{**_fields(whole), "slug": "t"}))
    assert (whole.channel, whole.hosts, len(whole.messages)) == (
        "#blogchat",
        ("ann",),
        2,
    )


LONE = {
    "id": "1",
    "created_at": "2024-05-01T20:00:00Z",
    "content": "<p>alone</p>",
    "account": {"acct": "ann"},
}


@pytest.mark.parametrize(
    "data",
    [
        {"ancestors": [], **LONE},  # a context, empty: not a status
        {"context": {}, **LONE},  # a combined file with an empty context
        {"context": {"descendants": [], **LONE}, "status": LONE},
        {"context": LONE},  # a context that is one status: read as the old way did
        {**LONE, "descendants": [{**LONE, "id": "2"}]},
    ],
)
def test_mastodon_odd_layouts_read_as_whole(data):
    source = ExportSource.from_texts({"thread.json": json.dumps(data)})
    streamed = outcome(lambda o: mastodon.parse(source, o), ImportOptions())
    whole = outcome(
        lambda o: mastodon_in_memory({"thread.json": data}, o), ImportOptions()
    )
    assert streamed == whole


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"just text"', "a status, a context or a list of statuses"),
        ('{"context": ["ancestors"]}', "context: ancestors and descendants"),
        ('{"descendants": {"id": "1"}}', "descendants: a list of statuses"),
        ('[{"id": "1"}, 7]', "[1]: a status object"),
        ('{"ancestors": [{"id": 7}]}', "ancestors[0].id: a status id"),
    ],
)
def test_mastodon_bad_json_names_the_file_and_what_was_expected(text, expected):
    source = ExportSource.from_texts({"context.json": text})
    with pytest.raises(ContentError) as caught:
        mastodon.parse(source, ImportOptions())
    assert "context.json" in str(caught.value)
    assert expected in str(caught.value)


# -- hashtag chat ------------------------------------------------------------------


def hashtag_in_memory(paste: str, options: ImportOptions):
    """Read a pasted hashtag chat whole: every message listed, then the header."""
    source = ExportSource.from_texts({"paste.txt": paste})
    where = source.where("paste.txt")
    messages = list(hashtag_chat._messages(source, "paste.txt", options, where))
    channel = options.channel or main_hashtag(messages)
    day = f", {messages[0].time:%Y-%m-%d}" if messages else ""
    hosts = tuple(
        dict.fromkeys(m.author for m in messages if hashtag_chat.ASKS.search(m.text))
    )
    about = About(
        source="hashtag-chat",
        title=f"{channel}{day}" if channel else "",
        channel=channel,
        hosts=hosts,
    )
    return transcript_of(Export(messages, lambda: about, where), options)


paste_lines = st.one_of(
    st.builds(
        "{}@{} {}{}".format,
        st.sampled_from(["", "[20:01] ", "[2024-05-02 09:15] ", "8:05 PM "]),
        st.sampled_from(["ann", "bo", "zoe"]),
        st.sampled_from(["Q1: why?", "Q2: how?", "A1: because", "yes", "me too"]),
        st.sampled_from(TAGS),
    ),
    st.sampled_from(["Q1: Why blog?", "## Q3: What next?", "    and more #Blog"]),
)


@PROPERTY
@given(
    lines=st.lists(paste_lines, min_size=1, max_size=15),
    channel=st.sampled_from(["", "#mine"]),
)
def test_hashtag_chat_streamed_reading_equals_reading_whole(lines, channel):
    paste = "\n".join(lines) + "\n"
    options = ImportOptions(channel=channel, date=date(2024, 5, 1))
    source = ExportSource.from_texts({"paste.txt": paste})
    streamed = outcome(lambda o: hashtag_chat.parse(source, o), options)
    assert streamed == outcome(lambda o: hashtag_in_memory(paste, o), options)


def test_hashtag_chat_without_a_hashtag_takes_its_title_from_the_day():
    paste = "Q1: Why?\n[20:01] @ann Q1: why blog?\n[20:02] @bo A1: to think\n"
    source = ExportSource.from_texts({"paste.txt": paste})
    export = hashtag_chat.read(source, ImportOptions(date=date(2024, 5, 1)))
    assert iter(export.messages) is export.messages  # read as it goes
    transcript = transcript_of(export, ImportOptions(date=date(2024, 5, 1)))
    assert transcript.title == "Hashtag chat, 2024-05-01"
    assert (transcript.channel, transcript.hosts) == ("", ("ann",))


def test_the_bench_writes_the_three_formats_as_they_read_whole(tmp_path: Path):
    # The generated exports the benchmark imports (small here) are what users'
    # exports look like: they import through the command as read whole.
    from plugins.transcripts.importers import bench  # noqa: PLC0415

    def whole(name: str, paths: list[Path]):
        if name == "matrix":
            export = json.loads(paths[0].read_text(encoding="utf-8"))
            return matrix_in_memory(export, ImportOptions())
        if name == "mastodon":
            files = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in paths}
            return mastodon_in_memory(files, ImportOptions())
        paste = paths[0].read_text(encoding="utf-8")
        return hashtag_in_memory(paste, ImportOptions(timezone="UTC"))

    for name in ["matrix", "mastodon", "hashtag-chat"]:
        write, flags = bench.GENERATORS[name]
        folder = tmp_path / name
        folder.mkdir()
        paths = write(folder, 1200)
        content = tmp_path / f"content-{name}"
        argv = ["import-chat", *map(str, paths), "--format", name, "--slug", "b"]
        assert cli.main([*argv, *flags, "--content", str(content)]) == 0
        written = (content / "transcripts" / "b.chat").read_text(encoding="utf-8")
        read_whole = whole(name, paths)
        slugged = read_whole.__class__(**{**_fields(read_whole), "slug": "b"})
        assert written == format_chat(slugged)


@pytest.mark.parametrize("name", ["matrix", "mastodon", "hashtag-chat"])
def test_the_progress_bar_counts_every_pass_over_the_export(tmp_path, name):
    from plugins.transcripts.importers import bench  # noqa: PLC0415

    paths = bench.GENERATORS[name][0](tmp_path, 300)
    counted: list[int] = []
    with ExportSource.open(paths) as source:
        source.progress = counted.append
        importer = by_name(name)
        export = importer.read(source, ImportOptions(timezone="UTC"))
        assert sum(1 for _ in export.messages) >= 290
        # The bar is full when the import is done, not half way through.
        assert sum(counted) == source.total_size() * importer.passes
