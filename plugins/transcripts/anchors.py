"""Where each anchor of a long chat lives, for links that name the wrong page.

A chat split into day pages publishes ``<transcript url>anchors.json``:
``{"pages": ["", "2024-05-03/", ...], "anchors": {"m-ID": 1, "s-q2": 0, ...}}``,
page paths relative to the transcript's URL. ``theme/js/transcript-anchors.js``
reads it when a page's fragment names no element on it (a hand-made link to
``/transcripts/<slug>/#m-ID`` for a message shown on a later day) and goes on to
the page that holds the anchor.
"""

from __future__ import annotations

import json

from plugins.transcripts.library import TranscriptPage

FILE_NAME = "anchors.json"


def anchors_url(page: TranscriptPage) -> str | None:
    """Return the site-relative URL of a transcript's anchor map, if it has one."""
    return f"{page.url}{FILE_NAME}" if len(page.pages) > 1 else None


def anchor_map(page: TranscriptPage) -> dict[str, object]:
    """Return every message, section and day anchor with the index of its page."""
    anchors: dict[str, int] = {}
    numbers = {chat_page.url: index for index, chat_page in enumerate(page.pages)}
    for message_id, position in page.positions.items():
        anchors[f"m-{message_id}"] = numbers[page.page_at(position).url]
    for section in page.transcript.sections:
        position = page.positions.get(section.first_message or "")
        if position is not None:
            anchors.setdefault(f"s-{section.id}", numbers[page.page_at(position).url])
    for index, chat_page in enumerate(page.pages):
        if chat_page.first_day is not None and chat_page.part == 1:
            anchors.setdefault(f"d-{chat_page.first_day.isoformat()}", index)
    return {
        "pages": [chat_page.url.removeprefix(page.url) for chat_page in page.pages],
        "anchors": dict(sorted(anchors.items())),
    }


def anchors_json(page: TranscriptPage) -> str:
    """Return the anchor map as compact, deterministic JSON."""
    return json.dumps(anchor_map(page), ensure_ascii=False, separators=(",", ":"))
