"""Intake: the manifest the build writes for the perspective intake service."""

from pelican import signals

from .manifest import IntakeManifestGenerator
from .settings import IntakeSettings


def check_settings(pelican):
    """Refuse to build with intake settings the plugin cannot use."""
    IntakeSettings.from_settings(pelican.settings)


def add_generator(pelican):
    """Add the generator that writes ``intake/manifest.json``."""
    return IntakeManifestGenerator


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.get_generators.connect(add_generator)
