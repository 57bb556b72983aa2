"""Unchanged posts are taken whole from the build cache (performance.keptposts)."""

from __future__ import annotations

import logging
from pathlib import Path
import shutil

from pelican import signals
from pelican.contents import Article, Content
from pelican.log import LimitFilter
from pelican.urlwrappers import Tag
import pytest

from plugins.common import files as common_files
from plugins.performance import keptposts, states
from plugins.performance.readcache import CachingPostReader

from .test_build_speedups import POSTS, build, clean_build
from .test_chat_quotes import CHAT
from .test_reblog import REBLOG

TRANSLATED = {
    "posts/2024-05-04-hello.md": "Title: Hello\nDate: 2024-05-04 10:00\nSlug: hello\n"
    "Tags: greeting, news\n\nHello *there*.\n",
    "posts/2024-05-04-hello-fr.md": "Title: Bonjour\nDate: 2024-05-04 10:00\n"
    "Slug: hello\nLang: fr\n\nBonjour.\n",
    "posts/2024-05-05-draft.md": "Title: Not yet\nDate: 2024-05-05 10:00\n"
    "Status: draft\n\nLater.\n",
}


@pytest.fixture
def posts_read(monkeypatch) -> list[str]:
    """The posts the reader is asked for; every file's stamp counts as settled."""
    monkeypatch.setattr(common_files, "SETTLED_NS", 0)
    read: list[str] = []
    real = CachingPostReader.read

    def reading(self, source_path):
        read.append(Path(source_path).name)
        return real(self, source_path)

    monkeypatch.setattr(CachingPostReader, "read", reading)
    return read


def names(files: dict) -> list[str]:
    return sorted(Path(name).name for name in files)


def test_unchanged_posts_are_not_read_and_the_site_equals_a_clean_build(
    tmp_path, posts_read
):
    # A reblog's HTML is not its text's conversion (its quote is attributed):
    # it is kept with it, not taken from the conversion.
    files = {**POSTS, **TRANSLATED, "posts/2024-06-01-reblog.md": REBLOG}
    first, _ = build(tmp_path, files)
    assert sorted(posts_read) == names(files)
    posts_read.clear()
    again, hits = build(tmp_path, {})
    assert posts_read == []
    assert hits == len(files)
    assert again.snapshot() == first.snapshot()
    changed = "posts/2024-05-04-hello.md"
    files[changed] = files[changed].replace("Hello *there*", "Hello **you**")
    after, _ = build(tmp_path, {changed: files[changed]})
    assert posts_read == ["2024-05-04-hello.md"]
    assert after.html("2024/05/hello/index.html").select_one(".e-content strong")
    assert after.snapshot() == clean_build(tmp_path, files)


def test_a_post_that_warned_is_read_and_warns_again_every_build(
    tmp_path, posts_read, caplog
):
    warns = "posts/2024-05-04-picture.md"
    files = {**POSTS, warns: "Title: Picture\nDate: 2024-05-04 10:00\n\n![](a.png)\n"}
    LimitFilter._raised_messages = set()
    build(tmp_path, files)
    # Pelican's loggers drop a message said before in the process: this build's
    # warning never reaches a handler, yet the post must not be kept.
    build(tmp_path, {})
    posts_read.clear()
    caplog.clear()
    LimitFilter._raised_messages = set()  # as in a new process
    build(tmp_path, {})
    assert posts_read == ["2024-05-04-picture.md"]
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Empty alt attribute" in m and "picture" in m for m in said), said


def test_a_post_dated_in_the_future_is_read_every_build(tmp_path, posts_read):
    later = "posts/2999-01-01-later.md"
    files = {**POSTS, later: "Title: Later\nDate: 2999-01-01 10:00\n\nSoon.\n"}
    build(tmp_path, files, WITH_FUTURE_DATES=False)
    posts_read.clear()
    build(tmp_path, {}, WITH_FUTURE_DATES=False)
    # Kept, it would stay a draft after its date: Pelican decides that on reading.
    assert posts_read == ["2999-01-01-later.md"]


def test_another_plugins_per_post_receiver_sees_every_post_read(tmp_path, posts_read):
    seen: list[str] = []

    def note(content):
        seen.append(Path(content.source_path).name)

    signals.content_object_init.connect(note)
    try:
        build(tmp_path, POSTS)
        seen.clear()
        posts_read.clear()
        build(tmp_path, {})
    finally:
        signals.content_object_init.disconnect(note)
    assert sorted(posts_read) == names(POSTS)
    assert sorted(seen) == names(POSTS)


def test_a_post_quoting_a_transcript_follows_the_transcript(tmp_path, posts_read):
    quoting = "posts/2024-05-04-quoting.md"
    files = {
        "transcripts/launch.chat": CHAT,
        quoting: "Title: Quoting\nDate: 2024-05-04 10:00\n\n[[quote: launch#m-106]]\n",
    }
    build(tmp_path, files)
    files["transcripts/launch.chat"] = CHAT.replace("__new__ plan", "__better__ plan")
    posts_read.clear()
    site, _ = build(
        tmp_path, {"transcripts/launch.chat": files["transcripts/launch.chat"]}
    )
    # Its HTML is the transcript's too: it is never kept whole.
    assert posts_read == ["2024-05-04-quoting.md"]
    assert "better" in site.html("2024/05/quoting/index.html").get_text()
    assert site.snapshot() == clean_build(tmp_path, files)


def test_a_post_changed_in_place_by_another_plugin_is_digested_whole(
    tmp_path, posts_read
):
    # A kept post is digested as read for the values it still holds: a plugin
    # that changes one in place (here, a post's tag list) must be seen.
    label = ["alpha"]

    def add_tag(generator):
        for article in generator.articles:
            article.tags.append(Tag(label[0], article.settings))

    hello = "posts/2024-05-04-hello.md"
    files = {hello: TRANSLATED[hello]}

    signals.article_generator_finalized.connect(add_tag)
    try:
        ledger = {"PERFORMANCE_SKIP_UNCHANGED": True}
        build(tmp_path, files, **ledger)
        label[0] = "beta"
        site, _ = build(tmp_path, {}, **ledger)
    finally:
        signals.article_generator_finalized.disconnect(add_tag)
    assert posts_read == names(files)  # read first, then taken whole
    tags = site.html("2024/05/hello/index.html").select("a[rel~=tag]")
    assert "beta" in [tag.get_text(strip=True) for tag in tags]


def test_the_worker_starts_only_once_enough_posts_must_be_read(
    tmp_path, posts_read, monkeypatch
):
    from plugins import performance  # noqa: PLC0415

    started: list[int] = []
    real_start = performance.start_for

    def start_for(generator, known):
        started.append(len(posts_read))
        return real_start(generator, known)

    monkeypatch.setattr(performance, "start_for", start_for)
    monkeypatch.setattr(performance, "WORKER_AFTER", 3)
    files = {
        f"posts/2024-06-{n:02}-p{n}.md": f"Title: P{n}\nDate: 2024-06-{n:02} 10:00\n\n"
        f"Post {n}.\n"
        for n in range(1, 9)
    }
    workers = {"PERFORMANCE_WORKERS": 2}
    build(tmp_path, files, **workers)
    assert started == [0], "nothing kept yet: the worker starts before any read"
    started.clear()
    build(tmp_path, {}, **workers)
    assert started == []
    edited = sorted(files)[:4]
    for name in edited:
        files[name] = files[name].replace("Post", "Edited post")
    build(tmp_path, {name: files[name] for name in edited[:1]}, **workers)
    assert started == [], "one post to read: not worth a worker"
    posts_read.clear()
    site, _ = build(tmp_path, {name: files[name] for name in edited[1:]}, **workers)
    assert started == [2]
    assert site.snapshot() == clean_build(tmp_path, files)


def test_a_file_a_kept_post_links_with_static_is_still_published(tmp_path, posts_read):
    # Pelican publishes a file outside STATIC_PATHS when a post links to it.
    linking = "posts/2024-05-04-linking.md"
    files = {
        "files/notes.txt": "Plain notes.\n",
        linking: "Title: Linking\nDate: 2024-05-04 10:00\n\n"
        "[The notes]({static}/files/notes.txt).\n",
    }
    build(tmp_path, files)
    shutil.rmtree(tmp_path / "output")
    posts_read.clear()
    site, _ = build(tmp_path, {})
    assert posts_read == []
    assert (site.output / "files" / "notes.txt").read_text() == "Plain notes.\n"
    link = site.html("2024/05/linking/index.html").select_one(".e-content a")
    assert link["href"].endswith("/files/notes.txt")


def test_a_kept_post_is_known_to_link_elsewhere_without_a_new_search(
    tmp_path, posts_read, monkeypatch
):
    # The ledger digests a post that links to other content with where its
    # targets are published; whether it does is found once, when it is read.
    searched: list[str] = []

    def noting(content):
        searched.append(Path(content.source_path).name)
        return real(content)

    real = states.links_elsewhere
    monkeypatch.setattr(states, "links_elsewhere", noting)
    monkeypatch.setattr(keptposts, "links_elsewhere", noting)
    target = "posts/2024-05-01-post-1.md"
    files = {
        **POSTS,
        "posts/2024-05-05-linker.md": "Title: Linker\nDate: 2024-05-05 10:00\n\n"
        "Read [the first]({filename}/posts/2024-05-01-post-1.md).\n",
    }
    ledger = {"PERFORMANCE_SKIP_UNCHANGED": True}
    build(tmp_path, files, **ledger)
    assert "2024-05-05-linker.md" in searched
    searched.clear()
    posts_read.clear()
    build(tmp_path, {}, **ledger)
    assert (posts_read, searched) == ([], [])
    files[target] = files[target].replace(
        "Title: Post 1\n", "Title: Post 1\nSlug: one\n"
    )
    site, _ = build(tmp_path, {target: files[target]}, **ledger)
    assert searched == ["2024-05-01-post-1.md"]
    link = site.html("2024/05/linker/index.html").select_one(".e-content a")
    assert link["href"].endswith("/one/")
    assert site.snapshot() == clean_build(tmp_path, files)


def test_a_kept_post_keeps_its_url_and_output_path(tmp_path, posts_read, monkeypatch):
    worked_out: list[str] = []
    real = Content.get_url_setting

    def get_url_setting(self, key):
        if isinstance(self, Article):
            worked_out.append(f"{Path(self.source_path).name} {key}")
        return real(self, key)

    monkeypatch.setattr(Content, "get_url_setting", get_url_setting)
    files = {**POSTS, **TRANSLATED}
    first, _ = build(tmp_path, files)
    assert worked_out
    worked_out.clear()
    again, _ = build(tmp_path, {})
    assert worked_out == []
    assert again.snapshot() == first.snapshot()


def test_posts_are_read_again_in_another_locale_or_time_zone(
    tmp_path, posts_read, monkeypatch
):
    # Pelican formats a post's dates in the process's locale when it reads it.
    build(tmp_path, POSTS)
    posts_read.clear()
    build(tmp_path, {})
    assert posts_read == []
    real = keptposts.reading_environment()
    monkeypatch.setattr(keptposts, "reading_environment", lambda: real + "|fr_FR")
    build(tmp_path, {})
    assert sorted(posts_read) == names(POSTS)
