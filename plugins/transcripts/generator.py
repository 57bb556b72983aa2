"""Write transcript pages, their participants' pages and the transcripts index."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
import logging
import os
from typing import Any

from markupsafe import Markup
from pelican.generators import Generator
from pelican.utils import get_relative_path

from plugins.common.buildcache import build_cache, made_together, made_unless_fresh
from plugins.common.files import inside, read_text, write_atomic
from plugins.common.footer import ORDER_TRANSCRIPT, FooterLink, add_footer_link
from plugins.posts.metadata import read_header
from plugins.transcripts.anchors import anchors_json, anchors_url
from plugins.transcripts.library import TranscriptLibrary, TranscriptPage
from plugins.transcripts.model import Message
from plugins.transcripts.render import (
    PageContext,
    PageMessages,
    RenderedTexts,
    render_text,
)
from plugins.transcripts.settings import TranscriptsSettings

logger = logging.getLogger(__name__)

LIBRARY_KEY = "TRANSCRIPTS_LIBRARY"  # where each build's library lives in settings
QUOTES_EXTENSION = "plugins.transcripts.quotes"


def install_library(settings: dict[str, Any]) -> TranscriptLibrary:
    """Give this build a fresh library and the Markdown quote extension its handle."""
    library = TranscriptLibrary(
        settings["PATH"],
        TranscriptsSettings.from_settings(settings),
        cache=build_cache(settings),
    )
    settings[LIBRARY_KEY] = library
    markdown = dict(settings.get("MARKDOWN", {}))
    configs = dict(markdown.get("extension_configs", {}))
    configs[QUOTES_EXTENSION] = {"library": library, "siteurl": settings["SITEURL"]}
    markdown["extension_configs"] = configs
    markdown["extensions"] = list(markdown.get("extensions", []))
    settings["MARKDOWN"] = markdown
    return library


def link_posts(
    library: TranscriptLibrary, articles: list[Any], content_path: str
) -> dict[str, TranscriptPage]:
    """Attach each post to the transcript it names, and each transcript to its posts."""
    pages = library.all()
    named: dict[str, list[Any]] = {}
    for article in articles:
        slug = getattr(article, "transcript", None)
        if not slug:
            article.transcript_page = None
            continue
        slug = str(slug).strip()
        if slug not in pages:
            article.transcript_page = None
            where = _field_where(article.source_path, content_path, "transcript")
            bad = library.skipped(slug)
            if bad:
                logger.warning(
                    "%s: expected transcript %r, got none: %s was skipped (see its"
                    " error); not linked",
                    where,
                    slug,
                    bad,
                )
                continue
            logger.warning(
                "%s: expected the slug of a transcript in content/%s/, got %r",
                where,
                library.settings.path,
                slug,
            )
            continue
        named.setdefault(slug, []).append(article)
    linked = {}
    for slug, page in pages.items():
        posts = sorted(named.get(slug, ()), key=lambda a: (a.date, a.url), reverse=True)
        linked[slug] = replace(page, posts=tuple(posts))
        for article in posts:
            article.transcript_page = linked[slug]
            add_footer_link(
                article,
                FooterLink(
                    label="Transcript",
                    url=page.url,
                    order=ORDER_TRANSCRIPT,
                    css_class="footer-transcript",
                ),
            )
    return linked


def _field_where(source_path: str, content_path: str, key: str) -> str:
    """Return ``path:line`` of a post's header field ``key`` (``path`` if not found)."""
    rel = os.path.relpath(source_path, content_path)
    try:
        fields = read_header(read_text(source_path, rel, warn=False))
    except OSError:
        return rel
    line = next((field.line for field in fields if field.key == key), None)
    return f"{rel}:{line}" if line else rel


class TranscriptsGenerator(Generator):
    """Publish every transcript under content/transcripts/ as pages."""

    def generate_context(self) -> None:
        """Read the transcripts, link them with posts, and list them for templates."""
        library = self.settings.get(LIBRARY_KEY)
        if not isinstance(library, TranscriptLibrary):
            library = install_library(self.settings)
        articles = [
            *self.context.get("articles", ()),
            *self.context.get("hidden_articles", ()),
            *self.context.get("drafts", ()),
        ]
        self.transcript_pages = linked = link_posts(
            library, articles, self.settings["PATH"]
        )
        self.options = library.settings
        listed = [
            page for page in linked.values() if page.transcript.status == "published"
        ]
        listed.sort(key=lambda p: (p.date is not None, p.date, p.slug), reverse=True)
        self.context["transcripts"] = listed
        # So a post can link `[the chat]({filename}/transcripts/launch-chat.chat)`.
        generated = self.context.setdefault("generated_content", {})
        for page in linked.values():
            generated[page.source_path] = page

    def generate_output(self, writer) -> None:
        """Write each transcript's pages, participants' pages, and the index."""
        relative = self.settings["RELATIVE_URLS"]
        chat = self.get_template("transcript")
        person = self.get_template("transcript_person")
        for slug in sorted(self.transcript_pages):
            page = self.transcript_pages[slug]
            anchors = anchors_url(page)
            # A transcript's pages and its participants' pages share rendered
            # messages (RenderedTexts): one process makes them all.
            with made_together(self.settings, f"transcript {slug}"):
                if anchors is not None:
                    self._write_anchors(page, anchors)
                self._write_transcript(writer, page, chat, person, anchors)
        index_url = self.options.index_url
        writer.write_file(
            index_url + "index.html",
            self.get_template("transcripts"),
            self.context,
            relative_urls=relative,
            page_url=index_url,
        )

    def _write_anchors(self, page: TranscriptPage, anchors: str) -> None:
        """Write the map of the transcript's anchors to its pages, if it changed.

        It is made from the transcript, where its pages are and the settings
        alone: the output ledger leaves it alone when those are unchanged.
        """
        target = str(inside(self.output_path, anchors))
        inputs = ("anchors", page.transcript, page.url)
        with made_unless_fresh(self.settings, target, inputs) as up_to_date:
            if not up_to_date:
                # Output, made again by any build: no fsync.
                write_atomic(target, anchors_json(page), overwrite=True, durable=False)

    def _write_transcript(
        self,
        writer: Any,
        page: TranscriptPage,
        chat: Any,
        person: Any,
        anchors: str | None,
    ) -> None:
        """Write the pages of one transcript and of each of its participants."""
        texts = RenderedTexts()
        for chat_page in page.pages:
            ctx = self._context(page, chat_page, chat_page.save_as, texts)
            writer.write_file(
                chat_page.save_as,
                chat,
                self.context,
                relative_urls=self.settings["RELATIVE_URLS"],
                transcript_page=page,
                chat_page=chat_page,
                messages=PageMessages(ctx),
                page_url=chat_page.url,
                anchors_url=anchors,
            )
        for participant in page.participants:
            self._write_person(writer, person, page, participant, texts)

    def _context(
        self, page, chat_page, save_as: str, texts: RenderedTexts | None = None
    ) -> PageContext:
        siteurl = (
            get_relative_path(save_as)
            if self.settings["RELATIVE_URLS"]
            else self.settings["SITEURL"]
        )
        return PageContext(
            page=page,
            chat_page=chat_page,
            siteurl=siteurl,
            settings=self.options,
            texts=texts,
        )

    def _write_person(
        self,
        writer,
        template,
        page: TranscriptPage,
        participant,
        texts: RenderedTexts | None = None,
    ) -> None:
        """Write one participant's pages: their messages, each linking to its place."""
        messages = page.transcript.messages
        mine = [i for i, m in enumerate(messages) if m.author == participant.handle]
        size = self.options.page_size
        for number in range(1, participant.page_count + 1):
            url = participant.page_url(number)
            ctx = self._context(page, None, url + "index.html", texts)
            writer.write_file(
                url + "index.html",
                template,
                self.context,
                relative_urls=self.settings["RELATIVE_URLS"],
                transcript_page=page,
                participant=participant,
                person_page=number,
                messages=PersonMessages(
                    ctx, tuple(mine[(number - 1) * size : number * size])
                ),
                page_url=url,
            )


@dataclass(frozen=True, slots=True)
class PersonMessages:
    """Some of one participant's messages: (message, link to it, its text as HTML)."""

    ctx: PageContext
    positions: tuple[int, ...]  # in the transcript

    def __iter__(self) -> Iterator[tuple[Message, str | None, Markup]]:
        messages = self.ctx.page.transcript.messages
        for index in self.positions:
            message = messages[index]
            href = self.ctx.message_href(message.id)
            yield message, href, render_text(message.text, self.ctx)
