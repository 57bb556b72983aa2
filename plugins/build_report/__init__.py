"""Make a build's exit status say when content was skipped.

Pelican logs a file it could not read and carries on, exiting 0; so do our plugins
for a bad transcript or perspective. This plugin counts the errors logged during a
build and, once everything else is written, fails the build with a summary, so
``make html`` tells the author something is missing from the site.
"""

from pelican import signals

from .report import BuildReport


def start_counting(pelican):
    """Count the errors logged from here to the end of the build."""
    report = BuildReport.from_settings(pelican.settings)
    report.start()
    pelican.colloquy_build_report = report


def fail_if_skipped(pelican):
    """Stop counting; fail the build if anything was skipped."""
    report = getattr(pelican, "colloquy_build_report", None)
    if report is not None:
        report.finish()


def register():
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(start_counting)
    signals.finalized.connect(fail_if_skipped)
