"""Read posts strictly: a typo in a header is an error naming file and line."""

from pelican import signals

from .collisions import check_articles, check_pages
from .reader import PostReader
from .settings import PostsSettings
from .unread import report_unread_pages, report_unread_posts


def check_settings(pelican):
    """Refuse to build with an unusable ``POSTS_EXTRA_METADATA``."""
    PostsSettings.from_settings(pelican.settings)
    # Connected here, after every plugin's register(), so the check reads the URLs
    # plugins.performance keeps from its own pretaxonomy receiver.
    signals.article_generator_pretaxonomy.connect(check_articles)
    signals.page_generator_finalized.connect(check_pages)


def add_reader(readers):
    """Route Markdown files to the checking reader."""
    for ext in PostReader.file_extensions:
        readers.reader_classes[ext] = PostReader


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.readers_init.connect(add_reader)
    signals.article_generator_init.connect(report_unread_posts)
    signals.page_generator_init.connect(report_unread_pages)
