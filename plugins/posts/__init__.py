"""Read posts strictly: a typo in a header is an error naming file and line."""

from pelican import signals

from .reader import PostReader


def add_reader(readers):
    """Route Markdown files to the checking reader."""
    for ext in PostReader.file_extensions:
        readers.reader_classes[ext] = PostReader


def register():
    """Connect the plugin to Pelican's signals."""
    signals.readers_init.connect(add_reader)
