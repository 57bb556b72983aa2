"""Every chat importer by name, and detection of a format from an export's content."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging

from plugins.common.errors import ContentError
from plugins.transcripts.importers import (
    discord,
    hashtag_chat,
    irc,
    mastodon,
    matrix,
    slack,
    telegram,
    whatsapp,
)
from plugins.transcripts.importers.common import (
    Export,
    ImportOptions,
    transcript_of,
)
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.model import Transcript

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Importer:
    """One export format: how to recognise it and how to read it."""

    name: str
    detect: Callable[[ExportSource], bool]
    read: Callable[[ExportSource, ImportOptions], Export]
    passes: int = 1  # times the export is read through (for the progress bar)

    def parse(self, source: ExportSource, options: ImportOptions) -> Transcript:
        """Read the whole export into one transcript held in memory."""
        return transcript_of(self.read(source, options), options)


# Detection order matters: specific JSON shapes first, loose text forms last.
IMPORTERS = (
    Importer(slack.NAME, slack.detect, slack.read),
    Importer(discord.NAME, discord.detect, discord.read),
    Importer(telegram.NAME, telegram.detect, telegram.read),
    Importer(matrix.NAME, matrix.detect, matrix.read, passes=2),
    Importer(mastodon.NAME, mastodon.detect, mastodon.read, passes=2),
    Importer(whatsapp.NAME, whatsapp.detect, whatsapp.read, passes=2),
    Importer(irc.NAME, irc.detect, irc.read),
    Importer(hashtag_chat.NAME, hashtag_chat.detect, hashtag_chat.read),
)
FORMATS = tuple(importer.name for importer in IMPORTERS)


def by_name(name: str) -> Importer:
    """Return the importer called ``name``."""
    for importer in IMPORTERS:
        if importer.name == name:
            return importer
    raise ContentError(
        f"expected a format in {', '.join(FORMATS)}, got {name!r}", path="--format"
    )


def detect(source: ExportSource) -> Importer:
    """Return the importer whose format the export's content matches."""
    for importer in IMPORTERS:
        try:
            matched = importer.detect(source)
        except (ContentError, OSError, ValueError, KeyError, EOFError):
            matched = False
        logger.debug("%s: %s format: %s", source.label, importer.name, matched)
        if matched:
            return importer
    raise ContentError(
        f"expected an export in one of the formats {', '.join(FORMATS)}, got none "
        "that matched (name one with --format)",
        path=source.label,
    )
