"""Quote transcript messages in a post: ``[[quote: launch-chat#m-abc123]]``.

A line holding only ``[[quote: SLUG#ID]]`` or ``[[quote: SLUG#FIRST..LAST]]``
(outside fenced code) becomes a blockquote of that message (or that run of
messages) with author, time and a link to each message's anchor. Ids may be
written with or without the ``m-`` of the anchor. An unknown transcript or id
stops the post with ``file:line``; a transcript whose file was skipped as broken
leaves a notice in the post instead, and an error for the post's reader to log.
"""

from __future__ import annotations

import re
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from markupsafe import Markup

from plugins.common.errors import ContentError
from plugins.common.sanitize import xml_safe
from plugins.transcripts.library import TranscriptLibrary, TranscriptPage
from plugins.transcripts.render import PageContext, display_name, render_text

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
QUOTE = re.compile(
    r"^\s{0,3}\[\[quote:\s*(?P<slug>[^#\s\]]+)#(?P<ref>[^\s\]]+)\s*\]\]\s*$"
)
# What a quote line looks like to its writer: one that is not QUOTE is a mistake.
LOOKS_LIKE_QUOTE = re.compile(r"^\s{0,3}\[\[\s*quote\s*:", re.IGNORECASE)
PRIORITY = 28  # before "meta" (27), so line numbers count the header too


def resolve(page: TranscriptPage, ref: str) -> str | None:
    """Return the message id ``ref`` names (``m-ID`` or ``ID``), or None."""
    if ref.startswith("m-") and ref[2:] in page.positions:
        return ref[2:]
    return ref if ref in page.positions else None


def quoted_range(page: TranscriptPage, ref: str, *, slug: str) -> tuple[int, int]:
    """Return the first and last index a quote reference names, or raise ValueError."""
    candidates = [(ref, ref)]
    for index in range(len(ref)):
        if ref.startswith("..", index):
            candidates.append((ref[:index], ref[index + 2 :]))
    for first, last in candidates:
        first_id, last_id = resolve(page, first), resolve(page, last)
        if first_id is not None and last_id is not None:
            start, end = page.positions[first_id], page.positions[last_id]
            if start > end:
                raise ValueError(
                    f"expected {first!r} before {last!r} in {slug!r}, got it after"
                )
            return start, end
    missing = next(
        part for pair in candidates[-1:] for part in pair if resolve(page, part) is None
    )
    raise ValueError(f"expected a message id of transcript {slug!r}, got {missing!r}")


def render_quote(
    page: TranscriptPage, start: int, end: int, siteurl: str, settings
) -> str:
    """Return the blockquote for messages ``start`` to ``end`` of a transcript."""
    ctx = PageContext(page=page, chat_page=None, siteurl=siteurl, settings=settings)
    parts = [Markup('<blockquote class="transcript-quote">\n')]
    for message in page.transcript.messages[start : end + 1]:
        parts.append(
            Markup(
                '<div class="transcript-quote-message">\n'
                '<p class="transcript-quote-meta">'
                '<span class="transcript-quote-author">{}</span>'
                ' <span class="transcript-handle">@{}</span>,'
                ' <a class="transcript-quote-link" href="{}">'
                '<time datetime="{}">{}</time></a></p>\n'
                '<div class="transcript-quote-text" dir="auto">{}</div>\n</div>\n'
            ).format(
                xml_safe(display_name(message, page)),
                xml_safe(message.author),
                ctx.message_href(message.id),
                message.time.isoformat(),
                message.time.strftime(f"%B %-d, %Y, {settings.time_format}"),
                render_text(message.text, ctx),
            )
        )
    parts.append(
        Markup(
            '<p class="transcript-quote-source">From the transcript of'
            ' <a href="{}/{}">{}</a></p>\n</blockquote>'
        ).format(siteurl, page.url, xml_safe(page.title))
    )
    return str(Markup("").join(parts))


class QuotePreprocessor(Preprocessor):
    """Replace quote lines with the quoted messages' HTML."""

    def __init__(self, md: Markdown, library: TranscriptLibrary, siteurl: str) -> None:
        super().__init__(md)
        self.library, self.siteurl = library, siteurl

    def run(self, lines: list[str]) -> list[str]:
        """Return ``lines`` with each quote line replaced by stashed HTML."""
        out: list[str] = []
        self.errors: list[ContentError] = []  # the post's reader logs these
        fence = ""  # the fence of the code block we are in, if any
        for number, line in enumerate(lines, start=1):
            if found := FENCE.match(line):
                marker = found[1]
                if not fence:
                    fence = marker
                elif marker[0] == fence[0] and len(marker) >= len(fence):
                    fence = ""
            match = None if fence else QUOTE.match(line)
            where: dict[str, Any] = {"path": "", "line": number, "source_line": line}
            if match is None:
                if not fence and LOOKS_LIKE_QUOTE.match(line):
                    raise ContentError(
                        "expected a line such as '[[quote: SLUG#ID]]' or "
                        f"'[[quote: SLUG#FIRST..LAST]]', got {line.strip()!r}",
                        **where,
                    )
                out.append(line)
                continue
            slug, ref = match["slug"], match["ref"]
            page = self.library.get(slug)
            where: dict[str, Any] = {"path": "", "line": number, "source_line": line}
            if page is None and (bad := self.library.skipped(slug)):
                # The chat file is broken, not this post: keep the post, say so.
                self.errors.append(
                    ContentError(
                        f"expected transcript {slug!r} to quote from, got none:"
                        f" {bad} was skipped (see its error); quote left out",
                        **where,
                    )
                )
                html = Markup(
                    '<blockquote class="transcript-quote transcript-quote-missing">'
                    "<p>A quote from the transcript {} belongs here.</p></blockquote>"
                ).format(slug)
                out += ["", self.md.htmlStash.store(str(html)), ""]
                continue
            if page is None:
                raise ContentError(
                    f"expected the slug of a transcript in content/"
                    f"{self.library.settings.path}/, got {slug!r}",
                    **where,
                )
            try:
                start, end = quoted_range(page, ref, slug=slug)
            except ValueError as err:
                raise ContentError(str(err), **where) from None
            html = render_quote(page, start, end, self.siteurl, self.library.settings)
            out += ["", self.md.htmlStash.store(html), ""]
        return out


class QuoteExtension(Extension):
    """Python-Markdown extension for ``[[quote: slug#id]]`` lines."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "library": ["", "the build's TranscriptLibrary"],
            "siteurl": ["", "SITEURL, prefixed to links"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        """Register the preprocessor when the build has a library."""
        library = self.getConfig("library")
        if isinstance(library, TranscriptLibrary):
            md.preprocessors.register(
                QuotePreprocessor(md, library, self.getConfig("siteurl")),
                "transcript_quote",
                PRIORITY,
            )


def makeExtension(**kwargs: Any) -> QuoteExtension:
    """Return the extension, as Python-Markdown's loader expects."""
    return QuoteExtension(**kwargs)
