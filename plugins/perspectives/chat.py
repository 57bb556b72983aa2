"""Chat quotes: perspectives of kind quote, told by the post's transcript.

A ``Kind: quote`` file whose ``Message:`` names a transcript message shows that
message's author, time and text (rendered in its chat's markup and sanitised),
linking to its anchor on the page that shows it; its own body is the fallback
when the message cannot be found. With ``TRANSCRIPTS_QUOTE_LINKS`` on, every
message of the post's transcript that links to the post joins its perspectives as
a quote (id ``chat-<message id>``). Without the transcripts plugin nothing changes.
"""

from __future__ import annotations

from dataclasses import replace
import logging
from typing import Any

from plugins.common.errors import ContentError
from plugins.transcripts.citing import find_quoted, messages_linking_to, quoted
from plugins.transcripts.generator import LIBRARY_KEY
from plugins.transcripts.library import TranscriptLibrary

from .model import Perspective

logger = logging.getLogger(__name__)

AUTO_PREFIX = "chat-"


def chat_quotes(
    items: list[Perspective], article: Any, settings: dict[str, Any]
) -> list[Perspective]:
    """Return ``items`` with chat quotes filled from the transcripts, plus linkers."""
    library = settings.get(LIBRARY_KEY)
    if not isinstance(library, TranscriptLibrary):
        return items
    siteurl = str(settings.get("SITEURL", ""))
    slug = str(article.metadata.get("transcript", "") or "").strip() or None
    result: list[Perspective] = []
    for item in items:
        if item.kind != "quote" or not item.message:
            result.append(item)
            continue
        found = find_quoted(library, item.message, post_transcript=slug)
        if found is None:
            result.append(item)
            continue
        if isinstance(found, str):
            kept = bool(str(item.html).strip())
            err = ContentError(
                found + ("; shown as written" if kept else "; skipped"),
                path=item.source_path,
                line=item.message_line or None,
            )
            logger.warning("%s", err)
            if kept:
                result.append(replace(item, message=""))
            continue
        page, message = found
        quote = quoted(page, message, siteurl=siteurl, settings=library.settings)
        result.append(
            replace(
                item,
                author=quote.author,
                date=message.time,
                html=quote.html,
                message=quote.url,
                title=item.title or page.title,
            )
        )
    if slug and library.settings.quote_links:
        result += _linking(library, slug, article, siteurl, result)
    return result


def _linking(
    library: TranscriptLibrary,
    slug: str,
    article: Any,
    siteurl: str,
    taken: list[Perspective],
) -> list[Perspective]:
    """Return a quote for each message of the transcript that links to the post."""
    page = library.get(slug)
    if page is None or not siteurl.startswith(("http://", "https://")):
        return []
    ids = {item.id for item in taken}
    shown = {item.message for item in taken if item.kind == "quote"}
    found = []
    for message in messages_linking_to(page, {f"{siteurl}/{article.url}"}):
        quote = quoted(page, message, siteurl=siteurl, settings=library.settings)
        ident = f"{AUTO_PREFIX}{message.id}"
        if quote.url in shown or ident in ids:
            continue
        found.append(
            Perspective(
                id=ident,
                post=article.slug,
                author=quote.author,
                date=message.time,
                html=quote.html,
                source_path=page.source_path,
                kind="quote",
                title=page.title,
                message=quote.url,
                source=f"transcript {slug} message {message.id}",
            )
        )
    return found
