"""The prefetch worker: same site as a serial build, and never left behind."""

from __future__ import annotations

from collections import defaultdict
import gc
import logging
import os
from pathlib import Path
import shutil
import subprocess
import sys
import time
import types
import warnings

from hypothesis import given
from hypothesis import strategies as st
import jinja2
from pelican import Pelican, signals
from pelican.log import LimitFilter
import pytest

from plugins.bench.corpus import CorpusShape, write_corpus
from plugins.common import files
from plugins.common.errors import PluginConfigError
from plugins.common.files import settled_stamp
import plugins.performance
from plugins.performance import prefetch, readcache, survey
from plugins.performance.readcache import FILE_PREFIX, SETTINGS_KEY, ConversionCache
from plugins.performance.static import PerformanceSettings
import plugins.transcripts.library

from .support import ROOT, BuiltSite, site_settings_at

# What real content holds besides tidy posts: each must come out exactly as in a
# serial build, with the same errors and warnings (the worker reports nothing).
UGLY = {
    # Latin-1 bytes in a post: read with a replacement character and a warning.
    "posts/2024-08-01-latin.md": (
        b"Title: Caf\xe9 notes\nDate: 2024-08-01 10:00\nCategory: Notes\n\n"
        b"A caf\xe9 on the corner.\n\n```python\nprint('caf\xe9')\n```\n"
    ),
    # An unknown header field: the post is refused with an error.
    "posts/2024-08-02-bad-header.md": (
        "Title: Bad header\nDate: 2024-08-02 10:00\nMood: sunny\n\nText.\n"
    ),
    # A perspective with a bad date: skipped with an error.
    "perspectives/post-00001/2030-01-01-bad.md": (
        "Author: Nobody\nDate: someday soon\n\nNot shown.\n"
    ),
    # A perspective kept under an Earlier-Slugs folder (the worker guesses wrong).
    "perspectives/the-week-long-reply/2024-07-11-0800-old-link.md": (
        "Author: Old Link\nDate: 2024-07-11 08:00\n\nStill found.\n"
    ),
    # A pelican-comment-system folder: parsed by the build only (it logs notes).
    "comments/reading-in-public/0.md": (
        "email: a@example.org\nauthor: Ann\ndate: 2024-06-04 8:00\n\nFirst.\n"
    ),
    # A stray file among perspectives: an error, once.
    "perspectives/post-00002/notes.txt": "not a perspective\n",
}


def make_content(root: Path, *, ugly: bool = True) -> None:
    """Write the sample site, a small generated corpus and (``ugly``) UGLY."""
    shutil.copytree(ROOT / "content", root / "content")
    write_corpus(
        root,
        CorpusShape(
            posts=24, perspectives_per_post=4, transcripts=1, messages_per_transcript=30
        ),
    )
    for rel, text in UGLY.items() if ugly else ():
        target = root / "content" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")


def run(root: Path, output: str, **overrides) -> tuple[dict, BuiltSite]:
    """Build ``root/content`` into ``root/output``; return the settings and site."""
    LimitFilter._raised_messages = set()  # each build reports its own warnings
    LimitFilter._group_count = defaultdict(int)
    conf = site_settings_at(
        root,
        {},
        OUTPUT_PATH=str(root / output),
        CACHE_PATH=str(root / "cache"),
        PERSPECTIVES_COMMENT_SYSTEM_PATH="comments",
        **overrides,
    )
    Pelican(conf).run()
    return conf, BuiltSite(root / output)


def logged(caplog) -> list[tuple[str, str]]:
    """Return the build's warnings and errors, sorted (order may differ)."""
    return sorted(
        (r.levelname, r.getMessage())
        for r in caplog.records
        if r.levelno >= logging.WARNING
    )


@pytest.fixture
def worker_first(monkeypatch):
    """Make the build wait for the worker before reading: it then does everything."""
    started: list[prefetch.Prefetcher] = []

    def start_and_wait(generator, known):
        worker = prefetch.start_for(generator, known)
        assert worker is not None
        worker.collect(wait=True)
        started.append(worker)
        return worker

    monkeypatch.setattr(plugins.performance, "start_for", start_and_wait)
    return started


def test_the_site_with_the_worker_is_byte_identical_to_a_serial_build(
    tmp_path, caplog, worker_first
):
    make_content(tmp_path)
    serial_conf, serial = run(tmp_path, "serial", PERFORMANCE_WORKERS=1)
    serial_log = logged(caplog)
    assert any("Mood" in message for _, message in serial_log)
    assert any("someday soon" in message for _, message in serial_log)
    caplog.clear()

    conf, site = run(tmp_path, "worker", PERFORMANCE_WORKERS=2)
    assert site.snapshot() == serial.snapshot()
    assert logged(caplog) == serial_log
    [worker] = worker_first
    assert worker.stopped
    cache = conf[SETTINGS_KEY]
    # All 24 generated posts, the sample's posts but the one quoting a transcript,
    # and at least every generated perspective came from the worker.
    assert cache.prefetched >= 24 + 24 * 4
    assert cache.hits == 0
    assert SETTINGS_KEY not in serial_conf  # the serial build kept no cache at all
    # Without the reader cache the worker's results stay in memory.
    assert not list((tmp_path / "cache").glob(f"{FILE_PREFIX}*"))
    page = site.html("2024/07/a-week-to-reply/index.html")
    assert "Still found." in page.select_one("#perspectives").get_text()


def test_an_unreadable_post_leaves_the_worker_the_others(
    tmp_path, caplog, worker_first
):
    make_content(tmp_path, ugly=False)
    (tmp_path / "content" / "posts" / "2024-08-03-gone.md").symlink_to(
        tmp_path / "nowhere.md"
    )
    _, serial = run(tmp_path, "serial", PERFORMANCE_WORKERS=1)
    serial_log = logged(caplog)
    assert any("2024-08-03-gone.md" in message for _, message in serial_log)
    caplog.clear()

    conf, site = run(tmp_path, "worker", PERFORMANCE_WORKERS=2)

    assert site.snapshot() == serial.snapshot()
    assert logged(caplog) == serial_log  # the build reports it, as it always did
    assert conf[SETTINGS_KEY].prefetched >= 24 + 24 * 4


def test_racing_the_worker_with_the_reader_cache_gives_the_same_site(tmp_path):
    make_content(tmp_path)
    _, serial = run(tmp_path, "serial", PERFORMANCE_WORKERS=1)
    conf, first = run(
        tmp_path, "racing", PERFORMANCE_WORKERS=2, PERFORMANCE_READER_CACHE=True
    )
    assert first.snapshot() == serial.snapshot()
    assert conf[SETTINGS_KEY].worker.stopped
    assert len(list((tmp_path / "cache").glob(f"{FILE_PREFIX}*.pickle"))) == 1
    # A rebuild: the worker skips what the file holds; the build finds it there.
    conf, again = run(
        tmp_path, "racing", PERFORMANCE_WORKERS=2, PERFORMANCE_READER_CACHE=True
    )
    assert again.snapshot() == serial.snapshot()
    cache = conf[SETTINGS_KEY]
    assert cache.prefetched == 0
    assert cache.hits >= 24 + 24 * 4


def test_with_no_post_left_the_worker_parses_transcripts_and_compiles_templates(
    tmp_path, monkeypatch, worker_first
):
    """What the build needs after its posts is done by the worker, once, not twice.

    The counters below count in this process only: the worker is a fork.
    """
    make_content(tmp_path / "serial", ugly=False)
    _, serial = run(tmp_path / "serial", "output", PERFORMANCE_WORKERS=1)
    make_content(tmp_path / "worker", ugly=False)
    parsed: list[str] = []
    compiled: list[str] = []
    read_chat = plugins.transcripts.library.read_chat
    compile_template = jinja2.Environment.compile

    def counting_read_chat(text, *, path):
        parsed.append(path)
        return read_chat(text, path=path)

    def counting_compile(env, source, name=None, *args, **kwargs):
        compiled.append(name)
        return compile_template(env, source, name, *args, **kwargs)

    monkeypatch.setattr(plugins.transcripts.library, "read_chat", counting_read_chat)
    monkeypatch.setattr(jinja2.Environment, "compile", counting_compile)
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    options = {
        "PERFORMANCE_WORKERS": 2,
        "PERFORMANCE_READER_CACHE": True,
        "THEME": str(theme),
    }
    _, site = run(tmp_path / "worker", "output", **options)

    assert site.snapshot() == serial.snapshot()
    chats = list((tmp_path / "worker/content/transcripts").glob("*.chat"))
    assert len(chats) >= 2
    assert parsed == []  # every transcript came from the worker
    themes = {p.name for p in (ROOT / "theme/templates").glob("*.html")}
    assert {"base.html", "article.html", "transcript.html"} <= themes
    assert not themes & set(compiled)  # pages loaded the worker's code
    kept = list((tmp_path / "worker/cache").glob("colloquy-templates-*/*.code"))
    assert len(kept) >= len(themes)

    # An edited template: the worker compiles it again, over the code kept.
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("Skip to", "Jump to"))
    compiled.clear()
    _, site = run(tmp_path / "worker", "output", **options)
    assert "base.html" not in compiled
    assert "Jump to" in site.text("index.html")


def children() -> set[int]:
    """Return the ids of this process's children, running or not yet reaped."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found.update(int(p) for p in (task / "children").read_text().split())
    return found


def reaped(pid: int) -> bool:
    """Tell whether ``pid`` is no longer a child of this process."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.skipif(not prefetch.can_fork(), reason="the worker needs Linux fork")
def test_the_worker_is_reaped_when_the_build_ends(tmp_path):
    make_content(tmp_path)
    before = children()
    conf, _ = run(tmp_path, "output", PERFORMANCE_WORKERS=2)
    worker = conf[SETTINGS_KEY].worker
    assert worker.stopped
    assert worker.pid not in children()
    assert reaped(worker.pid)
    assert children() <= before


def build_failing(pelican: Pelican, failure: type[BaseException]) -> bool:
    """Run ``pelican`` with a receiver failing once posts are read; tell if it did."""

    def fail(generator):
        raise failure("stopped halfway")

    signals.article_generator_finalized.connect(fail)
    try:
        pelican.run()
    except failure:
        return True
    finally:
        signals.article_generator_finalized.disconnect(fail)
    return False


@pytest.mark.skipif(not prefetch.can_fork(), reason="the worker needs Linux fork")
@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_a_failed_build_leaves_no_worker_behind(tmp_path, failure):
    # No bad files: the log records of their errors would keep the build alive.
    make_content(tmp_path, ugly=False)
    conf = site_settings_at(tmp_path, {}, PERFORMANCE_WORKERS=2)
    pelican = Pelican(conf)
    assert build_failing(pelican, failure)
    worker = conf[SETTINGS_KEY].worker
    pid = worker.pid
    assert not worker.stopped
    # The next run of the same Pelican stops the old worker before forking anew.
    pelican.run()
    assert worker.stopped
    assert reaped(pid)
    # And a build that is dropped after failing stops its worker when collected.
    conf = site_settings_at(tmp_path, {}, PERFORMANCE_WORKERS=2)
    assert build_failing(Pelican(conf), failure)
    pid = conf[SETTINGS_KEY].worker.pid
    del conf, worker, pelican
    gc.collect()
    assert reaped(pid)


@pytest.mark.skipif(not prefetch.can_fork(), reason="the worker needs Linux fork")
def test_the_worker_skips_claimed_known_failing_and_logging_jobs():
    gate_read, gate_write = os.pipe()

    def wait_for_the_claims():
        os.read(gate_read, 1)  # the worker waits until the test has claimed
        return []

    def noisy():
        logging.getLogger("plugins.test").warning("something to report")
        return "noisy"

    def failing():
        raise ValueError("bad input")

    def warning():  # raises: the suite runs with -W error
        warnings.warn("deprecated", DeprecationWarning, stacklevel=1)
        return "warned"

    def shown_warning():  # would be shown once by the build: left to it
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("look here", UserWarning, stacklevel=1)
        return "shown"

    jobs = [
        ("a", lambda: "A"),
        ("claimed", lambda: "C"),
        ("known", lambda: "K"),
        ("noisy", noisy),
        ("failing", failing),
        ("warning", warning),
        ("shown", shown_warning),
        ("b", lambda: ("B", {"title": ["b"]})),
    ]
    worker = prefetch.start(
        [wait_for_the_claims, lambda: jobs], known=lambda key: key == "known"
    )
    assert worker is not None
    try:
        assert worker.take("claimed") is None  # claims it: the worker leaves it
        os.write(gate_write, b"x")
        worker.collect(wait=True)
        assert worker.take("a") == ("A",)
        assert worker.take("b") == (("B", {"title": ["b"]}),)
        for key in ("claimed", "known", "noisy", "failing", "warning", "shown"):
            assert worker.take(key) is None
    finally:
        worker.stop()
        os.close(gate_read)
        os.close(gate_write)
    assert worker.stopped
    assert reaped(worker.pid)
    assert worker.take("a") is None


@given(
    st.lists(
        st.tuples(
            st.text(),
            st.tuples(st.text(), st.dictionaries(st.text(), st.lists(st.text()))),
        ),
        max_size=8,
    ),
    st.lists(st.integers(min_value=1, max_value=64), max_size=40),
)
def test_messages_survive_any_split_of_the_pipe_bytes(messages, cuts):
    data = b"".join(prefetch.frame(key, entry) for key, entry in messages)
    frames, received, start = prefetch.Frames(), [], 0
    for cut in cuts:
        received += frames.feed(data[start : start + cut])
        start += cut
    received += frames.feed(data[start:])
    assert received == messages


@pytest.mark.parametrize(
    ("value", "cores", "forks", "expected"),
    [
        (None, 2, True, True),
        (None, 1, True, False),
        (None, 4, False, False),
        (0, 2, True, False),
        (1, 8, True, False),
        (2, 1, True, True),
        (2, 2, False, False),
    ],
)
def test_the_workers_setting_decides_whether_to_fork(value, cores, forks, expected):
    options = PerformanceSettings.from_settings({"PERFORMANCE_WORKERS": value})
    assert options.worker(cores, can_fork=forks) is expected


@pytest.mark.parametrize("value", [3, -1, True, "2", 2.0])
def test_the_workers_setting_is_checked(tmp_path, value):
    with pytest.raises(PluginConfigError, match="PERFORMANCE_WORKERS: expected"):
        Pelican(site_settings_at(tmp_path, {}, PERFORMANCE_WORKERS=value))


def test_the_workers_setting_does_not_change_the_cache_file(tmp_path):
    conf = {"CACHE_PATH": str(tmp_path), "PLUGINS": []}
    one = ConversionCache({**conf, "PERFORMANCE_WORKERS": 1})
    two = ConversionCache({**conf, "PERFORMANCE_WORKERS": 2})
    for cache in (one, two):
        cache.open()
        cache.convert("text", lambda t: ("<p>t</p>", {}))
        cache.save()
    assert len(list(tmp_path.glob(f"{FILE_PREFIX}*.pickle"))) == 1


ORPHAN = """
import os, sys, time
sys.path.insert(0, {root!r})
from plugins.performance import prefetch

def slow():
    time.sleep(0.01)
    return "late"

jobs = [(str(n), slow) for n in range(20000)]  # minutes of work, unless it stops
worker = prefetch.start([lambda: jobs], known=lambda key: False)
print(worker.pid, flush=True)
os._exit(0)  # die without stopping it, as a killed build would
"""


def worker_state(pid: int) -> str:
    """Return the state letter of ``pid`` ("" once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return ""
    return stat.rsplit(")", 1)[1].split()[0]


@pytest.mark.skipif(not prefetch.can_fork(), reason="the worker needs Linux fork")
def test_a_worker_whose_build_died_stops_by_itself():
    result = subprocess.run(
        [sys.executable, "-c", ORPHAN.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(result.stdout)
    # Not a timing assertion: a worker that did not stop would run for minutes.
    deadline = time.monotonic() + 60
    while worker_state(pid) not in ("", "Z", "X") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker_state(pid) in ("", "Z", "X")


def test_the_survey_finds_the_stamps_a_build_would(tmp_path):
    folder = tmp_path / "perspectives" / "a-post"
    folder.mkdir(parents=True)
    (folder / "2024-01-01-ann.md").write_text("Author: Ann\n\nHi.\n")
    (folder / ".draft.md").write_text("hidden")
    (folder / "inner").mkdir()
    found = survey.stamps_of([str(folder), str(tmp_path / "gone")])
    shown = str(folder / "2024-01-01-ann.md")
    assert found == {
        str(folder): settled_stamp(str(folder)),
        shown: settled_stamp(shown),
        str(tmp_path / "gone"): None,  # as the build would find it
    }


@pytest.mark.skipif(not prefetch.can_fork(), reason="the survey needs Linux fork")
def test_on_two_cores_the_build_stats_no_perspective_file_itself(
    tmp_path, monkeypatch, caplog
):
    # A helper stats them while the build reads posts; the site is the same.
    monkeypatch.setattr(files, "SETTLED_NS", 0)
    make_content(tmp_path)
    _, serial = run(tmp_path, "serial", PERFORMANCE_WORKERS=1)
    run(tmp_path, "output", PERFORMANCE_WORKERS=2, PERFORMANCE_READER_CACHE=True)
    stamped: list[str] = []
    real = readcache.settled_stamp

    def noting(path):
        stamped.append(str(path))
        return real(path)

    monkeypatch.setattr(readcache, "settled_stamp", noting)
    before = children()
    conf, site = run(
        tmp_path, "output", PERFORMANCE_WORKERS=2, PERFORMANCE_READER_CACHE=True
    )
    perspectives = str(tmp_path / "content" / "perspectives")
    assert not [path for path in stamped if path.startswith(perspectives)]
    assert site.snapshot() == serial.snapshot()
    assert conf[SETTINGS_KEY].survey is None, "stopped once content was read"
    assert children() <= before
    # One stopped before it is asked leaves no process either.
    generator = types.SimpleNamespace(settings=conf)
    started = survey.Survey.start(generator)
    assert started is not None
    started.stop()
    assert children() <= before
