"""Pelican's slugify, remembered: a tag's slug is worked out once, not once a post.

Pelican makes a new Tag, Category and Author object for every post that names
one, and each works out its slug again: 5,000 slugifications at 1,000 posts,
each a handful of regular-expression passes. The result depends only on the
arguments, so it is kept (``functools.lru_cache``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import functools

import pelican.contents
import pelican.urlwrappers

from plugins.performance.patching import wrap_once

Slugify = Callable[..., str]


def remembering(original: Slugify) -> Slugify:
    """Return ``original`` (Pelican's ``slugify``) remembering its results."""

    @functools.lru_cache(maxsize=1 << 16)
    def cached(value: str, subs: tuple, preserve_case: bool, use_unicode: bool) -> str:
        return original(value, subs, preserve_case, use_unicode)

    def slugify(
        value: str,
        regex_subs: Iterable[tuple[str, str]] = (),
        preserve_case: bool = False,
        use_unicode: bool = False,
    ) -> str:
        subs = tuple(tuple(sub) for sub in regex_subs)
        try:
            return cached(value, subs, preserve_case, use_unicode)
        except TypeError:  # an argument that cannot be a key: not remembered
            return original(value, subs, preserve_case, use_unicode)

    return slugify


def install() -> None:
    """Have Pelican's posts and taxonomy objects use the remembering slugify."""
    for module in (pelican.urlwrappers, pelican.contents):
        wrap_once(module, "slugify", remembering)
