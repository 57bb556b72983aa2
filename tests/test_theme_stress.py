"""The theme under content that pushes it: long words, right-to-left names."""

from __future__ import annotations

import pytest

from .browser import chrome, tools, vnu
from .browser.server import serve
from .support import BuiltSite, build_site_at

WORD = "Donaudampfschifffahrtselektrizitaetenhauptbetriebswerkbau" * 2
URL = "https://example.org/" + "a-long-path-segment-with-no-spaces" * 6
RLO, PDF = "\u202e", "\u202c"

CHAT = f"""\
Title: Names from everywhere
Slug: names
Date: 2024-05-02 20:00-04:00
Source: hashtag-chat
Hosts: mara

--- 2024-05-02 -04:00 ---
## Q1: {WORD}?
[20:00 #a1] <mara|Mara Quill> Welcome, everyone. {WORD} {URL}
[20:01 #a2] <dana|דנה כהן> שלום לכולם!
[20:02 #a3] <mallory|{RLO}Mallory> look at my name
  edited
[20:03 #a4] <{"x" * 90}|{WORD}> a long handle and a long name
  attachment: {URL}
[20:04 #a5] <mara> `{WORD}{WORD}`
  reply-to: a3
"""

POST = f"""\
Title: {WORD}
Date: 2024-05-03 10:00
Category: {WORD[:60]}
Tags: {WORD[:70]}
Transcript: names

{WORD} {URL}

| heading | another heading |
|---|---|
| {WORD} | {URL} |
"""

READ = """\
Title: Reading together
Slug: read
Date: 2024-05-04 08:00
Category: Essays
Transcript: names

[[quote: names#a2]]
"""
READ_HEBREW = "Author: דנה\nDate: 2024-05-04 09:00\n\nקראתי את זה!\n"  # noqa: RUF001
READ_ENGLISH = "Author: Ann\nDate: 2024-05-04 10:00\n\nDana opened with שלום!\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> BuiltSite:
    root = tmp_path_factory.mktemp("stress")
    files = {
        "transcripts/names.chat": CHAT,
        "posts/long.md": POST,
        "posts/read.md": READ,
        "perspectives/read/2024-05-04-0900-dana.md": READ_HEBREW,
        "perspectives/read/2024-05-04-1000-ann.md": READ_ENGLISH,
    }
    return build_site_at(root, files, SITEURL="")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chrome.running_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture(scope="module")
def site_url(site):
    with serve(site.output) as url:
        yield url


@pytest.mark.browser
def test_long_words_and_urls_never_make_a_phone_scroll_sideways(
    site, browser, site_url
):
    chrome.set_viewport(browser, (320, 640))
    found = {}
    for rel in sorted(site.pages()):
        chrome.visit(browser, f"{site_url}/{rel}")
        extra = chrome.horizontal_overflow(browser)
        if extra > 0:
            found[rel] = extra
    assert "transcripts/names/index.html" in site.pages()
    assert found == {}


@pytest.mark.browser
def test_nu_html_checker_accepts_every_page_of_odd_content(site):
    if missing := tools.missing_for_vnu():
        pytest.skip(tools.skip_reason(missing))
    paths = [site.output / rel for rel in site.pages()]
    assert vnu.check(paths, root=site.output) == []


def _left_to_right(browser, selectors: list[str]) -> list[float]:
    """Return where each element starts on screen, in the order of ``selectors``."""
    return browser.execute_script(
        "return arguments[0].map(s => document.querySelector(s)"
        "  .getBoundingClientRect().left);",
        selectors,
    )


@pytest.mark.browser
def test_right_to_left_and_reversing_names_stay_in_their_place(browser, site_url):
    chrome.set_viewport(browser, chrome.DESKTOP)
    chrome.visit(browser, f"{site_url}/transcripts/names/")
    # A Hebrew name is followed by its handle, not swapped with it.
    hebrew = "#m-a2 .transcript-author"
    name, handle = _left_to_right(
        browser, [f"{hebrew} .p-name", f"{hebrew} .transcript-handle"]
    )
    assert name < handle
    # A name that starts with U+202E (right-to-left override) cannot turn the
    # rest of its line around: handle and "(edited)" stay after it.
    reversing = "#m-a3 .transcript-message-meta"
    positions = _left_to_right(
        browser,
        [
            f"{reversing} .transcript-permalink",
            f"{reversing} .p-name",
            f"{reversing} .transcript-handle",
            f"{reversing} .transcript-edited",
        ],
    )
    assert positions == sorted(positions)
    # The reply that quotes it names it in a line of its own direction too.
    link, excerpt = _left_to_right(
        browser,
        ["#m-a5 .transcript-in-reply-to a", "#m-a5 .transcript-reply-excerpt"],
    )
    assert link < excerpt
    # So does the heading of the page of their messages.
    chrome.visit(browser, f"{site_url}/transcripts/names/by/mallory/")
    name, handle = _left_to_right(browser, ["h1 bdi", "h1 .transcript-handle"])
    assert name < handle


SPOILER_CHAT = """\
Title: Spoilers
Slug: spoilers
Date: 2024-05-02 20:00-04:00
Source: discord

--- 2024-05-02 -04:00 ---
[20:00 #1] <ann> the butler did it: ||it was the gardener||
"""
SPOILER_POST = """\
Title: On spoilers
Date: 2024-05-03 10:00
Category: Notes
Transcript: spoilers

[[quote: spoilers#1]]
"""


@pytest.fixture(scope="module")
def spoiler_url(tmp_path_factory):
    files = {"transcripts/spoilers.chat": SPOILER_CHAT, "posts/on.md": SPOILER_POST}
    site = build_site_at(tmp_path_factory.mktemp("spoilers"), files, SITEURL="")
    with serve(site.output) as url:
        yield url


@pytest.mark.parametrize(
    ("page", "link"),
    [
        ("transcripts/spoilers/", ".transcript-permalink"),
        ("transcripts/spoilers/by/ann/", ".transcript-permalink"),
        ("2024/05/on-spoilers/", ".transcript-quote-link"),
    ],
)
@pytest.mark.browser
def test_a_spoiler_shows_when_the_keyboard_reaches_its_message(
    browser, spoiler_url, page, link
):
    chrome.visit(browser, f"{spoiler_url}/{page}")
    hidden, shown = browser.execute_script(
        "const spoiler = document.querySelector('.chat-spoiler');"
        "const hidden = getComputedStyle(spoiler).color;"
        "document.querySelector(arguments[0]).focus();"
        "return [hidden, getComputedStyle(spoiler).color];",
        link,
    )
    assert hidden == "rgba(0, 0, 0, 0)"
    assert shown != hidden


@pytest.mark.parametrize(
    ("page", "rtl", "ltr"),
    [
        ("transcripts/names/", "#m-a2 .transcript-text", "#m-a1 .transcript-text"),
        (
            "transcripts/names/by/dana/",
            ".transcript-person-message .transcript-text",
            ".transcript-person h1",
        ),
        ("2024/05/read/", ".transcript-quote-text", ".entry-title, h1"),
        (
            "2024/05/read/",
            "#perspective-2024-05-04-0900-dana .perspective-body",
            "#perspective-2024-05-04-1000-ann .perspective-body",
        ),
    ],
)
@pytest.mark.browser
def test_a_message_in_hebrew_reads_right_to_left_in_an_english_page(
    browser, site_url, page, rtl, ltr
):
    chrome.visit(browser, f"{site_url}/{page}")
    directions = browser.execute_script(
        "return arguments[0].map(s => getComputedStyle(document.querySelector(s))"
        "  .direction);",
        [rtl, ltr],
    )
    assert directions == ["rtl", "ltr"]
