from __future__ import annotations

from collections import defaultdict
import os

from hypothesis import settings
from pelican.log import LimitFilter
import pytest

from .support import BuiltSite, build_site_at

# Hypothesis' 200 ms deadline is a timed assertion: on a shared 2-core machine a
# first example that imports or builds something flakes past it. pytest-timeout
# (300 s) bounds the cost instead; tests that set their own deadline keep it.
settings.register_profile("colloquy", deadline=None)
settings.load_profile("colloquy")


@pytest.fixture(autouse=True)
def _reset_pelican_log_dedup():
    """Pelican hides repeated warnings process-wide; each test needs its own."""
    LimitFilter._raised_messages = set()
    LimitFilter._group_count = defaultdict(int)


@pytest.fixture
def build_site(tmp_path):
    """Build a site from ``{relative path: text}`` with the project's settings."""

    def build(files: dict[str, str | bytes], **overrides) -> BuiltSite:
        return build_site_at(tmp_path, files, **overrides)

    return build


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI, a browser test that skipped has failed: CI must run them all."""
    report = yield
    if (
        report.skipped
        and os.environ.get("CI")
        and item.get_closest_marker("browser") is not None
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        report.outcome = "failed"
        report.longrepr = f"CI is set, so browser tests must run, but: {reason}"
    return report
