"""A Markdown reader that checks a post's header before Pelican reads it."""

from __future__ import annotations

from collections.abc import Callable
import logging
import os

from markdown import Markdown
from markdown.extensions.meta import MetaPreprocessor
from pelican.readers import MarkdownReader, parse_path_metadata
from pelican.utils import SafeDatetime, slugify

from plugins.common.dates import plain_date
from plugins.common.errors import ContentError
from plugins.common.files import read_text
from plugins.posts.bidi import balance_bidi, balance_bidi_items
from plugins.posts.highlight import with_reusing_formatter
from plugins.posts.metadata import (
    DATE_FIELDS,
    HeaderField,
    check_header,
    read_header,
)
from plugins.posts.settings import PostsSettings

logger = logging.getLogger(__name__)

# Header values shown as text among others: their direction overrides end in them.
_TEXT_FIELDS = {
    "title": balance_bidi,
    "category": balance_bidi,
    "tags": balance_bidi_items,
    "author": balance_bidi_items,
    "authors": balance_bidi_items,
}
META_PRIORITY = 27  # where Python-Markdown's meta extension registers its preprocessor


def _slug(text: str, settings: dict) -> str:
    """Return the slug Pelican makes of ``text``."""
    return slugify(
        text,
        regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []),
        preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
        use_unicode=settings.get("SLUGIFY_USE_UNICODE", False),
    )


class PostReader(MarkdownReader):
    """Pelican's Markdown reader, refusing headers with unknown fields or bad dates.

    It also reads each file once and keeps one Markdown instance for all of them
    (Pelican builds a new one per file), and reads text that is not valid UTF-8 with
    replacement characters and a warning instead of failing the file.
    """

    def read(self, source_path):
        """Check the header, then convert the post as Pelican does."""
        path = self._start(source_path)
        try:
            text = read_text(source_path, path)
        except OSError as err:  # Pelican would say only "Could not process"
            logger.error(
                "%s: expected a readable file, got %s", path, err.strerror or err
            )
            raise
        try:
            header = read_header(text)
            check_header(header, path=path, extra_fields=self._extra_fields())
            self._check_title(header, text, path)
        except ContentError as err:
            # Pelican reports only "Could not process" for reader exceptions.
            logger.error("%s", err)
            raise
        self._md = self._markdown()
        try:
            content = self._convert(text)
        except ContentError as err:
            # Markdown extensions (transcript quotes) know the line, not the file.
            err.path = err.path or path
            logger.error("%s", err)
            raise
        return content, self._metadata(path, lambda: header)

    def _start(self, source_path: str) -> str:
        """Begin reading ``source_path``; return its path relative to PATH."""
        self._source_path = source_path
        return os.path.relpath(source_path, self.settings["PATH"])

    def _metadata(self, path: str, header: Callable[[], list[HeaderField]]) -> dict:
        """Return the post's metadata, once its text is converted.

        ``header`` gives the header fields, for a Summary's line numbers.
        """
        for processor in self._md.preprocessors:
            # Extensions leave errors that did not cost the post here (quotes).
            found = getattr(processor, "errors", None)
            for err in found or ():
                err.path = err.path or path
                logger.error("%s", err)
            if found:
                found.clear()
        try:
            metadata = (
                self._parse_metadata(self._one_value_each()) if self._md.Meta else {}
            )
        except ContentError as err:
            # The Summary is Markdown too: its lines count from the field's own.
            summary = next((f for f in header() if f.key == "summary"), None)
            if summary is not None and err.line is not None:
                err.line += summary.line - 1
            err.path = err.path or path
            logger.error("%s", err)
            raise
        self._keep_slug_apart(metadata, path)
        return metadata

    def _one_value_each(self) -> dict[str, list[str]]:
        """Return the header with each field continued on indented lines as one line.

        The header check read it so (and refused a field given twice); Pelican
        would make a two-line title a Python list, and keep a tag list's first line.
        A blank ``Summary:`` is left out: Pelican would show an empty summary.
        """
        formatted = self.settings["FORMATTED_FIELDS"]
        return {
            key: lines if key in formatted else [" ".join(s.strip() for s in lines)]
            for key, lines in self._md.Meta.items()
            # A blank Summary: is no summary: Pelican makes one from the body.
            if key not in formatted or "".join(lines).strip()
        }

    def _keep_slug_apart(self, metadata: dict, path: str) -> None:
        """Slug a post whose title has no letter or digit ("🎉") by its file name.

        Pelican would give it the empty slug: its page would be the month's
        archive, and the build would stop on the clash.
        """
        settings = self.settings
        if "slug" in metadata or settings.get("SLUGIFY_SOURCE") != "title":
            return
        title = metadata.get("title")
        if title is None or _slug(str(title), settings):
            return
        if parse_path_metadata(self._source_path, settings).get("slug"):
            return  # FILENAME_METADATA names it
        fallback = _slug(os.path.splitext(os.path.basename(path))[0], settings)
        if not fallback:
            err = ContentError(
                f"expected a title or file name with a letter or digit, got {title!r}"
                " (add a Slug: field)",
                path=path,
            )
            logger.error("%s", err)
            raise err
        metadata["slug"] = fallback

    def process_metadata(self, name, value):
        """Read a plain ISO date without dateutil; the rest as Pelican does.

        Pelican's ``get_date`` gives the same SafeDatetime for these, at ten
        times the cost (three calls a post, with the header check).
        """
        if isinstance(value, str) and name in _TEXT_FIELDS:
            value = _TEXT_FIELDS[name](value)
        if (
            name in DATE_FIELDS
            and isinstance(value, str)
            and plain_date(value) is not None
        ):
            return SafeDatetime.fromisoformat(value)
        return super().process_metadata(name, value)

    def _check_title(self, header: list[HeaderField], text: str, path: str) -> None:
        """Raise :class:`ContentError` if the header has no Title.

        An empty one is refused by the header check.
        """
        if any(field.key == "title" for field in header):
            return
        if any(
            "(?P<title>" in (self.settings.get(name) or "")
            for name in ("FILENAME_METADATA", "PATH_METADATA")
        ):
            return  # the title comes from the path
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        if header:
            got = "none (Pelican skips a post or page without one)"
        elif text.strip():
            got = repr(first[:80])
        else:
            got = "an empty file"
        raise ContentError(
            f"expected a 'Title: ...' field in the header, got {got}",
            path=path,
            line=1,
        )

    def _convert(self, text: str) -> str:
        """Return ``text`` as HTML, leaving its header in ``self._md.Meta``."""
        self._md.reset()  # the last document's footnotes, references, stash
        return self._md.convert(text)

    def _extra_fields(self) -> frozenset[str]:
        fields = getattr(self, "_extra", None)
        if fields is None:
            fields = self._extra = PostsSettings.from_settings(
                self.settings
            ).extra_metadata
        return fields

    def _markdown(self) -> Markdown:
        """Return the reader's Markdown, ready to read a header.

        Reset only before it converts (:meth:`_convert`): a post whose conversion
        is cached, and Pelican's metadata step, which resets it itself, need none.
        """
        markdown = getattr(self, "_reused_markdown", None)
        if markdown is None:
            config = with_reusing_formatter(self.settings["MARKDOWN"])
            markdown = self._reused_markdown = Markdown(**config)
        if "meta" not in markdown.preprocessors:
            # Pelican's _parse_metadata deregisters it after each file.
            markdown.preprocessors.register(
                MetaPreprocessor(markdown), "meta", META_PRIORITY
            )
        for processor in markdown.preprocessors:
            # A post whose conversion failed leaves the errors its extensions had
            # gathered (its own error was given); a post that is not converted
            # here (reused) would otherwise report them as its own.
            leftover = getattr(processor, "errors", None)
            if leftover:
                leftover.clear()
        markdown.Meta = {}
        return markdown
