"""Speed-ups must not change output: each fast path equals the plain one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import feedparser
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
import nh3
from pelican import signals
from pelican.generators import ArticlesGenerator
import pytest

from plugins.bench.corpus import CorpusShape, write_corpus
from plugins.bench.run import write_settings
from plugins.common.errors import ContentError
from plugins.common.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    LINK_REL,
    URL_SCHEMES,
    _keep_url,
    sanitize_html,
    xml_safe,
)
from plugins.performance.listings import QuickListings
from plugins.perspectives.model import Perspective
from plugins.site_feeds.entries import (
    newest,
    newest_perspectives,
    perspective_items,
    post_id,
)
from plugins.site_feeds.settings import FeedsSettings

from .support import build_in_processes, build_site_at

PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<a href='https://ok.example/'>", "<a href=javascript:x>",
        "</a>", "<img src=https://i.example/x.png alt=x>", "<script>", "</script>",
        "<b onclick=evil()>", "</b>", "<!-- note -->", "&amp;", "&bogus;", "<",
        "<table><tr><td>", "</td></tr></table>", "<code>", "</code>", "\x00",
        "<blockquote cite='https://q.example/'>", "</blockquote>", "<br>",
        "<span class='spoiler x'>", "</span>", "<code class=lang-py>", "&#1;",
        "<a href='java%73cript:x'>", "<a href=' JAVASCRIPT:x'>", "<a href=/local>",
    ]
)  # fmt: skip
HTML = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=25).map("".join)


CLASSES = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["span", "code", "p", "script"]),
        st.frozensets(st.sampled_from(["spoiler", "lang-py", "x"]), max_size=2),
        max_size=2,
    ),
)


def plain_clean(html: str, allow_images: bool, classes) -> str:
    """The one-call nh3 form the prebuilt cleaner replaced."""
    tags = ALLOWED_TAGS | {"img"} if allow_images else ALLOWED_TAGS
    cleaned = nh3.clean(
        xml_safe(html),
        tags=set(tags),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items() if k in tags},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=_keep_url,
        link_rel=LINK_REL,
        strip_comments=True,
        allowed_classes={k: set(v) for k, v in (classes or {}).items() if k in tags},
    )
    return xml_safe(cleaned)


@settings(max_examples=300)
@given(html=HTML, allow_images=st.booleans(), classes=CLASSES)
def test_the_prebuilt_cleaner_cleans_exactly_like_nh3_clean(
    html, allow_images, classes
):
    fast = sanitize_html(html, allow_images=allow_images, classes=classes)
    assert str(fast) == plain_clean(html, allow_images, classes)


def test_the_site_is_the_same_with_and_without_the_performance_plugin(tmp_path):
    write_corpus(
        tmp_path, CorpusShape(posts=12, transcripts=1, messages_per_transcript=40)
    )
    settings = write_settings(tmp_path)["colloquy"]
    plain = tmp_path / "plain.py"
    plain.write_text(
        settings.read_text(encoding="utf-8")
        + 'PLUGINS = [p for p in PLUGINS if p != "plugins.performance"]\n'
        + 'THEME_STATIC_PATHS = ["static"]\n',
        encoding="utf-8",
    )
    sites = build_in_processes(tmp_path, {"fast": settings, "plain": plain})
    fast = sites["fast"]
    assert fast == sites["plain"]
    assert "theme/css/site.css" in fast
    assert sum(1 for name in fast if "/post-" in name) >= 12


def _post(title: str, date: str, extra: str = "") -> str:
    return f"Title: {title}\nDate: {date}\nCategory: Notes\n{extra}\nBody of {title}.\n"


def test_a_limited_feed_renders_only_its_newest_posts_and_keeps_their_order(
    tmp_path, caplog
):
    files = {
        "posts/2024-01-01-oldest.md": _post("Oldest", "2024-01-01 09:00"),
        "posts/2024-02-01-tie-a.md": _post("Tie A", "2024-02-01 09:00"),
        "posts/2024-02-01-tie-b.md": _post("Tie B", "2024-02-01 09:00"),
        "posts/2024-03-01-middle.md": _post("Middle", "2024-03-01 09:00"),
        "posts/2024-04-01-bad-id.md": _post(
            "Bad id", "2024-04-01 09:00", "Feed-Id: not an id"
        ),
    }
    every = build_site_at(tmp_path / "all", files, FEEDS_LIMITS={"site": None})
    feed = (every.output / "feeds/atom.xml").read_bytes()
    titles = [e.title for e in feedparser.parse(feed).entries]
    assert titles == ["Middle", "Tie B", "Tie A", "Oldest"]
    caplog.clear()
    limited = build_site_at(tmp_path / "two", files, FEEDS_LIMITS={"site": 2})
    parsed = feedparser.parse((limited.output / "feeds/atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == titles[:2]
    assert any("bad-id.md: expected Feed-Id" in r.getMessage() for r in caplog.records)


FEEDS = FeedsSettings.from_settings({"SITEURL": "https://colloquy.example"})
DAYS = st.sampled_from([datetime(2024, 5, d, 9, 0, tzinfo=UTC) for d in (1, 2, 3)])


@st.composite
def discussed_posts(draw) -> list[SimpleNamespace]:
    """Posts with perspectives whose dates and ids often tie, some bad Feed-Ids."""
    posts = []
    for number in range(draw(st.integers(0, 5))):
        ids = draw(st.lists(st.sampled_from("abcd"), max_size=5))
        perspectives = tuple(
            Perspective(
                id=pid,
                post=f"p{number}",
                author="Ann",
                date=draw(DAYS),
                html=Markup(f"<p>{pid}</p>"),
                source_path=f"perspectives/p{number}/{pid}.md",
                in_reply_to=draw(st.sampled_from([None, "a", "z"])),
            )
            for pid in ids
        )
        bad = draw(st.booleans()) and draw(st.booleans())
        posts.append(
            SimpleNamespace(
                url=f"p{number}/",
                title=f"Post {number}",
                slug=draw(st.sampled_from(["same", f"p{number}"])),
                date=datetime(2024, 5, 1, tzinfo=UTC),
                source_path=f"posts/p{number}.md",
                metadata={"feed-id": "not an id"} if bad else {},
                perspectives=perspectives,
            )
        )
    return posts


@settings(max_examples=300)
@given(posts=discussed_posts(), limit=st.integers(1, 8))
def test_the_newest_perspectives_are_chosen_as_newest_would_choose_entries(
    posts, limit
):
    every = []
    for post in posts:
        try:
            ref = post_id(post, FEEDS, path=post.source_path)
        except ContentError:
            continue
        every.extend(perspective_items(post, FEEDS, post_item_id=ref, full=True))
    chosen = [
        perspective_items(post, FEEDS, post_item_id="-", full=True)[index]
        for post, index in newest_perspectives(posts, FEEDS, limit)
    ]
    assert [(i.id, i.link) for i in chosen] == [
        (i.id, i.link) for i in newest(every, limit)
    ]


def _perspective(day: int, author: str) -> str:
    return f"Author: {author}\nDate: 2024-05-{day:02d} 10:00\n\nOn day {day}.\n"


def test_a_limited_perspectives_feed_makes_only_the_newest_entries(tmp_path):
    files = {
        "posts/2024-05-01-one.md": _post("One", "2024-05-01 09:00"),
        "posts/2024-05-02-two.md": _post("Two", "2024-05-02 09:00"),
        "posts/2024-05-03-bad-id.md": _post(
            "Bad id", "2024-05-03 09:00", "Feed-Id: not an id"
        ),
        "perspectives/one/2024-05-05-1000-ann.md": _perspective(5, "Ann"),
        "perspectives/one/2024-05-07-1000-bo.md": _perspective(7, "Bo"),
        "perspectives/two/2024-05-07-1000-cy.md": _perspective(7, "Cy"),
        "perspectives/two/2024-05-06-1000-di.md": _perspective(6, "Di"),
        "perspectives/bad-id/2024-05-09-1000-ed.md": _perspective(9, "Ed"),
    }
    every = build_site_at(tmp_path / "all", files, FEEDS_LIMITS={"perspectives": None})
    two = build_site_at(tmp_path / "two", files, FEEDS_LIMITS={"perspectives": 2})
    path = "feeds/perspectives.atom.xml"
    titles = [e.title for e in feedparser.parse(every.output / path).entries]
    assert titles == [
        "Cy on \u201cTwo\u201d",
        "Bo on \u201cOne\u201d",
        "Di on \u201cTwo\u201d",
        "Ann on \u201cOne\u201d",
    ]
    assert [e.title for e in feedparser.parse(two.output / path).entries] == titles[:2]
    # The posts' own feeds get every entry, whether or not the site's feed made it.
    for name in ("one", "two"):
        own = f"feeds/perspectives/{name}.atom.xml"
        assert (two.output / own).read_bytes() == (every.output / own).read_bytes()
        assert len(feedparser.parse(two.output / own).entries) == 2


@dataclass(frozen=True)
class _Name:
    """A tag, category or author as the listing makers read it."""

    slug: str

    @property
    def save_as(self) -> str:
        return f"{self.slug}/index.html"

    url = page_name = save_as


class _Post:
    """A post as the listings read it: compared by identity, as Pelican's are."""

    def __init__(self, date: datetime, tags, category, author) -> None:
        self.date, self.tags, self.category, self.author = date, tags, category, author


class _EqualPost(_Post):
    """A post equal to any post of its category: one-pass listings must not be used."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Post) and self.category == other.category

    __hash__ = object.__hash__


TAGS = [_Name(f"tag-{n}") for n in range(4)]
CATEGORIES = [_Name(f"category-{n}") for n in range(3)]
AUTHORS = [_Name(f"author-{n}") for n in range(2)]


@st.composite
def listed_posts(draw) -> list[_Post]:
    """Posts over a few years, months and days, often on the same day."""
    kind = draw(st.sampled_from([_Post, _Post, _EqualPost]))
    return [
        kind(
            datetime(2020, 1, 1, 9, tzinfo=UTC)
            + timedelta(days=draw(st.sampled_from([0, 1, 30, 31, 200, 400, 800]))),
            draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=3)),
            draw(st.sampled_from(CATEGORIES)),
            draw(st.sampled_from(AUTHORS)),
        )
        for _ in range(draw(st.integers(0, 14)))
    ]


def _generator(kind: type, posts: list[_Post], newest_first: bool):
    """A generator of posts holding what generate_context would have left."""
    generator = object.__new__(kind)
    generator.articles = sorted(posts, key=lambda p: p.date, reverse=True)
    generator.dates = sorted(posts, key=lambda p: p.date, reverse=newest_first)
    generator.tags = defaultdict(list)
    categories, authors = defaultdict(list), defaultdict(list)
    for post in generator.articles:
        for tag in post.tags:
            generator.tags[tag].append(post)
        categories[post.category].append(post)
        authors[post.author].append(post)
    generator.categories = sorted(categories.items(), key=lambda kv: kv[0].slug)
    generator.authors = sorted(authors.items(), key=lambda kv: kv[0].slug)
    generator.context = {}
    generator.get_template = lambda name: name
    return generator


def _listings_made(generator) -> list[tuple]:
    """Make the tag, category and author pages; return what each was given."""
    made = []

    def write(save_as, template, context, **given):
        posts = [id(p) for p in given["articles"]]
        dates = [id(p) for p in given["dates"]]
        made.append((save_as, template, posts, dates, given["template_name"]))

    kept = (generator.tags, generator.categories, generator.authors)
    generator.generate_tags(write)
    generator.generate_categories(write)
    generator.generate_authors(write)
    after = (generator.tags, generator.categories, generator.authors)
    assert all(now is before for now, before in zip(after, kept, strict=True))
    return made


@settings(max_examples=200)
@given(posts=listed_posts(), newest_first=st.booleans())
def test_one_pass_listings_give_each_page_what_pelican_gives_it(posts, newest_first):
    plain = _generator(ArticlesGenerator, posts, newest_first)
    quick = _generator(QuickListings, posts, newest_first)
    assert _listings_made(quick) == _listings_made(plain)


ARCHIVES = {
    "YEAR_ARCHIVE_SAVE_AS": "{date:%Y}/index.html",
    "YEAR_ARCHIVE_URL": "{date:%Y}/",
    "MONTH_ARCHIVE_SAVE_AS": "{date:%Y}/{date:%m}/index.html",
    "MONTH_ARCHIVE_URL": "{date:%Y}/{date:%m}/",
    "DAY_ARCHIVE_SAVE_AS": "{date:%Y}/{date:%m}/{date:%d}/index.html",
    "DAY_ARCHIVE_URL": "{date:%Y}/{date:%m}/{date:%d}/",
}


def _ids(archives: dict) -> dict:
    """Period archives with each post list as the posts' identities."""
    return {
        granularity: [
            {
                key: [id(p) for p in value] if key in ("dates", "articles") else value
                for key, value in archive.items()
            }
            for archive in periods
        ]
        for granularity, periods in archives.items()
    }


@settings(max_examples=200)
@given(
    posts=listed_posts(),
    newest_first=st.booleans(),
    without=st.sets(st.sampled_from(["YEAR", "MONTH", "DAY"])),
)
def test_one_pass_period_archives_are_pelicans(posts, newest_first, without):
    settings = {
        key: "" if key.split("_")[0] in without else value
        for key, value in ARCHIVES.items()
    }
    plain = _generator(ArticlesGenerator, posts, newest_first)
    quick = _generator(QuickListings, posts, newest_first)
    made = [
        g._build_period_archives(g.dates, g.articles, settings) for g in (quick, plain)
    ]
    assert _ids(made[0]) == _ids(made[1])


def test_the_lists_of_the_generator_are_given_back_when_a_listing_fails():
    post = _Post(datetime(2024, 5, 1, tzinfo=UTC), [TAGS[0]], CATEGORIES[0], AUTHORS[0])
    generator = _generator(QuickListings, [post], newest_first=True)
    tags = generator.tags

    def write(*args, **kwargs):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        generator.generate_tags(write)
    assert generator.tags is tags
    assert type(generator.tags[TAGS[0]]) is list


def test_a_build_lists_tags_and_periods_in_one_pass_in_date_order(tmp_path):
    seen: list[type] = []

    def note(generator):
        seen.append(type(generator))

    signals.article_generator_finalized.connect(note, weak=False)
    try:
        site = build_site_at(
            tmp_path,
            {
                "posts/a.md": _post("Old", "2023-12-30 09:00", "Tags: both\n"),
                "posts/b.md": _post("Middle", "2024-01-02 09:00", "Tags: both\n"),
                "posts/c.md": _post("New", "2024-01-03 09:00", "Tags: both, one\n"),
            },
        )
    finally:
        signals.article_generator_finalized.disconnect(note)
    assert seen == [QuickListings]

    def titles(page: str) -> list[str]:
        [feed] = [i for i in site.mf2(page)["items"] if "h-feed" in i["type"]]
        return [entry["properties"]["name"][0] for entry in feed["children"]]

    assert titles("tag/both/index.html") == ["New", "Middle", "Old"]
    assert titles("tag/one/index.html") == ["New"]
    assert titles("2024/index.html") == ["New", "Middle"]
    assert titles("2023/12/index.html") == ["Old"]
