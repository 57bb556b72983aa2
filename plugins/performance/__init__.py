"""Build speed: rewrite only changed output files; compute each post's URL once."""

from pelican import signals
from pelican.generators import ArticlesGenerator

from .static import PerformanceSettings, ThemeStaticGenerator
from .urls import fix_urls
from .writer import IncrementalWriter


def check_settings(pelican):
    """Refuse to build with PERFORMANCE_* settings the plugin cannot use."""
    PerformanceSettings.from_settings(pelican.settings)


def use_incremental_writer(pelican):
    """Give Pelican the writer that skips unchanged files."""
    return IncrementalWriter


def add_generator(pelican):
    """Give Pelican the generator that copies the theme's static files."""
    return ThemeStaticGenerator


def keep_urls(generators):
    """Compute each post's URL once, now that every generator has read its content."""
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            fix_urls(generator.articles)


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.get_writer.connect(use_incremental_writer)
    signals.get_generators.connect(add_generator)
    signals.all_generators_finalized.connect(keep_urls)
