from __future__ import annotations

from collections import defaultdict

from pelican.log import LimitFilter
import pytest

from .support import BuiltSite, build_site_at


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
