"""Read posts strictly: a typo in a header is an error naming file and line."""

from pelican import signals

from .reader import PostReader
from .settings import PostsSettings


def check_settings(pelican):
    """Refuse to build with an unusable ``POSTS_EXTRA_METADATA``."""
    PostsSettings.from_settings(pelican.settings)


def add_reader(readers):
    """Route Markdown files to the checking reader."""
    for ext in PostReader.file_extensions:
        readers.reader_classes[ext] = PostReader


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.readers_init.connect(add_reader)
