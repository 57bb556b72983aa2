"""Permalinks, reblog pages, reblogs of others' posts, and earlier URLs that work."""

from pelican import signals

from .attach import attach_to_article, finish_articles
from .generator import ReblogGenerator
from .settings import ReblogSettings


def check_settings(pelican):
    """Refuse to build with REBLOG_* settings the plugin cannot use."""
    ReblogSettings.from_settings(pelican.settings)


def attach_reblog(content):
    """Read a post's Reblog-* and earlier-URL fields as it is created."""
    attach_to_article(content)


def add_links_and_metadata(generators):
    """Add footer links and Open Graph / JSON-LD data to every post."""
    finish_articles(generators)


def add_generator(pelican):
    """Give Pelican the generator that writes reblog and redirect pages."""
    return ReblogGenerator


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.content_object_init.connect(attach_reblog)
    signals.all_generators_finalized.connect(add_links_and_metadata)
    signals.get_generators.connect(add_generator)
