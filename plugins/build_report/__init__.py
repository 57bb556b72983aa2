"""Make a build's exit status say when content was skipped.

Pelican logs a file it could not read and carries on, exiting 0; so do our plugins
for a bad transcript or perspective. This plugin counts the errors logged during a
build and, once everything else is written, fails the build with a summary, so
``make html`` tells the author something is missing from the site.
"""

import logging

from pelican import signals

from .report import BuildReport, quiet_skipped_traceback


def check_settings(pelican):
    """Validate the setting; keep the report for this Pelican's builds."""
    pelican.colloquy_build_report = BuildReport.from_settings(pelican.settings)
    # Pelican's command line logs the error that ends the build with its traceback.
    quiet_skipped_traceback(logging.getLogger("pelican"))
    # Connected here, after every plugin's register(), so the check runs after the
    # other finalized receivers (the theme's CSS minifier) rather than cutting them off.
    signals.finalized.connect(fail_if_skipped)


def start_counting(pelican):
    """Count the errors logged from here to the end of this run.

    ``pelican --autoreload`` runs one Pelican many times; each run counts afresh.
    """
    report = getattr(pelican, "colloquy_build_report", None)
    if report is not None:
        report.start()
    return ()


def fail_if_skipped(pelican):
    """Stop counting; fail the build if anything was skipped."""
    report = getattr(pelican, "colloquy_build_report", None)
    if report is not None:
        report.finish()


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.get_generators.connect(start_counting)
