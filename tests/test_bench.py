"""The benchmark's own protocol: what a measured build starts from."""

from __future__ import annotations

from pathlib import Path

from plugins.bench.corpus import CorpusShape, write_corpus
from plugins.bench.run import SET_ASIDE, build, write_settings


def _files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def test_a_clean_build_starts_empty_and_sets_the_last_output_aside(tmp_path: Path):
    write_corpus(
        tmp_path, CorpusShape(posts=6, transcripts=1, messages_per_transcript=8)
    )
    settings = write_settings(tmp_path)["bare"]
    output = tmp_path / "out"
    first = build(settings, output)
    made = _files(output)
    assert first.seconds > 0 and first.peak_rss_mb > 0
    assert any(p.suffix == ".html" for p in made)
    (output / "left-behind.txt").write_text("an earlier build's file", encoding="utf-8")
    (tmp_path / "cache").mkdir(exist_ok=True)
    (tmp_path / "cache" / "stale.pickle").write_bytes(b"not for this build")

    build(settings, output)

    assert _files(output) == made  # nothing of the earlier output is in the new one
    assert not (tmp_path / "cache" / "stale.pickle").exists()
    shelf = tmp_path / SET_ASIDE
    assert [p.read_text(encoding="utf-8") for p in shelf.rglob("left-behind.txt")] == [
        "an earlier build's file"
    ]  # moved, not deleted, while builds are being timed
    assert len(list(shelf.rglob("stale.pickle"))) == 1


def test_a_rebuild_keeps_the_output_it_builds_over(tmp_path: Path):
    write_corpus(
        tmp_path, CorpusShape(posts=3, transcripts=1, messages_per_transcript=8)
    )
    settings = write_settings(tmp_path)["bare"]
    output = tmp_path / "out"
    build(settings, output)
    kept = output / "kept.txt"
    kept.write_text("still here", encoding="utf-8")

    build(settings, output, clean=False)

    assert kept.read_text(encoding="utf-8") == "still here"
    assert not (tmp_path / SET_ASIDE).exists()
