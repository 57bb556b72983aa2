"""Keep every file the build writes inside the output folder."""

from pelican import signals

from .writer import GuardedWriter


def use_guarded_writer(pelican):
    """Give Pelican a writer that refuses paths outside OUTPUT_PATH.

    plugins.performance offers a subclass of it that also skips unchanged files;
    Pelican uses one writer only (and warns about two), so this one steps aside.
    """
    plugins = [getattr(p, "__name__", p) for p in pelican.settings.get("PLUGINS", [])]
    if "plugins.performance" in plugins:
        return None
    return GuardedWriter


def register():
    """Connect the plugin to Pelican's signals."""
    signals.get_writer.connect(use_guarded_writer)
