"""Readers' perspectives: the file format, threading, and the rendered section."""

from __future__ import annotations

from datetime import UTC, datetime
import logging
from urllib.parse import parse_qs, unquote, urlsplit
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import html5lib
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from pelican import Pelican
from pelican.settings import read_settings
import pytest

from plugins.common.errors import ContentError, PluginConfigError
from plugins.perspectives.contact import Contact
from plugins.perspectives.fileformat import (
    format_perspective,
    parse_comment_system,
    parse_perspective,
)
from plugins.perspectives.identicon import identicon_svg
from plugins.perspectives.mailimport import read_reply
from plugins.perspectives.model import Perspective
from plugins.perspectives.settings import PerspectiveSettings
from plugins.perspectives.threads import NOTE_CYCLE, NOTE_ORPHAN, thread_perspectives

from .support import ROOT, active_content, broken_links

NY = ZoneInfo("America/New_York")
PATH = "perspectives/essay/2024-05-02-1403-ann.md"
FULL = """\
Author: Ann Reader
Date: 2024-05-02 14:03:00-04:00
Url: https://ann.example/
In-Reply-To: 2024-05-02-1350-bo
Kind: comment
Format: markdown
Source: wordpress comment 4411
Avatar-Hash: 3f1c0a9b8e7d6c5b
Mood: cheerful

The body, with [a link](https://elsewhere.example/x) and *emphasis*.
"""


def parse(text: str, **options) -> Perspective:
    return parse_perspective(text, path=PATH, post="essay", **options)


# --- the file format -------------------------------------------------------------


def test_full_perspective_file_reads_every_field():
    p = parse(FULL)
    assert p.id == "2024-05-02-1403-ann"
    assert p.anchor == "perspective-2024-05-02-1403-ann"
    assert p.post == "essay"
    assert p.author == "Ann Reader"
    assert p.date == datetime(2024, 5, 2, 14, 3, tzinfo=NY)
    assert p.url == "https://ann.example/"
    assert p.in_reply_to == "2024-05-02-1350-bo"
    assert p.kind == "comment"
    assert p.source == "wordpress comment 4411"
    assert p.avatar_hash == "3f1c0a9b8e7d6c5b"
    assert p.extra == (("Mood", "cheerful"),)
    assert p.reply_line == 4
    assert isinstance(p.html, Markup)
    assert 'href="https://elsewhere.example/x"' in p.html
    assert 'rel="nofollow ugc"' in p.html
    assert "<em>emphasis</em>" in p.html
    assert not hasattr(p, "email")


def test_minimal_file_takes_defaults_and_site_timezone():
    p = parse("Author: Bo\nDate: 2024-05-02 13:50\n\nShort.\n", timezone="Asia/Tokyo")
    assert p.date == datetime(2024, 5, 2, 13, 50, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert (p.kind, p.url, p.in_reply_to, p.title) == ("comment", "", None, "")


def test_html_format_goes_through_the_same_sanitiser():
    text = (
        "Author: X\nDate: 2024-01-01\nFormat: html\n\n"
        '<p onclick="steal()">Hi <script>alert(1)</script>'
        '<a href="javascript:alert(1)">bad</a> <a href="https://ok.example/">ok</a>'
        '<img src="https://tracker.example/p.gif" alt="t"><iframe src="x"></iframe></p>'
    )
    p = parse(text)
    assert active_content(p.html) == []
    assert "<img" not in p.html
    assert "script" not in p.html
    assert 'href="https://ok.example/"' in p.html
    assert "<img" in parse(text, allow_images=True).html


def test_markdown_cannot_bring_raw_html():
    p = parse("Author: X\nDate: 2024-01-01\n\n<script>alert(1)</script> **b**\n")
    assert "<script" not in p.html
    assert "<strong>b</strong>" in p.html


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("Date: 2024-01-01\n\nBody\n", 1, "expected a 'Author' field"),
        ("Author: \nDate: 2024-01-01\n\nBody\n", 1, "expected a value for 'Author'"),
        ("Author: A\nDate: someday soon\n\nBody\n", 2, "expected a date such as"),
        ("Author: A\nDate: 2024-13-45\n\nBody\n", 2, "got '2024-13-45'"),
        # no day: dateutil took today's, so every build showed another date
        ("Author: A\nDate: May 2024\n\nBody\n", 2, "got 'May 2024'"),
        ("Author: A\nDate: 14:03\n\nBody\n", 2, "got '14:03'"),
        ("Author: A\nDate: 2024-01-01\nKind: like\n\nB\n", 3, "expected a Kind in"),
        ("Author: A\nDate: 2024-01-01\nFormat: rst\n\nB\n", 3, "expected a Format"),
        ("Author: A\nDate: 2024-01-01\nEmail: a@b.example\n\nB\n", 3, "no 'Email'"),
        ("Author: A\nDate: 2024-01-01\nIP: 10.1.2.3\n\nB\n", 3, "no 'IP' field"),
        ("Author: A\nAuthor: B\nDate: 2024-01-01\n\nB\n", 2, "expected 'Author' once"),
        ("Author: A\nDate: 2024-01-01\nUrl: javascript:x\n\nB\n", 3, "http(s) URL"),
        ("Author: A\nDate: 2024-01-01\nKind: mention\n\nB\n", 3, "expected a Url"),
        ("Author: A\nDate: 2024-01-01\nIn-Reply-To: a/b\n\nB\n", 3, "the id"),
        ("Author: A\nDate: 2024-01-01\nAvatar-Hash: zz\n\nB\n", 3, "hexadecimal"),
        ("Author: A\nDate: 2024-01-01\nMessage: https://x\n\nB\n", 3, "site path"),
        ("Author: A\nthis is not a field\n\nB\n", 2, "expected 'Field: value'"),
        ("\nAuthor: A\n", 1, "got a blank line"),
        ("Author: A\nDate: 2024-01-01\n\n   \n", 1, "expected a body"),
    ],
)
def test_bad_perspective_names_file_line_and_what_was_wrong(text, line, expected):
    with pytest.raises(ContentError) as caught:
        parse(text)
    assert caught.value.path == PATH
    assert caught.value.line == line
    assert expected in str(caught.value)
    assert str(caught.value).startswith(f"{PATH}:{line}: ")


def test_mention_and_reblog_may_have_no_body_but_keep_their_source():
    p = parse(
        "Author: Blog\nDate: 2024-01-01\nKind: reblog\nTitle: Reblogged\n"
        "Url: https://blog.example/r\n\n"
    )
    assert (p.kind, p.url, p.title) == ("reblog", "https://blog.example/r", "Reblogged")


_DIRECTION_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(
    # A name of only direction controls is refused like a blank one.
    lambda s: s.translate(_DIRECTION_CONTROLS).strip()
)
bodies = st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200
).filter(lambda s: s.strip())
dates = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)
).map(lambda d: d.replace(microsecond=0, tzinfo=NY))
ids = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")


@settings(max_examples=150, deadline=None)
@given(
    author=names,
    date=dates,
    body=bodies,
    reply=st.one_of(st.just(""), ids),
    kind=st.sampled_from(["comment", "quote", "mention", "reblog"]),
    title=st.one_of(st.just(""), names),
)
def test_format_then_parse_keeps_every_field(  # noqa: PLR0913, PLR0917
    author, date, body, reply, kind, title
):
    url = "https://source.example/a?b=c" if kind in ("mention", "reblog") else ""
    text = format_perspective(
        author=author,
        date=date,
        body=body,
        url=url,
        in_reply_to=reply,
        kind=kind,
        title=title,
    )
    p = parse(text)
    # Direction controls are dropped from one-line fields (see fileformat).
    assert p.author == " ".join(author.translate(_DIRECTION_CONTROLS).split())
    # In UTC: PEP 495 makes times in a repeated DST hour unequal across tzinfos.
    assert p.date.astimezone(UTC) == date.astimezone(UTC)
    assert p.date.utcoffset() == date.utcoffset()
    assert p.url == url
    assert p.kind == kind
    assert p.in_reply_to == (reply or None)
    assert p.title == " ".join(title.translate(_DIRECTION_CONTROLS).split())
    assert p.extra == ()
    assert active_content(p.html) == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_fails_with_a_content_error(text):
    try:
        p = parse(text)
    except ContentError as err:
        assert str(err).startswith(PATH)
    else:
        assert p.author
        assert active_content(p.html) == []


@given(name=names)
def test_a_name_cannot_smuggle_a_header_field(name):
    text = format_perspective(
        author=f"{name}\nEmail: leak@example.org\nIP: 10.0.0.9",
        date=datetime(2024, 1, 1, tzinfo=NY),
        body="Hi",
    )
    p = parse(text)
    assert p.extra == ()
    assert text.count("\n\n") >= 1
    assert not any(line.startswith("Email:") for line in text.splitlines())


def test_comment_system_file_maps_its_fields_and_drops_email():
    text = (
        "date: 2014-3-21 15:02\nauthor: Old Reader\nwebsite: http://old.example\n"
        "email: old@reader.example\nreplyto: 1md\nslug: 2md\nmood: fine\n\n"
        "Content of the comment.\n"
    )
    p, warnings = parse_comment_system(
        text, path="comments/essay/2.md", post="essay", timezone="UTC"
    )
    assert (p.id, p.author, p.url, p.in_reply_to) == (
        "2",
        "Old Reader",
        "http://old.example",
        "1md",
    )
    assert p.extra == (("mood", "fine"),)
    assert any("comments/essay/2.md:4: 'email' is not published" in w for w in warnings)
    assert "old@reader.example" not in repr(p)


# --- threading ------------------------------------------------------------------


def make(ident: str, minute: int, reply: str | None = None) -> Perspective:
    return Perspective(
        id=ident,
        post="essay",
        author=f"Reader {ident}",
        date=datetime(2024, 5, 2, 12, minute, tzinfo=NY),
        html=Markup("<p>x</p>"),
        source_path=f"perspectives/essay/{ident}.md",
        in_reply_to=reply,
        reply_line=3 if reply else 0,
    )


def flatten(nodes, parent=None):
    for node in nodes:
        yield node, parent
        yield from flatten(node.children, node)


def test_replies_nest_to_the_depth_then_flatten_with_a_replying_to_link():
    chain = [make("a", 1), make("b", 2, "a"), make("c", 3, "b"), make("d", 4, "c")]
    tops, warnings = thread_perspectives(reversed(chain), max_depth=2)
    assert warnings == []
    [a] = tops
    assert [n.perspective.id for n in a.children] == ["b", "c", "d"]
    b, c, d = a.children
    assert (b.depth, b.replying_to) == (2, None)
    assert (c.depth, c.replying_to.id) == (2, "b")
    assert (d.depth, d.replying_to.id) == (2, "c")


def test_depth_one_shows_everything_at_top_level_in_date_order():
    items = [make("a", 1), make("b", 2), make("c", 3, "a")]
    tops, _ = thread_perspectives(items, max_depth=1)
    assert [(n.perspective.id, n.replying_to and n.replying_to.id) for n in tops] == [
        ("a", None),
        ("c", "a"),
        ("b", None),
    ]


def test_newest_first_orders_threads_but_keeps_replies_in_order():
    items = [make("a", 1), make("b", 2), make("c", 3, "a"), make("d", 4, "a")]
    tops, _ = thread_perspectives(items, order="newest-first")
    assert [n.perspective.id for n in tops] == ["b", "a"]
    assert [n.perspective.id for n in tops[1].children] == ["c", "d"]


def test_orphans_and_loops_go_to_top_level_with_a_note_and_a_warning():
    items = [
        make("a", 1, "c"),
        make("b", 2, "a"),
        make("c", 3, "b"),
        make("d", 4, "gone"),
        make("e", 5, "e"),
    ]
    tops, warnings = thread_perspectives(items)
    shown = {n.perspective.id: n for n, _ in flatten(tops)}
    assert sorted(shown) == ["a", "b", "c", "d", "e"]
    assert shown["a"].note == NOTE_CYCLE
    assert shown["e"].note == NOTE_CYCLE
    assert shown["d"].note == NOTE_ORPHAN
    assert [n.perspective.id for n in tops] == ["a", "d", "e"]
    assert any(
        w.startswith("perspectives/essay/d.md:3: ") and "'gone'" in w for w in warnings
    )
    assert any(
        w.startswith("perspectives/essay/a.md:3: ") and "a, b, c" in w for w in warnings
    )
    assert any(w.startswith("perspectives/essay/e.md:3: ") for w in warnings)


@settings(max_examples=200, deadline=None)
@given(
    links=st.lists(st.integers(min_value=-2, max_value=11), min_size=1, max_size=12),
    depth=st.integers(min_value=1, max_value=4),
    order=st.sampled_from(["oldest-first", "newest-first"]),
)
def test_every_perspective_appears_once_within_the_depth(links, depth, order):
    items = [
        make(f"p{i}", i, None if target < 0 else f"p{target}")
        for i, target in enumerate(links)
    ]
    tops, _ = thread_perspectives(items, max_depth=depth, order=order)
    seen = [node for node, _ in flatten(tops)]
    assert sorted(n.perspective.id for n in seen) == sorted(p.id for p in items)
    for node, parent in flatten(tops):
        assert 1 <= node.depth <= depth
        assert node.depth == (parent.depth + 1 if parent else 1)


# --- identicons and settings ------------------------------------------------------


def test_identicon_is_deterministic_symmetric_svg():
    one, again, other = identicon_svg("abc"), identicon_svg("abc"), identicon_svg("abd")
    assert one == again
    assert one != other
    svg = ET.fromstring(str(one))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    path = svg.find("{http://www.w3.org/2000/svg}path").get("d")
    cells = {tuple(map(int, c.split("h")[0].split())) for c in path.split("M")[1:]}
    assert cells == {(4 - x, y) for x, y in cells}
    assert "http" not in str(one).replace("http://www.w3.org/2000/svg", "")


def test_settings_report_every_problem_at_once():
    with pytest.raises(PluginConfigError) as caught:
        PerspectiveSettings.from_settings(
            {
                "PERSPECTIVES_ORDER": "random",
                "PERSPECTIVES_MAX_DEPTH": 0,
                "PERSPECTIVES_CLOSE_AFTER_DAYS": "soon",
                "PERSPECTIVES_ALLOW_IMAGES": "yes",
                "PERSPECTIVES_INTAKE_URL": "ftp://x",
                "PERSPECTIVES_EMAIL": "not an address",
                "PERSPECTIVES_PATH": "../elsewhere",
            }
        )
    lines = str(caught.value).splitlines()
    assert len(lines) == 7
    assert lines[0].startswith("PERSPECTIVES_PATH: expected a folder name")


@pytest.mark.parametrize("depth", [0, 51, 10**6, True, "3"])
def test_thread_depth_is_bounded(depth):
    with pytest.raises(PluginConfigError, match="expected a whole number from 1 to 50"):
        PerspectiveSettings.from_settings({"PERSPECTIVES_MAX_DEPTH": depth})


def test_bad_settings_stop_the_build_before_reading(tmp_path):
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(tmp_path),
            "OUTPUT_PATH": str(tmp_path / "out"),
            "PERSPECTIVES_ORDER": "sideways",
        },
    )
    with pytest.raises(PluginConfigError, match="PERSPECTIVES_ORDER"):
        Pelican(settings)


def test_contact_mailto_body_is_a_perspective_file_import_mail_reads():
    contact = Contact(post="essay", title="An essay", email="me@site.example")
    parts = urlsplit(contact.mailto("2024-05-02-1403-ann"))
    assert parts.scheme == "mailto"
    assert unquote(parts.path) == "me@site.example"
    query = parse_qs(parts.query)
    body = query["body"][0].replace("\r\n", "\n")
    filled = body.replace("Author: ", "Author: Cy Reader").replace(
        "\n\n", "\n\nI agree, mostly.\n\n", 1
    )
    reply = read_reply(filled, query["subject"][0])
    assert (reply.post, reply.name, reply.in_reply_to, reply.text) == (
        "essay",
        "Cy Reader",
        "2024-05-02-1403-ann",
        "I agree, mostly.",
    )


# --- the built site ----------------------------------------------------------------

POST = (
    "Title: An essay\nDate: 2024-05-01 09:00\nCategory: Essays\n"
    "Earlier-Slugs: old-essay\n\nThe post.\n"
)
OTHER = "Title: Later\nDate: 2024-07-01 09:00\nCategory: Notes\n\nLater post.\n"


def p_file(author, date, body="Some words.", **fields):
    header = [f"Author: {author}", f"Date: {date}"]
    header += [f"{k.replace('_', '-').title()}: {v}" for k, v in fields.items()]
    return "\n".join(header) + "\n\n" + body + "\n"


THREAD = {
    "posts/2024-05-01-essay.md": POST,
    "posts/2024-07-01-later.md": OTHER,
    "perspectives/essay/2024-05-01-1000-ann.md": p_file(
        "Ann", "2024-05-01 10:00", url="https://ann.example/", avatar_hash="ab12cd34ef"
    ),
    "perspectives/essay/2024-05-01-1100-bo.md": p_file(
        "Bo", "2024-05-01 11:00", "Answer to Ann.", in_reply_to="2024-05-01-1000-ann"
    ),
    "perspectives/old-essay/2024-05-02-0900-cy.md": p_file(
        "Cy", "2024-05-02 09:00", in_reply_to="2024-05-01-1100-bo"
    ),
    "perspectives/essay/2024-05-03-0900-linker.md": p_file(
        "Link Blog",
        "2024-05-03 09:00",
        "They wrote about it.",
        kind="mention",
        url="https://links.example/post",
        title="Links for May",
    ),
    "perspectives/essay/2024-05-03-1000-quoter.md": p_file(
        "Dee",
        "2024-05-03 10:00",
        "What a chat said.",
        kind="quote",
        message="transcripts/launch/#m-0042",
    ),
}
PAGE = "2024/05/essay/index.html"


def entry_of(parsed):
    [entry] = [i for i in parsed["items"] if "h-entry" in i["type"]]
    return entry


def test_post_page_reads_back_into_its_perspectives_with_mf2py(build_site):
    site = build_site(THREAD)
    entry = entry_of(site.mf2(PAGE))
    comments = entry["properties"]["comment"]
    assert [c["properties"]["author"][0]["properties"]["name"] for c in comments] == [
        ["Ann"],
        ["Link Blog"],
        ["Dee"],
    ]
    ann = comments[0]
    assert ann["type"] == ["h-cite"]
    [published] = ann["properties"]["published"]
    assert datetime.fromisoformat(published) == datetime(2024, 5, 1, 10, tzinfo=NY)
    assert ann["properties"]["url"] == [
        "http://example.test/#perspective-2024-05-01-1000-ann"
    ]
    assert ann["properties"]["author"][0]["properties"]["url"] == [
        "https://ann.example/"
    ]
    assert ann["properties"]["content"][0]["value"] == "Some words."
    [bo] = ann["properties"]["comment"]
    assert bo["properties"]["content"][0]["value"] == "Answer to Ann."
    [cy] = bo["properties"]["comment"]  # found through Earlier-Slugs
    assert cy["properties"]["author"][0]["properties"]["name"] == ["Cy"]


def test_section_shows_count_kinds_avatars_and_safe_author_links(build_site):
    site = build_site(THREAD)
    page = site.html(PAGE)
    section = page.select_one("article.h-entry section#perspectives")
    assert section.h2.get_text(strip=True) == "Perspectives (5)"
    assert len(section.select(".perspective")) == 5
    assert len(section.select(".perspective svg.identicon")) == 5
    author = section.select_one("#perspective-2024-05-01-1000-ann a.perspective-author")
    assert author["href"] == "https://ann.example/"
    assert author["rel"] == ["nofollow", "ugc"]
    mention = section.select_one(".perspective-mention")
    assert mention.select_one(".perspective-kind").get_text() == "Mention"
    source = mention.select_one("a.perspective-source-link")
    assert (source["href"], source.get_text()) == (
        "https://links.example/post",
        "Links for May",
    )
    quote = section.select_one(".perspective-quote a.perspective-source-link")
    assert quote["href"] == "/transcripts/launch/#m-0042"
    assert not page.select("img[src^=http]")
    assert not [
        tag for tag in page.find_all(src=True) if "://" in tag["src"]
    ]  # no third-party request: identicons are inline


def test_count_links_from_permalink_footer_and_every_listing(build_site):
    site = build_site(THREAD, MENUITEMS=[("Archives", "archives/")])
    for rel in (PAGE, "index.html", "category/essays/index.html", "2024/index.html"):
        links = site.html(rel).select("a.footer-perspectives")
        assert [(a.get_text(), a["href"]) for a in links if "essay" in a["href"]] == [
            ("Perspectives (5)", "/2024/05/essay/#perspectives")
        ], rel
    # Only the quote of a transcript this tiny site does not have points nowhere.
    assert broken_links(site.output) == [f"{PAGE} -> /transcripts/launch/#m-0042"]


def test_perspectives_never_become_pages(build_site):
    site = build_site(THREAD)
    assert not [p for p in site.pages() if "perspective" in p or "ann" in p]
    assert [a.get_text() for a in site.html("index.html").select(".entry-title")] == [
        "Later",
        "An essay",
    ]


def test_bad_file_is_skipped_with_file_and_line_and_the_rest_renders(
    build_site, caplog
):
    files = {
        **THREAD,
        "perspectives/essay/broken.md": "Author: Mal\nDate: yesterday-ish\n\nx\n",
        "perspectives/essay/notes.txt": "stray\n",
        "perspectives/nowhere/2024-01-01-x.md": p_file("X", "2024-01-01"),
    }
    with caplog.at_level(logging.WARNING):
        site = build_site(files)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        m.startswith("perspectives/essay/broken.md:2: expected a date") for m in errors
    ), errors
    assert any(m.startswith("perspectives/essay/notes.txt:") for m in errors)
    assert any(
        m.startswith("perspectives/nowhere:") and "'nowhere'" in m for m in warnings
    )
    section = site.html(PAGE).select_one("#perspectives")
    assert len(section.select(".perspective")) == 5


def test_orphan_and_loop_render_at_top_level_with_notes(build_site, caplog):
    files = {
        "posts/2024-05-01-essay.md": POST,
        "perspectives/essay/a.md": p_file("A", "2024-05-01 10:00", in_reply_to="b"),
        "perspectives/essay/b.md": p_file("B", "2024-05-01 11:00", in_reply_to="a"),
        "perspectives/essay/c.md": p_file("C", "2024-05-01 12:00", in_reply_to="zz"),
    }
    with caplog.at_level(logging.WARNING):
        site = build_site(files)
    section = site.html(PAGE).select_one("#perspectives")
    tops = section.select(".perspective-thread > li > article")
    assert [t["id"] for t in tops] == ["perspective-a", "perspective-c"]
    assert all(t.select_one(".perspective-note") for t in tops)
    warnings = " ".join(r.getMessage() for r in caplog.records)
    assert "perspectives/essay/a.md:3:" in warnings
    assert "perspectives/essay/c.md:3:" in warnings


def test_deep_replies_flatten_with_a_replying_to_link(build_site):
    files = {"posts/2024-05-01-essay.md": POST}
    previous = None
    for i in range(5):
        extra = {"in_reply_to": previous} if previous else {}
        files[f"perspectives/essay/r{i}.md"] = p_file(
            f"R{i}", f"2024-05-01 1{i}:00", **extra
        )
        previous = f"r{i}"
    site = build_site(files, PERSPECTIVES_MAX_DEPTH=2)
    section = site.html(PAGE).select_one("#perspectives")
    assert not section.select(".depth-3")
    flat = section.select_one("#perspective-r3 .perspective-replying-to a")
    assert flat["href"] == "#perspective-r2"


def test_closed_discussion_keeps_perspectives_and_drops_the_form(build_site):
    closed = POST.replace("Earlier-Slugs", "Discussion: closed\nEarlier-Slugs")
    files = {**THREAD, "posts/2024-05-01-essay.md": closed}
    site = build_site(files, PERSPECTIVES_INTAKE_URL="https://intake.example")
    page = site.html(PAGE)
    assert len(page.select("#perspectives .perspective")) == 5
    assert page.select_one(".discussion-closed")
    assert not page.select("form")
    assert not page.select(".perspective-reply")
    later = site.html("2024/07/later/index.html")
    assert later.select("form.perspective-form")


def test_close_after_days_counts_from_the_newest_content_not_the_clock(build_site):
    site = build_site(THREAD, PERSPECTIVES_CLOSE_AFTER_DAYS=30)
    # An essay of May 1 is more than 30 days older than the newest post (July 1).
    assert site.html(PAGE).select_one(".discussion-closed")
    assert not site.html(PAGE).select("#respond")
    assert site.html("2024/07/later/index.html").select("#respond")
    opened = POST.replace("Earlier-Slugs", "Discussion: open\nEarlier-Slugs")
    kept = build_site({**THREAD, "posts/2024-05-01-essay.md": opened},
                      PERSPECTIVES_CLOSE_AFTER_DAYS=30)  # fmt: skip
    assert kept.html(PAGE).select("#respond")  # "Discussion: open" by hand wins
    # 61 days separate May 1 and July 1: a limit of 61 days keeps it open.
    again = build_site(THREAD, PERSPECTIVES_CLOSE_AFTER_DAYS=61)
    assert again.html(PAGE).select("#respond")
    # A perspective is content too: one of mid-August (in another time zone)
    # puts the essay more than 61 days behind.
    later = "perspectives/later/2024-08-15-0900-eve.md"
    talked = {**THREAD, later: p_file("Eve", "2024-08-15 09:00:00-05:00")}
    after = build_site(talked, PERSPECTIVES_CLOSE_AFTER_DAYS=61)
    assert after.html(PAGE).select_one(".discussion-closed")
    assert after.html("2024/07/later/index.html").select("#respond")


def test_intake_form_has_the_contract_fields_and_reply_forms(build_site):
    site = build_site(THREAD, PERSPECTIVES_INTAKE_URL="https://intake.example/")
    page = site.html(PAGE)
    form = page.select_one("#respond form.perspective-form")
    assert form["method"] == "post"
    assert form["action"] == "https://intake.example/perspectives"
    names = {f["name"] for f in form.select("input, textarea")}
    # token: the intake's signed form token, filled by perspective-form.js
    assert names == {"post", "name", "email", "url", "text", "homepage", "token"}
    assert form.select_one("input[name=post]")["value"] == "essay"
    assert form.select_one("input[name=email]").has_attr("required")
    trap = form.select_one("input[name=homepage]")
    assert (trap["tabindex"], trap["autocomplete"]) == ("-1", "off")
    reply = page.select_one(
        "#perspective-2024-05-01-1100-bo details.perspective-reply form"
    )
    assert reply.select_one("input[name=in_reply_to]")["value"] == (
        "2024-05-01-1100-bo"
    )
    ids = [tag["id"] for tag in page.find_all(id=True)]
    assert len(ids) == len(set(ids))


def test_without_intake_the_form_is_a_ready_made_mail(build_site):
    site = build_site(THREAD)
    page = site.html(PAGE)
    assert not page.select("form")
    link = page.select_one("#respond a.perspective-mailto-link")["href"]
    query = parse_qs(urlsplit(link).query)
    assert "Post: essay" in query["body"][0]
    assert "[perspective:essay]" in query["subject"][0]
    reply = page.select_one("#perspective-2024-05-01-1000-ann a.perspective-reply-link")
    assert (
        "In-Reply-To: 2024-05-01-1000-ann"
        in parse_qs(urlsplit(reply["href"]).query)["body"][0]
    )
    assert "Reply … by email" in page.select_one("#respond").get_text()
    # A post nobody has answered yet has no reply links to point to.
    unanswered = site.html("2024/07/later/index.html").select_one("#respond")
    assert unanswered.select_one("a.perspective-mailto-link")
    assert "Reply … by email" not in unanswered.get_text()


def test_no_way_to_contribute_and_no_perspectives_means_no_section(build_site):
    site = build_site({"posts/2024-07-01-later.md": OTHER}, PERSPECTIVES_EMAIL="")
    page = site.html("2024/07/later/index.html")
    assert not page.select("#perspectives")
    assert not page.select("a.footer-perspectives")


def test_hostile_perspective_renders_inert(build_site):
    body = (
        "<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))"
        "\n\n<iframe src=https://evil.example></iframe>"
    )
    files = {
        "posts/2024-05-01-essay.md": POST,
        "perspectives/essay/evil.md": p_file(
            '<b onmouseover="x()">Evil</b>', "2024-05-01 10:00", body
        ),
        "perspectives/essay/evil-html.md": p_file(
            "Evil Html", "2024-05-01 11:00", body, format="html"
        ),
    }
    site = build_site(files)
    section = site.html(PAGE).select_one("#perspectives")
    for item in section.select(".perspective"):
        item.select_one("svg").decompose()
        assert active_content(str(item)) == [], str(item)
    assert "<b onmouseover" not in site.text(PAGE)


def test_pelican_comment_system_folder_is_read_when_configured(build_site, caplog):
    files = {
        "posts/2024-05-01-essay.md": POST,
        "comments/essay/0.md": "date: 2014-3-21 15:02\nauthor: First\n\nHello.\n",
        "comments/essay/1.md": (
            "date: 2014-3-21 16:00\nauthor: Second\nwebsite: https://second.example\n"
            "replyto: 0md\n\nHi back.\n"
        ),
        "comments/essay/2.md": (
            "date: 2014-3-22 9:00\nauthor: Third\nreplyto: 1\n\nOk.\n"
        ),
    }
    site = build_site(files, PERSPECTIVES_COMMENT_SYSTEM_PATH="comments")
    entry = entry_of(site.mf2(PAGE))
    [first] = entry["properties"]["comment"]
    [second] = first["properties"]["comment"]
    [third] = second["properties"]["comment"]
    assert third["properties"]["content"][0]["value"] == "Ok."
    assert not [p for p in site.pages() if p.startswith("comments")]


def test_quote_without_transcript_links_its_url(build_site):
    files = {
        "posts/2024-05-01-essay.md": POST,
        "perspectives/essay/q.md": p_file(
            "Eve",
            "2024-05-01 10:00",
            "Said in chat.",
            kind="quote",
            message="#m-7",
            url="https://chat.example/log#m-7",
        ),
    }
    item = build_site(files).html(PAGE).select_one("#perspective-q")
    assert item.select_one(".perspective-kind").get_text() == "Chat quote"
    assert item.select_one("a.perspective-source-link")["href"] == (
        "https://chat.example/log#m-7"
    )


def test_unknown_discussion_value_warns_and_closes(build_site, caplog):
    post = POST.replace("Earlier-Slugs", "Discussion: maybe\nEarlier-Slugs")
    with caplog.at_level(logging.WARNING):
        site = build_site({"posts/2024-05-01-essay.md": post})
    assert "posts/2024-05-01-essay.md: expected Discussion 'open' or 'closed'" in (
        caplog.text
    )
    assert not site.html(PAGE).select("#respond")


def test_pages_with_forms_and_replies_are_well_formed_html(build_site):
    site = build_site(THREAD, PERSPECTIVES_INTAKE_URL="https://intake.example")
    html5lib.HTMLParser(strict=True).parse(site.text(PAGE))


def test_sample_site_has_threaded_perspectives_of_every_kind(build_site):
    content = ROOT / "content"
    files = {
        p.relative_to(content).as_posix(): p.read_bytes()
        for p in content.rglob("*")
        if p.is_file()
    }
    site = build_site(files)
    kinds = set()
    for rel in (
        "2024/03/the-margins-are-the-message/index.html",
        "2024/06/reading-in-public/index.html",
    ):
        page = site.html(rel)
        kinds |= {k for item in page.select(".perspective") for k in item["class"]} - {
            "perspective",
            "p-comment",
            "h-cite",
        }
        assert page.select(".perspective-replies .perspective"), rel
    assert kinds >= {"perspective-comment", "perspective-mention", "perspective-reblog"}


def test_an_earlier_slug_already_taken_is_a_warning(build_site, caplog):
    files = {
        "posts/2024-05-01-essay.md": POST,
        "posts/2024-07-01-later.md": OTHER.replace(
            "Category", "Earlier-Slugs: essay\nCategory"
        ),
        "perspectives/essay/a.md": p_file("A", "2024-05-01 10:00"),
    }
    with caplog.at_level(logging.WARNING):
        site = build_site(files)
    assert "posts/2024-07-01-later.md: expected Earlier-Slugs" in caplog.text
    assert site.html(PAGE).select("#perspective-a")


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300))
def test_any_comment_system_text_parses_or_fails_with_a_content_error(text):
    try:
        p, _ = parse_comment_system(text, path="comments/essay/1.md", post="essay")
    except ContentError as err:
        assert str(err).startswith("comments/essay/1.md")
    else:
        assert active_content(p.html) == []


line_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40
)


@settings(max_examples=150, deadline=None)
@given(
    name=line_text,
    text=st.lists(line_text.filter(lambda s: s.strip()), min_size=1, max_size=4),
    reply=st.one_of(st.just(""), ids),
)
def test_a_filled_in_mail_body_reads_back(name, text, reply):
    body = "\n".join(line.strip() for line in text).strip()
    assume(all(not line.lstrip().startswith(">") for line in body.split("\n")))
    assume("\n--\n" not in f"\n{body}\n" and "wrote:" not in body)
    contact = Contact(post="essay", title="An essay", email="me@site.example")
    query = parse_qs(urlsplit(contact.mailto(reply)).query)
    template = query["body"][0].replace("\r\n", "\n")
    filled = template.replace("Author: ", f"Author: {name}", 1).replace(
        "\n\n", f"\n\n{body}\n\n", 1
    )
    got = read_reply(filled, query["subject"][0])
    assert got.post == "essay"
    assert got.name == " ".join(name.split())
    assert got.in_reply_to == reply
    assert got.text == body


def test_direction_controls_in_names_and_titles_never_reach_page_or_feed(build_site):
    # "Ann" + RIGHT-TO-LEFT OVERRIDE + "gpj.exe" shows as "Annexe.jpg", and an
    # unclosed override reorders the rest of the line (the date, the permalink).
    files = {
        "posts/2024-05-01-essay.md": POST,
        "perspectives/essay/2024-05-01-1000-ann.md": p_file(
            "Ann\u202egpj.exe", "2024-05-01 10:00", "Plain words."
        ),
        "perspectives/essay/2024-05-01-1100-links.md": p_file(
            "Links\u2067 Blog",
            "2024-05-01 11:00",
            "They wrote about it.",
            kind="mention",
            url="https://links.example/post",
            title="May \u202dlinks\u202c",
        ),
    }
    site = build_site(files)
    section = site.html(PAGE).select_one("#perspectives")
    authors = [a.get_text() for a in section.select(".perspective-author")]
    assert authors == ["Anngpj.exe", "Links Blog"]
    assert section.select_one(".perspective-source-link").get_text() == "May links"
    feeds = [rel for rel in site.snapshot() if rel.endswith((".xml", ".atom"))]
    assert any("Anngpj.exe" in site.text(rel) for rel in feeds)
    controls = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    for rel, data in site.snapshot().items():
        assert not controls & set(data.decode("utf-8", "replace")), rel
