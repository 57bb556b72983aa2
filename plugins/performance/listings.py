"""Tag, category, author and period listings found in one pass, not by scans.

Pelican 4.12 finds the posts of each tag, category and author page in date order
by asking, for every post of the site, whether the listing's list holds it (a scan
of that list), and finds each year's and month's posts by asking, for every post,
whether the period's list holds it. That is quadratic: at 5,000 posts it costs
about 1.5 s per build, in each process that makes pages, even when every
listing page is then left as it was. Here the same lists are found by identity.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pelican.generators import ArticlesGenerator


def by_identity(posts: Iterable[Any]) -> bool:
    """Tell whether the posts compare equal only to themselves (no ``__eq__``)."""
    return all(type(post).__eq__ is object.__eq__ for post in posts)


class Listing(list):
    """The posts of one listing, telling whether it holds a post without a scan.

    Made only for posts that compare by identity, and only for the time a
    listing's pages are made: nothing adds to it meanwhile. Meanwhile the
    generator's ``tags`` is a plain dict of these (Pelican's is a defaultdict).
    """

    __slots__ = ("_ids",)

    def __init__(self, posts: Iterable[Any]) -> None:
        super().__init__(posts)
        self._ids = frozenset(map(id, self))

    def __contains__(self, post: object) -> bool:
        return id(post) in self._ids


class QuickListings(ArticlesGenerator):
    """Pelican's generator of posts, finding listings' posts in linear time."""

    def _build_period_archives(
        self, sorted_articles: list[Any], articles: list[Any], settings: dict
    ) -> dict[str, list[dict[str, Any]]]:
        """Group posts by year, month and day, as Pelican does, in one pass."""
        if not by_identity(articles):
            return super()._build_period_archives(sorted_articles, articles, settings)
        # Pelican reads ``articles`` only to list each period's posts in that order.
        archives = super()._build_period_archives(sorted_articles, [], settings)
        for periods in archives.values():
            period_of = {}
            for archive in periods:
                archive["articles"] = []
                period_of.update((id(post), archive) for post in archive["dates"])
            for post in articles:
                archive = period_of.get(id(post))
                if archive is not None:
                    archive["articles"].append(post)
        return archives

    def outputs_follow_placement(self) -> bool:
        """Tell the output ledger these pages are given only where posts are.

        Pelican gives them lists of posts, URLs, dates: never a post's text or
        what plugins attach to it (see ``.ledger``).
        """
        return True

    def generate_tags(self, write: Any) -> None:
        """Make the tag pages."""
        with _listings(self, "tags"):
            super().generate_tags(write)

    def generate_categories(self, write: Any) -> None:
        """Make the category pages."""
        with _listings(self, "categories"):
            super().generate_categories(write)

    def generate_authors(self, write: Any) -> None:
        """Make the author pages."""
        with _listings(self, "authors"):
            super().generate_authors(write)


@contextmanager
def _listings(generator: ArticlesGenerator, name: str) -> Iterator[None]:
    """Give ``generator.<name>`` Listings for the block, then the lists it had."""
    kept = getattr(generator, name)
    pairs = list(kept.items() if isinstance(kept, dict) else kept)
    listed = (post for _, posts in pairs for post in posts)
    if not (by_identity(listed) and by_identity(generator.dates)):
        yield
        return
    quick = [(key, Listing(posts)) for key, posts in pairs]
    setattr(generator, name, dict(quick) if isinstance(kept, dict) else quick)
    try:
        yield
    finally:
        setattr(generator, name, kept)


def quicken(generator: Any) -> None:
    """Have Pelican's generator of posts find its listings' posts in one pass."""
    if type(generator) is ArticlesGenerator:
        generator.__class__ = QuickListings
