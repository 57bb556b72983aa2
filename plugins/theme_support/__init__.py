"""The theme's helpers: page-type stamps, footer text and colour settings."""

import logging
from pathlib import Path

from pelican import signals

from plugins.theme_support.minify import minify_output_css
from plugins.theme_support.once import render_once
from plugins.theme_support.settings import ThemeSettings, page_type, require_autoescape

logger = logging.getLogger(__name__)


def check_settings(pelican):
    """Fail before any content is read when a THEME_* setting is wrong."""
    require_autoescape(pelican.settings)
    for problem in ThemeSettings.from_settings(pelican.settings).contrast_problems():
        logger.warning("%s", problem)


def add_template_globals(generator):
    """Give every template ``page_type()``, ``once()`` and the ``theme`` settings."""
    generator.env.globals["page_type"] = page_type
    generator.env.globals["once"] = render_once(generator.settings)
    generator.env.globals["theme"] = ThemeSettings.from_settings(generator.settings)


def forget_summaries(generator, writer):
    """Free the posts' summaries ``once()`` kept, now that the listings are written."""
    if "once" in generator.env.globals:
        generator.env.globals["once"] = render_once(generator.settings)


def minify_stylesheets(pelican):
    """Shrink the theme's CSS in output/ once everything is written."""
    if ThemeSettings.from_settings(pelican.settings).minify_css:
        for path in minify_output_css(Path(pelican.output_path)):
            logger.debug("minified %s", path)


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.generator_init.connect(add_template_globals)
    signals.article_writer_finalized.connect(forget_summaries)
    signals.finalized.connect(minify_stylesheets)
