"""Write every feed a reader would subscribe to, with feedgen."""

from pelican import signals

from .generator import FeedsGenerator
from .settings import FeedsSettings


def check_settings(pelican):
    """Refuse bad ``FEEDS_*`` settings before any content is read."""
    FeedsSettings.from_settings(pelican.settings)


def add_generator(pelican):
    """Add the feeds generator to the build."""
    return FeedsGenerator


def mark_perspective_feeds(generators):
    """Point posts at their perspectives feeds once every plugin has run."""
    for generator in generators:
        if isinstance(generator, FeedsGenerator):
            generator.mark_perspective_feeds()


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.get_generators.connect(add_generator)
    signals.all_generators_finalized.connect(mark_perspective_feeds)
