"""Benchmark transcripts at scale: ``python -m plugins.transcripts.bench``.

Writes a synthetic chat of ``--messages`` messages (default 100,000) over several
days, then runs each phase in a fresh process so its peak memory is its own:
parse (``parse_chat``), render (lay out and render every page's HTML, keeping
none of it), and build (a whole Pelican build of a site holding the chat).
Prints messages per second and peak resident memory for each phase.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
import json
from pathlib import Path
import resource
import subprocess
import sys
import tempfile
import time

from plugins.common.ids import stable_id
from plugins.transcripts.model import Message, Reaction, Section, Transcript

WORDS = ("archive", "link", "post", "reply", "quote", "draft", "margin", "reader",
         "note", "chat", "thread", "page", "plain", "feed")  # fmt: skip


def synthetic(count: int) -> Transcript:
    """Return a chat of ``count`` messages: 40 people, replies, reactions, links."""
    zone = timezone(timedelta(hours=-4))
    start = datetime(2024, 5, 1, 9, 0, tzinfo=zone)
    messages = []
    sections = []
    for index in range(count):
        when = start + timedelta(seconds=7 * index)
        author = f"person{index % 40}"
        words = " ".join(WORDS[(index * 7 + k) % len(WORDS)] for k in range(12))
        text = f"{words} @person{(index + 3) % 40} #chat{index % 5}"
        if index % 50 == 0:
            text += f"\nsee https://example.org/{index} for more"
        message_id = stable_id(str(index), length=10)
        title = None
        if index % 10_000 == 0:
            title = f"Q{index // 10_000 + 1}: part {index // 10_000 + 1}"
            sections.append(
                Section(
                    id=f"q{index // 10_000 + 1}", title=title, first_message=message_id
                )
            )
        messages.append(
            Message(
                id=message_id,
                author=author,
                time=when,
                text=text,
                name=f"Person {index % 40}",
                reply_to=messages[-3].id if index % 9 == 0 and index > 0 else None,
                reactions=(Reaction(emoji="👍", count=index % 7),)
                if index % 4 == 0
                else (),
                edited=index % 97 == 0,
                section=title or (messages[-1].section if messages else None),
            )
        )
    return Transcript(
        slug="bench",
        title="Benchmark chat",
        source="bench",
        messages=tuple(messages),
        sections=tuple(sections),
    )


def _peak_mib() -> float:
    """Return this process's peak resident memory (VmHWM; ru_maxrss survives exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase(name: str, chat: Path) -> dict:
    """Run one phase in this process and return its timing and peak memory."""
    from plugins.transcripts.chatfile import parse_chat  # noqa: PLC0415

    text = chat.read_text(encoding="utf-8")
    base = _peak_mib()
    began = time.perf_counter()
    if name == "parse":
        transcript = parse_chat(text, path=chat.name)
        count = len(transcript.messages)
    elif name == "render":
        count = _render(parse_chat(text, path=chat.name))
    else:
        count = _build(chat)
    seconds = time.perf_counter() - began
    return {
        "phase": name,
        "messages": count,
        "seconds": round(seconds, 2),
        "messages_per_second": round(count / seconds),
        "peak_rss_mib": round(_peak_mib(), 1),
        "rss_before_mib": round(base, 1),
    }


def _render(transcript: Transcript) -> int:
    from plugins.transcripts.library import lay_out  # noqa: PLC0415
    from plugins.transcripts.render import PageContext, iter_page_html  # noqa: PLC0415
    from plugins.transcripts.settings import TranscriptsSettings  # noqa: PLC0415

    settings = TranscriptsSettings()
    page = lay_out(transcript, settings)
    largest = 0
    for chat_page in page.pages:
        ctx = PageContext(page=page, chat_page=chat_page, siteurl="", settings=settings)
        size = sum(len(piece) for piece in iter_page_html(ctx))
        largest = max(largest, size)
    sys.stderr.write(
        f"pages: {len(page.pages)}, largest page body: {largest / 1024:.0f} KiB\n"
    )
    return len(transcript.messages)


def _build(chat: Path) -> int:
    from pelican import Pelican  # noqa: PLC0415
    from pelican.settings import read_settings  # noqa: PLC0415

    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / "content"
        (content / "transcripts").mkdir(parents=True)
        (content / "transcripts" / "bench.chat").write_bytes(chat.read_bytes())
        settings = read_settings(
            str(root / "pelicanconf.py"),
            override={
                "PATH": str(content),
                "OUTPUT_PATH": str(Path(folder) / "output"),
                "THEME": str(root / "theme"),
            },
        )
        Pelican(settings).run()
        pages = len(list((Path(folder) / "output").rglob("*.html")))
        sys.stderr.write(f"output pages: {pages}\n")
    return chat.read_text(encoding="utf-8").count("\n[")


def main(argv: list[str] | None = None) -> int:
    """Generate the chat, run each phase in its own process, print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--phase", choices=["parse", "render", "build"])
    parser.add_argument("--chat", type=Path)
    args = parser.parse_args(argv)
    if args.phase:
        sys.stdout.write(json.dumps(phase(args.phase, args.chat)) + "\n")
        return 0
    from plugins.transcripts.chatfile import format_chat  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        chat = Path(folder) / "bench.chat"
        began = time.perf_counter()
        text = format_chat(synthetic(args.messages))
        chat.write_text(text, encoding="utf-8")
        sys.stdout.write(
            f"wrote {args.messages} messages ({len(text) / 2**20:.1f} MiB)"
            f" in {time.perf_counter() - began:.1f}s\n"
        )
        for name in ("parse", "render", "build"):
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    __spec__.name,
                    "--phase",
                    name,
                    "--chat",
                    str(chat),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            sys.stdout.write(result.stderr + result.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
