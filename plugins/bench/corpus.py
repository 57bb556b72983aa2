"""A deterministic corpus of posts, perspectives and transcripts for benchmarks.

The same ``posts`` and ``seed`` always give the same files, so two machines (or two
runs) measure the same work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
import random
from zoneinfo import ZoneInfo

from plugins.common.ids import stable_id
from plugins.transcripts.chatfile import format_chat
from plugins.transcripts.model import Message, Transcript

ZONE = ZoneInfo("America/New_York")
CATEGORIES = (
    "Essays",
    "Notes",
    "Reading",
    "Tools",
    "Travel",
    "Craft",
    "Letters",
    "Talks",
)
TAGS = tuple(f"topic-{n:02d}" for n in range(40))
_VOCABULARY = """
archive conversation reader margin thread essay draft letter question answer evening
library notebook quiet argument patience river window harbour season garden lantern
signal voice memory practice habit folder index card chapter winter morning street
neighbour promise detail method example reason measure
"""
WORDS = tuple(_VOCABULARY.split())
NAMES = ("Ann Reader", "Bo Lind", "Chidi Okafor", "Dana Ruiz", "Eli Marsh", "Fern Ito")
FIRST_DAY = datetime(2015, 1, 1, 8, 0, tzinfo=ZONE)
SHARE_WITH_URL = 0.3  # of perspectives that give a website
SHARE_OF_REPLIES = 0.4  # of perspectives that answer an earlier one
SHARE_OF_CHAT_REPLIES = 0.15  # of chat messages that answer an earlier one


@dataclass(frozen=True, slots=True, kw_only=True)
class CorpusShape:
    """How much to generate."""

    posts: int
    perspectives_per_post: int = 5
    transcripts: int = 10
    messages_per_transcript: int = 1400
    seed: int = 2024


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, sentences: int = 5) -> str:
    return " ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(sentences))


def post_text(rng: random.Random, number: int, when: datetime) -> str:
    """Return one ~800-word post with headings, a list, code, an image and links."""
    tags = ", ".join(sorted(rng.sample(TAGS, 3)))
    parts = [
        f"Title: Post {number}: {_sentence(rng, 4)[:-1]}",
        f"Date: {when:%Y-%m-%d %H:%M}",
        f"Category: {CATEGORIES[number % len(CATEGORIES)]}",
        f"Tags: {tags}",
        "",
        _paragraph(rng),
        "",
        f"## {_sentence(rng, 3)[:-1]}",
        "",
        _paragraph(rng, 6),
        "",
        *[f"- {_sentence(rng, 6)}" for _ in range(4)],
        "",
        (
            f"See [an earlier note](https://example.org/notes/{number}) and "
            "[the archive](/archives/) for more."
        ),
        "",
        "```python",
        f"def post_{number}(reader):",
        "    return reader.reply()",
        "```",
        "",
        f"![Figure {number}](/images/figure.png)",
        "",
        f"## {_sentence(rng, 3)[:-1]}",
        "",
        *[_paragraph(rng, 6) + "\n" for _ in range(5)],
    ]
    return "\n".join(parts) + "\n"


def perspective_text(rng: random.Random, when: datetime, reply_to: str | None) -> str:
    """Return one perspective file in Colloquy's format."""
    lines = [f"Author: {rng.choice(NAMES)}", f"Date: {when.isoformat(sep=' ')}"]
    if rng.random() < SHARE_WITH_URL:
        lines.append("Url: https://reader.example.org/")
    if reply_to:
        lines.append(f"In-Reply-To: {reply_to}")
    return "\n".join(lines) + "\n\n" + _paragraph(rng, rng.randint(1, 4)) + "\n"


def write_corpus(root: Path, shape: CorpusShape) -> dict[str, int]:
    """Write the corpus under ``root/content`` and return what was written."""
    rng = random.Random(shape.seed)
    content = root / "content"
    (content / "images").mkdir(parents=True, exist_ok=True)
    (content / "images" / "figure.png").write_bytes(_TINY_PNG)
    span = timedelta(days=3650) / max(shape.posts, 1)
    counts = {"posts": 0, "perspectives": 0, "messages": 0}
    for number in range(shape.posts):
        when = FIRST_DAY + span * number
        slug = f"post-{number:05d}"
        path = content / "posts" / f"{when:%Y-%m-%d}-{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(post_text(rng, number, when), encoding="utf-8")
        counts["posts"] += 1
        earlier: list[str] = []
        for index in range(shape.perspectives_per_post):
            said = when + timedelta(hours=3 * (index + 1))
            reply_to = (
                rng.choice(earlier)
                if earlier and rng.random() < SHARE_OF_REPLIES
                else None
            )
            stem = f"{said:%Y-%m-%d-%H%M}-{index}"
            target = content / "perspectives" / slug / f"{stem}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(perspective_text(rng, said, reply_to), encoding="utf-8")
            earlier.append(stem)
            counts["perspectives"] += 1
    counts["messages"] = _write_transcripts(content, shape, rng)
    return counts


def _write_transcripts(content: Path, shape: CorpusShape, rng: random.Random) -> int:
    total = 0
    folder = content / "transcripts"
    folder.mkdir(parents=True, exist_ok=True)
    handles = [name.split()[0].lower() for name in NAMES]
    for number in range(shape.transcripts):
        start = FIRST_DAY + timedelta(days=300 * number)
        messages = []
        for index in range(shape.messages_per_transcript):
            author = rng.choice(handles)
            time = start + timedelta(seconds=20 * index)
            text = _sentence(rng, rng.randint(4, 20))
            reply_to = (
                messages[-rng.randint(1, min(5, len(messages)))].id
                if (messages and rng.random() < SHARE_OF_CHAT_REPLIES)
                else None
            )
            messages.append(
                Message(
                    id=stable_id(author, time.isoformat(), text),
                    author=author,
                    time=time,
                    text=text,
                    reply_to=reply_to,
                )
            )
        transcript = Transcript(
            slug=f"chat-{number:02d}",
            title=f"Chat {number}",
            source="hashtag-chat",
            channel="#benchchat",
            date=start,
            messages=tuple(messages),
        )
        (folder / f"chat-{number:02d}.chat").write_text(
            format_chat(transcript), encoding="utf-8"
        )
        total += len(messages)
    return total


# A 1x1 transparent PNG, so image references resolve.
_TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000100ffff03000006000557bfabd4000000"
    "0049454e44ae426082"
)
