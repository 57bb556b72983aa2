"""Round 3 of build speed: cheaper code paths that keep every output byte."""

from __future__ import annotations

import os
from pathlib import Path
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st
from pelican.settings import read_settings
import pytest

from plugins.common.files import FolderGuard, UnsafePathError, inside
from plugins.outputguard.writer import GuardedWriter

from .support import ROOT

# Names a save-as could hold, climbing, looping and passing through symlinks.
COMPONENT = st.sampled_from(
    ["a", "b", "in", "away", "f", "fl", "loop", "new", "..", ".", "", "x.html"]
)
NAME = st.tuples(st.booleans(), st.lists(COMPONENT, min_size=1, max_size=6)).map(
    lambda t: ("/" if t[0] else "") + "/".join(t[1])
)


def plant(root: Path) -> Path:
    """Make an output folder with real folders and symlinks in and out of it."""
    out = root / "out"
    (out / "a" / "b").mkdir(parents=True)
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "g").write_text("outside")
    (out / "a" / "f").write_text("inside")
    (out / "in").symlink_to(out / "a")
    (out / "away").symlink_to(root / "elsewhere")
    (out / "a" / "fl").symlink_to(root / "elsewhere" / "g")
    (out / "loop").symlink_to(out / "loop")
    return out


def expected(out: Path, name: str) -> str | None:
    """Return what ``inside`` gives for ``name``, or None when it refuses it."""
    try:
        return str(inside(out, name))
    except UnsafePathError:
        return None


@settings(max_examples=300, deadline=None)
@given(names=st.lists(NAME, min_size=1, max_size=8))
def test_the_folder_guard_resolves_and_refuses_exactly_like_inside(names):
    with tempfile.TemporaryDirectory() as tmp:
        out = plant(Path(tmp))
        guard = FolderGuard(out)  # one guard for all the names: its memory counts
        for name in names:
            want = expected(out, name)
            if want is None:
                with pytest.raises(UnsafePathError, match="expected a path inside"):
                    guard.resolve(name)
            else:
                assert guard.resolve(name) == want
            joined = os.path.join(str(out), name)
            assert guard.realpath(joined) == os.path.realpath(joined)


def test_the_folder_guard_catches_symlinks_planted_after_it_remembered_a_folder(
    tmp_path,
):
    out = plant(tmp_path)
    guard = FolderGuard(out)
    assert guard.resolve("a/b/x.html") == str(out / "a" / "b" / "x.html")
    (out / "a" / "b" / "x.html").symlink_to(tmp_path / "elsewhere" / "g")
    (out / "a" / "b" / "deeper").symlink_to(tmp_path / "elsewhere")
    for name in ("a/b/x.html", "a/b/deeper/x.html", "in/b/x.html"):
        with pytest.raises(UnsafePathError):
            guard.resolve(name)
    assert guard.resolve("in/b/y.html") == str(out / "a" / "b" / "y.html")


def test_the_writer_refuses_a_symlink_planted_in_the_output(tmp_path, caplog):
    out = plant(tmp_path)
    writer = GuardedWriter(
        str(out), settings=read_settings(str(ROOT / "pelicanconf.py"))
    )
    assert writer._allowed("a/b/fine.html", {})
    for name in (
        "away/x.html",
        "a/fl",
        "in/../away/x.html",
        "away/../elsewhere/x.html",
    ):
        assert writer.write_file(name, None, {}) is None
        with pytest.raises(UnsafePathError):
            writer._open_w(str(out / name), "utf-8")
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["g"]
    assert (tmp_path / "elsewhere" / "g").read_text() == "outside"
    assert "expected a save-as path inside the output folder" in caplog.text
