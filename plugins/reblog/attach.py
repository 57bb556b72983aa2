"""Hang reblog data, earlier URLs and page metadata on Pelican's articles."""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from pelican.contents import Article, Page

from plugins.common.errors import ContentError
from plugins.posts.metadata import read_header

from .links import add_reblog_links
from .meta import PostMetaMaker
from .model import parse_reblog_fields
from .quote import reblog_body
from .redirects import MAX_SEGMENT_BYTES, normalise_old_url, split_list
from .settings import ReblogSettings

logger = logging.getLogger(__name__)
_SLUG = re.compile(r"^[\w-]+$", re.UNICODE)


def header_lines(source_path: str) -> dict[str, tuple[int, str]]:
    """Return each header field's line number and text, for error messages."""
    try:
        with open(source_path, encoding="utf-8-sig", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return {}
    return {f.key: (f.line, f.source_line) for f in read_header(text)}


def attach_to_article(article: Any) -> None:
    """Set ``article.reblog`` and ``earlier_urls``; attribute a reblog's quote."""
    if isinstance(article, Page):  # pages move too: only their earlier URLs
        path = os.path.relpath(article.source_path, article.settings["PATH"])
        article.earlier_urls = earlier_urls(article, path=path, url_setting="PAGE_URL")
        return
    if not isinstance(article, Article) or getattr(article, "reblog", None):
        return  # not a post, or attributed already: quoting the quote would lose it
    settings = article.settings
    path = os.path.relpath(article.source_path, settings["PATH"])
    metadata = article.metadata
    article.reblog = None
    article.earlier_urls = earlier_urls(article, path=path)
    if not any(key.startswith("reblog-") for key in metadata):
        return
    try:
        fields = parse_reblog_fields(
            metadata,
            path=path,
            timezone=settings.get("TIMEZONE", "UTC"),
            lines=header_lines(article.source_path),
        )
    except ContentError as err:
        logger.error("%s", err)  # Pelican would print only "Could not process"
        raise
    if fields is None:
        return
    reblog, body = reblog_body(
        article._content or "",
        fields,
        date_format=settings.get("DEFAULT_DATE_FORMAT", "%Y-%m-%d"),
    )
    article.reblog = reblog
    article._content = str(body)


def earlier_urls(
    article: Any, *, path: str, url_setting: str = "ARTICLE_URL"
) -> tuple[str, ...]:
    """Return a post's or page's earlier URLs (Earlier-Slugs and Earlier-Urls)."""
    found: list[str] = []
    lines = None
    for slug in split_list(article.metadata.get("earlier-slugs", "")):
        if not _SLUG.match(slug) or len(slug.encode("utf-8")) > MAX_SEGMENT_BYTES:
            lines = lines or header_lines(article.source_path)
            line, source = lines.get("earlier-slugs", (None, ""))
            logger.warning(
                "%s",
                ContentError(
                    "expected slugs such as 'old-title' in 'earlier-slugs', "
                    f"got {slug!r}",
                    path=path,
                    line=line,
                    source_line=source,
                ),
            )
            continue
        fields = dict(article.url_format, slug=slug)
        found.append("/" + article.settings[url_setting].format(**fields))
    for raw in split_list(article.metadata.get("earlier-urls", "")):
        try:
            found.append(normalise_old_url(raw, path=path))
        except ContentError as err:
            lines = lines or header_lines(article.source_path)
            err.line, err.source_line = lines.get("earlier-urls", (None, ""))
            logger.warning("%s", err)
    if not found:
        return ()  # most posts: no need to compute the URL (~30 us) this early
    own = "/" + article.url
    return tuple(sorted({url for url in found if url != own}))


def finish_articles(generators: list[Any]) -> None:
    """Add footer links and page metadata once every generator has read content."""
    for generator in generators:
        if not hasattr(generator, "articles") or not hasattr(generator, "drafts"):
            continue
        settings = generator.settings
        options = ReblogSettings.from_settings(settings)
        base = options.public_siteurl(settings)
        site_name = settings.get("SITENAME", "")
        for article in [*generator.articles, *generator.translations]:
            count = sum(
                1
                for p in getattr(article, "perspectives", ()) or ()
                if getattr(p, "kind", "") in ("reblog", "mention")
            )
            add_reblog_links(article, count)
        for article in [
            *generator.articles,
            *generator.translations,
            *generator.drafts,
            *generator.drafts_translations,
            *getattr(generator, "hidden_articles", ()),
        ]:
            article.post_meta = PostMetaMaker(
                article=article,
                base=base,
                site_name=site_name,
                siteurl=article.get_siteurl(),
            )
