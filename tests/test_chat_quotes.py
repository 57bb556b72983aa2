"""Chat quotes among a post's perspectives: told by the transcript, linked to it."""

from __future__ import annotations

import logging

import pytest

from .support import active_content, broken_fragments, broken_links, build_site_at

SITEURL = "https://blog.test"
CHAT = """\
Title: The launch night chat
Slug: launch
Date: 2024-05-02 20:00-04:00
Source: discord

--- 2024-05-02 -04:00 ---
[20:00 #101] <mara|Mara Quill> Welcome! The **launch** post is up.
[20:01 #102] <bo|Bo Lindqvist> Read it: https://blog.test/2024/05/launch-notes/.
[20:02 #103] <cy> <script>alert(1)</script> ||*spoiled*||
--- 2024-05-03 -04:00 ---
[00:10 #104] <mara> Still here? See [the post](https://BLOG.test/2024/05/launch-notes/#perspectives)
[00:11 #105] <bo> unrelated: https://blog.test/2024/05/another/
[00:12 #106] <cy> ~~old~~ __new__ plan
"""
POST = """\
Title: Launch notes
Date: 2024-05-04 09:00
Category: Notes
Transcript: launch

What the chat said.
"""
OTHER_POST = """\
Title: Another day
Date: 2024-05-06 09:00
Category: Notes

No transcript here.
"""


def perspective(header: str, body: str = "") -> str:
    return f"Author: Someone\nDate: 2024-05-04 10:00\nKind: quote\n{header}\n\n{body}"


FILES = {
    "pages/about.md": "Title: About\n\nAbout this site.\n",
    "transcripts/launch.chat": CHAT,
    "posts/2024-05-04-launch-notes.md": POST,
    "posts/2024-05-06-another.md": OTHER_POST,
    "perspectives/launch-notes/2024-05-04-a.md": perspective("Message: #m-106"),
    "perspectives/launch-notes/2024-05-04-b.md": perspective(
        "Message: launch#101", "A copy, in case."
    ),
    "perspectives/launch-notes/2024-05-04-c.md": perspective(
        "Message: /transcripts/launch/2024-05-03/#m-103"
    ),
    "perspectives/launch-notes/2024-05-04-d.md": perspective(
        "Message: #m-999", "What I remember she said."
    ),
    "perspectives/launch-notes/2024-05-04-e.md": perspective("Message: #m-998"),
    "perspectives/launch-notes/2024-05-04-f.md": perspective(
        "Message: launch#m-104"  # also links to the post: shown once
    ),
    "perspectives/another/2024-05-06-a.md": perspective(
        "Message: #m-101", "Said somewhere."
    ),
}
POST_PAGE = "2024/05/launch-notes/index.html"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    logger = logging.getLogger("plugins.perspectives.chat")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        site = build_site_at(
            tmp_path_factory.mktemp("quotes"),
            FILES,
            SITEURL=SITEURL,
            TRANSCRIPTS_PAGE_SIZE=3,
        )
    finally:
        logger.removeHandler(handler)
    return site, [record.getMessage() for record in records]


def quotes(site, page=POST_PAGE):
    soup = site.html(page)
    return {
        article["id"].removeprefix("perspective-"): article
        for article in soup.select("article.perspective-quote")
    }


def test_a_quote_shows_the_message_author_time_and_text(built):
    site, _ = built
    shown = quotes(site)["2024-05-04-a"]
    assert shown.select_one(".perspective-author").text == "cy"
    assert shown.select_one("time")["datetime"] == "2024-05-03T00:12:00-04:00"
    body = shown.select_one(".perspective-body")
    assert [(t.name, t.text) for t in body.find_all(True)] == [
        ("del", "old"),
        ("u", "new"),
    ]
    link = shown.select_one("a.perspective-source-link")
    assert link["href"] == f"{SITEURL}/transcripts/launch/2024-05-03/#m-106"
    assert link.text == "The launch night chat"
    assert "perspective-kind" in str(shown.select_one(".perspective-kind")["class"])


def test_every_way_of_naming_the_message_reaches_its_own_page(built):
    site, _ = built
    shown = quotes(site)
    links = {
        key: shown[key].select_one("a.perspective-source-link")["href"]
        for key in ("2024-05-04-b", "2024-05-04-c", "2024-05-04-f")
    }
    assert links == {
        "2024-05-04-b": f"{SITEURL}/transcripts/launch/#m-101",
        # The path named the wrong day: the link goes to the right one.
        "2024-05-04-c": f"{SITEURL}/transcripts/launch/#m-103",
        "2024-05-04-f": f"{SITEURL}/transcripts/launch/2024-05-03/#m-104",
    }
    b = shown["2024-05-04-b"]
    assert b.select_one(".perspective-author").text == "Mara Quill"
    assert "A copy, in case." not in b.text  # the transcript's words, not the copy
    assert b.select_one(".perspective-body strong").text == "launch"


def test_quoted_text_is_sanitised(built):
    site, _ = built
    hostile = quotes(site)["2024-05-04-c"].select_one(".perspective-body")
    assert active_content(str(hostile)) == []
    assert "<script>alert(1)</script>" in hostile.text
    spoiler = hostile.select_one("span.chat-spoiler")
    assert spoiler.em.text == "spoiled"


def test_an_unknown_id_is_a_warning_naming_file_and_line(built):
    site, warnings = built
    assert (
        "perspectives/launch-notes/2024-05-04-d.md:4: expected a message id of"
        " transcript 'launch', got 'm-999'; shown as written" in warnings
    )
    assert (
        "perspectives/launch-notes/2024-05-04-e.md:4: expected a message id of"
        " transcript 'launch', got 'm-998'; skipped" in warnings
    )
    assert (
        "perspectives/another/2024-05-06-a.md:4: expected the post to name its"
        " Transcript for '#m-101', got none; shown as written" in warnings
    )
    shown = quotes(site)
    assert "2024-05-04-e" not in shown
    kept = shown["2024-05-04-d"]
    assert kept.select_one(".perspective-body").text.strip() == (
        "What I remember she said."
    )
    assert kept.select_one("a.perspective-source-link") is None
    other = quotes(site, "2024/05/another/index.html")["2024-05-06-a"]
    assert other.select_one("a.perspective-source-link") is None


def test_messages_linking_to_the_post_become_quotes(built):
    site, _ = built
    shown = quotes(site)
    automatic = sorted(key for key in shown if key.startswith("chat-"))
    # 104 is quoted by a file already; 105 links to another post.
    assert automatic == ["chat-102"]
    bo = shown["chat-102"]
    assert bo.select_one(".perspective-author").text == "Bo Lindqvist"
    link = bo.select_one("a.perspective-source-link")
    assert link["href"] == f"{SITEURL}/transcripts/launch/#m-102"
    assert bo.select_one(".perspective-body a")["href"] == (
        f"{SITEURL}/2024/05/launch-notes/"
    )
    count = site.html(POST_PAGE).select_one("#perspectives h2").text
    assert count == "Perspectives (6)"  # a, b, c, d, f and chat-102


def test_mf2_reads_the_quotes_back_as_comments(built):
    site, _ = built
    page = site.mf2(POST_PAGE, url=f"{SITEURL}/2024/05/launch-notes/")
    entry = next(item for item in page["items"] if "h-entry" in item["type"])
    comments = entry["properties"]["comment"]
    authors = sorted(
        c["properties"]["author"][0]["properties"]["name"][0] for c in comments
    )
    assert authors == [
        "Bo Lindqvist",
        "Mara Quill",
        "Mara Quill",
        "Someone",
        "cy",
        "cy",
    ]


def test_links_and_anchors_resolve(built):
    site, _ = built
    assert broken_links(site.output, SITEURL) == []
    assert broken_fragments(site.output, SITEURL) == []


def test_quote_links_can_be_turned_off(tmp_path):
    files = {k: v for k, v in FILES.items() if not k.startswith("perspectives/")}
    site = build_site_at(
        tmp_path, files, SITEURL=SITEURL, TRANSCRIPTS_QUOTE_LINKS=False
    )
    assert quotes(site) == {}
    on = build_site_at(tmp_path / "on", files, SITEURL=SITEURL)
    assert sorted(quotes(on)) == ["chat-102", "chat-104"]
