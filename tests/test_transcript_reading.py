"""Transcript pages as a reader expects them: mentions, odd names, stable anchors."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
import pytest

from plugins.transcripts.render import render_text

from .support import BuiltSite, build_site_at
from .test_chat_markup import _context

CHAT = """\
Title: Who is who
Slug: who
Date: 2024-05-02 20:00-04:00
Source: hashtag-chat
Hosts: MARA

--- 2024-05-02 -04:00 ---
[20:00 #a1] <mara|Mara Quill> Welcome! Q1 is up.
[20:01 #a2] <Bo|Bo Upper> A1: hello @MARA and @Mara.
[20:02 #a3] <bo|Bo Lower> A1: hi @Bo, @bo, @BO and @nobody
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> BuiltSite:
    root = tmp_path_factory.mktemp("reading")
    return build_site_at(root, {"transcripts/who.chat": CHAT}, SITEURL="")


def _mentions(site: BuiltSite, message: str) -> dict[str, str | None]:
    """Return each @word of a message's text and where it links (None: not linked)."""
    text = site.html("transcripts/who/index.html").select_one(
        f"#m-{message} .transcript-text"
    )
    found: dict[str, str | None] = {}
    for word in text.get_text().replace(",", " ").replace(".", " ").split():
        if word.startswith("@"):
            link = text.find("a", string=word)
            found[word] = link["href"] if link else None
    return found


def test_a_mention_in_another_case_links_the_one_person_it_can_mean(site):
    assert _mentions(site, "a2") == {
        "@MARA": "/transcripts/who/by/mara/",
        "@Mara": "/transcripts/who/by/mara/",
    }
    hosts = site.html("transcripts/who/index.html").select(".transcript-hosts a")
    assert [a["href"] for a in hosts] == ["/transcripts/who/by/mara/"]


def test_a_mention_that_could_mean_two_people_links_only_an_exact_handle(site):
    page = site.html("transcripts/who/index.html")
    pages = {
        li.select_one(".transcript-handle").get_text(): li.a["href"]
        for li in page.select(".transcript-participant")
    }
    assert pages["@Bo"] != pages["@bo"]
    assert _mentions(site, "a3") == {
        "@Bo": pages["@Bo"],
        "@bo": pages["@bo"],
        "@BO": None,
        "@nobody": None,
    }


@pytest.mark.parametrize(
    ("text", "href", "after"),
    [
        ("読んで https://example.org/a\u3002", "https://example.org/a", "\u3002"),
        (
            "\uff08https://example.org/a\uff09です",
            "https://example.org/a",
            "\uff09です",
        ),
        (
            "cut off https://example.org/long-title…",
            "https://example.org/long-title",
            "…",
        ),
        (
            "https://ja.wikipedia.org/wiki/A_\uff08B\uff09",
            "https://ja.wikipedia.org/wiki/A_\uff08B\uff09",
            "",
        ),
        ("see https://example.org/a_(b).", "https://example.org/a_(b)", "."),
    ],
)
def test_a_link_stops_where_the_sentence_around_it_resumes(text, href, after):
    html = BeautifulSoup(str(render_text(text, _context("telegram"))), "html.parser")
    assert [a["href"] for a in html.find_all("a")] == [href]
    assert html.get_text().endswith(href + after)


@pytest.mark.parametrize("source", ["discord", "telegram", "slack"])
def test_a_url_in_angle_brackets_is_a_link_without_the_brackets(source):
    text = "no preview: <https://example.org/x>, thanks <b>"
    html = BeautifulSoup(str(render_text(text, _context(source))), "html.parser")
    assert [a["href"] for a in html.find_all("a")] == ["https://example.org/x"]
    assert html.get_text() == "no preview: https://example.org/x, thanks <b>"


def test_angle_brackets_stay_as_written_where_the_chat_shows_them():
    text = "<https://example.org/x>"
    html = BeautifulSoup(str(render_text(text, _context("irc"))), "html.parser")
    assert html.get_text() == text


def _person_pages(root, busier: str) -> dict[str, str]:
    """Build the chat with three more messages by ``busier``; return person pages."""
    lines = [f"[20:1{i} #more{i}] <{busier}> one more" for i in range(3)]
    chat = CHAT + "\n".join(lines) + "\n"
    site = build_site_at(root, {"transcripts/who.chat": chat}, SITEURL="")
    page = site.html("transcripts/who/index.html")
    return {
        li.select_one(".transcript-handle").get_text(): li.a["href"]
        for li in page.select(".transcript-participant")
    }


def test_handles_differing_in_case_keep_their_pages_whoever_writes_more(tmp_path):
    before = _person_pages(tmp_path / "before", busier="bo")
    after = _person_pages(tmp_path / "after", busier="Bo")
    assert before == after
    assert before["@bo"] == "/transcripts/who/by/bo/"


def test_every_navigation_landmark_of_a_long_chat_has_a_name_of_its_own(tmp_path):
    lines = [
        f"[21:{i:02d}] <{'mara' if i % 2 else 'bo'}> message {i}" for i in range(40)
    ]
    days = "\n".join(lines) + "\n--- 2024-05-03 -04:00 ---\n" + "\n".join(lines)
    chat = CHAT + days + "\n"
    site = build_site_at(
        tmp_path, {"transcripts/who.chat": chat}, SITEURL="", TRANSCRIPTS_PAGE_SIZE=10
    )
    pages = [rel for rel in site.pages() if rel.startswith("transcripts/who/")]
    assert "transcripts/who/2024-05-03/2/index.html" in pages
    assert "transcripts/who/by/bo/page/2/index.html" in pages
    repeated = {}
    for rel in pages:
        names = [nav.get("aria-label") for nav in site.html(rel).find_all("nav")]
        if len(names) != len(set(names)):
            repeated[rel] = names
    assert repeated == {}


# What the HTML standard forbids in a page: C1 controls and noncharacters.
FORBIDDEN = re.compile("[\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\U0001fffe\U0001ffff]")


def test_control_characters_from_an_export_never_reach_a_page(tmp_path):
    chat = (
        "Title: Mojibake\x80 \x85chat\nSource: irc\x85\nChannel: #odd\x80\n\n"
        "--- 2024-05-01 Z ---\n"
        "[10:00 #c1] <ann|Ann\x80 Reader> text\x85 with\x9f \ufdd0odd \U0001fffeones\n"
        "  attachment: https://example.org/a Slides\x80\n"
        "  reaction: \x80 2\n"
    )
    site = build_site_at(tmp_path, {"transcripts/mojibake.chat": chat}, SITEURL="")
    pages = [rel for rel in site.pages() if rel.startswith("transcripts/")]
    assert "transcripts/mojibake/by/ann/index.html" in pages
    found = {rel: FORBIDDEN.findall(site.text(rel)) for rel in pages}
    assert {rel: chars for rel, chars in found.items() if chars} == {}
    page = site.html("transcripts/mojibake/index.html")
    assert page.select_one(".transcript-channel").get_text() == "#odd"
    assert page.select_one(".transcript-source").get_text() == "irc"
    text = page.select_one("#m-c1")
    assert "Ann Reader" in text.get_text()
    assert "text with odd ones" in text.get_text()


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("fixed in #123, see #v2", ["v2"]),
        ("we're #1 on #blogchat", ["blogchat"]),
        ("#2024goals and #_private and #café", ["2024goals", "_private", "café"]),
    ],
)
def test_a_hashtag_needs_a_letter_so_issue_numbers_stay_text(text, tags):
    html = BeautifulSoup(str(render_text(text, _context("slack"))), "html.parser")
    assert [a.get_text() for a in html.find_all("a")] == [f"#{tag}" for tag in tags]
    assert html.get_text() == text
