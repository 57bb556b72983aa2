"""Transcript pages as a reader expects them: mentions, odd names, stable anchors."""

from __future__ import annotations

import pytest

from .support import BuiltSite, build_site_at

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
