"""Benchmark the chat importers: messages per second and peak memory per format.

Run ``python -m plugins.transcripts.importers.bench [MESSAGES [FORMAT ...]]
[--memory]`` (default 100,000 messages, every format).
Not a test: it prints a table. Each export is generated into a temporary folder
first (written as it is generated, so even a million messages take little
memory here), then imported by ``colloquy import-chat`` in a child process, so
its peak RSS is the import's own: reading, filtering, spooling to disk and
writing the .chat file. ``--memory`` also measures the in-memory path (the
whole Transcript, then ``format_chat``) for comparison.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
import json
import logging
from pathlib import Path
import resource
import subprocess
import sys
import tempfile
import time

from plugins.cli import build_parser
from plugins.transcripts.chatfile import format_chat
from plugins.transcripts.commands import import_chat, options_from, read_export

NOON = 12
HEADER = (
    f"{'format':<14}{'mode':<8}{'messages':>10}{'MB':>8}{'seconds':>9}{'msg/s':>10}"
    f"{'max RSS MB':>12}{'.chat MB':>9}\n"
)
START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
NICKS = ["ann", "bo", "zoe", "mara", "li", "omar", "ines", "kai"]
WORDS = [
    "the",
    "draft",
    "reads",
    "well",
    "but",
    "the",
    "middle",
    "part",
    "drags",
    "a",
    "little",
    "could",
    "we",
    "cut",
    "it",
]


def _text(i: int) -> str:
    return " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(3 + i % 9))


def _when(i: int) -> datetime:
    return START + timedelta(seconds=17 * i)


def slack(folder: Path, n: int) -> list[Path]:
    """Write a one-channel Slack export, one file per day."""
    users = [
        {"id": f"U{k}", "name": nick, "profile": {"display_name": nick.title()}}
        for k, nick in enumerate(NICKS)
    ]
    (folder / "users.json").write_text(json.dumps(users))
    (folder / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}]))
    (folder / "general").mkdir()
    day, records = "", []
    for i in range(n):
        ts = _when(i).timestamp()
        record = {
            "type": "message",
            "user": f"U{i % len(NICKS)}",
            "ts": f"{ts:.6f}",
            "text": f"<@U{(i + 1) % len(NICKS)}> {_text(i)}",
        }
        if i % 10 == 3:  # noqa: PLR2004 - every tenth message answers a thread
            record["thread_ts"] = f"{_when(i - 3).timestamp():.6f}"
        if i % 7 == 0:
            record["reactions"] = [{"name": "+1", "users": ["U1"], "count": 1}]
        if f"{_when(i):%Y-%m-%d}" != day:
            _write_day(folder, day, records)
            day, records = f"{_when(i):%Y-%m-%d}", []
        records.append(record)
    _write_day(folder, day, records)
    return [folder]


def _write_day(folder: Path, day: str, records: list[dict]) -> None:
    if records:
        (folder / "general" / f"{day}.json").write_text(json.dumps(records, indent=4))


def _write_json(path: Path, head: dict, key: str, items: Iterator[dict]) -> None:
    """Write ``head`` with ``key`` holding ``items``, one at a time (big exports)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(head, indent=2)[:-2] + f',\n  "{key}": [')
        for index, item in enumerate(items):
            out.write(("," if index else "") + "\n    " + json.dumps(item))
        out.write("\n  ]\n}\n")


def discord(folder: Path, n: int) -> list[Path]:
    """Write a DiscordChatExporter JSON file."""
    messages = (
        {
            "id": str(10**18 + i),
            "type": "Default",
            "timestamp": _when(i).isoformat(),
            "timestampEdited": None,
            "content": _text(i),
            "author": {
                "id": str(i % 8),
                "name": NICKS[i % 8],
                "nickname": NICKS[i % 8].title(),
            },
            "attachments": [],
            "embeds": [],
            "reactions": [],
            "mentions": [],
            **({"reference": {"messageId": str(10**18 + i - 1)}} if i % 5 == 1 else {}),
        }
        for i in range(n)
    )
    head = {"guild": {"id": "1", "name": "G"}, "channel": {"id": "2", "name": "c"}}
    path = folder / "export.json"
    _write_json(path, head, "messages", messages)
    return [path]


def telegram(folder: Path, n: int) -> list[Path]:
    """Write a Telegram Desktop result.json."""
    messages = (
        {
            "id": i + 1,
            "type": "message",
            "date": f"{_when(i):%Y-%m-%dT%H:%M:%S}",
            "date_unixtime": str(int(_when(i).timestamp())),
            "from": NICKS[i % 8].title(),
            "from_id": f"user{i % 8}",
            "text": [_text(i), {"type": "bold", "text": "yes"}]
            if i % 3 != 0
            else _text(i),
            **({"reply_to_message_id": i} if i % 4 == 1 else {}),
        }
        for i in range(n)
    )
    path = folder / "result.json"
    head = {"name": "Chat", "type": "private_group", "id": 1}
    _write_json(path, head, "messages", messages)
    return [path]


def matrix(folder: Path, n: int) -> list[Path]:
    """Write an Element JSON room export with reactions, edits and redactions."""

    def events() -> Iterator[dict]:
        for i in range(n):
            ts = int(_when(i).timestamp() * 1000)
            sender = f"@{NICKS[i % 8]}:example.org"
            yield {
                "type": "m.room.message",
                "sender": sender,
                "event_id": f"$e{i}",
                "origin_server_ts": ts,
                "content": {"msgtype": "m.text", "body": _text(i)},
            }
            if i % 10 == 5:  # noqa: PLR2004 - every tenth message gets a reaction
                yield _relation(i, ts + 1, "m.reaction", "m.annotation", {"key": "👍"})
            if i % 50 == 7:  # noqa: PLR2004 - one in fifty is edited, twice
                for edit in (1, 2):
                    body = {"m.new_content": {"body": f"{_text(i)} (edit {edit})"}}
                    content = {"msgtype": "m.text", "body": "* edited", **body}
                    yield _relation(
                        i, ts + edit, "m.room.message", "m.replace", content
                    )
            if i % 200 == 9:  # noqa: PLR2004 - one in two hundred is redacted
                yield {
                    "type": "m.room.redaction",
                    "sender": sender,
                    "event_id": f"$x{i}",
                    "origin_server_ts": ts + 3,
                    "redacts": f"$e{i}",
                    "content": {},
                }

    path = folder / "room.json"
    _write_json(path, {"room_name": "Room", "topic": "Drafts"}, "messages", events())
    return [path]


def _relation(i: int, ts: int, kind: str, rel: str, content: dict) -> dict:
    target = {"rel_type": rel, "event_id": f"$e{i}"}
    if rel == "m.annotation":
        target["key"] = content.pop("key")
    return {
        "type": kind,
        "sender": f"@{NICKS[(i + 1) % 8]}:example.org",
        "event_id": f"${rel[2]}{ts}",
        "origin_server_ts": ts,
        "content": {**content, "m.relates_to": target},
    }


def mastodon(folder: Path, n: int) -> list[Path]:
    """Write a status and a (huge) context, with hashtags and repeated statuses."""

    def status(i: int) -> dict:
        tag = ' <a href="https://example.org/tags/drafts" class="hashtag">#drafts</a>'
        return {
            "id": str(10**17 + i),
            "created_at": _when(i).isoformat(),
            "in_reply_to_id": str(10**17 + i - 1) if i else None,
            "content": f'<p>{_text(i)} <a href="https://example.org/{i}">link</a>'
            f"{tag if i % 4 == 0 else ''}</p>",
            "account": {"acct": NICKS[i % 8], "display_name": NICKS[i % 8].title()},
            "favourites_count": i % 3,
            "reblogs_count": 0,
        }

    def descendants() -> Iterator[dict]:
        for i in range(1, n):
            yield status(i)
            if i % 1000 == 0:  # a status the API gave twice: the first is kept
                yield status(i - 1)

    (folder / "status.json").write_text(json.dumps(status(0)))
    _write_json(
        folder / "context.json", {"ancestors": []}, "descendants", descendants()
    )
    return [folder / "status.json", folder / "context.json"]


def whatsapp(folder: Path, n: int) -> list[Path]:
    """Write an iOS WhatsApp export with multi-line messages."""
    path = folder / "_chat.txt"
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            when = _when(i)
            hour = (when.hour + 11) % 12 + 1
            ampm = "PM" if when.hour >= NOON else "AM"
            out.write(
                f"[{when:%d/%m/%Y}, {hour}:{when:%M:%S}\u202f{ampm}] "
                f"{NICKS[i % 8].title()} Q: {_text(i)}\n"
            )
            if i % 6 == 0:
                out.write("and one more line\n")
    return [path]


def irc(folder: Path, n: int) -> list[Path]:
    """Write an irssi log with day changes."""
    path = folder / "#colloquy.log"
    with path.open("w", encoding="utf-8") as out:
        out.write(f"--- Log opened {START:%a %b %d %H:%M:%S %Y}\n")
        day = START.date()
        for i in range(n):
            when = _when(i)
            if when.date() != day:
                day = when.date()
                out.write(f"--- Day changed {when:%a %b %d %Y}\n")
            said = (
                f" * {NICKS[i % 8]} waves"
                if i % 20 == 0
                else f"<@{NICKS[i % 8]}> {_text(i)}"
            )
            out.write(f"{when:%H:%M} {said}\n")
    return [path]


def hashtag_chat(folder: Path, n: int) -> list[Path]:
    """Write a pasted hashtag chat with sections and its hashtag."""
    path = folder / "paste.txt"
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            if i % 500 == 0:
                out.write(f"Q{i // 500 + 1}: {_text(i)}?\n")
            tag = " #blogchat" if i % 3 == 0 else ""
            out.write(f"[{_when(i):%Y-%m-%d %H:%M}] @{NICKS[i % 8]} {_text(i)}{tag}\n")
    return [path]


GENERATORS: dict[str, tuple[Callable[[Path, int], list[Path]], list[str]]] = {
    # format: (export writer, import-chat flags it needs)
    "slack": (slack, []),
    "discord": (discord, []),
    "telegram": (telegram, []),
    "whatsapp": (whatsapp, ["--timezone", "Europe/Paris", "--day-first"]),
    "irc": (irc, []),
    "mastodon": (mastodon, []),
    "matrix": (matrix, []),
    "hashtag-chat": (hashtag_chat, ["--timezone", "UTC"]),
}


def _peak_rss_mb() -> float:
    """Return this process's peak resident memory (Linux VmHWM, reset by exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, mode: str, paths: list[Path], content: Path) -> str:
    """Import ``paths`` as ``name`` and return one row of the table.

    ``stream`` runs ``colloquy import-chat`` as users do (messages spool to disk
    and stream into the file); ``memory`` builds the whole Transcript and
    formats it, the way tests and small imports read an export.
    """
    argv = ["import-chat", *map(str, paths), "--format", name, "--slug", "bench"]
    args = build_parser().parse_args(
        [*argv, *GENERATORS[name][1], "--content", str(content)]
    )
    size = sum(p.stat().st_size for path in paths for p in _files(path)) / 1e6
    began = time.perf_counter()
    if mode == "stream":
        import_chat(args)
    else:
        text = format_chat(read_export(args.source, options_from(args), args.format))
        (content / "transcripts").mkdir(parents=True, exist_ok=True)
        (content / "transcripts" / "bench.chat").write_text(text, encoding="utf-8")
    took = time.perf_counter() - began
    rss = _peak_rss_mb()
    written = content / "transcripts" / "bench.chat"
    with written.open(encoding="utf-8") as chat:
        total = sum(1 for line in chat if line.startswith("["))
    return (
        f"{name:<14}{mode:<8}{total:>10,}{size:>8.1f}{took:>9.2f}"
        f"{total / took:>10,.0f}{rss:>12.0f}{written.stat().st_size / 1e6:>9.1f}\n"
    )


def _files(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m plugins.transcripts.importers.bench",
        description="Print messages per second and peak memory for each format.",
    )
    parser.add_argument(
        "messages", nargs="?", type=int, default=100_000, help="messages per export"
    )
    parser.add_argument(
        "formats", nargs="*", help=f"default: every one of {', '.join(GENERATORS)}"
    )
    parser.add_argument(
        "--memory", action="store_true", help="also time the in-memory path"
    )
    return parser


def main(argv: list[str]) -> int:
    """Print messages per second and peak memory for each format."""
    if argv[:1] == ["--measure"]:  # the child: import only, so RSS is the import's
        name, mode, content, *paths = argv[1:]
        row = measure(name, mode, [Path(p) for p in paths], Path(content))
        sys.stdout.write(row)
        return 0
    parser = _parser()
    options = parser.parse_args(argv)
    unknown = sorted(set(options.formats) - set(GENERATORS))
    if unknown:
        parser.error(f"expected formats from {', '.join(GENERATORS)}, got {unknown}")
    modes = ["stream", "memory"] if options.memory else ["stream"]
    count = options.messages
    logging.basicConfig(level=logging.ERROR)
    sys.stdout.write(HEADER)
    sys.stdout.flush()
    for name in options.formats or list(GENERATORS):
        with tempfile.TemporaryDirectory() as tmp:
            export = Path(tmp) / "export"
            export.mkdir()
            paths = GENERATORS[name][0](export, count)
            for mode in modes:
                content = Path(tmp) / f"content-{mode}"
                command = [sys.executable, "-m", __spec__.name, "--measure", name]
                subprocess.run(
                    [*command, mode, str(content), *map(str, paths)], check=True
                )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
