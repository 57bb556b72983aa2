"""Find the transcript messages a perspective quotes, or that link to a post.

Used by :mod:`plugins.perspectives` to show chat quotes: a ``Kind: quote`` file's
``Message:`` (``#m-ID``, ``SLUG#m-ID`` or a transcript page's path with ``#m-ID``)
names one message, and messages of a post's transcript that link to the post
become quotes of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import re

from markupsafe import Markup

from plugins.transcripts.library import TranscriptLibrary, TranscriptPage
from plugins.transcripts.model import Message
from plugins.transcripts.quotes import resolve
from plugins.transcripts.render import PageContext, display_name, render_text, trim_url
from plugins.transcripts.settings import TranscriptsSettings

_URL = re.compile(r"https?://[^\s<>\"'`()\[\]]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class QuotedMessage:
    """A message as a quote shows it: who, when, what, and where it lives."""

    page: TranscriptPage
    message: Message
    author: str  # display name
    url: str  # site-relative link to its anchor, on the page that shows it
    html: Markup  # its text, rendered in its chat's markup and sanitised


def quoted(
    page: TranscriptPage,
    message: Message,
    *,
    siteurl: str,
    settings: TranscriptsSettings,
) -> QuotedMessage:
    """Return ``message`` of ``page`` ready to show as a quote."""
    ctx = PageContext(page=page, chat_page=None, siteurl=siteurl, settings=settings)
    return QuotedMessage(
        page=page,
        message=message,
        author=display_name(message, page),
        url=page.message_url(message.id) or page.url,
        html=render_text(message.text, ctx),
    )


def find_quoted(
    library: TranscriptLibrary, ref: str, *, post_transcript: str | None
) -> tuple[TranscriptPage, Message] | str | None:
    """Return the message ``ref`` names, a problem (text), or None if not a chat's.

    ``#m-ID`` (or ``#ID``) is a message of the post's own transcript,
    ``SLUG#m-ID`` one of any transcript, and a path under a transcript's URL with
    ``#m-ID`` the same. Other site paths are not about transcripts: None.
    """
    path, hash_mark, fragment = ref.partition("#")
    if not hash_mark:
        return None
    path = path.strip("/")
    if not path:
        if not post_transcript:
            return f"expected the post to name its Transcript for {ref!r}, got none"
        slug = post_transcript
    elif "/" not in path and library.get(path) is not None:
        slug = path
    else:
        slug = _slug_by_path(library, path + "/")
        if slug is None:
            return None
    page = library.get(slug)
    if page is None:
        return (
            f"expected the slug of a transcript in content/{library.settings.path}/,"
            f" got {slug!r}"
        )
    message_id = resolve(page, fragment)
    if message_id is None:
        return f"expected a message id of transcript {slug!r}, got {fragment!r}"
    message = page.message(message_id)
    return (page, message) if message is not None else None


def _slug_by_path(library: TranscriptLibrary, path: str) -> str | None:
    """Return the transcript whose pages live under ``path``, if any."""
    best = None
    for slug, page in sorted(library.all().items()):
        if path.startswith(page.url) and (best is None or len(page.url) > best[0]):
            best = (len(page.url), slug)
    return None if best is None else best[1]


def messages_linking_to(page: TranscriptPage, urls: set[str]) -> Iterator[Message]:
    """Yield each message of ``page`` whose text links to one of ``urls``, in order.

    URLs compare without scheme, query, fragment or trailing slash.
    """
    wanted = {same_page(url) for url in urls}
    for message in page.transcript.messages:
        if "://" not in message.text:
            continue
        for match in _URL.finditer(message.text):
            if same_page(trim_url(match[0])) in wanted:
                yield message
                break


def same_page(url: str) -> str:
    """Return ``url`` reduced to what names a page: host and path, lowercased host."""
    rest = url.split("://", 1)[-1]
    rest = rest.split("#", 1)[0].split("?", 1)[0].removesuffix("index.html")
    host, _, path = rest.partition("/")
    return f"{host.lower()}/{path.rstrip('/')}"
