"""The output ledger: a rebuild makes only what changed, and equals a clean build."""

from __future__ import annotations

from collections.abc import Callable
import copy
import dataclasses
from dataclasses import replace
from functools import partial
import logging
from pathlib import Path
import re
import shutil
import types

from hypothesis import given
from hypothesis import strategies as st
from pelican import Pelican
from pelican.log import LimitFilter
from pelican.paginator import Paginator
from pelican.settings import DEFAULT_CONFIG
from pelican.urlwrappers import Tag
import pytest

from plugins.bench.corpus import CorpusShape, write_corpus
from plugins.common import files as common_files
from plugins.common.errors import PluginConfigError
from plugins.performance import digest as digest_module
from plugins.performance import states
from plugins.performance.digest import Digester, Unstable
from plugins.performance.keptposts import placement_digest, placement_digester
from plugins.performance.ledger import OutputLedger
from plugins.performance.renders import KeptRenders
from plugins.performance.states import HALVES_FROM, digest_states
from plugins.performance.tracking import TrackedArticle, reading, track
from plugins.performance.urls import ArticleWithFixedUrl
from plugins.performance.writer import LedgerTemplate
from plugins.perspectives.fileformat import parse_perspective
from plugins.perspectives.model import Perspective, ThreadNode, Threads
from plugins.perspectives.threads import thread_perspectives
from plugins.reblog.generator import Sharing
from plugins.reblog.settings import ReblogSettings
from plugins.site_feeds.generator import FeedsGenerator
from plugins.site_feeds.model import FeedLink
from plugins.transcripts.library import TranscriptPage, lay_out, read_transcript
from plugins.transcripts.settings import TranscriptsSettings

from .support import ROOT, BuiltSite, site_settings_at
from .test_transcripts import CHAT

SMALL = CorpusShape(posts=12, transcripts=1, messages_per_transcript=40)


def ledger_build(root: Path, caplog, **overrides) -> tuple[int, int]:
    """Build ``root`` with the ledger and the reader cache; return (made, skipped)."""
    options = {
        "PERFORMANCE_READER_CACHE": True,
        "PERFORMANCE_SKIP_UNCHANGED": True,
        "CACHE_PATH": str(root / "cache"),
        "THEME": str(root / "theme"),
    }
    caplog.clear()
    pelican = Pelican(site_settings_at(root, {}, **{**options, **overrides}))
    pelican.run()
    counts = pelican.colloquy_output_ledger
    return counts.made, counts.up_to_date


def clean_snapshot(root: Path, **overrides) -> dict[str, bytes]:
    """Build ``root``'s content from nothing, without ledger or cache."""
    output = root / "clean"
    shutil.rmtree(output, ignore_errors=True)
    settings = {"OUTPUT_PATH": str(output), "THEME": str(root / "theme")}
    Pelican(site_settings_at(root, {}, **{**settings, **overrides})).run()
    return BuiltSite(output).snapshot()


def first_post(root: Path) -> Path:
    return sorted((root / "content" / "posts").glob("*.md"))[0]


def append_to_post(root: Path) -> None:
    post = sorted((root / "content" / "posts").glob("*.md"))[3]
    post.write_text(post.read_text(encoding="utf-8") + "\nOne more line.\n")


def approve_perspective(root: Path) -> None:
    folder = root / "content" / "perspectives" / "post-00005"
    (folder / "2030-01-01-1000-late.md").write_text(
        "Author: Late Reader\nDate: 2030-01-01 10:00\n\nApproved just now.\n"
    )


def retitle_post(root: Path) -> None:
    post = sorted((root / "content" / "posts").glob("*.md"))[6]
    text = post.read_text(encoding="utf-8")
    post.write_text(re.sub(r"(?m)^Title: .*$", "Title: A New Title", text, count=1))


def retag_post(root: Path) -> None:
    post = sorted((root / "content" / "posts").glob("*.md"))[2]
    text = post.read_text(encoding="utf-8")
    post.write_text(re.sub(r"(?m)^Tags: .*$", "Tags: brand-new-tag", text, count=1))


def edit_transcript(root: Path) -> None:
    chat = next((root / "content" / "transcripts").glob("*.chat"))
    text = chat.read_text(encoding="utf-8")
    chat.write_text(text.replace("conversation", "CONVERSATION", 1))


def add_post(root: Path) -> None:
    (root / "content" / "posts" / "2031-05-01-added.md").write_text(
        "Title: Added Later\nDate: 2031-05-01 09:00\nCategory: Notes\n\nNew.\n"
    )


def delete_post(root: Path) -> None:
    post = sorted((root / "content" / "posts").glob("*.md"))[8]
    post.unlink()
    shutil.rmtree(root / "content" / "perspectives" / "post-00008")


def remove_perspective(root: Path) -> None:
    folder = root / "content" / "perspectives" / "post-00004"
    sorted(folder.glob("*.md"))[-1].unlink()


def edit_output_by_hand(root: Path) -> None:
    page = next((root / "output").glob("*/*/post-00001/index.html"))
    page.write_text(page.read_text(encoding="utf-8") + "<!-- edited -->")


def delete_output(root: Path) -> None:
    next((root / "output").glob("*/*/post-00002/index.html")).unlink()


def reslug_linked_post(root: Path) -> None:
    """The page links to the first post with {filename}: its link must follow."""
    post = first_post(root)
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("\nDate:", "\nSlug: renamed-first\nDate:", 1))


def edit_page(root: Path) -> None:
    page = root / "content" / "pages" / "about.md"
    page.write_text(page.read_text(encoding="utf-8").replace("plain", "PLAIN"))


def edit_template(root: Path) -> None:
    base = root / "theme" / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("Skip to", "Jump to"))


CHANGES: list[tuple[Callable[[Path], None], dict]] = [
    (append_to_post, {}),
    (approve_perspective, {}),
    (retitle_post, {}),
    (retag_post, {}),
    (edit_transcript, {}),
    (add_post, {}),
    (delete_post, {}),
    (remove_perspective, {}),
    (edit_output_by_hand, {}),
    (delete_output, {}),
    (edit_page, {}),
    (reslug_linked_post, {}),
    (edit_template, {}),
    (lambda root: None, {"SITENAME": "Renamed"}),
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    write_corpus(tmp_path, SMALL)
    about = tmp_path / "content" / "pages" / "about.md"
    about.parent.mkdir()
    about.write_text(
        "Title: About\n\nA plain page about [a post]({filename}/posts/"
        + first_post(tmp_path).name
        + ").\n"
    )
    (tmp_path / "content" / "posts" / "2030-02-01-linker.md").write_text(
        "Title: Linker\nDate: 2030-02-01 09:00\nCategory: Notes\n\n"
        f"Read [the first post]({{filename}}/posts/{first_post(tmp_path).name}).\n"
    )
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    return tmp_path


@pytest.mark.parametrize("settled", [False, True], ids=["fresh", "settled"])
def test_each_kind_of_change_rebuilds_exactly_what_a_clean_build_makes(
    corpus, caplog, monkeypatch, settled
):
    if settled:  # every file's stamp counts: posts are taken whole (.keptposts)
        monkeypatch.setattr(common_files, "SETTLED_NS", 0)
    made, skipped = ledger_build(corpus, caplog)
    assert skipped == 0
    total = made
    assert ledger_build(corpus, caplog) == (0, total), "nothing changed: nothing made"
    settings: dict = {}
    for change, overrides in CHANGES:
        change(corpus)
        settings.update(overrides)
        ledger_build(corpus, caplog, **settings)
        incremental = BuiltSite(corpus / "output").snapshot()
        clean = clean_snapshot(corpus, **settings)
        differing = sorted(
            name
            for name in incremental.keys() | clean.keys()
            if incremental.get(name) != clean.get(name)
        )
        assert differing == [], f"after {change.__name__}"


def test_a_changed_post_remakes_only_the_pages_that_show_it(corpus, caplog):
    made, _ = ledger_build(corpus, caplog)
    append_to_post(corpus)
    remade, _ = ledger_build(corpus, caplog)
    assert 0 < remade < made // 4, (remade, made)
    approve_perspective(corpus)
    remade, _ = ledger_build(corpus, caplog)
    assert 0 < remade < made // 4, (remade, made)


def test_a_feed_is_made_again_only_for_a_change_to_what_it_shows(
    corpus, caplog, monkeypatch
):
    """A feed shows its newest posts: a change to an older one leaves it alone."""
    made: list[str] = []
    write_feed = FeedsGenerator.write_feed

    def noting(generator, feed):
        made.append(feed.path)
        return write_feed(generator, feed)

    monkeypatch.setattr(FeedsGenerator, "write_feed", noting)
    limits = {"FEEDS_LIMITS": {"site": 3, "category": 3, "tag": 3, "perspectives": 3}}
    ledger_build(corpus, caplog, **limits)
    site_feeds = {"feeds/atom.xml", "feeds/rss.xml", "feeds/feed.json"}
    everyone = {"feeds/perspectives.atom.xml"}
    assert site_feeds | everyone <= set(made)

    def rebuild(change: Callable[[], None]) -> set[str]:
        change()
        made.clear()
        ledger_build(corpus, caplog, **limits)
        remade = set(made)
        assert BuiltSite(corpus / "output").snapshot() == clean_snapshot(
            corpus, **limits
        )
        return remade

    oldest = first_post(corpus)
    old_folder = corpus / "content" / "perspectives" / "post-00000"
    newest = max((corpus / "content" / "posts").glob("*.md"))

    def edit_oldest() -> None:
        oldest.write_text(oldest.read_text(encoding="utf-8") + "\nA late line.\n")

    def approve_an_old_perspective() -> None:
        (old_folder / "2001-01-01-1000-old.md").write_text(
            "Author: Early Reader\nDate: 2001-01-01 10:00\n\nFound at last.\n"
        )

    def edit_newest() -> None:
        newest.write_text(newest.read_text(encoding="utf-8") + "\nA late line.\n")

    assert not rebuild(edit_oldest) & (site_feeds | everyone)
    remade = rebuild(approve_an_old_perspective)
    assert not remade & (site_feeds | everyone)
    assert "feeds/perspectives/post-00000.atom.xml" in remade
    assert site_feeds <= rebuild(edit_newest)


def test_a_post_without_an_entry_id_is_reported_once_by_every_build(tmp_path, caplog):
    """One feed reports it, whichever feeds a rebuild makes again."""
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    old = "posts/2020-05-01-old.md"
    site_settings_at(
        tmp_path,
        {
            "posts/2024-05-01-new.md": post_text("New", "2024-05-01"),
            old: post_text("Old", "2020-05-01"),
            "posts/2019-05-01-bad.md": post_text("Bad", "2019-05-01", "Feed-Id: nope"),
        },
    )

    def build() -> tuple[int, int]:
        """Return how many files the build made and how often it said the error."""
        LimitFilter._raised_messages = set()  # a new build, as in a new process
        made, _ = ledger_build(tmp_path, caplog, FEEDS_LIMITS={"site": 1})
        said = sum("expected Feed-Id" in r.getMessage() for r in caplog.records)
        return made, said

    made, said = build()
    assert said == 1
    # The old post is in its tag's feed, not in the site's (of one entry).
    post = tmp_path / "content" / old
    post.write_text(post.read_text(encoding="utf-8") + "\nMore.\n")
    remade, said = build()
    assert 0 < remade < made
    assert said == 1
    assert build() == (0, 1)  # nothing changed: said again, once


def post_text(title: str, day: str, *fields: str) -> str:
    header = "\n".join([f"Title: {title}", f"Date: {day} 09:00", "Tags: x", *fields])
    return f"{header}\n\n{title} text.\n"


def test_what_an_unchanged_page_said_is_said_again(tmp_path, caplog):
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    site_settings_at(
        tmp_path,
        {
            "posts/2024-05-01-a.md": (
                "Title: A\nDate: 2024-05-01 09:00\n\n"
                "See [the missing one]({filename}/posts/missing.md).\n"
            )
        },
    )

    def warnings() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.levelno >= logging.WARNING and "missing.md" in r.getMessage()
        ]

    ledger_build(tmp_path, caplog)
    said = warnings()
    assert said
    LimitFilter._raised_messages = set()  # a new build, as in a new process
    assert ledger_build(tmp_path, caplog)[0] == 0
    assert warnings() == said


def test_the_setting_is_checked(build_site):
    with pytest.raises(PluginConfigError, match="PERFORMANCE_SKIP_UNCHANGED"):
        build_site({}, PERFORMANCE_SKIP_UNCHANGED="yes")


# The digest ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Record:
    """A record as plugins attach them to posts (a footer link, a feed link)."""

    value: object
    label: str


plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False)
    | st.datetimes(),
    lambda inner: (
        st.lists(inner, max_size=12)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5), inner, max_size=5)
        | st.frozensets(st.text(max_size=5), max_size=5)
        | st.builds(Record, inner, st.text(max_size=5))
    ),
    max_leaves=30,
)


def digest(value):
    return Digester({}).digest(value)


@given(plain)
def test_equal_values_have_equal_digests_in_separate_digesters(value):
    assert digest(value) == digest(copy.deepcopy(value))


@given(plain, plain)
def test_different_values_have_different_digests(one, other):
    if one != other or type(one) is not type(other):
        assert digest([one]) != digest([other]) or repr(one) == repr(other)


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    label: str


class Opaque:
    __slots__ = ()


def test_objects_are_digested_by_their_attributes():
    assert digest(Point(1, "a")) == digest(Point(1, "a"))
    assert digest(Point(1, "a")) != digest(Point(2, "a"))
    with pytest.raises(Unstable):
        digest({"pages": (n for n in range(3))})
    with pytest.raises(Unstable):
        digest([Opaque()])
    looped: list = [1]
    looped.append(looped)
    assert digest(looped) == digest(looped)


def test_tracked_posts_are_named_and_noted_when_read():
    post = TrackedArticle.__new__(TrackedArticle)
    object.__setattr__(post, "__dict__", {"title": "T", "source_path": "/p.md"})
    digester = Digester({id(post): "post"})
    with reading() as read:
        named = digester.digest({"article": post})
    assert named == Digester({id(post): "post"}).digest({"article": post})
    assert named != Digester({id(post): "another"}).digest({"article": post})
    assert read.touched == set(), "naming a post is not reading it"
    with reading() as read:
        assert post.title == "T"
    assert read.touched == {id(post)}


def test_posts_are_tracked_only_once_a_page_is_made():
    post = ArticleWithFixedUrl.__new__(ArticleWithFixedUrl)
    object.__setattr__(post, "__dict__", {"title": "T", "source_path": "/p.md"})
    track([post])
    assert type(post) is ArticleWithFixedUrl, "no page made yet: reads cost nothing"
    assert post.title == "T"
    with reading() as read:
        assert post.title == "T"
    assert read.touched == {id(post)}
    assert isinstance(post, ArticleWithFixedUrl)


def test_the_log_says_why_every_page_is_made_again(tmp_path, caplog):
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    site_settings_at(
        tmp_path, {"posts/2024-05-01-a.md": "Title: A\nDate: 2024-05-01 09:00\n\nA.\n"}
    )
    ledger_build(tmp_path, caplog)
    with caplog.at_level(logging.INFO, logger="plugins.performance.ledger"):
        _, skipped = ledger_build(tmp_path, caplog, SITENAME="Another Name")
    assert skipped == 0
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "changed since the last build: settings" in said
    assert "context['SITENAME']" in said


class Item:
    """A stand-in for a post: a source path and some attributes."""

    def __init__(self, number: int, extra: object = None) -> None:
        self.source_path = f"/posts/{number}.md"
        self.title = f"Post {number}"
        self.tags = [f"t{number % 7}", "all"]
        self.extra = extra


def test_two_processes_digest_the_posts_as_one_does():
    items = [Item(n) for n in range(HALVES_FROM + 101)]
    alone = digest_states(items, lambda: Digester({}), processes=1)
    assert digest_states(items, lambda: Digester({}), processes=2) == alone
    assert len(set(alone.values())) == len(items)


def test_without_a_fork_one_process_digests_every_post(monkeypatch):
    items = [Item(n) for n in range(HALVES_FROM + 1)]
    alone = digest_states(items, lambda: Digester({}), processes=1)
    monkeypatch.setattr(states, "fork_with_pipe", lambda: None)  # fork refused
    assert digest_states(items, lambda: Digester({}), processes=2) == alone


def test_a_perspective_from_the_build_cache_is_digested_as_its_key():
    def perspective(text: str) -> Perspective:
        return parse_perspective(text, path="perspectives/p/a.md", post="p")

    one = perspective("Author: Ann\nDate: 2024-05-02 10:00\n\nHi.\n")
    same = perspective("Author: Ann\nDate: 2024-05-02 10:00\n\nHi.\n")
    digester, visited = seeing_digester()
    digester._names = {id(one): (one, "perspective:k1")}
    assert digester.digest(one) != Digester({}).digest(same)  # named, not read
    assert Perspective not in visited
    named = Digester({}, {id(same): (same, "perspective:k1")})
    assert named.digest(same) == digester.digest(one)
    assert Digester({}, {id(same): (same, "perspective:k2")}).digest(same) != (
        digester.digest(one)
    )


def test_named_values_are_digested_only_when_met(monkeypatch):
    # Two processes share the posts; each meets only its half of the 25,000
    # perspectives of a 5,000-post site.
    met: list[str] = []
    named = digest_module._named
    monkeypatch.setattr(
        digest_module, "_named", lambda key: met.append(key) or named(key)
    )
    values = [Point(n, "perspective") for n in range(3)]
    digester = Digester(
        {}, {id(v): (v, f"perspective:k{n}") for n, v in enumerate(values)}
    )
    assert met == []
    first = digester.digest(values[1])
    assert met == ["perspective:k1"]
    assert digester.digest(values[1]) == first
    assert met == ["perspective:k1"]
    # A list of them (a post's perspectives) is digested as their keys.
    assert digester.digest(values[:2]) != digester.digest(values[1:])
    again = Digester({}, {id(values[0]): (Point(9, "other"), "perspective:k0")})
    assert again.digest(values[:1]) == Digester({}).digest(values[:1]), "not that one"


def test_a_post_the_helper_cannot_digest_is_reported_by_the_build():
    items = [Item(n) for n in range(HALVES_FROM + 1)]
    items[-1].extra = (n for n in range(3))  # in the helper's half
    with pytest.raises(Unstable):
        digest_states(items, lambda: Digester({}), processes=2)


def test_a_file_made_without_a_record_is_not_removed(corpus, caplog, monkeypatch):
    ledger_build(corpus, caplog)
    page = next((corpus / "output").glob("*/*/post-00003/index.html"))
    before = page.read_bytes()
    fingerprint = OutputLedger.fingerprint

    def unknowable(self, inputs, scratch=None):
        # As for a page given a value no digest can see into (a generator).
        own = inputs[1] if isinstance(inputs, tuple) and len(inputs) > 1 else {}
        if isinstance(own, dict) and "post-00003/index.html" in str(
            own.get("output_file", "")
        ):
            return None
        return fingerprint(self, inputs, scratch)

    monkeypatch.setattr(OutputLedger, "fingerprint", unknowable)
    ledger_build(corpus, caplog)
    assert page.read_bytes() == before, "made again, and kept"


def test_with_relative_urls_a_page_does_not_depend_on_the_page_before(corpus, caplog):
    # Relative links differ by page depth; Pelican sets them through the context
    # it was given, which for period archives is a copy: the ledger's writer
    # sets them for the posts too, so skipping pages cannot change the others.
    relative = {"RELATIVE_URLS": True}
    ledger_build(corpus, caplog, **relative)
    for change in (append_to_post, approve_perspective, reslug_linked_post):
        change(corpus)
        ledger_build(corpus, caplog, **relative)
        shutil.rmtree(corpus / "cache-clean", ignore_errors=True)
        clean = clean_snapshot(
            corpus,
            **relative,
            PERFORMANCE_SKIP_UNCHANGED=True,
            CACHE_PATH=str(corpus / "cache-clean"),
        )
        incremental = BuiltSite(corpus / "output").snapshot()
        differing = sorted(
            n
            for n in incremental.keys() | clean.keys()
            if incremental.get(n) != clean.get(n)
        )
        assert differing == [], change.__name__


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_an_unchanged_listing_is_known_before_its_pages_are_laid_out(
    corpus, caplog, monkeypatch, relative
):
    # Pelican's writer lays out a copy of the context for every listing page and
    # asks the template; the ledger's writer answers for the whole listing first.
    settings = {"RELATIVE_URLS": relative, "DEFAULT_PAGINATION": 2}
    settings["PERFORMANCE_WORKERS"] = 1  # every page is checked in this process
    ledger_build(corpus, caplog, **settings)
    asked: list[str] = []
    render = LedgerTemplate.render

    def noting(self, context):
        asked.append(context["output_file"])
        return render(self, context)

    monkeypatch.setattr(LedgerTemplate, "render", noting)
    made, skipped = ledger_build(corpus, caplog, **settings)
    assert (made, asked) == (0, [])
    built = BuiltSite(corpus / "output").snapshot()
    assert any(name.startswith("page/") for name in built), "the home page has pages"
    append_to_post(corpus)
    made, _ = ledger_build(corpus, caplog, **settings)
    home = [name for name in asked if name == "index.html" or name.startswith("page/")]
    assert len(home) == 1, "of the home page's pages, the one showing the post"
    assert len(asked) < skipped // 4


@pytest.mark.parametrize("settled", [False, True], ids=["read", "taken whole"])
def test_pages_that_follow_placement_keep_their_fingerprints_while_posts_stay_put(
    corpus, caplog, monkeypatch, settled
):
    # Post pages, listings and reblog pages are given only where posts are: after
    # a change to a post's text or perspectives, what they are given is worked
    # out again only for pages made anew; after a post is retagged, for all.
    if settled:
        monkeypatch.setattr(common_files, "SETTLED_NS", 0)
    workers = {"PERFORMANCE_WORKERS": 1}
    ledger_build(corpus, caplog, **workers)
    worked_out: list[str] = []
    fingerprint = OutputLedger.fingerprint

    def noting(self, inputs, scratch=None):
        if isinstance(inputs, tuple) and inputs and isinstance(inputs[0], str):
            worked_out.append(inputs[0])  # a page's template
        elif isinstance(inputs, tuple) and isinstance(inputs[0], FeedLink):
            worked_out.append(inputs[0].kind)  # a feed
        return fingerprint(self, inputs, scratch)

    monkeypatch.setattr(OutputLedger, "fingerprint", noting)
    pages = {"article.html", "reblog.html", "post_perspectives"}  # one per post
    listings = {"index.html", "tag.html", "category.html", "author.html"}
    for change in (append_to_post, approve_perspective):
        change(corpus)
        worked_out.clear()
        made, _ = ledger_build(corpus, caplog, **workers)
        assert made > 0
        assert not (pages | listings) & set(worked_out), change.__name__
        assert BuiltSite(corpus / "output").snapshot() == clean_snapshot(corpus)
    retag_post(corpus)
    worked_out.clear()
    ledger_build(corpus, caplog, **workers)
    posts = list((corpus / "content" / "posts").glob("*.md"))
    assert worked_out.count("article.html") == len(posts), "a post placed anew"
    assert worked_out.count("reblog.html") == len(posts)
    assert "post_perspectives" in worked_out
    assert BuiltSite(corpus / "output").snapshot() == clean_snapshot(corpus)


def test_a_posts_placement_is_what_it_holds_as_read_but_its_html():
    settings: dict = {"SITEURL": ""}
    context: dict = {}

    def placement(**changes):
        post = types.SimpleNamespace(
            _content="<p>One</p>", title="T", tags=["a"], settings=settings
        )
        vars(post).update(changes, _context=context)
        return placement_digest(post, placement_digester(settings, context))

    assert placement(_content="<p>Two</p>") == placement()
    assert placement(title="U") != placement()
    assert placement(tags=["b"]) != placement()


def test_a_listing_made_again_shows_other_posts_as_rendered_before(
    corpus, caplog, monkeypatch
):
    # After one post changed, its listings are made again: the other posts'
    # summaries are taken as an earlier build rendered them.
    settings = {"PERFORMANCE_WORKERS": 1, "DEFAULT_PAGINATION": 20}
    ledger_build(corpus, caplog, **settings)
    rendered: list[str] = []
    render = KeptRenders.render

    def noting(self, name, scope, args, make):
        return render(self, name, scope, args, lambda: rendered.append(name) or make())

    monkeypatch.setattr(KeptRenders, "render", noting)
    append_to_post(corpus)
    ledger_build(corpus, caplog, **settings)
    assert rendered == ["post_summary"], "the changed post's own, once"
    assert BuiltSite(corpus / "output").snapshot() == clean_snapshot(
        corpus, DEFAULT_PAGINATION=20
    )


def test_a_rendering_is_kept_while_its_posts_and_site_are_and_it_said_nothing(
    tmp_path,
):
    post = types.SimpleNamespace()
    paths = {id(post): "/posts/p.md"}

    def renders(site=b"site", digest=b"one"):
        return KeptRenders(tmp_path, site, paths, {"/posts/p.md": digest})

    first = renders()
    with reading() as read:

        def warning() -> str:
            read.said.append(("pelican", logging.WARNING, "Unable to find x"))
            return "<p>warned</p>"

        first.render("said", (None, None), (post,), warning)
        first.render("quiet", (None, None), (post,), lambda: "<p>quiet</p>")
    first.save()
    for kept, expected in (
        (renders(), ["said"]),
        (renders(digest=b"two"), ["said", "quiet"]),
        (renders(site=b"another"), ["said", "quiet"]),
    ):
        made: list[str] = []

        def make(name: str, made: list[str] = made) -> str:
            made.append(name)
            return "<p>new</p>"

        for name in ("said", "quiet"):
            text = kept.render(name, (None, None), (post,), partial(make, name))
            assert text in ("<p>quiet</p>", "<p>new</p>")
        assert made == expected


def test_a_rebuild_that_made_nothing_leaves_the_ledgers_file_alone(
    corpus, caplog, monkeypatch
):
    monkeypatch.setattr(common_files, "SETTLED_NS", 0)  # posts taken whole
    ledger_build(corpus, caplog)
    ledger_build(corpus, caplog)
    ledger_file = corpus / "cache" / "colloquy-outputs.pickle"
    before = ledger_file.stat()
    assert ledger_build(corpus, caplog)[0] == 0
    after = ledger_file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    append_to_post(corpus)
    assert ledger_build(corpus, caplog)[0] > 0
    assert ledger_file.stat().st_ino != before.st_ino, "written anew"
    assert ledger_build(corpus, caplog)[0] == 0, "and read back"


def test_a_few_new_renderings_are_added_to_the_file_and_a_damaged_end_is_dropped(
    tmp_path,
):
    posts = [types.SimpleNamespace() for _ in range(8)]
    paths = {id(post): f"/posts/{n}.md" for n, post in enumerate(posts)}
    digests = dict.fromkeys(paths.values(), b"d")

    def renders() -> KeptRenders:
        return KeptRenders(tmp_path, b"site", paths, digests)

    def render_all(kept: KeptRenders, name: str) -> list[int]:
        made: list[int] = []
        for n, post in enumerate(posts):
            kept.render(name, (), (post,), partial(lambda n: made.append(n) or "x", n))
        return made

    first = renders()
    assert render_all(first, "summary") == list(range(8))
    first.save()
    kept_file = tmp_path / "colloquy-renders.pickle"
    written = kept_file.stat()
    second = renders()
    second.render("entry", (), (posts[0],), lambda: "<li>")  # one new rendering
    assert render_all(second, "summary") == []
    second.save()
    assert kept_file.stat().st_ino == written.st_ino, "added to, not written anew"
    assert kept_file.stat().st_size > written.st_size
    with kept_file.open("ab") as handle:
        handle.write(b"\x80\x05\x95")  # a build stopped while adding to it
    third = renders()
    assert render_all(third, "summary") == []
    assert third.render("entry", (), (posts[0],), lambda: "new") == "<li>"
    third.render("entry", (), (posts[1],), lambda: "<li>")
    third.save()
    assert kept_file.stat().st_ino != written.st_ino, "written anew, whole"
    assert render_all(renders(), "summary") == []


def test_a_mapping_is_digested_alike_however_many_came_before_it():
    # A digester learns each type's shape as it meets it; what a page is given
    # must digest the same for the first page of a build and for the last.
    settings = dict(DEFAULT_CONFIG)
    given = {"tag": Tag("news", settings), "title": "T"}
    fresh = Digester({}).digest(given)
    seasoned = Digester({})
    seasoned.digest([Tag("other", settings), Tag("more", settings)])
    assert seasoned.digest(given) == fresh


def test_a_listing_page_is_digested_by_its_paginator_and_number():
    posts = [Item(n) for n in range(7)]
    names = {id(p): f"post {n}" for n, p in enumerate(posts)}
    settings = {"DEFAULT_ORPHANS": 0}

    def page(number: int, listed=posts, url="tag/a/"):
        paginator = Paginator("tag/a/index.html", url, listed, settings, per_page=3)
        return paginator.page(number)

    def digest(value):
        return Digester({**names, id(settings): "settings"}).digest(value)

    assert digest(page(2)) == digest(page(2))
    assert page(2).object_list == posts[3:6]
    assert digest(page(2)) != digest(page(3))
    assert digest(page(2)) != digest(page(2, url="tag/b/"))
    assert digest(page(2)) != digest(page(2, listed=posts[::-1]))
    assert digest(page(1)) != digest(page(1, listed=posts[:6]))


def seeing_digester() -> tuple[Digester, list[type]]:
    """Return a digester and the types of the values it looks inside, as it goes."""
    visited: list[type] = []
    digester = Digester({})
    inside = digester._inside

    def noting(h, value):
        visited.append(type(value))
        return inside(h, value)

    digester._inside = noting
    return digester, visited


def test_a_posts_threads_are_fingerprinted_through_its_perspectives():
    def perspective(name: str, reply: str = "") -> str:
        head = f"Author: {name}\nDate: 2024-05-02 10:00\n"
        return head + (f"In-Reply-To: {reply}\n" if reply else "") + "\nHi.\n"

    def post(texts: dict[str, str]) -> types.SimpleNamespace:
        items = [
            parse_perspective(text, path=f"perspectives/p/{name}.md", post="p")
            for name, text in texts.items()
        ]
        tops, _ = thread_perspectives(items)
        return types.SimpleNamespace(perspectives=tuple(items), threads=Threads(tops))

    flat = post({"a": perspective("Ann"), "b": perspective("Bo")})
    nested = post({"a": perspective("Ann"), "b": perspective("Bo", reply="a")})
    digester, visited = seeing_digester()
    assert digester.state(flat) != digester.state(nested)  # the reply is seen
    assert ThreadNode not in visited  # ... in the perspectives, not the threads
    assert Digester({}).digest(flat.threads) == Digester({}).digest(nested.threads)


def test_a_transcript_page_is_fingerprinted_by_its_file_url_and_posts(tmp_path):
    chat = tmp_path / "t.chat"
    chat.write_text(CHAT, encoding="utf-8")
    transcript = read_transcript(chat, "transcripts/t.chat")
    settings = TranscriptsSettings(page_size=2)
    post = types.SimpleNamespace(source_path="/content/posts/a.md")
    digester, visited = seeing_digester()
    alone = digester.digest(lay_out(transcript, settings))
    assert visited == [TranscriptPage]  # named: its layout (14,000 positions) unread
    linked = Digester({}).digest(lay_out(transcript, settings, posts=(post,)))
    assert linked != alone
    other = replace(transcript, text_digest=transcript.text_digest[::-1])
    assert Digester({}).digest(lay_out(other, settings)) != alone
    unread = replace(transcript, text_digest="")  # not from a file: read it all
    assert Digester({}).digest(lay_out(unread, settings)) != alone


def test_a_reblog_pages_sharing_is_fingerprinted_by_its_post():
    def sharing(path: str, **options) -> Sharing:
        post = types.SimpleNamespace(source_path=path)
        return Sharing(article=post, options=ReblogSettings(**options), settings={})

    digester, visited = seeing_digester()
    one = digester.digest(sharing("/content/posts/a.md"))
    assert visited == [Sharing]  # its options come from the settings: not read
    assert Digester({}).digest(sharing("/content/posts/b.md")) != one
    # The options are the settings' (in every page's digest), whatever they are.
    assert Digester({}).digest(sharing("/content/posts/a.md", excerpt_chars=9)) == one
