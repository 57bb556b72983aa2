"""Incremental builds: unchanged files are not rewritten, and output stays exact."""

from __future__ import annotations

import logging
import os
from pathlib import Path
import shutil

from jinja2 import Template
from pelican.writers import FileOverwriteFailedError
import pytest

from plugins.bench.corpus import CorpusShape, write_corpus
from plugins.common.errors import PluginConfigError
from plugins.performance.writer import IncrementalWriter, write_if_changed

from .support import ROOT, BuiltSite

SMALL = CorpusShape(posts=14, transcripts=1, messages_per_transcript=40)


def stamps(output: Path) -> dict[str, tuple[int, int]]:
    """Return each output file's (mtime in ns, inode), by relative path."""
    return {
        p.relative_to(output).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino)
        for p in output.rglob("*")
        if p.is_file()
    }


def test_the_bench_corpus_builds_without_a_warning(tmp_path, build_site, caplog):
    write_corpus(tmp_path, SMALL)
    with caplog.at_level(logging.WARNING):
        site = build_site({})
    assert [
        r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
    ] == []
    assert len(list(site.output.glob("*/*/post-*/index.html"))) == SMALL.posts
    assert (site.output / "theme" / "css" / "site.css").is_file()
    assert (site.output / "images" / "figure.png").is_file()


def test_a_rebuild_with_nothing_changed_writes_no_file(tmp_path, build_site):
    write_corpus(tmp_path, SMALL)
    site = build_site({})
    before = stamps(site.output)
    assert any(name.startswith("theme/") for name in before)
    build_site({})
    assert stamps(site.output) == before


def test_an_incremental_build_equals_a_clean_build(tmp_path, build_site):
    write_corpus(tmp_path, SMALL)
    site = build_site({})
    before = stamps(site.output)
    posts = sorted((tmp_path / "content" / "posts").glob("*.md"))
    changed = posts[3]
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nA sentence added later.\n",
        encoding="utf-8",
    )
    approved = tmp_path / "content/perspectives/post-00007/2025-01-01-1000-new.md"
    approved.write_text(
        "Author: Late Reader\nDate: 2025-01-01 10:00\n\nApproved just now.\n",
        encoding="utf-8",
    )

    incremental = build_site({}).snapshot()
    build_site({}, OUTPUT_PATH=str(tmp_path / "clean"))
    assert incremental == BuiltSite(tmp_path / "clean").snapshot()

    page = site.html(next(p for p in incremental if "/post-00003/" in p))
    assert "A sentence added later." in page.select_one(".e-content").get_text()
    page = site.html(next(p for p in incremental if "/post-00007/index" in p))
    assert "Late Reader" in page.get_text()
    rewritten = {n for n, stamp in stamps(site.output).items() if before[n] != stamp}
    assert any("/post-00003/" in n for n in rewritten)
    assert not any("/post-00011/" in n for n in rewritten), "an unrelated post"


def test_write_if_changed_reports_whether_it_wrote(tmp_path):
    target = tmp_path / "page.html"
    assert write_if_changed(target, b"one") is True
    stamp = target.stat().st_mtime_ns
    assert write_if_changed(target, b"one") is False
    assert target.stat().st_mtime_ns == stamp
    assert write_if_changed(target, b"two") is True
    assert target.read_bytes() == b"two"


def test_the_writer_keeps_pelicans_overwrite_rules(tmp_path):
    writer = IncrementalWriter(str(tmp_path), settings={"PAGINATED_TEMPLATES": {}})
    template = Template("{{ word }}")
    writer.write_file("a.html", template, {}, word="first")
    with pytest.raises(FileOverwriteFailedError):
        writer.write_file("a.html", template, {}, word="second")
    writer.write_file("a.html", template, {}, override_output=True, word="third")
    with pytest.raises(FileOverwriteFailedError):
        writer.write_file("a.html", template, {}, override_output=True, word="x")
    writer.write_file("a.html", template, {}, word="skipped")
    assert (tmp_path / "a.html").read_text(encoding="utf-8") == "third"


def test_theme_static_paths_must_be_left_to_the_plugin(build_site):
    with pytest.raises(PluginConfigError, match="THEME_STATIC_PATHS: expected"):
        build_site({}, THEME_STATIC_PATHS=["static"])
    with pytest.raises(PluginConfigError, match="expected a list of relative"):
        build_site({}, PERFORMANCE_THEME_STATIC_PATHS=["../elsewhere"])


def test_a_changed_theme_file_is_copied_again(tmp_path, build_site):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    files = {"posts/2024-05-01-a.md": "Title: A\nDate: 2024-05-01 09:00\n\nText.\n"}
    site = build_site(files, THEME=str(theme))
    script = theme / "static" / "js" / "perspective-form.js"
    copied = site.output / "theme" / "js" / "perspective-form.js"
    assert copied.read_bytes() == script.read_bytes()
    script.write_text(
        script.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8"
    )
    later = copied.stat().st_mtime_ns + 1_000_000_000
    os.utime(script, ns=(later, later))
    build_site(files, THEME=str(theme))
    assert copied.read_text(encoding="utf-8").endswith("// changed\n")


def test_the_incremental_writer_is_still_the_output_guard(tmp_path, caplog):
    output = tmp_path / "output"
    output.mkdir()
    writer = IncrementalWriter(str(output), settings={"PAGINATED_TEMPLATES": {}})
    writer.write_file("../output-evil/x.html", Template("x"), {})
    assert not (tmp_path / "output-evil").exists()
    assert any(
        "expected a save-as path inside" in r.getMessage() for r in caplog.records
    )
