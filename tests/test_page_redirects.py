"""Pages keep their earlier URLs too: redirect pages and server maps, as posts do."""

from __future__ import annotations

import logging

import pytest

from .support import broken_links, build_site_at
from .test_migrate import WXR, do_import

COLOPHON = """\
Title: Colophon
Slug: colophon
Earlier-Slugs: how-this-site-is-made
Earlier-Urls: /colophon.html, /?page_id=7, http://old.example/site/about-the-site.htm

How the site is made.
"""
POST = """\
Title: A post
Date: 2024-05-01 10:00
Category: Notes
Earlier-Urls: /colophon/

A post claiming the page's own URL.
"""
FILES = {
    "pages/about.md": "Title: About\n\nAbout the site.\n",
    "pages/colophon.md": COLOPHON,
    "posts/2024-05-01-a-post.md": POST,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        site = build_site_at(tmp_path_factory.mktemp("pages"), FILES)
    finally:
        root.removeHandler(handler)
    return site, [r.getMessage() for r in records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    "old",
    [
        "colophon.html",
        "how-this-site-is-made/index.html",  # Earlier-Slugs, by PAGE_URL
        "site/about-the-site.htm",
    ],
)
def test_a_page_earlier_url_is_a_redirect_page(built, old):
    site, _ = built
    page = site.html(old)
    refresh = page.select_one('meta[http-equiv="refresh"]')["content"]
    assert refresh == "0; url=/colophon/"
    link = page.select_one("a.redirect-target")
    assert (link["href"], link.text) == ("/colophon/", "Colophon")
    assert "This page has moved" in page.select_one(".redirect-notice").text


def test_query_urls_of_pages_go_to_the_server_maps(built):
    site, _ = built
    assert '"/?page_id=7" "/colophon/";' in site.text("redirects.nginx.map")
    assert "/colophon.html /colophon/ 301" in site.text("_redirects").splitlines()


def test_a_post_cannot_take_over_a_real_page(built):
    site, warnings = built
    assert site.html("colophon/index.html").select_one("h1").text == "Colophon"
    assert any(
        "posts/2024-05-01-a-post.md: earlier URL /colophon/ is a real page" in m
        for m in warnings
    ), warnings
    assert broken_links(site.output) == []


def test_a_misspelt_field_on_a_page_is_refused_by_the_strict_reader(build_site, caplog):
    site = build_site(
        {
            **FILES,
            "pages/bad.md": "Title: Bad\nEarlier-Url: /x.html\n\nText.\n",
        }
    )
    assert any(
        "pages/bad.md:2" in r.getMessage() and "earlier-url" in r.getMessage().lower()
        for r in caplog.records
    ), [r.getMessage() for r in caplog.records]
    assert not (site.output / "bad").exists()
    assert (site.output / "colophon.html").is_file()


def test_imported_wordpress_pages_keep_their_old_addresses(tmp_path, build_site):
    do_import(WXR, tmp_path / "content")
    site = build_site({})
    about = site.html("about/index.html")
    assert about.select_one('meta[http-equiv="refresh"]')["content"] == (
        "0; url=/about-me/"
    )
    assert '"/?page_id=2" "/about-me/";' in site.text("redirects.nginx.map")
