"""Compute each post's URL and output path once instead of on every use."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from pelican.contents import Article


class ArticleWithFixedUrl(Article):
    """An Article whose ``url`` and ``save_as`` are computed on first use, then kept.

    Pelican recomputes both from the URL settings (date formatting, slug, path
    checks) on every access, about 30 µs each, and the listings, feeds, reblog
    pages and redirects read them some 35 times per post.
    """

    url = cached_property(Article.url.fget)
    save_as = cached_property(Article.save_as.fget)


def fix_urls(articles: list[Any]) -> None:
    """Give each article (and its translations) the URL-keeping class.

    Call it once every generator has finished its context: by then nothing
    changes what a post's URL is made of (slug, date, category, language).
    """
    for article in articles:
        for item in (article, *getattr(article, "translations", ())):
            if type(item) is Article:
                item.__class__ = ArticleWithFixedUrl
