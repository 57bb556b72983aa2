"""Keep every file the build writes inside the output folder."""

from pelican import signals

from .writer import GuardedWriter


def use_guarded_writer(_pelican):
    """Give Pelican a writer that refuses paths outside OUTPUT_PATH."""
    return GuardedWriter


def register():
    """Connect the plugin to Pelican's signals."""
    signals.get_writer.connect(use_guarded_writer)
