"""The sample site and the foundation every plugin stands on."""

from __future__ import annotations

from datetime import datetime
import logging
from pathlib import Path
import shutil
import subprocess
import sys
from zoneinfo import ZoneInfo

import html5lib
from hypothesis import given
from hypothesis import strategies as st
import pytest

from plugins.common.errors import PluginConfigError
from plugins.posts.bidi import balance_bidi

from .support import ROOT, BuiltSite, broken_links

PELICAN = Path(sys.executable).with_name("pelican")


def build_sample(output: Path, *extra: str) -> subprocess.CompletedProcess:
    """Build content/ exactly as ``make publish`` does, into ``output``."""
    return subprocess.run(
        [str(PELICAN), "content", "-o", str(output), "-s", "pelicanconf.py", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> BuiltSite:
    output = tmp_path_factory.mktemp("sample") / "output"
    result = build_sample(output, "--fatal", "warnings")
    assert result.returncode == 0, result.stdout + result.stderr
    return BuiltSite(output)


def test_sample_site_builds_every_page_type(sample):
    pages = set(sample.pages())
    expected = {
        "index.html",
        "404.html",
        "archives/index.html",
        "2024/index.html",
        "2024/06/index.html",
        "2024/06/reading-in-public/index.html",
        "category/essays/index.html",
        "category/notes/index.html",
        "tag/plain-text/index.html",
        "author/mara-quill/index.html",
        "tags/index.html",
        "categories/index.html",
        "authors/index.html",
        "about/index.html",
    }
    assert expected <= pages, expected - pages


def test_every_page_is_well_formed_html(sample):
    parser = html5lib.HTMLParser(strict=True)
    for rel in sample.pages():
        try:
            parser.parse(sample.text(rel))
        except html5lib.html5parser.ParseError as err:
            pytest.fail(f"{rel}: {err}")


def test_every_internal_link_and_asset_resolves(sample):
    assert broken_links(sample.output) == []


def test_link_checker_reports_a_missing_target(tmp_path):
    (tmp_path / "index.html").write_text(
        '<a href="/gone/">x</a><img src="a.png" alt=""><a href="#top">t</a>'
        '<a href="https://elsewhere.example/">e</a>',
        encoding="utf-8",
    )
    (tmp_path / "a.png").write_bytes(b"png")
    assert broken_links(tmp_path) == ["index.html -> /gone/"]


def test_two_builds_are_byte_identical(sample, tmp_path):
    again = tmp_path / "again"
    assert build_sample(again).returncode == 0
    assert BuiltSite(again).snapshot() == sample.snapshot()


def test_post_page_reads_back_as_an_h_entry(sample):
    parsed = sample.mf2("2024/04/a-small-tool-for-long-memory/index.html")
    [entry] = [i for i in parsed["items"] if "h-entry" in i["type"]]
    props = entry["properties"]
    assert props["name"] == ["A small tool for long memory"]
    published = datetime.fromisoformat(props["published"][0])
    assert published == datetime(2024, 4, 18, 8, 5, tzinfo=ZoneInfo("America/New_York"))
    assert props["url"][0].endswith("/2024/04/a-small-tool-for-long-memory/")
    assert set(props["category"]) >= {"Notes", "tools", "plain-text"}
    [author] = props["author"]
    assert author["properties"]["name"] == ["Mara Quill"]
    assert "filing cabinet" in props["content"][0]["value"]


def test_listings_read_back_as_an_h_feed_of_posts(sample):
    parsed = sample.mf2("category/essays/index.html")
    [feed] = [i for i in parsed["items"] if "h-feed" in i["type"]]
    names = [child["properties"]["name"][0] for child in feed["children"]]
    assert names == ["Reading in public", "The margins are the message"]


def test_footer_line_says_when_and_where_a_post_was_posted(sample):
    page = sample.html("2024/03/the-margins-are-the-message/index.html")
    footer = page.select_one("article.h-entry .post-footer")
    text = " ".join(footer.get_text(" ").split())
    assert text.startswith("Posted at 10:32 AM in Essays | Permalink")
    assert footer.select_one("a.p-category")["href"] == "/category/essays/"
    assert (
        footer.select_one("a.u-url")["href"] == "/2024/03/the-margins-are-the-message/"
    )


def test_listing_shows_date_category_summary_and_footer(sample):
    page = sample.html("index.html")
    [first, *_] = page.select(".listing .post-summary")
    assert first.select_one(".entry-title").get_text(strip=True) == "On keeping drafts"
    assert "letter to a future self" in first.select_one(".entry-summary").get_text()
    assert "Notes" in first.select_one(".post-footer").get_text()
    assert first.select_one("time")["datetime"].startswith("2024-09-15T07:20")


def test_image_post_carries_its_image_and_credit(sample):
    page = sample.html("2024/04/a-small-tool-for-long-memory/index.html")
    image = page.select_one(".entry-content img")
    assert image["src"] == "/images/filing-cabinet.svg"
    assert image["alt"]
    assert "Drawing: Mara Quill" in page.select_one(".entry-content").get_text()


def test_index_paginates(build_site):
    posts = {
        f"posts/2024-01-{day:02d}-post-{day}.md": f"Title: Post {day}\n"
        "Category: Essays\n\nBody.\n"
        for day in range(1, 13)
    }
    site = build_site(posts, MENUITEMS=[("Archives", "archives/")])
    first, second = site.html("index.html"), site.html("page/2/index.html")
    assert len(first.select(".post-summary")) == 10
    assert len(second.select(".post-summary")) == 2
    assert first.select_one("a[rel=next]")["href"] == "/page/2/"
    assert broken_links(site.output) == []


POST = "Title: Fine\nDate: 2024-01-02 09:00\nCategory: Essays\n\nAll good.\n"


@pytest.mark.parametrize(
    ("header", "line", "expected"),
    [
        (
            "Title: Bad\nDate: 2024-13-45\n",
            2,
            "expected a date such as '2024-05-01 10:32', got '2024-13-45'",
        ),
        (
            "Title: Bad\nDate: 2024-01-01\nCatgory: Essays\n",
            3,
            "expected a known metadata field, got 'catgory'",
        ),
        ("Title: Bad\nStatus: maybe\n", 2, "expected a status in"),
        # Pelican would take the missing day from today: a new date on every build
        (
            "Title: Bad\nDate: May 2024\n",
            2,
            "expected a date such as '2024-05-01 10:32', got 'May 2024'",
        ),
        ("Title: Bad\nTitle: Again\n", 2, "expected 'title' once, got it again"),
        # an empty title gave the empty slug: the month archive's page, a crash
        ("Date: 2024-01-01\nTitle:\n", 2, "expected a title, got an empty 'Title:'"),
        # the language is part of the post's URL: '../..' moved it
        (
            "Title: Bad\nDate: 2024-01-01\nLang: ../../x\n",
            3,
            "expected a language tag such as 'en' or 'pt-BR', got '../../x'",
        ),
        # dateutil drops the zone name it does not know: 10:32 local time
        (
            "Title: Bad\nDate: 2024-01-01 10:32 EST\n",
            2,
            "expected a UTC offset such as '2024-05-01 10:32-05:00', got a zone name",
        ),
    ],
)
def test_broken_metadata_names_file_and_line(
    build_site, caplog, header, line, expected
):
    files = {
        "posts/2024-01-01-bad.md": header + "\nBody.\n",
        "posts/2024-01-02-fine.md": POST,
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(f"posts/2024-01-01-bad.md:{line}: {expected}" in m for m in errors), (
        errors
    )
    assert (site.output / "2024/01/fine/index.html").exists()
    assert not (site.output / "2024/01/bad").exists()


def test_odd_titles_keep_their_post_and_the_build(build_site):
    """A title without letters is slugged by its file; a continued title is one."""
    site = build_site(
        {
            "posts/party.md": "Title: 🎉\nDate: 2024-01-01\n\nYes.\n",
            "posts/why.md": "Title: ???\nDate: 2024-01-02\n\nNo.\n",
            "posts/2024-01-03-long.md": "Title: A title that\n    goes on\n"
            "Tags: one, two,\n    three\nDate: 2024-01-03\n\nText.\n",
            "posts/2024-01-04-fine.md": POST.replace("2024-01-02", "2024-01-04"),
        }
    )
    party = site.html("2024/01/party/index.html")
    assert party.select_one(".entry-title").get_text() == "🎉"
    why = site.html("2024/01/why/index.html")
    assert why.select_one(".entry-title").get_text() == "???"
    long = site.html("2024/01/long/index.html")
    assert long.select_one(".entry-title").get_text() == "A title that goes on"
    tags = [a.get_text() for a in long.select(".post-footer a[rel=tag], a[rel=tag]")]
    assert sorted(set(tags)) == ["one", "three", "two"]
    archive = site.html("2024/01/index.html")  # the month's archive is still its own
    assert len(archive.select(".h-entry")) == 4


def test_a_blank_summary_field_is_no_summary(build_site):
    post = "Title: S\nDate: 2024-01-02 09:00\nSummary:\n\nThe body's first words.\n"
    site = build_site({"posts/2024-01-02-s.md": post})
    listed = site.html("index.html").select_one(".h-entry .entry-summary")
    assert listed.get_text(strip=True) == "The body's first words."
    snippet = site.html("2024/01/s/reblog/index.html").select_one(
        "textarea.reblog-snippet-html"
    )
    assert "<p>The body's first words.</p></blockquote>" in snippet.string


def bidi_depth_at_end(text: str) -> int:
    """Return how many direction overrides ``text`` leaves open (UAX 9, simplified)."""
    stack: list[str] = []
    for char in text:
        if char in "\u202a\u202b\u202d\u202e":
            stack.append("\u202c")
        elif char in "\u2066\u2067\u2068":
            stack.append("\u2069")
        elif char == "\u202c" and stack and stack[-1] == "\u202c":
            stack.pop()
        elif char == "\u2069" and "\u2069" in stack:
            while stack.pop() != "\u2069":
                pass
    return len(stack)


@given(
    st.text(
        st.sampled_from("ab \u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    )
)
def test_balanced_bidi_leaves_nothing_open_and_keeps_the_text(text):
    balanced = balance_bidi(text)
    assert balanced.startswith(text)
    assert bidi_depth_at_end(balanced) == 0
    assert balance_bidi(balanced) == balanced


def test_a_direction_override_in_the_header_stays_in_its_value(build_site):
    post = (
        "Title: abc\u202eevil\nDate: 2024-01-02 09:00\nCategory: \u202eNews\n"
        "Tags: x\u202e, y\n\nBody.\n"
    )
    site = build_site({"posts/2024-01-02-rlo.md": post})
    page = site.html("2024/01/rlo/index.html")
    texts = {
        "title": page.title.get_text(),
        "h1": page.select_one(".entry-title").get_text(),
        **{a.get_text(): a.get_text() for a in page.select("article footer a")},
    }
    assert "News\u202c" in " ".join(texts.values())
    assert {
        name: bidi_depth_at_end(text) for name, text in texts.items()
    } == dict.fromkeys(texts, 0)


def test_extra_metadata_fields_of_the_sites_own_are_accepted(build_site):
    post = POST.replace("Category:", "Mood: calm\nCategory:")
    site = build_site({"posts/2024-01-02-fine.md": post}, POSTS_EXTRA_METADATA=["Mood"])
    assert (site.output / "2024/01/fine/index.html").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # A string used to be read letter by letter: 'm', 'o', 'o', 'd' allowed.
        ("mood", "POSTS_EXTRA_METADATA: expected a list of field names"),
        (["mood", "my field"], "expected field names of letters, digits"),
    ],
)
def test_a_bad_extra_metadata_setting_stops_the_build_first(
    build_site, value, expected
):
    with pytest.raises(PluginConfigError, match=expected):
        build_site({"posts/2024-01-02-fine.md": POST}, POSTS_EXTRA_METADATA=value)


def test_broken_post_fails_a_fatal_build(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "posts/2024-01-01-bad.md").write_text(
        "Title: Bad\nDate: someday\n\nBody.\n", encoding="utf-8"
    )
    result = subprocess.run(
        [str(PELICAN), str(content), "-o", str(tmp_path / "out"), "-s",
         str(ROOT / "pelicanconf.py"), "--fatal", "errors"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "2024-01-01-bad.md:2: expected a date" in result.stdout + result.stderr


def test_ruff_finds_nothing_to_fix():
    ruff = Path(sys.executable).with_name("ruff")
    check = subprocess.run(
        [str(ruff), "check", "."], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run(
        [str(ruff), "format", "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout


def test_posts_do_not_leak_into_each_other(build_site):
    """One Markdown instance serves every post; nothing may carry over."""
    site = build_site(
        {
            "posts/2024-01-01-first.md": "Title: First\nSummary: *Brief* one\n\n"
            "Text[^1] with [ref][r].\n\n[^1]: First note.\n\n[r]: https://one.example/\n",
            "posts/2024-01-02-second.md": "Title: Second\n\nPlain text, [ref][r].\n",
        }
    )
    first = site.html("2024/01/first/index.html").select_one(".entry-content")
    second = site.html("2024/01/second/index.html").select_one(".entry-content")
    assert "First note." in first.get_text()
    assert first.select_one("a[href='https://one.example/']") is not None
    assert "First note." not in second.get_text()
    assert second.select_one("a") is None  # [r] is undefined in the second post
    summary = site.html("index.html").select(".entry-summary")[1]
    assert summary.select_one("em").get_text() == "Brief"


def test_invalid_utf8_is_read_with_a_warning(build_site, caplog):
    post = "Title: Caf\xe9\n\nA byte that is not UTF-8.\n".encode("latin-1")
    with caplog.at_level(logging.WARNING):
        site = build_site({"posts/2024-01-01-cafe.md": post})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "posts/2024-01-01-cafe.md:1: expected UTF-8 text, got byte 0xe9" in w
        for w in warnings
    ), warnings
    title = site.html("2024/01/cafe/index.html").select_one(".entry-title")
    assert title.get_text() == "Caf\ufffd"
