"""Feeds: every feed parses as readers parse it, stays stable, and stays well-formed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
import functools
from html import escape as html_escape
import json
import logging
from pathlib import Path
import tempfile
import types

import feedparser
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from pelican import Pelican
from pelican.settings import read_settings
from pelican.utils import SafeDatetime
import pytest

from plugins.common.errors import ContentError, PluginConfigError
from plugins.common.sanitize import xml_safe
from plugins.site_feeds import entries
from plugins.site_feeds.entries import absolute_html
from plugins.site_feeds.generator import FeedsGenerator
from plugins.site_feeds.model import Feed, FeedItem, Person, Replies
from plugins.site_feeds.settings import FeedsSettings
from plugins.site_feeds.writer import render_atom, render_json, render_rss

from .support import ROOT

SITE = "https://example.test"
ATOM = "http://www.w3.org/2005/Atom"
THR = "http://purl.org/syndication/thread/1.0"
SLASH = "http://purl.org/rss/1.0/modules/slash/"
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).parent / "data" / "atom.rng")))

FIRST = """\
Title: Margins &amp; marginalia
Date: 2024-05-01 10:32
Category: Essays
Tags: reading, notes
Summary: What the <em>margins</em> of a library book say.

A note in the margin of a [borrowed book](/2024/06/second-thoughts/) outlives
the borrower. ![A cabinet](/images/filing-cabinet.svg)
See also [the about page](../../../about/) and <a href="#fn1">a footnote</a>.
<img src="images/local.png" alt="a chart">
"""
SECOND = """\
Title: Second thoughts
Date: 2024-06-02 19:45
Modified: 2024-06-10 08:00
Category: Notes
Author: Ann Other
Tags: notes

Short and *plain*.
"""
DRAFT = "Title: Not yet\nDate: 2024-07-01\nStatus: draft\n\nUnfinished.\n"
FILES = {
    "posts/2024-05-01-margins.md": FIRST,
    "posts/2024-06-02-second-thoughts.md": SECOND,
    "posts/2024-07-01-not-yet.md": DRAFT,
}


def build(build_site, files=FILES, **overrides):
    return build_site(files, SITEURL=SITE, **overrides)


def feeds_in(site) -> dict[str, bytes]:
    """Return every feed file of a build (XML and JSON), by output path."""
    return {
        path: data
        for path, data in site.snapshot().items()
        if path.startswith("feeds/") and not path.endswith(".xsl")
    }


def parse(data: bytes):
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_the_expected_feeds_exist_at_paths_that_say_what_they_are(build_site):
    site = build(build_site)
    assert sorted(feeds_in(site)) == [
        "feeds/atom.xml",
        "feeds/author/ann-other.atom.xml",
        "feeds/author/mara-quill.atom.xml",
        "feeds/category/essays.atom.xml",
        "feeds/category/notes.atom.xml",
        "feeds/feed.json",
        "feeds/perspectives.atom.xml",
        "feeds/rss.xml",
        "feeds/tag/notes.atom.xml",
        "feeds/tag/reading.atom.xml",
        "feeds/transcripts.atom.xml",
    ]


def test_every_feed_parses_cleanly_as_feed_readers_parse_it(build_site):
    site = build(build_site)
    for path, data in feeds_in(site).items():
        if path.endswith(".json"):
            continue
        parsed = parse(data)
        assert parsed.feed.title.startswith("Colloquy"), path
        # The site has neither perspectives nor transcripts yet: those feeds are empty.
        empty = {"feeds/perspectives.atom.xml", "feeds/transcripts.atom.xml"}
        assert bool(parsed.entries) is (path not in empty), path
        for entry in parsed.entries:
            assert entry.link.startswith(f"{SITE}/20"), (path, entry.link)
            assert entry.id.startswith("tag:colloquy.example.org,2024-"), entry.id
            assert entry.published_parsed
            assert "updated" in entry if path.endswith("atom.xml") else True
            assert entry.author in {"Mara Quill", "Ann Other"}
            assert "Not yet" not in entry.title
    site_feed = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
    assert [e.title for e in site_feed.entries] == [
        "Second thoughts",
        "Margins & marginalia",
    ]
    tag_feed = parse(site.output.joinpath("feeds/tag/reading.atom.xml").read_bytes())
    assert [e.title for e in tag_feed.entries] == ["Margins & marginalia"]
    assert tag_feed.feed.title == "Colloquy: posts tagged reading"
    assert tag_feed.feed.link == f"{SITE}/tag/reading/"


def test_atom_feeds_are_valid_against_the_rfc_4287_schema(build_site):
    site = build(build_site)
    atom_feeds = [p for p in feeds_in(site) if p.endswith("atom.xml")]
    assert len(atom_feeds) == 9
    for path in atom_feeds:
        document = etree.parse(site.output / path)
        assert SCHEMA.validate(document), (path, SCHEMA.error_log.last_error)
        _check_atom_rules(document.getroot())


def _check_atom_rules(feed) -> None:
    """RFC 4287's rules a grammar cannot say: authors, one alternate per type."""
    has_feed_author = feed.find(f"{{{ATOM}}}author") is not None
    for entry in feed.iter(f"{{{ATOM}}}entry"):
        assert has_feed_author or entry.find(f"{{{ATOM}}}author") is not None
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in entry.iter(f"{{{ATOM}}}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) == len(set(alternates)) == 1, alternates


def test_a_site_without_an_author_still_gives_valid_atom(build_site):
    # Posts without Author: and no AUTHOR setting: the entries have no author.
    site = build(build_site, AUTHOR="")
    atom_feeds = [p for p in feeds_in(site) if p.endswith("atom.xml")]
    assert "feeds/atom.xml" in atom_feeds
    for path in atom_feeds:
        document = etree.parse(site.output / path)
        assert SCHEMA.validate(document), (path, SCHEMA.error_log.last_error)
        _check_atom_rules(document.getroot())
    parsed = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
    assert [e.get("author") for e in parsed.entries] == ["Ann Other", None]
    assert parsed.feed.author == "Colloquy"  # the site's name stands in


def test_the_schema_check_can_fail():
    missing_id = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>'
    assert not SCHEMA.validate(etree.fromstring(missing_id))


def test_namespaces_are_declared_once_on_the_root(build_site):
    site = build(build_site)
    atom = site.output.joinpath("feeds/atom.xml").read_bytes()
    rss = site.output.joinpath("feeds/rss.xml").read_bytes()
    atom_root, rss_root = etree.fromstring(atom), etree.fromstring(rss)
    assert atom_root.tag == f"{{{ATOM}}}feed"
    assert atom_root.nsmap[None] == ATOM
    assert rss_root.tag == "rss" and rss_root.get("version") == "2.0"
    assert rss_root.nsmap["atom"] == ATOM
    assert rss_root.nsmap["dc"] == "http://purl.org/dc/elements/1.1/"
    for data in (atom, rss):
        assert data.count(b"xmlns:") == len(etree.fromstring(data).nsmap) - (
            None in etree.fromstring(data).nsmap
        )


def test_dates_carry_zones_and_updated_comes_from_modified(build_site):
    site = build(build_site)
    feed = etree.parse(site.output / "feeds/atom.xml").getroot()
    entries = {e.findtext(f"{{{ATOM}}}title"): e for e in feed.iter(f"{{{ATOM}}}entry")}
    second = entries["Second thoughts"]
    assert second.findtext(f"{{{ATOM}}}published") == "2024-06-02T19:45:00-04:00"
    assert second.findtext(f"{{{ATOM}}}updated") == "2024-06-10T08:00:00-04:00"
    first = entries["Margins & marginalia"]
    assert first.findtext(f"{{{ATOM}}}updated") == "2024-05-01T10:32:00-04:00"
    # The feed is as new as its newest change, never the time of the build.
    assert feed.findtext(f"{{{ATOM}}}updated") == "2024-06-10T08:00:00-04:00"
    rss = etree.parse(site.output / "feeds/rss.xml").getroot()
    assert rss.findtext("channel/lastBuildDate") == "Mon, 10 Jun 2024 08:00:00 -0400"


def test_two_builds_write_byte_identical_feeds(build_site):
    first = feeds_in(build(build_site))
    second = feeds_in(build(build_site))
    assert first == second


def test_a_new_title_or_a_renamed_file_keeps_every_id(build_site, tmp_path):
    def ids(site):
        parsed = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
        return sorted(entry.id for entry in parsed.entries)

    before = ids(build(build_site))
    retitled = {**FILES, "posts/2024-05-01-margins.md": FIRST.replace(
        "Margins &amp; marginalia", "Notes in the margins")}  # fmt: skip
    assert ids(build(build_site, retitled)) == before
    renamed = dict(FILES)
    renamed["posts/2024-05-01-marginalia.md"] = FIRST.replace(
        "Category:", "Earlier-Slugs: margins\nCategory:"
    )
    del renamed["posts/2024-05-01-margins.md"]
    (tmp_path / "content/posts/2024-05-01-margins.md").unlink()
    site = build(build_site, renamed, POSTS_EXTRA_METADATA=["earlier-slugs"])
    assert ids(site) == before
    assert "tag:colloquy.example.org,2024-05-01:margins" in before


def test_feed_id_in_the_header_overrides_the_derived_id(build_site):
    files = {**FILES, "posts/2024-06-02-second-thoughts.md": SECOND.replace(
        "Tags:", "Feed-Id: http://old.example/?p=123\nTags:")}  # fmt: skip
    site = build(build_site, files)
    parsed = parse(site.output.joinpath("feeds/rss.xml").read_bytes())
    assert "http://old.example/?p=123" in [entry.id for entry in parsed.entries]


def test_a_bad_feed_id_is_reported_and_costs_only_that_post(build_site, caplog):
    files = {**FILES, "posts/2024-06-02-second-thoughts.md": SECOND.replace(
        "Tags:", "Feed-Id: not an id\nTags:")}  # fmt: skip
    site = build(build_site, files)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        m.startswith("posts/2024-06-02-second-thoughts.md: expected Feed-Id")
        for m in errors
    ), errors
    parsed = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
    assert [entry.title for entry in parsed.entries] == ["Margins & marginalia"]


def test_links_and_images_in_content_become_absolute(build_site):
    site = build(build_site)
    parsed = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
    entry = next(e for e in parsed.entries if e.title.startswith("Margins"))
    html = entry.content[0].value
    assert f'href="{SITE}/2024/06/second-thoughts/"' in html
    assert f'src="{SITE}/images/filing-cabinet.svg"' in html
    assert f'href="{SITE}/about/"' in html
    assert f'href="{SITE}/2024/05/margins/#fn1"' in html
    assert f'src="{SITE}/2024/05/margins/images/local.png"' in html
    assert 'href="/' not in html and 'src="/' not in html


def test_development_builds_fall_back_to_feeds_siteurl(build_site):
    site = build_site(FILES, SITEURL="", FEEDS_SITEURL="http://localhost:9000/blog")
    parsed = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
    assert parsed.entries[0].link.startswith("http://localhost:9000/blog/2024/")
    # The stylesheet stays same-origin: a path, not a URL.
    assert (
        b'href="/blog/feeds/feed.xsl"'
        in site.output.joinpath("feeds/atom.xml").read_bytes()
    )


def test_summary_mode_and_item_limits_are_per_feed(build_site):
    site = build(
        build_site,
        FEEDS_CONTENT={"site": "summary"},
        FEEDS_LIMITS={"site": 1, "tag": 5},
    )
    site_feed = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
    assert [e.title for e in site_feed.entries] == ["Second thoughts"]
    assert "content" not in site_feed.entries[0]
    rss = etree.parse(site.output / "feeds/rss.xml").getroot()
    assert len(rss.findall("channel/item")) == 1
    assert (
        rss.find("channel/item/{http://purl.org/rss/1.0/modules/content/}encoded")
        is None
    )
    tag_feed = parse(site.output.joinpath("feeds/tag/notes.atom.xml").read_bytes())
    assert len(tag_feed.entries) == 2
    assert "plain" in tag_feed.entries[0].content[0].value


def test_a_feed_switched_off_is_neither_written_nor_announced(build_site):
    site = build(build_site, FEEDS_PATHS={"site_rss": None, "tag": None})
    files = feeds_in(site)
    assert "feeds/rss.xml" not in files
    assert not [path for path in files if path.startswith("feeds/tag/")]
    head = site.html("index.html").select('link[rel="alternate"]')
    assert [link["type"] for link in head] == [
        "application/atom+xml",
        "application/feed+json",
    ]


def test_custom_paths_are_used(build_site):
    site = build(
        build_site,
        FEEDS_PATHS={"site_atom": "index.atom", "category": "topics/{slug}.xml"},
    )
    assert (site.output / "index.atom").is_file()
    assert (site.output / "topics/essays.xml").is_file()
    links = site.html("category/essays/index.html").select('link[rel="alternate"]')
    assert f"{SITE}/topics/essays.xml" in [link["href"] for link in links]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"FEEDS_PATHS": {"site_atomm": "x.xml"}}, "FEEDS_PATHS: expected a key in"),
        ({"FEEDS_PATHS": {"tag": "feeds/tags.xml"}}, "expected a path with '{slug}'"),
        ({"FEEDS_PATHS": {"site_rss": "../rss.xml"}}, "expected a path inside"),
        ({"FEEDS_PATHS": {"site_rss": "/rss.xml"}}, "expected a relative output"),
        ({"FEEDS_CONTENT": {"site": "some"}}, "FEEDS_CONTENT['site']: expected one"),
        ({"FEEDS_LIMITS": {"tag": 0}}, "FEEDS_LIMITS['tag']: expected a positive"),
        ({"FEEDS_LIMITS": {"tag": True}}, "FEEDS_LIMITS['tag']: expected a positive"),
        ({"FEEDS_SITEURL": "example.org"}, "FEEDS_SITEURL: expected an absolute"),
        ({"FEEDS_ID_AUTHORITY": "a/b"}, "FEEDS_ID_AUTHORITY: expected a domain"),
        ({"FEEDS_SUBSCRIBE_URL": "/subscribe/"}, "FEEDS_SUBSCRIBE_URL: expected"),
        (
            {"FEEDS_PATHS": {"perspectives": "feeds/atom.xml"}},
            "FEEDS_PATHS['site_atom']: expected a path of its own",
        ),
        (
            {"FEEDS_PATHS": {"tag": "feeds/{slug}.xml", "author": "feeds/{slug}.xml"}},
            "FEEDS_PATHS['tag']: expected a path of its own",
        ),
        ({"FEEDS_PATHS": {"tag": "t/{name}.xml"}}, "expected no placeholder but"),
        ({"FEED_ALL_ATOM": "feeds/all.atom.xml"}, "FEED_ALL_ATOM: expected None"),
    ],
)
def test_bad_settings_are_refused(overrides, message):
    with pytest.raises(PluginConfigError, match=message.replace("[", r"\[")):
        FeedsSettings.from_settings(overrides)


def test_every_bad_setting_is_reported_at_once_before_anything_is_read(tmp_path):
    override = {
        "PATH": str(tmp_path / "content"),
        "OUTPUT_PATH": str(tmp_path / "output"),
        "THEME": str(ROOT / "theme"),
        "FEEDS_CONTENT": {"tag": "most"},
        "FEEDS_LIMITS": {"site": -1},
    }
    (tmp_path / "content").mkdir()
    settings = read_settings(str(ROOT / "pelicanconf.py"), override=override)
    with pytest.raises(PluginConfigError) as caught:
        Pelican(settings)
    assert str(caught.value).splitlines() == [
        "FEEDS_CONTENT['tag']: expected one of ('full', 'summary'), got 'most'",
        "FEEDS_LIMITS['site']: expected a positive number or None, got -1",
    ]
    assert not (tmp_path / "output").exists()


def test_pages_announce_their_feeds(build_site):
    site = build(build_site)

    def alternates(page):
        return {
            link["href"]: link["type"]
            for link in site.html(page).select('head link[rel="alternate"]')
        }

    every_page = {
        f"{SITE}/feeds/atom.xml": "application/atom+xml",
        f"{SITE}/feeds/rss.xml": "application/rss+xml",
        f"{SITE}/feeds/feed.json": "application/feed+json",
    }
    assert alternates("index.html") == every_page
    assert alternates("2024/05/margins/index.html") == every_page
    category = alternates("category/essays/index.html")
    assert category == {**every_page, f"{SITE}/feeds/category/essays.atom.xml": (
        "application/atom+xml")}  # fmt: skip
    assert f"{SITE}/feeds/tag/reading.atom.xml" in alternates("tag/reading/index.html")
    assert f"{SITE}/feeds/author/ann-other.atom.xml" in alternates(
        "author/ann-other/index.html"
    )
    for page in site.pages():
        assert every_page.items() <= alternates(page).items(), page


def test_the_subscribe_page_lists_every_feed_and_the_footer_links_it(build_site):
    site = build(build_site)
    page = site.html("subscribe/index.html")
    listed = sorted(
        a["href"].removeprefix(f"{SITE}/") for a in page.select(".feed a.feed-url")
    )
    assert listed == sorted(feeds_in(site))
    formats = {a.get_text() for a in page.select(".feed .feed-format")}
    assert formats == {"(Atom)", "(RSS)", "(JSON Feed)"}
    footer = site.html("2024/05/margins/index.html").select_one(".site-subscribe a")
    assert footer["href"] == f"{SITE}/subscribe/"


def test_feed_titles_with_quotes_and_markup_are_text_in_every_page(build_site):
    post = (
        'Title: The "best" &lt;reply&gt;\nDate: 2024-01-01\nCategory: Q&amp;A\n\nHi.\n'
    )
    site = build_site(
        {
            "posts/2024-01-01-best.md": post,
            "perspectives/best/2024-01-02-ann.md": "Author: Ann\nDate: 2024-01-02"
            "\n\nYes.\n",
        },
        SITEURL=SITE,
    )
    title = 'Perspectives on \u201cThe "best" <reply>\u201d'
    links = site.html("2024/01/best/index.html").select('head link[rel="alternate"]')
    assert title in [link["title"] for link in links]
    subscribe = site.html("subscribe/index.html")
    assert title in [a.get_text() for a in subscribe.select(".feed a.feed-url")]
    assert not subscribe.select("reply")


def test_json_feed_matches_the_atom_feed(build_site):
    site = build(build_site)
    document = json.loads(site.output.joinpath("feeds/feed.json").read_text())
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == f"{SITE}/feeds/feed.json"
    assert document["home_page_url"] == f"{SITE}/"
    atom = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
    assert [item["id"] for item in document["items"]] == [e.id for e in atom.entries]
    second = document["items"][0]
    assert second["date_published"] == "2024-06-02T19:45:00-04:00"
    assert second["date_modified"] == "2024-06-10T08:00:00-04:00"
    assert second["authors"] == [
        {"name": "Ann Other", "url": f"{SITE}/author/ann-other/"}
    ]
    assert second["tags"] == ["Notes", "notes"]
    assert document["items"][1]["summary"] == "What the margins of a library book say."


FRENCH = """\
Title: La marge
Date: 2024-06-20 09:00
Category: Essays
Lang: fr

Une note dans la marge d'un livre emprunté.
"""


def test_a_post_in_another_language_says_so_in_every_feed_format(build_site):
    site = build(build_site, {**FILES, "posts/2024-06-20-la-marge.md": FRENCH})
    atom = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
    languages = {e.title: e.content[0].language for e in atom.entries}
    assert languages == {
        "La marge": "fr",
        "Second thoughts": "en",
        "Margins & marginalia": "en",
    }
    assert atom.entries[0].title_detail.language == "fr"
    document = etree.parse(site.output / "feeds/category/essays.atom.xml")
    assert SCHEMA.validate(document), SCHEMA.error_log.last_error
    rss = parse(site.output.joinpath("feeds/rss.xml").read_bytes())
    assert [e.get("language") for e in rss.entries] == ["fr", None, None]
    items = json.loads(site.output.joinpath("feeds/feed.json").read_text())["items"]
    assert [item.get("language") for item in items] == ["fr", None, None]


def test_the_stylesheet_turns_a_feed_into_a_readable_page(build_site):
    site = build(build_site)
    xsl = etree.XSLT(etree.parse(site.output / "feeds/feed.xsl"))
    for path in ("feeds/atom.xml", "feeds/rss.xml", "feeds/category/essays.atom.xml"):
        document = etree.parse(site.output / path)
        pi = document.getroot().getprevious()
        assert pi.target == "xml-stylesheet"
        assert pi.get("href") == "/feeds/feed.xsl" and pi.get("type") == "text/xsl"
        page = etree.HTML(str(xsl(document)))
        titles = page.xpath('//a[@class="feed-entry-title"]/text()')
        assert "Margins & marginalia" in titles, path
        assert page.xpath('//link[@rel="stylesheet"]/@href') == ["/theme/css/site.css"]


HOSTILE = """\
Title: Bell\x07 and tab\x0b]]> <b>bold</b>
Date: 2024-08-08 08:08
Summary: a summary ]]> with\x1b escape

Text with a form feed\x0c, an end of CDATA ]]> and <![CDATA[ an opener.

<p>Raw &#1; entity, a lone &#xD800; surrogate and a \x7f delete.</p>
"""


def test_hostile_text_still_gives_well_formed_feeds(build_site):
    site = build(build_site, {"posts/2024-08-08-hostile.md": HOSTILE})
    for path, data in feeds_in(site).items():
        if path.endswith(".json"):
            json.loads(data)
            continue
        etree.fromstring(data)  # raises on anything not well-formed
        parse(data)
    atom = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
    entry = atom.entries[0]
    assert entry.title == "Bell and tab ]]> bold"
    assert "an end of CDATA ]]&gt; and" in entry.content[0].value
    rss = parse(site.output.joinpath("feeds/rss.xml").read_bytes())
    assert rss.entries[0].title == "Bell and tab ]]> bold"


# Pure writer tests: real FeedItems, no Pelican needed. ----------------------

ZONE = timezone(timedelta(hours=-4))
WHEN = datetime(2024, 5, 2, 14, 3, tzinfo=ZONE)


def make_feed(*items: FeedItem) -> Feed:
    return Feed(
        kind="site_atom",
        path="feeds/atom.xml",
        url=f"{SITE}/feeds/atom.xml",
        title="Test",
        page_url=f"{SITE}/",
        updated=WHEN,
        items=items,
        author=Person(name="Mara Quill"),
    )


def make_item(**fields) -> FeedItem:
    defaults = {
        "id": "tag:colloquy.example.org,2024-05-02:post",
        "title": "Post",
        "link": f"{SITE}/2024/05/post/",
        "published": WHEN,
        "updated": WHEN,
        "source_path": "posts/2024-05-02-post.md",
        "content_html": "<p>Body</p>",
    }
    return FeedItem(**{**defaults, **fields})


def test_without_a_stylesheet_feeds_carry_no_processing_instruction(build_site):
    site = build(build_site, FEEDS_STYLESHEET=None)
    assert not (site.output / "feeds/feed.xsl").exists()
    for path in ("feeds/atom.xml", "feeds/rss.xml"):
        assert etree.parse(site.output / path).getroot().getprevious() is None


def test_a_post_that_is_not_utf8_still_gives_well_formed_feeds(build_site):
    broken = b"Title: Caf\xe9 \xed\xa0\x80 surrogate\nDate: 2024-08-09\n\nBody \xff.\n"
    site = build(build_site, {**FILES, "posts/2024-08-09-latin1.md": broken})
    for path, data in feeds_in(site).items():
        if not path.endswith(".json"):
            parse(etree.tostring(etree.fromstring(data)))
    titles = [
        e.title
        for e in parse(site.output.joinpath("feeds/atom.xml").read_bytes()).entries
    ]
    assert any(title.startswith("Caf") for title in titles), titles


def feeds_generator(tmp_path: Path) -> FeedsGenerator:
    """Return a feeds generator over an empty site that writes to tmp_path/out."""
    pelican_settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={"PATH": str(tmp_path), "OUTPUT_PATH": str(tmp_path / "out"),
                  "THEME": str(ROOT / "theme"), "SITEURL": SITE},
    )  # fmt: skip
    generator = FeedsGenerator(
        context=dict(pelican_settings),
        settings=pelican_settings,
        path=str(tmp_path),
        theme=pelican_settings["THEME"],
        output_path=str(tmp_path / "out"),
    )
    generator.generate_context()
    return generator


@functools.cache
def ranking_generator() -> FeedsGenerator:
    """One feeds generator for the ranking examples (it writes nothing)."""
    return feeds_generator(Path(tempfile.mkdtemp(prefix="colloquy-ranking-")))


@given(
    st.lists(st.tuples(st.datetimes(), st.booleans()), min_size=1, max_size=30),
    st.data(),
)
def test_a_lists_newest_posts_are_the_sites_ranking_cut_to_it(posts, data):
    # Each category's or tag's feed takes its newest posts from the site's one
    # ranking: the same as ranking the list's own (ids differ, so no ties).
    generator = ranking_generator()
    site = [
        types.SimpleNamespace(
            source_path=f"/posts/{n}.md",
            date=when,
            metadata={"feed-id": f"tag:example.test,2024:p{n}" if valid else "bad"},
        )
        for n, (when, valid) in enumerate(posts)
    ]
    generator.context["articles"] = site
    chosen = data.draw(st.lists(st.booleans(), min_size=len(site), max_size=len(site)))
    listed = [post for post, keep in zip(site, chosen, strict=True) if keep]
    stranger = types.SimpleNamespace(  # in no list the site ranks
        source_path="/posts/other.md",
        date=posts[0][0],
        metadata={"feed-id": "tag:example.test,2024:other"},
    )
    for members in (listed, [*listed, stranger]):
        limit = data.draw(st.none() | st.integers(1, 6))
        expected = generator._ranked(members, {})
        assert generator._newest_posts(members, limit, {}) == (
            expected.newest[:limit],
            expected.unranked,
        )


def test_one_entry_feedgen_refuses_costs_only_that_entry(tmp_path, caplog):
    generator = feeds_generator(tmp_path)
    naive = make_item(
        id="tag:example.test,2024-05-03:bad",
        published=datetime(2024, 5, 3, 9, 0),
        source_path="posts/2024-05-03-bad.md",
    )
    generator.write_feed(make_feed(make_item(), naive))
    data = (tmp_path / "out/feeds/atom.xml").read_bytes()
    assert [e.id for e in parse(data).entries] == [make_item().id]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        m.startswith("posts/2024-05-03-bad.md: expected a valid") for m in errors
    )


def test_a_feed_feedgen_refuses_as_a_whole_is_skipped_not_retried(tmp_path, caplog):
    generator = feeds_generator(tmp_path)
    untitled = replace(make_feed(make_item()), title="")
    generator.write_feed(untitled)  # used to retry for ever: no entry was at fault
    assert not (tmp_path / "out/feeds/atom.xml").exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    expected = (
        "feeds/atom.xml: expected a valid feed, got Required fields not set (title)"
        " (feed not written)"
    )
    assert errors == [expected]


def test_a_site_without_a_name_still_gets_titled_feeds(build_site):
    site = build_site(FILES, SITENAME="", SITEURL=SITE)
    for rel in ("feeds/atom.xml", "feeds/rss.xml"):
        assert parse((site.output / rel).read_bytes()).feed.title == "example.test"


RELATIVE = st.text(
    st.characters(whitelist_categories=("L", "N"), whitelist_characters="-._/"),
    min_size=1,
    max_size=20,
).filter(lambda url: not url.startswith("//"))


@settings(max_examples=60, deadline=None)
@given(href=RELATIVE, src=RELATIVE, text=TEXT)
def test_any_relative_reference_becomes_absolute(href, src, text):
    fragment = f'<p>{html_escape(text)}<a href="{href}">x</a><img src="{src}"></p>'
    result = etree.HTML(absolute_html(fragment, f"{SITE}/2024/05/post/"))
    for url in result.xpath("//a/@href | //img/@src"):
        assert url.startswith(f"{SITE}/"), url


def test_absolute_html_resolves_every_kind_of_reference():
    base = f"{SITE}/2024/05/post/"
    html = absolute_html(
        'lead <a href="../x/">x</a><img src="a.png" srcset="a.png 1x, /b.png 2x">'
        '<!-- note --><blockquote cite="/source/">q</blockquote>'
        '<a href="mailto:me@example.test">m</a><a href="https://else.test/">e</a>',
        base,
    )
    assert html.startswith("lead ")
    assert f'href="{SITE}/2024/05/x/"' in html
    assert f'srcset="{base}a.png 1x, {SITE}/b.png 2x"' in html
    assert f'cite="{SITE}/source/"' in html
    assert 'href="mailto:me@example.test"' in html
    assert 'href="https://else.test/"' in html
    assert "<!-- note -->" in html


def test_a_value_feedgen_refuses_is_reported_with_the_source_path():
    naive = make_item(published=datetime(2024, 5, 2, 14, 3))
    for render in (render_atom, render_rss):
        with pytest.raises(ContentError) as caught:
            render(make_feed(naive))
        assert str(caught.value).startswith(
            "posts/2024-05-02-post.md: expected a valid"
        )


def test_discussion_pointers_in_atom_and_rss():
    replies = Replies(
        count=3,
        page_url=f"{SITE}/2024/05/post/#perspectives",
        feed_url=f"{SITE}/feeds/perspectives/post.atom.xml",
    )
    feed = make_feed(make_item(replies=replies))
    atom = etree.fromstring(render_atom(feed))
    assert SCHEMA.validate(atom), SCHEMA.error_log.last_error
    entry = atom.find(f"{{{ATOM}}}entry")
    replies_links = {
        link.get("type"): (link.get("href"), link.get(f"{{{THR}}}count"))
        for link in entry.iter(f"{{{ATOM}}}link")
        if link.get("rel") == "replies"
    }
    assert replies_links == {
        "text/html": (replies.page_url, "3"),
        "application/atom+xml": (replies.feed_url, "3"),
    }
    assert entry.findtext(f"{{{THR}}}total") == "3"
    assert atom.nsmap["thr"] == THR
    rss = etree.fromstring(render_rss(feed))
    item = rss.find("channel/item")
    assert item.findtext("comments") == replies.page_url
    assert item.findtext(f"{{{SLASH}}}comments") == "3"
    parsed = parse(render_rss(feed))
    assert parsed.entries[0].slash_comments == "3"
    assert parsed.entries[0].comments == replies.page_url


@settings(max_examples=60, deadline=None)
@given(title=TEXT, body=TEXT, name=TEXT)
def test_any_text_gives_well_formed_feeds(title, body, name):
    item = make_item(
        title=xml_safe(title).strip() or "untitled",
        content_html=xml_safe(body),
        authors=(Person(name=xml_safe(name) or "someone"),),
    )
    feed = make_feed(item)
    atom = etree.fromstring(render_atom(feed))
    assert atom.find(f"{{{ATOM}}}entry/{{{ATOM}}}title").text == item.title
    content = atom.find(f"{{{ATOM}}}entry/{{{ATOM}}}content")
    assert (content.text if item.content_html else content) == (
        item.content_html or None
    )
    rss = etree.fromstring(render_rss(feed))
    assert rss.findtext("channel/item/title") == item.title
    assert json.loads(render_json(feed))["items"][0]["title"] == item.title
    assert SCHEMA.validate(atom), SCHEMA.error_log.last_error
    assert datetime.now(UTC).isoformat()[:4] not in rss.findtext(
        "channel/lastBuildDate"
    )


# With the perspectives plugin: the discussion in feeds. -----------------------

ANN = """\
Author: Ann Reader
Date: 2024-05-02 14:03:00-04:00
Url: https://ann.example/
Avatar-Hash: 3f1c0000000000000000000000000000

I read the [second post](/2024/06/second-thoughts/) too.
"""
BO = """\
Author: Bo <b>Bold</b>
Date: 2024-05-03 09:00:00-04:00
In-Reply-To: 2024-05-02-1403-ann-reader

Agreed, with a ]]> and a bell\x07.
"""
MENTION = """\
Author: The Quiet Index
Date: 2024-05-04 11:20:00-04:00
Url: https://quiet-index.example/on-margins
Title: On margins
Kind: mention

A pointer back here.
"""
DISCUSSED = {
    **FILES,
    "perspectives/margins/2024-05-02-1403-ann-reader.md": ANN,
    "perspectives/margins/2024-05-03-0900-bo.md": BO,
    "perspectives/margins/2024-05-04-1120-quiet-index.md": MENTION,
}
POST_ID = "tag:colloquy.example.org,2024-05-01:margins"


def test_post_entries_point_at_their_discussion(build_site):
    site = build(build_site, DISCUSSED, PERSPECTIVES_EMAIL="mara@example.test")
    post_url = f"{SITE}/2024/05/margins/"
    feed_url = f"{SITE}/feeds/perspectives/margins.atom.xml"
    atom = etree.parse(site.output / "feeds/atom.xml").getroot()
    entry = next(
        e
        for e in atom.iter(f"{{{ATOM}}}entry")
        if e.findtext(f"{{{ATOM}}}id") == POST_ID
    )
    replies = {
        link.get("href"): link.get(f"{{{THR}}}count")
        for link in entry.iter(f"{{{ATOM}}}link")
        if link.get("rel") == "replies"
    }
    assert replies == {f"{post_url}#perspectives": "3", feed_url: "3"}
    assert entry.findtext(f"{{{THR}}}total") == "3"
    rss = parse(site.output.joinpath("feeds/rss.xml").read_bytes())
    by_id = {e.id: e for e in rss.entries}
    assert by_id[POST_ID].slash_comments == "3"
    assert by_id[POST_ID].comments == f"{post_url}#perspectives"
    # An open discussion without perspectives still says where to join it.
    other = by_id["tag:colloquy.example.org,2024-06-02:second-thoughts"]
    assert other.slash_comments == "0"
    # The anchors the feeds point at exist on the post page.
    page = site.html("2024/05/margins/index.html")
    assert page.select_one("#perspectives") is not None
    assert page.select_one(".perspectives-feed a")["href"] == feed_url
    assert feed_url in [
        link["href"] for link in page.select('head link[rel="alternate"]')
    ]


def test_each_discussed_post_has_a_perspectives_feed(build_site):
    site = build(build_site, DISCUSSED)
    files = feeds_in(site)
    assert "feeds/perspectives/margins.atom.xml" in files
    assert not [p for p in files if p.startswith("feeds/perspectives/second")]
    quiet = site.html("2024/06/second-thoughts/index.html")
    assert quiet.select_one(".perspectives-feed") is None
    assert "perspectives" not in str(quiet.select('head link[rel="alternate"]'))
    data = files["feeds/perspectives/margins.atom.xml"]
    document = etree.fromstring(data)
    assert SCHEMA.validate(document), SCHEMA.error_log.last_error
    _check_atom_rules(document)
    parsed = parse(data)
    assert parsed.feed.title == "Perspectives on \u201cMargins & marginalia\u201d"
    assert [e.title for e in parsed.entries] == [
        "On margins",
        "Bo <b>Bold</b> on \u201cMargins & marginalia\u201d",
        "Ann Reader on \u201cMargins & marginalia\u201d",
    ]
    ann = parsed.entries[2]
    assert ann.id == (
        "tag:colloquy.example.org,2024-05-02:margins/perspectives/"
        "2024-05-02-1403-ann-reader"
    )
    assert ann.link == f"{SITE}/2024/05/margins/#perspective-2024-05-02-1403-ann-reader"
    assert ann.author_detail == {"name": "Ann Reader", "href": "https://ann.example/"}
    assert f'href="{SITE}/2024/06/second-thoughts/"' in ann.content[0].value
    assert b"<email>" not in data and b"Avatar" not in data and b"3f1c" not in data
    # Threading: a reply names the perspective it answers, the rest the post.
    answers = {
        e.findtext(f"{{{ATOM}}}title"): e.find(f"{{{THR}}}in-reply-to").get("ref")
        for e in document.iter(f"{{{ATOM}}}entry")
    }
    assert answers["Ann Reader on \u201cMargins & marginalia\u201d"] == POST_ID
    assert answers["Bo <b>Bold</b> on \u201cMargins & marginalia\u201d"] == ann.id
    assert "]]&gt;" in parsed.entries[1].content[0].value


def test_the_site_wide_perspectives_feed_has_every_perspective(build_site):
    files = dict(DISCUSSED)
    files["perspectives/second-thoughts/2024-06-03-0800-cy.md"] = (
        "Author: Cy\nDate: 2024-06-03 08:00:00-04:00\n\nShort.\n"
    )
    site = build(build_site, files, FEEDS_LIMITS={"perspectives": 3})
    parsed = parse(site.output.joinpath("feeds/perspectives.atom.xml").read_bytes())
    assert [e.author for e in parsed.entries] == [
        "Cy",
        "The Quiet Index",
        "Bo <b>Bold</b>",
    ]
    links = site.html("subscribe/index.html").select(".feed a.feed-url")
    assert f"{SITE}/feeds/perspectives/second-thoughts.atom.xml" in [
        a["href"] for a in links
    ]


def test_a_limited_perspectives_feed_holds_the_newest_of_the_unlimited_one(
    build_site, tmp_path
):
    files = dict(DISCUSSED)
    for day, name in ((3, "cy"), (5, "dee"), (2, "eve")):
        files[f"perspectives/second-thoughts/2024-06-0{day}-0800-{name}.md"] = (
            f"Author: {name.title()}\nDate: 2024-06-0{day} 08:00:00-04:00\n\nHi.\n"
        )

    def entries(limit):
        site = build(build_site, files, FEEDS_LIMITS={"perspectives": limit})
        data = site.output.joinpath("feeds/perspectives.atom.xml").read_bytes()
        return [(e.id, e.author, e.content[0].value) for e in parse(data).entries]

    every = entries(None)
    assert len(every) == 6
    for limit in (1, 2, 4, 6):
        assert entries(limit) == every[:limit]
    # A post whose entry id is unusable has no perspective entries either.
    files["posts/2024-06-02-second-thoughts.md"] = SECOND.replace(
        "Tags:", "Feed-Id: not an id\nTags:"
    )
    (tmp_path / "output").joinpath("feeds/perspectives.atom.xml").unlink()
    assert [author for _, author, _ in entries(2)] == [
        "The Quiet Index",
        "Bo <b>Bold</b>",
    ]


def test_perspective_ids_survive_a_renamed_post(build_site, tmp_path):
    def ids(site):
        data = site.output.joinpath("feeds/perspectives.atom.xml").read_bytes()
        return sorted(e.id for e in parse(data).entries)

    before = ids(build(build_site, DISCUSSED))
    (tmp_path / "content/posts/2024-05-01-margins.md").unlink()
    renamed = {k: v for k, v in DISCUSSED.items() if k != "posts/2024-05-01-margins.md"}
    renamed["posts/2024-05-01-marginalia.md"] = FIRST.replace(
        "Category:", "Earlier-Slugs: margins\nCategory:"
    )
    site = build(build_site, renamed)
    assert ids(site) == before
    assert (site.output / "feeds/perspectives/marginalia.atom.xml").is_file()


# With the reblog plugin: attribution in feeds. --------------------------------

REBLOG = """\
Title: On slow replies
Date: 2024-06-01 09:15
Category: Notes
Reblog-Of: https://example.org/2024/05/the-week-long-reply/
Reblog-Title: The week-long <reply>
Reblog-Author: Jun Okafor
Reblog-Author-Url: https://example.org/about/
Reblog-Date: 2024-05-28 18:00
Reblog-Via: https://links.example.net/daily/

> A reply that takes a week has had a week to become kind.

My commentary below the quote.
"""


def test_reblog_entries_carry_their_attribution(build_site):
    site = build(build_site, {**FILES, "posts/2024-06-01-on-slow-replies.md": REBLOG})
    atom = etree.parse(site.output / "feeds/atom.xml").getroot()
    assert SCHEMA.validate(atom), SCHEMA.error_log.last_error
    _check_atom_rules(atom)
    entry = next(
        e
        for e in atom.iter(f"{{{ATOM}}}entry")
        if e.findtext(f"{{{ATOM}}}title") == "On slow replies"
    )
    links = {
        link.get("rel", "alternate"): link for link in entry.iter(f"{{{ATOM}}}link")
    }
    original = "https://example.org/2024/05/the-week-long-reply/"
    assert links["related"].get("href") == original
    assert links["related"].get("title") == "The week-long <reply>"
    assert links["via"].get("href") == "https://links.example.net/daily/"
    assert links["alternate"].get("href") == f"{SITE}/2024/06/on-slow-replies/"
    contributor = entry.find(f"{{{ATOM}}}contributor")
    assert contributor.findtext(f"{{{ATOM}}}name") == "Jun Okafor"
    assert contributor.findtext(f"{{{ATOM}}}uri") == "https://example.org/about/"
    parsed = parse(site.output.joinpath("feeds/atom.xml").read_bytes())
    body = next(e for e in parsed.entries if e.title == "On slow replies").content[0]
    assert body.value.count("Reblogged from") == 1
    rss = etree.parse(site.output / "feeds/rss.xml").getroot()
    item = next(i for i in rss.iter("item") if i.findtext("title") == "On slow replies")
    assert item.find("source").get("url") == original
    assert item.findtext("source") == "The week-long <reply>"
    document = json.loads(site.output.joinpath("feeds/feed.json").read_text())
    item = next(i for i in document["items"] if i["title"] == "On slow replies")
    assert item["external_url"] == original


# With the transcripts plugin: the transcripts feed. ---------------------------

CHAT = """\
Title: Notebooks & the <margin> chat
Slug: notebook-chat
Date: 2024-05-20 20:00-04:00
Source: slack
Channel: #notebooks
Hosts: mara
Summary: Readers compare paper and plain-text notebooks.

--- 2024-05-20 -04:00 ---
[20:00 #n1] <mara|Mara Quill> Welcome! Paper or plain text?
[20:02 #n2] <gil|Gil Arden> Paper, then I type up the good parts.
[20:03 #n3] <mara|Mara Quill> Typing up is where the editing happens.
[21:15 #n4] <hana> plain text\x07 forever ]]>
"""
CHAT_POST = """\
Title: Notes from the notebook chat
Date: 2024-05-22 09:00
Category: Essays
Transcript: notebook-chat

What the chat taught me.
"""


def test_the_transcripts_feed_lists_transcript_pages(build_site):
    files = {
        **FILES,
        "transcripts/notebook-chat.chat": CHAT,
        "posts/2024-05-22-notebook-notes.md": CHAT_POST,
    }
    site = build(build_site, files)
    data = site.output.joinpath("feeds/transcripts.atom.xml").read_bytes()
    document = etree.fromstring(data)
    assert SCHEMA.validate(document), SCHEMA.error_log.last_error
    _check_atom_rules(document)
    parsed = parse(data)
    assert parsed.feed.link == f"{SITE}/transcripts/"
    (entry,) = parsed.entries
    assert entry.title == "Notebooks & the <margin> chat"
    assert entry.id == "tag:colloquy.example.org,2024-05-20:transcripts/notebook-chat"
    assert entry.link == f"{SITE}/transcripts/notebook-chat/"
    assert entry.published == "2024-05-20T20:00:00-04:00"
    assert entry.updated == "2024-05-20T21:15:00-04:00"  # the last message
    assert [a.name for a in entry.authors] == ["Mara Quill", "Gil Arden", "hana"]
    body = entry.content[0].value
    assert "Readers compare paper and plain-text notebooks." in body
    assert "4 messages" in body
    assert f'href="{SITE}/2024/05/notebook-notes/"' in body
    # Transcript pages and the transcripts index announce the feed.
    feed_url = f"{SITE}/feeds/transcripts.atom.xml"
    for page in ("transcripts/notebook-chat/index.html", "transcripts/index.html"):
        hrefs = [
            link["href"]
            for link in site.html(page).select('head link[rel="alternate"]')
        ]
        assert feed_url in hrefs, page
    assert feed_url not in str(site.html("index.html").select("head link"))
    listed = [a["href"] for a in site.html("subscribe/index.html").select("a.feed-url")]
    assert feed_url in listed


@given(st.datetimes(timezones=st.just(UTC)))
def test_entry_ids_spell_a_day_as_strftime_does(when):
    safe = SafeDatetime(*when.timetuple()[:6], tzinfo=UTC)
    assert entries.day(safe) == f"{safe:%Y-%m-%d}" == when.strftime("%Y-%m-%d")
