from __future__ import annotations

from collections import defaultdict

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
