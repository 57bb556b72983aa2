"""Readers' perspectives: read from content/perspectives/, shown under each post."""

from pelican import signals

from .attach import attach_perspectives
from .settings import PerspectiveSettings


def check_settings(pelican):
    """Refuse to build with unusable ``PERSPECTIVES_*`` settings."""
    PerspectiveSettings.from_settings(pelican.settings)


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.article_generator_finalized.connect(attach_perspectives)
