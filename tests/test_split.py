"""The page-writing twin: two processes write the output, which stays exact."""

from __future__ import annotations

import logging
import os
from pathlib import Path
import shutil

from pelican import Pelican
from pelican.log import LimitFilter
import pytest

from plugins.bench.corpus import CorpusShape, write_corpus
import plugins.performance
from plugins.performance.claims import Claims
from plugins.performance.prefetch import can_fork
from plugins.reblog import generator as reblog_generator

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
