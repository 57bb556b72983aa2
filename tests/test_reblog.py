"""Permalinks, reblog pages, reblogs of others' posts and earlier URLs."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import datetime
import json
import logging
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
import feedparser
from markdown_it import MarkdownIt
from markupsafe import Markup
import mf2py
from pelican.contents import Article
from pelican.settings import read_settings
import pytest

from plugins.common.errors import PluginConfigError
from plugins.posts.reader import PostReader
from plugins.reblog.attach import attach_to_article
from plugins.reblog.model import Reblog
from plugins.reblog.redirects import Redirect, netlify_redirects, nginx_map
from plugins.reblog.settings import ReblogSettings

from .support import ROOT, active_content, broken_links, build_site_at

SITE = "https://blog.example"
NY = ZoneInfo("America/New_York")

PLAIN = """\
Title: Fish & "chips": a <em>short</em> history
Date: 2024-05-01 10:32
Category: Essays
Tags: food, history
Summary: Why the <em>humble</em> chip shop outlived the fashions around it.
Image: /images/cover.svg
Earlier-Slugs: fish-and-chips
Earlier-Urls: /2009/05/old-post.html, /?p=12, /archives/77, http://old.example/cgi/post.php?id=9

The first chip shops opened in the 1860s.

They fed a country that worked long hours.
"""
SECOND = """\
Title: Second thoughts
Date: 2024-05-02 08:00
Category: Notes
Earlier-Urls: /about/, /2009/05/old-post.html, /2010/01/second.html

Second body paragraph.
"""
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

Jun's point, which I keep returning to:

> A reply that takes a week has had a week to become kind.<script>alert(1)</script>
> <a href="javascript:alert(2)" onclick="steal()">Speed</a> is the enemy of
> [generosity](https://example.org/generosity).

My commentary below the quote.
"""
PERSPECTIVES = {
    "perspectives/fish-and-chips-history/2024-05-03-0900-ann.md": (
        "Author: Ann Reader\nDate: 2024-05-03 09:00-04:00\nKind: comment\n\n"
        "A plain comment, not a reblog.\n"
    ),
    "perspectives/fish-and-chips-history/2024-05-04-1000-batter-blog.md": (
        "Author: The Batter Blog\nDate: 2024-05-04 10:00-04:00\n"
        "Url: https://batter.example/2024/05/chips/\nTitle: Chips, again\n"
        "Kind: reblog\n\nThey reblogged it with a note.\n"
    ),
    "perspectives/fish-and-chips-history/2024-05-06-1200-weekly-links.md": (
        "Author: Weekly Links\nDate: 2024-05-06 12:00-04:00\n"
        "Url: https://links.example.net/week-19/\nTitle: Week 19\n"
        "Kind: mention\n\nLinked from the weekly roundup.\n"
    ),
}
FILES = {
    "posts/2024-05-01-fish-and-chips-history.md": PLAIN,
    "posts/2024-05-02-second-thoughts.md": SECOND,
    "posts/2024-06-01-on-slow-replies.md": REBLOG,
    "pages/about.md": "Title: About\nSlug: about\n\nAbout this site.\n",
    "images/cover.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
    **PERSPECTIVES,
}
POST = "2024/05/fish-and-chips-history/index.html"
REBLOG_PAGE = "2024/05/fish-and-chips-history/reblog/index.html"
REBLOG_POST = "2024/06/on-slow-replies/index.html"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One production-like build (absolute SITEURL), with the warnings it logged."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger().addHandler(handler)
    try:
        site = build_site_at(
            tmp_path_factory.mktemp("reblog"),
            FILES,
            SITEURL=SITE,
            REBLOG_REDIRECT_MAPS=["nginx", "netlify"],
        )
    finally:
        logging.getLogger().removeHandler(handler)
    return site, [r.getMessage() for r in records if r.levelno == logging.WARNING]


@pytest.fixture(scope="module")
def site(built):
    return built[0]


@pytest.fixture(scope="module")
def warnings(built):
    return built[1]


def local(url: str) -> str:
    """Return a SITE URL as a path relative to the output folder."""
    assert url.startswith(SITE + "/"), url
    path = url[len(SITE) + 1 :]
    return path + "index.html" if path.endswith("/") or not path else path


# Permalink pages ------------------------------------------------------------


def test_footer_line_carries_reblogs_count_and_reblog_link(site):
    footer = site.html(POST).select_one("article.h-entry .post-footer")
    reblogs = footer.select_one("a.footer-reblogs")
    reblog = footer.select_one("a.footer-reblog")
    assert reblogs.get_text() == "Reblogs (2)"  # the comment does not count
    assert reblogs["href"] == f"{SITE}/2024/05/fish-and-chips-history/reblog/#reblogs"
    assert reblog.get_text() == "Reblog"
    assert reblog["href"] == f"{SITE}/2024/05/fish-and-chips-history/reblog/"
    labels = [a.get_text() for a in footer.select("a")]
    assert (
        labels.index("Permalink") < labels.index("Reblogs (2)") < labels.index("Reblog")
    )


def test_post_without_reblogs_has_only_the_reblog_link(site):
    footer = site.html("2024/05/second-thoughts/index.html").select_one(".post-footer")
    assert footer.select_one("a.footer-reblogs") is None
    assert footer.select_one("a.footer-reblog") is not None


def test_post_page_parses_into_the_expected_h_entry(site):
    parsed = mf2py.parse(doc=site.text(POST), url=f"{SITE}/{POST}")
    [entry] = [i for i in parsed["items"] if "h-entry" in i["type"]]
    props = entry["properties"]
    assert props["name"] == ['Fish & "chips": a short history']
    assert props["url"] == [f"{SITE}/2024/05/fish-and-chips-history/"]
    published = datetime.fromisoformat(props["published"][0])
    assert published == datetime(2024, 5, 1, 10, 32, tzinfo=NY)
    [author] = props["author"]
    assert author["type"] == ["h-card"]
    assert author["properties"]["name"] == ["Mara Quill"]
    assert author["properties"]["url"] == [f"{SITE}/author/mara-quill/"]
    assert set(props["category"]) >= {"Essays", "food", "history"}
    assert "first chip shops" in props["content"][0]["value"]


def test_open_graph_and_json_ld_say_what_the_h_entry_says(site):
    page = site.html(POST)
    graph = {}
    for tag in page.select("head meta[property]"):
        graph.setdefault(tag["property"], []).append(tag["content"])
    entry = next(
        i
        for i in mf2py.parse(doc=site.text(POST), url=f"{SITE}/")["items"]
        if "h-entry" in i["type"]
    )["properties"]
    assert graph["og:type"] == ["article"]
    assert graph["og:title"] == entry["name"]
    assert graph["og:url"] == entry["url"]
    assert graph["og:image"] == [f"{SITE}/images/cover.svg"]
    assert graph["og:description"] == [
        "Why the humble chip shop outlived the fashions around it."
    ]
    published = datetime.fromisoformat(entry["published"][0])
    assert datetime.fromisoformat(graph["article:published_time"][0]) == published
    assert graph["article:author"] == entry["author"][0]["properties"]["url"]
    assert graph["article:tag"] == ["food", "history"]

    [script] = page.select('head script[type="application/ld+json"]')
    data = json.loads(script.string)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == entry["name"][0]
    assert data["url"] == entry["url"][0]
    assert datetime.fromisoformat(data["datePublished"]) == published
    assert datetime.fromisoformat(data["dateModified"]) == published
    assert data["author"] == [
        {"@type": "Person", "name": "Mara Quill", "url": f"{SITE}/author/mara-quill/"}
    ]
    assert data["image"] == f"{SITE}/images/cover.svg"


def test_json_ld_cannot_close_its_script_element(build_site):
    post = (
        "Title: A </script><script>alert(1)</script> title\n"
        "Date: 2024-01-01\nSummary: x </script> y\n\nBody.\n"
    )
    site = build_site({"posts/2024-01-01-tricky.md": post}, SITEURL=SITE)
    text = site.text("2024/01/tricky/index.html")
    head = text[: text.index("</head>")]
    start = head.index('<script type="application/ld+json">')
    body = head[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert json.loads(body)["headline"] == "A alert(1) title"
    assert "</" not in body


def test_image_found_in_the_body_when_the_header_names_none(build_site):
    post = "Title: Pic\nDate: 2024-01-01\n\n![A drawing](/images/a.svg)\n"
    site = build_site(
        {"posts/2024-01-01-pic.md": post, "images/a.svg": "<svg/>"}, SITEURL=SITE
    )
    meta = site.html("2024/01/pic/index.html").select_one('meta[property="og:image"]')
    assert meta["content"] == f"{SITE}/images/a.svg"


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("chart.png", f"{SITE}/2024/01/pic/chart.png"),
        ("../../../images/a.svg", f"{SITE}/images/a.svg"),
        ("//cdn.example/a.png", "https://cdn.example/a.png"),
        ("data:image/gif;base64,R0lGODlhAQABAAAAACw=", None),  # no address to share
    ],
)
def test_the_body_image_is_shared_where_the_page_shows_it(build_site, src, expected):
    post = f'Title: Pic\nDate: 2024-01-01\n\n<img src="{src}" alt="A chart">\n'
    site = build_site({"posts/2024-01-01-pic.md": post}, SITEURL=SITE)
    page = site.html("2024/01/pic/index.html")
    meta = page.select_one('meta[property="og:image"]')
    data = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert (meta["content"] if meta else None) == expected
    assert data.get("image") == expected


def test_a_summary_linking_to_another_post_links_there_everywhere(build_site):
    # Page metadata is made with the page: it no longer reads summaries before
    # Pelican resolves their {filename} links (which kept them unresolved).
    files = {
        "posts/2024-01-01-first.md": "Title: First\nDate: 2024-01-01\n\nBody.\n",
        "posts/2024-01-02-second.md": (
            "Title: Second\nDate: 2024-01-02\n"
            "Summary: After [the first]({filename}/posts/2024-01-01-first.md).\n"
            "\nBody.\n"
        ),
    }
    site = build_site(files, SITEURL=SITE)
    first = f"{SITE}/2024/01/first/"
    for page in ("index.html", "2024/01/second/reblog/index.html"):
        links = [a["href"] for a in site.html(page).select("a")]
        assert first in links, page
        assert not [href for href in links if "{filename}" in href], page
    meta = site.html("2024/01/second/index.html")
    description = meta.select_one('meta[property="og:description"]')["content"]
    assert description == "After the first."
    feed = feedparser.parse(site.output / "feeds/atom.xml")
    [entry] = [e for e in feed.entries if e.title == "Second"]
    assert f'href="{first}"' in entry.summary


def test_the_image_url_is_absolute_with_relative_urls_too(build_site):
    post = "Title: Pic\nDate: 2024-01-01\n\n![A drawing]({static}/images/a.svg)\n"
    files = {"posts/2024-01-01-pic.md": post, "images/a.svg": "<svg/>"}
    site = build_site(files, SITEURL=SITE, RELATIVE_URLS=True)
    page = site.html("2024/01/pic/index.html")
    assert page.select_one(".e-content img")["src"] == "../../../images/a.svg"
    meta = page.select_one('meta[property="og:image"]')
    assert meta["content"] == f"{SITE}/images/a.svg"


# Earlier URLs ---------------------------------------------------------------


@pytest.mark.parametrize(
    "old",
    [
        "2024/05/fish-and-chips/index.html",  # Earlier-Slugs, with the post's date
        "2009/05/old-post.html",
        "archives/77/index.html",
        "2010/01/second.html",
    ],
)
def test_redirect_page_at_each_earlier_url(site, old):
    page = site.html(old)
    refresh = page.select_one('meta[http-equiv="refresh"]')["content"]
    delay, target = refresh.split(";", 1)
    canonical = page.select_one('link[rel="canonical"]')["href"]
    visible = page.select_one("a.redirect-target")
    assert delay.strip() == "0"
    assert target.strip() == f"url={canonical}"
    assert visible["href"] == canonical
    assert (site.output / local(canonical)).is_file()
    assert visible.get_text() in {'Fish & "chips": a short history', "Second thoughts"}


def test_earlier_url_of_a_real_page_is_left_alone_with_a_warning(site, warnings):
    assert site.html("about/index.html").select_one("h1").get_text() == "About"
    assert any(
        "posts/2024-05-02-second-thoughts.md: earlier URL /about/ is a real page" in m
        and "pages/about.md" in m
        for m in warnings
    ), warnings


def test_earlier_url_of_another_posts_reblog_page_is_left_alone(tmp_path, caplog):
    files = {
        "posts/a.md": "Title: A\nDate: 2024-05-01 09:00\nCategory: Notes\n\nA.\n",
        "posts/b.md": (
            "Title: B\nDate: 2024-05-02 09:00\nCategory: Notes\n"
            "Earlier-Urls: /2024/05/a/reblog/\n\nB.\n"
        ),
    }
    with caplog.at_level(logging.WARNING):
        built = build_site_at(tmp_path, files, SITEURL=SITE)
    said = [r.getMessage() for r in caplog.records]
    assert any(
        "posts/b.md: earlier URL /2024/05/a/reblog/ is a real page" in m
        and "(the reblog page of posts/a.md)" in m
        for m in said
    ), said
    page = built.html("2024/05/a/reblog/index.html")
    assert page.select_one('meta[http-equiv="refresh"]') is None


def test_earlier_urls_of_pages_written_later_are_left_alone(tmp_path, caplog):
    """The subscribe page and transcripts are other plugins'; the build goes on."""
    chat = (
        "Title: Launch chat\nSlug: launch\nDate: 2024-05-02 20:00+00:00\n\n"
        "--- 2024-05-02 +00:00 ---\n[20:00 #1] <mara> Hello.\n"
    )
    files = {
        "transcripts/launch.chat": chat,
        "posts/b.md": (
            "Title: B\nDate: 2024-05-02 09:00\nCategory: Notes\n"
            "Earlier-Urls: /subscribe/, /transcripts/launch/\n\nB.\n"
        ),
    }
    with caplog.at_level(logging.WARNING):
        built = build_site_at(tmp_path, files, SITEURL=SITE)
    said = [r.getMessage() for r in caplog.records]
    for old, owner in [
        ("/subscribe/", "subscribe/index.html"),
        ("/transcripts/launch/", "transcripts/launch.chat"),
    ]:
        assert any(
            f"posts/b.md: earlier URL {old} is a real page ({owner})" in m for m in said
        ), said
    assert built.html("subscribe/index.html").select_one("meta[http-equiv]") is None
    assert (built.output / "2024/05/b/index.html").is_file()


def test_earlier_url_claimed_by_two_posts_names_both(site, warnings):
    [message] = [m for m in warnings if "/2009/05/old-post.html" in m]
    assert "posts/2024-05-02-second-thoughts.md" in message
    assert "posts/2024-05-01-fish-and-chips-history.md" in message
    page = site.html("2009/05/old-post.html")
    assert page.select_one("a.redirect-target")["href"].endswith(
        "/fish-and-chips-history/"
    )


def test_web_server_maps_cover_urls_a_static_page_cannot(site):
    nginx = site.text("redirects.nginx.map")
    target = '"/2024/05/fish-and-chips-history/";'
    for old in ("/?p=12", "/cgi/post.php?id=9", "/2009/05/old-post.html"):
        assert f'"{old}" {target}' in nginx
    netlify = site.text("_redirects").splitlines()
    assert "/archives/77 /2024/05/fish-and-chips-history/ 301" in netlify
    assert not any(line.startswith("/?p=12") for line in netlify)
    assert not (site.output / "cgi").exists()


def test_web_server_maps_keep_a_site_under_a_sub_path():
    moved = Redirect(
        old="/?p=12", target="2024/05/slug/", save_as="", post="posts/x.md", title="X"
    )
    page = Redirect(
        old="/old.html", target="2024/05/slug/", save_as="old.html", post="p", title="X"
    )
    assert '"/?p=12" "/blog/2024/05/slug/";' in nginx_map([moved], base="/blog")
    lines = netlify_redirects([page], base="/blog").splitlines()
    assert "/old.html /blog/2024/05/slug/ 301" in lines


def test_every_link_resolves(site):
    assert broken_links(site.output, SITE) == []


# Reblog page ----------------------------------------------------------------


def test_reblog_page_shows_an_attributed_excerpt(site):
    card = site.html(REBLOG_PAGE).select_one(".reblog-card")
    assert card.select_one(".p-name").get_text() == 'Fish & "chips": a short history'
    assert card.select_one(".p-author").get_text() == "Mara Quill"
    assert card.select_one("time")["datetime"] == "2024-05-01T10:32:00-04:00"
    # The post has a Summary, so that is the excerpt (not the first paragraph).
    assert card.select_one("blockquote").get_text(" ", strip=True) == (
        "Why the humble chip shop outlived the fashions around it."
    )
    back = site.html(REBLOG_PAGE).select_one(".reblog-back a")["href"]
    assert back == f"{SITE}/2024/05/fish-and-chips-history/"


def test_first_paragraph_is_the_excerpt_without_a_summary(site):
    page = site.html("2024/05/second-thoughts/reblog/index.html")
    excerpt = page.select_one(".reblog-card blockquote").get_text(strip=True)
    assert excerpt == "Second body paragraph."


def snippet(site, kind: str) -> str:
    return site.html(REBLOG_PAGE).select_one(f"textarea.reblog-snippet-{kind}").string


def test_html_snippet_is_an_h_entry_reposting_the_post(site):
    parsed = mf2py.parse(doc=snippet(site, "html"), url="https://elsewhere.example/")
    [entry] = parsed["items"]
    assert entry["type"] == ["h-entry"]
    [original] = entry["properties"]["repost-of"]
    props = original["properties"]
    assert original["type"] == ["h-cite"]
    assert props["url"] == [f"{SITE}/2024/05/fish-and-chips-history/"]
    assert props["name"] == ['Fish & "chips": a short history']
    assert props["author"][0]["properties"]["name"] == ["Mara Quill"]
    assert datetime.fromisoformat(props["published"][0]) == datetime(
        2024, 5, 1, 10, 32, tzinfo=NY
    )
    via = BeautifulSoup(snippet(site, "html"), "html.parser").select_one("a[rel=via]")
    assert via["href"] == f"{SITE}/"
    assert active_content(snippet(site, "html")) == []


def test_a_post_in_another_language_is_quoted_and_described_in_it(build_site):
    post = (
        "Title: La marge\nDate: 2024-05-01 10:32\nLang: fr\n\nUne note dans la marge.\n"
    )
    site = build_site({"posts/2024-05-01-la-marge.md": post}, SITEURL=SITE)
    reblog = site.html("2024/05/la-marge/fr/reblog/index.html")
    html = reblog.select_one("textarea.reblog-snippet-html").string
    quote = BeautifulSoup(html, "html.parser").select_one("blockquote")
    assert quote["lang"] == "fr"
    [entry] = mf2py.parse(doc=html, url="https://elsewhere.example/")["items"]
    [original] = entry["properties"]["repost-of"]
    assert original["properties"]["content"][0]["lang"] == "fr"
    page = site.html("2024/05/la-marge/fr/index.html")
    data = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert data["inLanguage"] == "fr"


def test_snippets_links_lead_to_this_site_when_pasted_elsewhere(build_site):
    post = (
        "Title: Links\nDate: 2024-05-01 10:32\n\n"
        "See [about](/about/), [a sibling](notes/), [below](#later) and a note[^1].\n\n"
        "[^1]: The note.\n"
    )
    summary = "Title: Sum\nDate: 2024-05-02\nSummary: Read [this](/x/).\n\nBody.\n"
    site = build_site(
        {"posts/2024-05-01-links.md": post, "posts/2024-05-02-sum.md": summary},
        SITEURL=SITE,
    )
    here = f"{SITE}/2024/05/links/"
    expected = {
        "2024/05/links/reblog/index.html": [
            f"{SITE}/about/",
            f"{here}notes/",
            f"{here}#later",
            f"{here}#fn:1",
        ],
        "2024/05/sum/reblog/index.html": [f"{SITE}/x/"],
    }
    for page, hrefs in expected.items():
        reblog = site.html(page)
        html = reblog.select_one("textarea.reblog-snippet-html").string
        # as the pasting blog's readers follow them
        [entry] = mf2py.parse(doc=html, url="https://elsewhere.example/")["items"]
        [original] = entry["properties"]["repost-of"]
        content = BeautifulSoup(original["properties"]["content"][0]["html"], "lxml")
        assert [a["href"] for a in content.select("a")] == hrefs
        markdown = reblog.select_one("textarea.reblog-snippet-markdown").string
        quote = BeautifulSoup(MarkdownIt("commonmark").render(markdown), "lxml")
        assert [a["href"] for a in quote.select("blockquote p a")][
            : len(hrefs)
        ] == hrefs


def test_markdown_snippet_renders_to_a_credited_quote(site):
    html = MarkdownIt("commonmark").render(snippet(site, "markdown"))
    quote = BeautifulSoup(html, "html.parser").select_one("blockquote")
    links = {a.get_text(): a["href"] for a in quote.select("a")}
    assert links['Fish & "chips": a short history'] == (
        f"{SITE}/2024/05/fish-and-chips-history/"
    )
    assert links["Mara Quill"] == f"{SITE}/author/mara-quill/"
    assert links["Colloquy"] == f"{SITE}/"
    assert "humble chip shop" in quote.get_text()


def test_snippets_are_escaped_text_inside_the_page(site):
    text = site.text(REBLOG_PAGE)
    page = BeautifulSoup(text, "html.parser")
    # The snippet's markup is text in a textarea, not elements of the page.
    assert page.select(".reblog-snippets .h-entry") == []
    assert "&lt;div class=" in text
    assert all(t.has_attr("readonly") for t in page.select("textarea"))


def test_share_links_are_plain_links_with_the_absolute_url(site):
    page = site.html(REBLOG_PAGE)
    url = f"{SITE}/2024/05/fish-and-chips-history/"
    links = {a["class"][0]: a["href"] for a in page.select(".share-links a")}
    assert set(links) == {
        "share-email",
        "share-mastodon",
        "share-bluesky",
        "share-hackernews",
        "share-reddit",
        "share-linkedin",
    }
    assert parse_qs(urlsplit(links["share-email"]).query)["body"] == [url]
    assert parse_qs(urlsplit(links["share-hackernews"]).query)["u"] == [url]
    assert parse_qs(urlsplit(links["share-reddit"]).query)["url"] == [url]
    assert parse_qs(urlsplit(links["share-linkedin"]).query)["url"] == [url]
    for name in ("share-mastodon", "share-bluesky"):
        assert parse_qs(urlsplit(links[name]).query)["text"][0].endswith(url)
    assert links["share-mastodon"].startswith("https://mastodon.social/share?")
    any_instance = page.select_one("#share-mastodon-any")["value"]
    assert any_instance.startswith("https://INSTANCE/share?text=")
    # Nothing loads or runs: no scripts, frames, images or third-party assets.
    assert page.select("script, iframe, img, object, embed") == []
    assert all(link["href"].startswith(SITE) for link in page.select("link[href]"))


def test_reblogs_and_mentions_are_listed_newest_first(site):
    items = site.html(REBLOG_PAGE).select("#reblogs .reaction")
    assert [i.select_one(".p-author").get_text() for i in items] == [
        "Weekly Links",
        "The Batter Blog",
    ]
    assert items[0]["class"][1] == "reaction-mention"
    assert (
        items[1].select_one(".p-author")["href"]
        == "https://batter.example/2024/05/chips/"
    )
    assert items[1].select_one("cite").get_text() == "Chips, again"


def test_share_targets_come_from_settings(build_site):
    site = build_site(
        {"posts/2024-01-01-p.md": "Title: P\nDate: 2024-01-01\n\nBody.\n"},
        SITEURL=SITE,
        REBLOG_SHARE_TARGETS=["email", "mastodon"],
        REBLOG_MASTODON_INSTANCES=["mastodon.social", "social.example"],
    )
    page = site.html("2024/01/p/reblog/index.html")
    hrefs = [a["href"] for a in page.select(".share-links a")]
    assert [urlsplit(h).scheme + ":" + (urlsplit(h).hostname or "") for h in hrefs] == [
        "mailto:",
        "https:mastodon.social",
        "https:social.example",
    ]


def test_dev_build_uses_the_dev_siteurl_and_says_so(build_site):
    site = build_site(
        {"posts/2024-01-01-p.md": "Title: P\nDate: 2024-01-01\n\nBody.\n"},
        MENUITEMS=[("Archives", "archives/")],
    )
    page = site.html("2024/01/p/reblog/index.html")
    assert "development build" in page.select_one(".reblog-dev-note").get_text()
    parsed = mf2py.parse(doc=page.select_one("textarea.reblog-snippet-html").string)
    url = parsed["items"][0]["properties"]["repost-of"][0]["properties"]["url"]
    assert url == ["http://127.0.0.1:8000/2024/01/p/"]
    assert broken_links(site.output) == []


# Reblogging others ---------------------------------------------------------


def test_reblog_post_quotes_the_original_with_its_attribution_trail(site):
    content = site.html(REBLOG_POST).select_one(".e-content")
    quote = content.select_one("figure.reblog-quote")
    paragraphs = [p.get_text() for p in content.find_all("p", recursive=False)]
    assert paragraphs == [
        "Jun's point, which I keep returning to:",
        "My commentary below the quote.",
    ]
    assert content.select_one("p").find_next_sibling() is quote  # quote in between
    caption = quote.select_one(".reblog-attribution")
    assert caption.select_one("a.reblog-source")["href"] == (
        "https://example.org/2024/05/the-week-long-reply/"
    )
    assert caption.select_one("a.reblog-source").get_text() == "The week-long <reply>"
    assert caption.select_one(".reblog-author").get_text() == "Jun Okafor"
    assert caption.select_one("time")["datetime"] == "2024-05-28T18:00:00-04:00"
    assert (
        caption.select_one(".reblog-via a")["href"]
        == "https://links.example.net/daily/"
    )


def test_reblogged_excerpt_passes_the_sanitiser(site):
    quote = site.html(REBLOG_POST).select_one("blockquote.reblog-excerpt")
    assert active_content(str(quote)) == []
    assert "alert(1)" not in str(quote)
    assert quote.select_one('a[href="https://example.org/generosity"]')["rel"] == [
        "nofollow",
        "ugc",
    ]
    assert "Speed" in quote.get_text()


def test_reblog_post_reads_back_as_an_h_entry_reposting_the_original(site):
    parsed = mf2py.parse(doc=site.text(REBLOG_POST), url=f"{SITE}/")
    [entry] = [i for i in parsed["items"] if "h-entry" in i["type"]]
    [original] = entry["properties"]["repost-of"]
    assert original["properties"]["url"] == [
        "https://example.org/2024/05/the-week-long-reply/"
    ]
    assert original["properties"]["author"][0]["properties"]["name"] == ["Jun Okafor"]
    # Our commentary stays ours: the post's own author is still Mara Quill.
    assert entry["properties"]["author"][0]["properties"]["name"] == ["Mara Quill"]


def test_reblog_post_keeps_its_own_canonical_url(site):
    page = site.html(REBLOG_POST)
    assert page.select_one('link[rel="canonical"]')["href"] == (
        f"{SITE}/2024/06/on-slow-replies/"
    )
    data = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert data["isBasedOn"] == "https://example.org/2024/05/the-week-long-reply/"


def test_via_is_not_repeated_when_it_is_the_original(build_site):
    post = (
        "Title: R\nDate: 2024-01-01\nReblog-Of: https://example.org/a/\n"
        "Reblog-Via: https://example.org/a/\n\n> quoted\n\nmine\n"
    )
    site = build_site({"posts/2024-01-01-r.md": post})
    quote = site.html("2024/01/r/index.html").select_one("figure.reblog-quote")
    assert quote.select_one(".reblog-via") is None
    assert quote.select_one("a.reblog-source").get_text() == "https://example.org/a/"


@pytest.mark.parametrize(
    ("header", "line", "expected"),
    [
        (
            "Reblog-Of: javascript:alert(1)\n",
            3,
            (
                "expected an absolute http(s) URL in 'reblog-of', "
                "got 'javascript:alert(1)'"
            ),
        ),
        (
            "Reblog-Title: Orphan\n",
            3,
            "expected a Reblog-Of URL with 'reblog-title', got none",
        ),
        (
            "Reblog-Of: https://example.org/\nReblog-Date: May 2024\n",
            4,
            (  # no day: it would have been today's, a new date on every build
                "expected a date such as '2024-05-01 10:32' in 'reblog-date', "
                "got 'May 2024'"
            ),
        ),
        (
            "Reblog-Of: https://example.org/\nReblog-Date: last spring\n",
            4,
            (
                "expected a date such as '2024-05-01 10:32' in 'reblog-date', "
                "got 'last spring'"
            ),
        ),
        (  # dateutil would drop the zone name: 18:00 in the site's zone instead
            "Reblog-Of: https://example.org/\nReblog-Date: 2024-05-28 18:00 EST\n",
            4,
            "expected a UTC offset such as '2024-05-01 10:32-05:00', got a zone name",
        ),
    ],
)
def test_bad_reblog_fields_name_file_and_line(
    build_site, caplog, header, line, expected
):
    files = {
        "posts/2024-01-01-bad.md": f"Title: Bad\nDate: 2024-01-01\n{header}\nBody.\n",
        "posts/2024-01-02-fine.md": "Title: Fine\nDate: 2024-01-02\n\nFine.\n",
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(f"posts/2024-01-01-bad.md:{line}: {expected}" in m for m in errors), (
        errors
    )
    assert (site.output / "2024/01/fine/index.html").exists()
    assert not (site.output / "2024/01/bad").exists()


def test_bad_earlier_url_is_a_warning_and_the_rest_still_redirect(build_site, caplog):
    post = (
        "Title: P\nDate: 2024-01-01\nEarlier-Urls: /a/../../etc/passwd, /ok.html\n"
        "Earlier-Slugs: bad slug!\n\nBody.\n"
    )
    with caplog.at_level(logging.WARNING):
        site = build_site({"posts/2024-01-01-p.md": post})
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "posts/2024-01-01-p.md:3: expected an earlier URL without '.' or '..'" in m
        for m in messages
    ), messages
    assert any("posts/2024-01-01-p.md:4: expected slugs" in m for m in messages)
    assert (site.output / "ok.html").is_file()
    assert not (site.output.parent / "etc").exists()


# Settings -------------------------------------------------------------------


def test_settings_report_every_problem_at_once():
    with pytest.raises(PluginConfigError) as raised:
        ReblogSettings.from_settings(
            {
                "REBLOG_SHARE_TARGETS": ["email", "myspace"],
                "REBLOG_REDIRECT_MAPS": "nginx",
                "REBLOG_DEV_SITEURL": "localhost",
                "REBLOG_MASTODON_INSTANCES": ["https://x/"],
                "REBLOG_EXCERPT_CHARS": 0,
            }
        )
    lines = str(raised.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "REBLOG_SHARE_TARGETS",
        "REBLOG_MASTODON_INSTANCES",
        "REBLOG_REDIRECT_MAPS",
        "REBLOG_DEV_SITEURL",
        "REBLOG_EXCERPT_CHARS",
    ]


def test_bad_settings_stop_the_build_before_it_starts(build_site):
    with pytest.raises(PluginConfigError, match="REBLOG_SHARE_TARGETS"):
        build_site({}, REBLOG_SHARE_TARGETS=["fax"])


def test_works_without_the_perspectives_plugin(build_site):
    site = build_site(
        {"posts/2024-01-01-p.md": "Title: P\nDate: 2024-01-01\n\nBody.\n"},
        PLUGINS=["plugins.posts", "plugins.reblog"],
        MENUITEMS=[],
    )
    footer = site.html("2024/01/p/index.html").select_one(".post-footer")
    assert [a["class"] for a in footer.select("a")][-1] == ["footer-reblog"]
    assert footer.select_one(".footer-reblogs") is None
    page = site.html("2024/01/p/reblog/index.html")
    assert page.select_one(".reactions-none") is not None
    assert broken_links(site.output) == []


def test_article_reblog_is_the_frozen_record_feeds_read(tmp_path):
    settings = read_settings(
        str(ROOT / "pelicanconf.py"), override={"PATH": str(tmp_path)}
    )
    source = tmp_path / "posts" / "2024-06-01-r.md"
    source.parent.mkdir(parents=True)
    source.write_text(REBLOG, encoding="utf-8")
    html, metadata = PostReader(settings).read(str(source))
    article = Article(
        html, metadata=metadata, settings=settings, source_path=str(source)
    )
    attach_to_article(article)  # what the content_object_init receiver does
    attach_to_article(article)  # and doing it twice changes nothing
    reblog = article.reblog
    assert isinstance(reblog, Reblog)
    assert reblog.url == "https://example.org/2024/05/the-week-long-reply/"
    assert reblog.title == "The week-long <reply>"
    assert (reblog.author, reblog.author_url) == (
        "Jun Okafor",
        "https://example.org/about/",
    )
    assert reblog.date == datetime(2024, 5, 28, 18, 0, tzinfo=NY)
    assert reblog.via == "https://links.example.net/daily/"
    assert isinstance(reblog.excerpt, Markup)
    assert "week to become kind" in reblog.excerpt
    assert active_content(str(reblog.excerpt)) == []
    with pytest.raises(FrozenInstanceError):
        reblog.url = "https://elsewhere.example/"  # type: ignore[misc]
    plain = Article(
        "<p>x</p>",
        metadata={"title": "x", "date": reblog.date},
        settings=settings,
        source_path=str(tmp_path / "posts/x.md"),
    )
    attach_to_article(plain)
    assert plain.reblog is None
