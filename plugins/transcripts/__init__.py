"""Chat transcripts: ``content/transcripts/*.chat`` as pages, linked with posts."""

from pelican import signals

from plugins.common.buildcache import prefetch_later
from plugins.transcripts.generator import TranscriptsGenerator, install_library
from plugins.transcripts.library import prefetch_transcripts
from plugins.transcripts.settings import TranscriptsSettings


def check_settings(pelican):
    """Fail before reading content when a ``TRANSCRIPTS_*`` setting is unusable."""
    TranscriptsSettings.from_settings(pelican.settings)


def add_generator(pelican):
    """Give this build a fresh transcript library and the page generator."""
    install_library(pelican.settings)
    return TranscriptsGenerator


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.get_generators.connect(add_generator)
    prefetch_later.connect(prefetch_transcripts)
