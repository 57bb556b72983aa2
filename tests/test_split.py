"""The page-writing twin: two processes write the output, which stays exact."""

from __future__ import annotations

from collections.abc import Callable
import logging
import os
from pathlib import Path
import shutil
import time

from pelican import Pelican
from pelican.log import LimitFilter
from pelican.writers import FileOverwriteFailedError
import pytest

from plugins.bench.corpus import CorpusShape, write_corpus
import plugins.performance
from plugins.performance.claims import Claims
from plugins.performance.ledger import OutputLedger
from plugins.performance.listings import QuickListings
from plugins.performance.prefetch import can_fork
from plugins.performance.tracking import Reading
from plugins.reblog import generator as reblog_generator
from plugins.reblog.generator import ReblogGenerator
from plugins.site_feeds.generator import FeedsGenerator
from plugins.transcripts.generator import TranscriptsGenerator

from .support import ROOT, BuiltSite, site_settings_at
from .test_output_ledger import (
    append_to_post,
    approve_perspective,
    delete_post,
    edit_template,
)

pytestmark = pytest.mark.skipif(not can_fork(), reason="the twin needs os.fork")

SMALL = CorpusShape(posts=16, transcripts=1, messages_per_transcript=60)
BROKEN = {
    "posts/2030-01-01-broken-link.md": (
        "Title: Broken\nDate: 2030-01-01 10:00\n\n"
        "See [nothing]({filename}/posts/missing.md).\n"
    )
}


def build(root: Path, output: str, caplog, *, workers: int, **overrides) -> Pelican:
    """Build ``root``'s content with the ledger, with or without the twin."""
    LimitFilter._raised_messages = set()
    options = {
        "OUTPUT_PATH": str(root / output),
        "CACHE_PATH": str(root / f"cache-{output}"),
        "THEME": str(root / "theme"),
        "PERFORMANCE_SKIP_UNCHANGED": True,
        "PERFORMANCE_READER_CACHE": True,
        "PERFORMANCE_WORKERS": workers,
    }
    pelican = Pelican(site_settings_at(root, {}, **{**options, **overrides}))
    caplog.clear()
    pelican.run()
    return pelican


def said(caplog) -> list[str]:
    """Return the warnings and errors logged, sorted (the twin's come later)."""
    return sorted(
        f"{r.levelname} {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.WARNING
    )


def children() -> list[str]:
    """Return the process ids whose parent is this process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == str(os.getpid()):
                found.append(entry.name)
    return found


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    write_corpus(tmp_path, SMALL)
    site_settings_at(tmp_path, BROKEN)
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    return tmp_path


def test_two_processes_write_what_one_writes(corpus, caplog):
    before = set(children())
    alone = build(corpus, "alone", caplog, workers=1)
    alone_said = said(caplog)
    twins = build(corpus, "twins", caplog, workers=2)
    assert said(caplog) == alone_said
    assert any("missing.md" in line for line in alone_said)
    snapshot = BuiltSite(corpus / "twins").snapshot()
    assert snapshot == BuiltSite(corpus / "alone").snapshot()
    counts = twins.colloquy_output_ledger
    assert counts.made == alone.colloquy_output_ledger.made
    assert 0 < len(counts.made_by_twin) < counts.made, "both made some of the files"
    # Files that share work are made by one process: listings, feeds of posts,
    # a transcript's pages.
    groups = {
        "listings": ("category/", "tag/", "author/", "archives/", "index"),
        "feeds of posts": ("feeds/atom.xml", "feeds/rss.xml", "feeds/tag/"),
        "transcript": ("transcripts/chat-",),
    }
    for name, prefixes in groups.items():
        members = {path for path in snapshot if path.startswith(prefixes)}
        assert len(members) > 1, name
        by_twin = members & counts.made_by_twin
        assert by_twin in (set(), members), name
    assert set(children()) <= before, "the twin was reaped"


def test_more_or_fewer_processes_remake_no_page(corpus, caplog):
    # How many processes share the work is not what the pages are made of.
    build(corpus, "site", caplog, workers=1)
    assert build(corpus, "site", caplog, workers=2).colloquy_output_ledger.made == 0
    assert build(corpus, "site", caplog, workers=1).colloquy_output_ledger.made == 0


def test_twins_rebuild_only_what_changed_and_equal_a_clean_build(
    corpus, caplog, monkeypatch
):
    before = set(children())
    first = build(corpus, "twins", caplog, workers=2)
    total = first.colloquy_output_ledger.made
    forks: list[int] = []
    split = plugins.performance.split

    def noting(ledger, generators):
        forks.append(os.getpid())
        return split(ledger, generators)

    monkeypatch.setattr(plugins.performance, "split", noting)
    again = build(corpus, "twins", caplog, workers=2).colloquy_output_ledger
    assert (again.made, again.up_to_date) == (0, total)
    assert forks == [os.getpid()], "a twin checks half of the files left alone"
    assert any("missing.md" in line for line in said(caplog)), "said again"
    # Small changes and a new template: the two processes share the work.
    for change in (append_to_post, approve_perspective, delete_post, edit_template):
        change(corpus)
        build(corpus, "twins", caplog, workers=2)
        shutil.rmtree(corpus / "clean", ignore_errors=True)
        build(corpus, "clean", caplog, workers=1, PERFORMANCE_SKIP_UNCHANGED=False)
        incremental = BuiltSite(corpus / "twins").snapshot()
        assert incremental == BuiltSite(corpus / "clean").snapshot(), change.__name__
    assert set(children()) <= before


BUILD_PID = os.getpid()


def runs_of_output_steps(monkeypatch, tmp_path: Path) -> Callable[[], list[str]]:
    """Note, across processes, which generator ran its output step in which one."""
    log = tmp_path / "output-steps.log"
    for cls in (QuickListings, ReblogGenerator, FeedsGenerator, TranscriptsGenerator):
        real = cls.generate_output

        def noting(self, writer, real=real, name=cls.__name__):
            role = "build" if os.getpid() == BUILD_PID else "twin"
            with log.open("a") as handle:
                handle.write(f"{name} {role}\n")
            if role == "build" and name == "QuickListings":
                time.sleep(0.5)  # the twin reaches the later generators first
            return real(self, writer)

        monkeypatch.setattr(cls, "generate_output", noting)

    def runs() -> list[str]:
        found = sorted(log.read_text().splitlines()) if log.exists() else []
        log.unlink(missing_ok=True)
        return found

    return runs


def assert_equals_a_clean_build(corpus: Path, caplog) -> None:
    shutil.rmtree(corpus / "clean", ignore_errors=True)
    build(corpus, "clean", caplog, workers=1, PERFORMANCE_SKIP_UNCHANGED=False)
    clean = BuiltSite(corpus / "clean").snapshot()
    assert BuiltSite(corpus / "twins").snapshot() == clean


def test_after_a_small_change_whole_generators_are_shared(corpus, caplog, monkeypatch):
    runs = runs_of_output_steps(monkeypatch, corpus)
    build(corpus, "twins", caplog, workers=2)
    first = runs()
    assert [r for r in first if r.startswith("FeedsGenerator")] == [
        "FeedsGenerator build",
        "FeedsGenerator twin",
    ], "a full build: both walk every generator, sharing its files"
    approve_perspective(corpus)
    build(corpus, "twins", caplog, workers=2)
    ran = runs()
    names = [run.split()[0] for run in ran]
    assert sorted(names) == sorted(set(names)), "each generator ran in one process"
    assert len(names) == 4
    assert "QuickListings build" in ran
    assert "FeedsGenerator twin" in ran
    shutil.rmtree(corpus / "clean", ignore_errors=True)
    build(corpus, "clean", caplog, workers=1, PERFORMANCE_SKIP_UNCHANGED=False)
    assert (
        BuiltSite(corpus / "twins").snapshot() == BuiltSite(corpus / "clean").snapshot()
    )


def test_reblog_pages_planning_redirects_stay_with_what_came_before(
    corpus, caplog, monkeypatch
):
    runs = runs_of_output_steps(monkeypatch, corpus)
    build(corpus, "twins", caplog, workers=2)
    moved = sorted((corpus / "content" / "posts").glob("*.md"))[1]
    text = moved.read_text(encoding="utf-8")
    moved.write_text(text.replace("\nDate:", "\nEarlier-Slugs: old-name\nDate:", 1))
    runs()
    build(corpus, "twins", caplog, workers=2)
    ran = runs()
    # Its redirect must not replace a listing or a transcript page: the generators
    # that wrote them ran in the process that plans it.
    for name in ("QuickListings", "TranscriptsGenerator", "ReblogGenerator"):
        assert f"{name} build" in ran, ran
        assert f"{name} twin" not in ran, ran
    shutil.rmtree(corpus / "clean", ignore_errors=True)
    build(corpus, "clean", caplog, workers=1, PERFORMANCE_SKIP_UNCHANGED=False)
    assert (
        BuiltSite(corpus / "twins").snapshot() == BuiltSite(corpus / "clean").snapshot()
    )


def test_a_file_both_processes_made_fails_the_build(tmp_path):
    settings = site_settings_at(tmp_path, {}, CACHE_PATH=str(tmp_path / "cache"))
    ledger = OutputLedger(settings, [])
    ledger.finished(str(tmp_path / "output" / "a.html"), None, Reading())
    half = {"outputs": {}, "made_keys": {"a.html"}, "made": 1, "skipped": 0}
    with pytest.raises(FileOverwriteFailedError, match=r"a\.html"):
        ledger.take_over(half)


def test_a_page_replacing_the_home_page_is_written_by_one_process(corpus, caplog):
    # Pelican lets a page with Save_as overwrite the listing written before it.
    home = corpus / "content" / "pages" / "home.md"
    home.parent.mkdir(exist_ok=True)
    home.write_text("Title: Home\nSave_as: index.html\nURL:\n\nWelcome home.\n")
    for change in (lambda root: None, append_to_post):
        change(corpus)
        build(corpus, "twins", caplog, workers=2)
        page = BuiltSite(corpus / "twins").html("index.html")
        assert "Welcome home." in page.get_text()
        assert_equals_a_clean_build(corpus, caplog)


def test_a_failing_twin_fails_the_build(corpus, caplog, monkeypatch):
    def broken(self):
        raise ValueError("a reblog page cannot be made")

    monkeypatch.setattr(reblog_generator.Sharing, "make", broken)
    before = set(children())
    with pytest.raises(Exception, match="a reblog page cannot be made"):
        build(corpus, "twins", caplog, workers=2)
    assert set(children()) <= before


def test_every_key_is_claimed_by_exactly_one_process():
    claims = Claims(slots=1 << 12)  # small: probing and the full-table fallback too
    keys = [f"page-{n}.html" for n in range(6000)]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the twin: claims in the same order, sends what it took
        try:
            os.close(read_end)
            taken = "\n".join(k for k in keys if claims.claim(k, 1))
            with os.fdopen(write_end, "w") as pipe:
                pipe.write(taken)
        finally:
            os._exit(0)
    os.close(write_end)
    mine = {k for k in keys if claims.claim(k, 0)}
    with os.fdopen(read_end) as pipe:
        theirs = set(pipe.read().split("\n")) - {""}
    os.waitpid(pid, 0)
    assert mine | theirs == set(keys)
    assert not mine & theirs
    assert mine and theirs
    # Asked again, each process gives the same answer.
    assert all(claims.claim(k, 0) == (k in mine) for k in keys)
