"""Transcript pages, participants, quotes in posts, paging, and bad input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
import logging
import re

from bs4 import BeautifulSoup
from hypothesis import example, given, settings
from hypothesis import strategies as st
import pytest

from plugins.common.errors import PluginConfigError
from plugins.common.sanitize import xml_safe
from plugins.transcripts.chatfile import format_chat, parse_chat
from plugins.transcripts.library import lay_out
from plugins.transcripts.model import Message, Transcript
from plugins.transcripts.quotes import quoted_range
from plugins.transcripts.render import PageContext, iter_page_html, render_text
from plugins.transcripts.settings import TranscriptsSettings

from .support import (
    ROOT,
    active_content,
    broken_fragments,
    broken_links,
    build_site_at,
    page_active_content,
)
from .test_chatfile import transcripts

CHAT = """\
Title: Keeping a blog for ten years
Slug: ten-years
Date: 2024-05-02 20:00-04:00
Source: slack
Channel: #longblogs
Hosts: mara
Summary: Hosts and readers on what survives a decade of writing online.

--- 2024-05-02 -04:00 ---
[19:59 #s1] ! <mara|Mara Quill> set the channel topic
## Q1: What made you start?
[20:00 #1714694400.000100] <mara|Mara Quill> Welcome to #longblogs! Q1 is up.
  reaction: 👋 5
[20:01 #1714694460.000200] <bo|Bo Lindqvist> A notebook that answers back. See https://example.org/notes.
  reaction: 👍 3
  reaction: :bookmark: 1
[20:02 #1714694520.000300] <cy> @bo same, mostly the answering back
  reply-to: 1714694460.000200
  edited
[20:03 #1714694580.000400] * <mara> agrees with @cy and @nobody
[20:04 #x1] <cy> <script>alert("cy")</script> <img src=x onerror=alert(1)>
    [a](javascript:alert(2)) <a href="javascript:alert(3)">x</a>
## Q2: What would you keep?
[23:58 #x2] <bo> The archive, and this: https://acme.slack.com/archives/C0LONG/p1714694460000200
  attachment: https://example.org/archive.png Archive page, 2014
  attachment: javascript:alert(3) not a link
--- 2024-05-03 -04:00 ---
[00:02 #x3] <mara> Past midnight. Thanks all, see you at `next week`.
  reply-to: x2
"""

POST = """\
Title: What ten years of blogging taught our chat
Date: 2024-05-04 09:00
Category: Essays
Transcript: ten-years

We hosted a chat. Bo put it best:

[[quote: ten-years#m-1714694460.000200]]

And the end of the night:

[[quote: ten-years#x2..m-x3]]

The rest is in [a chat]({filename}/transcripts/ten-years.chat) of its own.
"""

SECOND_POST = """\
Title: A footnote on the chat
Date: 2024-05-05 09:00
Category: Notes
Transcript: ten-years

More later.
"""

FILES = {
    "transcripts/ten-years.chat": CHAT,
    "posts/2024-05-04-ten-years.md": POST,
    "posts/2024-05-05-footnote.md": SECOND_POST,
    "pages/about.md": "Title: About\n\nThe site's about page.\n",
}
ALL_IDS = [
    "s1",
    "1714694400.000100",
    "1714694460.000200",
    "1714694520.000300",
    "1714694580.000400",
    "x1",
    "x2",
    "x3",
]
PAGE = "transcripts/ten-years/index.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site_at(tmp_path_factory.mktemp("transcripts"), FILES)


@pytest.fixture(scope="module")
def paged(tmp_path_factory):
    return build_site_at(
        tmp_path_factory.mktemp("paged"), FILES, TRANSCRIPTS_PAGE_SIZE=3
    )


def message(soup: BeautifulSoup, message_id: str):
    found = soup.find(id=f"m-{message_id}")
    assert found is not None, message_id
    return found


def test_mf2_reads_the_page_back_into_its_messages(site):
    items = site.mf2(PAGE, url="http://example.test/transcripts/ten-years/")["items"]
    feeds = [item for item in items if "h-feed" in item["type"]]
    assert len(feeds) == 1
    feed = feeds[0]
    assert feed["properties"]["name"] == ["Keeping a blog for ten years"]
    entries = feed["children"]
    assert [e["properties"]["url"][0].split("#")[1] for e in entries] == [
        f"m-{i}" for i in ALL_IDS
    ]
    bo = entries[2]["properties"]
    assert bo["author"][0]["properties"]["name"] == ["Bo Lindqvist"]
    assert bo["author"][0]["properties"]["nickname"] == ["@bo"]
    assert datetime.fromisoformat(bo["published"][0]) == datetime.fromisoformat(
        "2024-05-02T20:01:00-04:00"
    )
    assert bo["content"][0]["value"].startswith("A notebook that answers back.")
    reply = entries[3]["properties"]
    assert reply["in-reply-to"] == [
        "http://example.test/transcripts/ten-years/#m-1714694460.000200"
    ]


def test_every_timestamp_is_a_permalink_to_its_own_anchor(site):
    soup = site.html(PAGE)
    for message_id in ALL_IDS:
        link = message(soup, message_id).select_one("a.transcript-permalink")
        assert link["href"] == f"#m-{message_id}"
        assert link.time["datetime"].startswith("2024-05-0")


def test_header_shows_span_source_channel_hosts_and_summary(site):
    soup = site.html(PAGE)
    when = [t["datetime"] for t in soup.select(".transcript-when time")]
    assert when == ["2024-05-02T19:59:00-04:00", "2024-05-03T00:02:00-04:00"]
    assert soup.select_one(".transcript-source").text == "slack"
    assert soup.select_one(".transcript-channel").text == "#longblogs"
    assert soup.select_one(".transcript-hosts a").text == "Mara Quill"
    assert "decade of writing" in soup.select_one(".transcript-summary").text


def test_participants_are_counted_and_link_to_their_messages(site):
    soup = site.html(PAGE)
    rows = [
        (
            li.a.text,
            li.select_one(".transcript-participant-count").text,
            li.a["href"],
        )
        for li in soup.select(".transcript-participant")
    ]
    assert rows == [
        ("Mara Quill", "4 messages", "/transcripts/ten-years/by/mara/"),
        ("Bo Lindqvist", "2 messages", "/transcripts/ten-years/by/bo/"),
        ("cy", "2 messages", "/transcripts/ten-years/by/cy/"),
    ]
    bo = site.html("transcripts/ten-years/by/bo/index.html")
    links = [
        a["href"]
        for a in bo.select(".transcript-person-message a.transcript-permalink")
    ]
    assert links == [
        "/transcripts/ten-years/#m-1714694460.000200",
        "/transcripts/ten-years/#m-x2",
    ]


def test_sections_are_headings_with_a_table_of_contents(site):
    soup = site.html(PAGE)
    toc = [(a.text, a["href"]) for a in soup.select(".transcript-toc a")]
    assert toc == [
        (
            "Q1: What made you start?",
            "/transcripts/ten-years/#s-q1-what-made-you-start",
        ),
        (
            "Q2: What would you keep?",
            "/transcripts/ten-years/#s-q2-what-would-you-keep",
        ),
    ]
    headings = soup.select("h2.transcript-section")
    assert [h["id"] for h in headings] == [
        "s-q1-what-made-you-start",
        "s-q2-what-would-you-keep",
    ]
    # The heading comes right before its first message.
    assert headings[0].find_next("article")["id"] == "m-1714694400.000100"


def test_days_are_separated(site):
    days = [h["id"] for h in site.html(PAGE).select("h2.transcript-day")]
    assert days == ["d-2024-05-02", "d-2024-05-03"]


def test_links_mentions_and_hashtags(site):
    soup = site.html(PAGE)
    welcome = message(soup, "1714694400.000100").select_one(".e-content")
    tag = welcome.a
    assert tag.text == "#longblogs"
    assert tag["href"] == "https://mastodon.social/tags/longblogs"
    assert tag["rel"] == ["nofollow", "ugc"]
    bo = message(soup, "1714694460.000200").select_one(".e-content a")
    assert bo["href"] == "https://example.org/notes"  # trailing "." left out
    assert bo["rel"] == ["nofollow", "ugc"]
    action = message(soup, "1714694580.000400")
    assert "transcript-action" in action["class"]
    mentions = {a.text: a["href"] for a in action.select(".e-content a")}
    assert mentions == {
        "@cy": "/transcripts/ten-years/by/cy/"
    }  # @nobody: no such person
    assert "@nobody" in action.select_one(".e-content").text


def test_a_slack_link_to_a_message_of_this_chat_jumps_to_its_anchor(site):
    soup = site.html(PAGE)
    link = message(soup, "x2").select_one(".e-content a")
    assert link["href"] == "#m-1714694460.000200"


def test_replies_show_what_they_answer_and_are_linked_back(site):
    soup = site.html(PAGE)
    reply = message(soup, "1714694520.000300")
    context = reply.select_one(".transcript-in-reply-to")
    assert context.a["href"] == "#m-1714694460.000200"
    assert context.a.text == "Bo Lindqvist"
    assert context.q.text.startswith("A notebook that answers back.")
    back = message(soup, "1714694460.000200").select_one(".transcript-replies a")
    assert back["href"] == "#m-1714694520.000300"


def test_reactions_attachments_and_edits_are_shown(site):
    soup = site.html(PAGE)
    reactions = [
        (
            li.select_one(".transcript-emoji").text,
            li.select_one(".transcript-reaction-count").text,
        )
        for li in message(soup, "1714694460.000200").select(".transcript-reaction")
    ]
    assert reactions == [("👍", "3"), (":bookmark:", "1")]
    assert message(soup, "1714694520.000300").select_one(".transcript-edited")
    assert not message(soup, "1714694460.000200").select_one(".transcript-edited")
    attachments = message(soup, "x2").select(".transcript-attachment")
    assert attachments[0].a["href"] == "https://example.org/archive.png"
    assert attachments[0].a.text == "Archive page, 2014"
    assert attachments[1].a is None  # a javascript: URL is shown, never linked
    code = message(soup, "x3").select_one(".e-content code")
    assert code.text == "next week"


def test_a_message_can_never_inject_markup(site):
    soup = site.html(PAGE)
    hostile = message(soup, "x1").select_one(".e-content")
    assert active_content(str(hostile)) == []
    assert '<script>alert("cy")</script>' in hostile.text
    for rel in site.pages():
        if rel.startswith("transcripts/"):
            assert page_active_content(site.text(rel)) == []


def test_posts_and_transcript_link_both_ways(site):
    soup = site.html(PAGE)
    posts = [(a.text, a["href"]) for a in soup.select("a.transcript-post")]
    assert posts == [
        ("A footnote on the chat", "/2024/05/footnote/"),
        ("What ten years of blogging taught our chat", "/2024/05/ten-years/"),
    ]
    post = site.html("2024/05/ten-years/index.html")
    footer = post.select_one(".post-footer a.footer-transcript")
    assert (footer.text, footer["href"]) == ("Transcript", "/transcripts/ten-years/")
    intrasite = post.select(".e-content > p")[-1].a
    assert (intrasite.text, intrasite["href"]) == ("a chat", "/transcripts/ten-years/")


def test_quotes_render_author_time_and_a_link_to_the_message(site):
    post = site.html("2024/05/ten-years/index.html")
    quotes = post.select(".e-content blockquote.transcript-quote")
    assert len(quotes) == 2
    first = [
        (
            m.select_one(".transcript-quote-author").text,
            m.time["datetime"],
            m.select_one("a.transcript-quote-link")["href"],
        )
        for m in quotes[0].select(".transcript-quote-message")
    ]
    assert first == [
        (
            "Bo Lindqvist",
            "2024-05-02T20:01:00-04:00",
            "/transcripts/ten-years/#m-1714694460.000200",
        )
    ]
    second = [a["href"] for a in quotes[1].select("a.transcript-quote-link")]
    assert second == ["/transcripts/ten-years/#m-x2", "/transcripts/ten-years/#m-x3"]
    assert quotes[1].select_one(".transcript-quote-author").text == "Bo Lindqvist"


def test_index_lists_transcripts(site):
    index = site.html("transcripts/index.html")
    links = [a["href"] for a in index.select(".transcript-summary a.u-url")]
    assert links == ["/transcripts/ten-years/"]


def test_every_link_and_anchor_resolves(site):
    assert broken_links(site.output) == []
    assert broken_fragments(site.output) == []


def test_a_long_chat_is_split_by_day_and_every_anchor_resolves(paged):
    first = paged.html(PAGE)
    assert (
        first.select_one("a.transcript-next")["href"]
        == "/transcripts/ten-years/2024-05-02/2/"
    )
    # Pages are named by day (the first is the transcript's own URL), so a
    # permalink does not move when the page size changes or days are added.
    pages = [PAGE] + [
        f"transcripts/ten-years/{day}/index.html"
        for day in ("2024-05-02/2", "2024-05-02/3", "2024-05-03")
    ]
    seen = []
    for rel in pages:
        seen += [
            a["id"][2:] for a in paged.html(rel).select("article.transcript-message")
        ]
    assert seen == ALL_IDS
    assert (
        len([p for p in paged.pages() if p.startswith("transcripts/ten-years/2")]) == 3
    )
    last = paged.html(pages[-1])
    # The first day (7 messages) fills three pages; the next day has its own.
    assert [h["id"] for h in last.select("h2.transcript-day")] == ["d-2024-05-03"]
    assert (
        last.select_one("a.transcript-previous")["href"]
        == "/transcripts/ten-years/2024-05-02/3/"
    )
    assert broken_links(paged.output) == []
    assert broken_fragments(paged.output) == []
    # Quotes, replies and TOC entries point at the page that holds the message.
    post = paged.html("2024/05/ten-years/index.html")
    hrefs = [a["href"] for a in post.select("a.transcript-quote-link")]
    assert hrefs[1:] == [
        "/transcripts/ten-years/2024-05-02/3/#m-x2",
        "/transcripts/ten-years/2024-05-03/#m-x3",
    ]


def test_a_bad_chat_file_is_reported_and_skipped(build_site, caplog):
    files = {
        **FILES,
        "transcripts/broken.chat": "Title: Broken\n\n--- 2024-05-02 -04:00 ---\n"
        "[20:00] <ann> fine\nann: not a message line\n",
    }
    with caplog.at_level(logging.WARNING):
        site = build_site(files)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        e.startswith(
            "transcripts/broken.chat:5: expected a message '[20:00] <handle> text'"
        )
        for e in errors
    ), errors
    assert "transcripts/ten-years/index.html" in site.pages()
    assert not any("broken" in rel for rel in site.pages())


def test_quoting_a_missing_message_is_an_error_naming_post_line_and_id(
    build_site, caplog
):
    bad = POST.replace("[[quote: ten-years#x2..m-x3]]", "[[quote: ten-years#m-nope]]")
    files = {**FILES, "posts/2024-05-04-ten-years.md": bad}
    with caplog.at_level(logging.WARNING):
        site = build_site(files)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        e.startswith(
            "posts/2024-05-04-ten-years.md:12: expected a message id of transcript"
            " 'ten-years', got 'm-nope'"
        )
        for e in errors
    ), errors
    assert "2024/05/ten-years/index.html" not in site.pages()  # the post is skipped
    assert "2024/05/footnote/index.html" in site.pages()  # the rest builds


def test_quoting_an_unknown_transcript_is_an_error(build_site, caplog):
    post = "Title: T\nDate: 2024-05-04\n\n[[quote: nowhere#m-1]]\n"
    with caplog.at_level(logging.WARNING):
        build_site({"posts/2024-05-04-t.md": post})
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        e.startswith("posts/2024-05-04-t.md:4: expected the slug of a transcript")
        and "'nowhere'" in e
        for e in errors
    ), errors


@pytest.mark.parametrize(
    "line",
    [
        "[[quote: ten-years #m-x3]]",  # a space before '#'
        "[[Quote: ten-years#m-x3]]",
        "[[quote: ten-years]]",
        "[[quote: ten-years#m-x3]] and more",
    ],
)
def test_a_mistyped_quote_line_is_an_error_not_text(build_site, caplog, line):
    post = f"Title: T\nDate: 2024-05-04\n\nAs she said:\n\n{line}\n"
    with caplog.at_level(logging.WARNING):
        site = build_site({**FILES, "posts/2024-05-04-t.md": post})
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        e.startswith(
            "posts/2024-05-04-t.md:6: expected a line such as '[[quote: SLUG#ID]]'"
        )
        and repr(line) in e
        for e in errors
    ), errors
    assert "2024/05/t/index.html" not in site.pages()


def test_a_bad_quote_in_the_summary_names_its_line(build_site, caplog):
    post = (
        "Title: T\nDate: 2024-05-04\nSummary: In short:\n"
        "    [[quote: ten-years#m-nope]]\n\nText.\n"
    )
    with caplog.at_level(logging.WARNING):
        build_site({**FILES, "posts/2024-05-04-t.md": post})
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        e.startswith(
            "posts/2024-05-04-t.md:4: expected a message id of transcript"
            " 'ten-years', got 'm-nope'"
        )
        for e in errors
    ), errors


def test_naming_an_unknown_transcript_is_a_warning(build_site, caplog):
    post = "Title: T\nDate: 2024-05-04\nTranscript: nowhere\n\nText.\n"
    with caplog.at_level(logging.WARNING):
        site = build_site({"posts/2024-05-04-t.md": post})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        w.startswith("posts/2024-05-04-t.md:3: expected the slug of a transcript")
        for w in warnings
    ), warnings
    assert site.html("2024/05/t/index.html").select_one(".footer-transcript") is None


def test_bad_settings_are_all_reported_before_reading(build_site):
    with pytest.raises(PluginConfigError) as caught:
        build_site({}, TRANSCRIPTS_PAGE_SIZE=0, TRANSCRIPTS_URL="chats/")
    assert "TRANSCRIPTS_PAGE_SIZE" in str(caught.value)
    assert "TRANSCRIPTS_URL" in str(caught.value)


def test_drafts_are_not_published_and_hidden_ones_are_not_listed(build_site):
    files = {
        "transcripts/a.chat": "Title: A draft\nStatus: draft\n",
        "transcripts/b.chat": "Title: Hidden\nStatus: hidden\n",
    }
    site = build_site(files)
    assert "transcripts/a/index.html" not in site.pages()
    assert "transcripts/b/index.html" in site.pages()
    assert site.html("transcripts/index.html").select(".transcript-summary") == []


def _day(n: int, hour: int) -> datetime:
    return datetime(2024, 5, n, hour, tzinfo=timezone(timedelta(hours=-4)))


def test_a_long_chat_gets_a_page_per_day_and_long_days_in_parts():
    times = [_day(1, 10)] * 2 + [_day(2, 10)] * 5 + [_day(3, 10)] + [_day(4, 10)]
    messages = tuple(
        Message(id=f"m{i}", author="ann", time=t, text="") for i, t in enumerate(times)
    )
    transcript = Transcript(slug="t", title="T", source="", messages=messages)
    layout = lay_out(transcript, TranscriptsSettings(page_size=3))
    assert [(p.start, p.end) for p in layout.pages] == [
        (0, 2),
        (2, 5),
        (5, 7),
        (7, 8),
        (8, 9),
    ]
    assert layout.message_url("m1") == "transcripts/t/#m-m1"
    assert layout.message_url("m3") == "transcripts/t/2024-05-02/#m-m3"
    assert layout.message_url("m6") == "transcripts/t/2024-05-02/2/#m-m6"
    assert layout.message_url("m8") == "transcripts/t/2024-05-04/#m-m8"
    # A chat that fits on one page keeps every message on the transcript's URL.
    whole = lay_out(transcript, TranscriptsSettings(page_size=9))
    assert [(p.start, p.end, p.url) for p in whole.pages] == [(0, 9, "transcripts/t/")]


TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n"),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            TEXT,
            st.sampled_from(
                [
                    "<b>x</b>",
                    "<img src=x onerror=alert(1)>",
                    "javascript:alert(1)",
                    "@ann",
                    "#tag",
                    "https://example.org/a_(b)",
                    "`code`",
                    "&amp;",
                    "]]>",
                    "<!--",
                ]
            ),
        ),
        max_size=6,
    ).map(" ".join)
)
@example("`` ``")  # a double-backtick code span of one space
def test_rendered_text_is_inert_and_says_what_was_written(text):
    transcript = parse_chat(
        "Title: T\n\n--- 2024-05-02 -04:00 ---\n[20:00] <ann> hi\n", path="t.chat"
    )
    page = lay_out(transcript, TranscriptsSettings())
    ctx = PageContext(
        page=page, chat_page=page.pages[0], siteurl="", settings=TranscriptsSettings()
    )
    html = render_text(text, ctx)
    assert active_content(str(html)) == []
    # Code spans as the chat dialects read them: ``a ` b`` as well as `a`.
    expected = re.sub(
        r"``((?:[^`\n]|`(?!`))+)``|`([^`\n]+)`",
        lambda m: m[1] or m[2],
        xml_safe(text),
    )
    assert _text_of(str(html)) == expected


def _text_of(html: str) -> str:
    """Return the text of an HTML fragment exactly (BeautifulSoup trims blanks)."""
    parts: list[str] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.feed(html)
    parser.close()
    return "".join(parts)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    content = ROOT / "content"
    files = {
        p.relative_to(content).as_posix(): p.read_bytes()
        for p in content.rglob("*")
        if p.is_file()
    }
    return build_site_at(tmp_path_factory.mktemp("sample"), files)


def test_the_sample_chat_is_a_hosted_hashtag_chat_in_canonical_form():
    path = ROOT / "content/transcripts/archivechat-twenty-years.chat"
    text = path.read_text(encoding="utf-8")
    transcript = parse_chat(text, path="transcripts/archivechat-twenty-years.chat")
    assert format_chat(transcript) == text
    assert 30 <= len(transcript.messages) <= 60
    assert [s.title[:3] for s in transcript.sections] == ["Q1:", "Q2:"]
    assert sum(m.reply_to is not None for m in transcript.messages) >= 3
    assert any(m.reactions for m in transcript.messages)


def test_the_sample_post_quotes_its_chat_and_every_anchor_resolves(sample):
    post = sample.html("2024/07/what-the-archive-chat-taught-me/index.html")
    assert len(post.select("blockquote.transcript-quote")) == 3
    footer = post.select_one("a.footer-transcript")
    assert footer["href"] == "/transcripts/archivechat-twenty-years/"
    chat = sample.html("transcripts/archivechat-twenty-years/index.html")
    assert [a.text for a in chat.select("a.transcript-post")] == [
        "What the archive chat taught me"
    ]
    assert broken_fragments(sample.output) == []


def test_the_readme_example_is_a_valid_chat_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The `.chat` file", 1)[1]
    example = section.split("```\n", 2)[1]
    transcript = parse_chat(example, path="transcripts/example.chat")
    assert transcript.slug == "archivechat-twenty-years"
    assert [m.kind for m in transcript.messages] == [
        "system",
        "message",
        "message",
        "action",
    ]
    assert transcript.messages[2].reply_to == "a1-bo"
    assert transcript.messages[1].text.endswith("\nEvery single outbound link is dead.")


def test_a_quote_line_inside_fenced_code_stays_as_written(build_site):
    post = (
        "Title: How to quote\nDate: 2024-05-06\nTranscript: ten-years\n\n"
        "Write this:\n\n```\n[[quote: ten-years#m-nope]]\n```\n"
    )
    site = build_site({**FILES, "posts/2024-05-06-how.md": post})
    code = site.html("2024/05/how/index.html").select_one(".e-content pre code")
    assert code.text == "[[quote: ten-years#m-nope]]\n"


def test_a_participant_with_many_messages_gets_pages_too(paged):
    first = paged.html("transcripts/ten-years/by/mara/index.html")
    second = paged.html("transcripts/ten-years/by/mara/page/2/index.html")
    assert len(first.select(".transcript-person-message")) == 3
    assert first.select_one("a.transcript-next")["href"] == (
        "/transcripts/ten-years/by/mara/page/2/"
    )
    links = [a["href"] for a in second.select("a.transcript-permalink")]
    assert links == ["/transcripts/ten-years/2024-05-03/#m-x3"]


def test_relative_urls_still_resolve_across_pages(build_site):
    site = build_site(FILES, RELATIVE_URLS=True, TRANSCRIPTS_PAGE_SIZE=3)
    page = site.html("transcripts/ten-years/2024-05-03/index.html")
    reply = page.select_one("#m-x3 .transcript-in-reply-to a")
    assert reply["href"] == "../../../transcripts/ten-years/2024-05-02/3/#m-x2"
    assert broken_links(site.output) == []
    assert broken_fragments(site.output) == []


@settings(max_examples=60, deadline=None)
@given(transcripts(), st.integers(1, 4))
def test_any_transcript_renders_inert_pages_holding_every_message_once(chat, size):
    layout = lay_out(chat, TranscriptsSettings(page_size=size))
    seen = []
    for chat_page in layout.pages:
        ctx = PageContext(
            page=layout, chat_page=chat_page, siteurl="", settings=TranscriptsSettings()
        )
        html = "".join(iter_page_html(ctx))
        assert active_content(html) == []
        soup = BeautifulSoup(html, "html.parser")
        seen += [a["id"] for a in soup.select("article.transcript-message")]
    assert seen == [f"m-{m.id}" for m in chat.messages]


@pytest.mark.parametrize(
    ("message_id", "url"),
    [
        ("1714694460-000200", "https://acme.slack.com/archives/C0X/p1714694460000200"),
        ("p1714694460000200", "https://acme.slack.com/archives/C0X/p1714694460000200"),
        (
            "1228373541871",
            "https://discord.com/channels/81384788765712384/8138/1228373541871",
        ),
    ],
)
def test_platform_links_into_the_same_chat_become_local_anchors(message_id, url):
    transcript = parse_chat(
        f"Title: T\n\n--- 2024-05-02 -04:00 ---\n[20:00 #{message_id}] <ann> hi\n"
        f"[20:01] <bo> see {url}\n",
        path="t.chat",
    )
    page = lay_out(transcript, TranscriptsSettings())
    ctx = PageContext(
        page=page, chat_page=page.pages[0], siteurl="", settings=TranscriptsSettings()
    )
    html = render_text(transcript.messages[1].text, ctx)
    link = BeautifulSoup(str(html), "html.parser").a
    assert link["href"] == f"#m-{message_id}"
    assert link.text == url


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("m-x2", (6, 6)),
        ("x2", (6, 6)),
        ("x2..x3", (6, 7)),
        ("m-1714694460.000200..m-1714694520.000300", (2, 3)),
        ("1714694460.000200..x1", (2, 5)),
    ],
)
def test_quote_references_name_one_message_or_a_run(ref, expected):
    page = lay_out(parse_chat(CHAT, path="t.chat"), TranscriptsSettings())
    assert quoted_range(page, ref, slug="ten-years") == expected


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        ("m-nope", "expected a message id of transcript 'ten-years', got 'm-nope'"),
        ("x2..nope", "got 'nope'"),
        ("x3..x2", "expected 'x3' before 'x2' in 'ten-years', got it after"),
    ],
)
def test_bad_quote_references_say_what_is_wrong(ref, problem):
    page = lay_out(parse_chat(CHAT, path="t.chat"), TranscriptsSettings())
    with pytest.raises(ValueError, match=re.escape(problem)):
        quoted_range(page, ref, slug="ten-years")


HOSTILE = """\
Title: <script>alert('title')</script>
Source: <img src=x onerror=alert('source')>
Channel: <iframe src=javascript:alert(1)>
Summary: <b onmouseover=alert('summary')>hi</b>
Hosts: eve

--- 2024-05-02 -04:00 ---
## <svg onload=alert('section')>
[20:00 #e1] <eve|<script\\>alert('name')</script\\>> <style>body{}</style>
  reaction: <img src=x onerror=alert('emoji')> 2
  attachment: https://example.org/" onclick="alert(1) <b>title</b>
"""


def test_outside_text_in_headers_names_and_reactions_is_escaped(build_site):
    site = build_site({"transcripts/evil.chat": HOSTILE})
    for rel in [
        "transcripts/evil/index.html",
        "transcripts/index.html",
        "transcripts/evil/by/eve/index.html",
    ]:
        assert page_active_content(site.text(rel)) == []
    page = site.html("transcripts/evil/index.html")
    assert (
        page.select_one(".transcript-title").text == "<script>alert('title')</script>"
    )
    assert page.select_one(".transcript-author .p-name").text == (
        "<script>alert('name')</script>"
    )
    assert "<svg" in page.select_one("h2.transcript-section").text


def test_a_chat_quote_in_a_reblog_is_not_taken_for_the_original(build_site):
    """A reblog quotes its first ``>``; a chat quote above it is the post's own."""
    post = (
        "Title: Mixed\nDate: 2024-05-04 09:00\n"
        "Reblog-Of: https://other.example/post\nReblog-Author: Jun Okafor\n\n"
        "What the chat said first:\n\n[[quote: ten-years#x3]]\n\n"
        "And the post I reblog:\n\n> The original's words.\n\nMine.\n"
    )
    site = build_site(
        {"transcripts/ten-years.chat": CHAT, "posts/2024-05-04-mixed.md": post}
    )
    page = site.html("2024/05/mixed/index.html")
    [chat] = page.select("blockquote.transcript-quote")
    assert "Past midnight." in chat.get_text()
    assert chat.find_parent("figure") is None  # not attributed to Jun Okafor
    [excerpt] = page.select("figure.reblog-quote .reblog-excerpt")
    assert excerpt.get_text(strip=True) == "The original's words."
    [entry] = [i for i in site.mf2("2024/05/mixed/index.html")["items"]
               if "h-entry" in i["type"]]  # fmt: skip
    [original] = entry["properties"]["repost-of"]
    assert original["properties"]["content"][0]["value"] == "The original's words."
