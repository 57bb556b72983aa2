"""Incremental builds: a rebuild rewrites only the output files whose bytes change."""

from pelican import signals

from .static import IncrementalSettings, ThemeStaticGenerator
from .writer import IncrementalWriter


def check_settings(pelican):
    """Refuse to build with INCREMENTAL_* settings the plugin cannot use."""
    IncrementalSettings.from_settings(pelican.settings)


def use_incremental_writer(pelican):
    """Give Pelican the writer that skips unchanged files."""
    return IncrementalWriter


def add_generator(pelican):
    """Give Pelican the generator that copies the theme's static files."""
    return ThemeStaticGenerator


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.get_writer.connect(use_incremental_writer)
    signals.get_generators.connect(add_generator)
