"""Readers' perspectives: read from content/perspectives/, shown under each post."""

from pelican import signals

from plugins.common.buildcache import prefetch, survey

from .attach import attach_perspectives, prefetch_perspectives, survey_folders
from .settings import PerspectiveSettings


def check_settings(pelican):
    """Refuse to build with unusable ``PERSPECTIVES_*`` settings."""
    PerspectiveSettings.from_settings(pelican.settings)


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.article_generator_finalized.connect(attach_perspectives)
    prefetch.connect(prefetch_perspectives)
    survey.connect(survey_folders)
