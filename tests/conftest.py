from __future__ import annotations

from collections import defaultdict
import os

from pelican import Pelican
from pelican.log import LimitFilter
from pelican.settings import read_settings
import pytest

from .support import ROOT, BuiltSite


@pytest.fixture(autouse=True)
def _reset_pelican_log_dedup():
    """Pelican hides repeated warnings process-wide; each test needs its own."""
    LimitFilter._raised_messages = set()
    LimitFilter._group_count = defaultdict(int)


@pytest.fixture
def build_site(tmp_path):
    """Build a site from ``{relative path: text}`` with the project's settings."""

    def build(files: dict[str, str | bytes], **overrides) -> BuiltSite:
        content, output = tmp_path / "content", tmp_path / "output"
        content.mkdir(exist_ok=True)
        for rel, text in files.items():
            target = content / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                target.write_bytes(text)
            else:
                target.write_text(text, encoding="utf-8")
        override = {
            "PATH": str(content),
            "OUTPUT_PATH": str(output),
            "THEME": str(ROOT / "theme"),
            "CACHE_CONTENT": False,
            **overrides,
        }
        settings = read_settings(str(ROOT / "pelicanconf.py"), override=override)
        Pelican(settings).run()
        return BuiltSite(output)

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
