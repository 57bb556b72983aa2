"""Chat message markup: each platform's emphasis, code and quotes, rendered safely."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from plugins.common.sanitize import xml_safe
from plugins.transcripts.chatfile import parse_chat
from plugins.transcripts.library import lay_out
from plugins.transcripts.markup import DIALECTS, dialect_for
from plugins.transcripts.render import PageContext, render_text
from plugins.transcripts.settings import TranscriptsSettings

from .support import active_content, build_site_at, page_active_content


def chat(slug: str, source: str, lines: list[str], extra: str = "") -> str:
    body = "\n".join(lines)
    return (
        f"Title: {slug} chat\nSlug: {slug}\nDate: 2024-05-02 20:00-04:00\n"
        f"Source: {source}\n{extra}\n--- 2024-05-02 -04:00 ---\n{body}\n"
    )


SLACK = chat(
    "slack-night",
    "slack",
    [
        "[20:00 #s1] <ann|Ann> *bold* _italic_ ~gone~ `code` and snake_case_name",
        "[20:01 #s2] <bo> > a quoted line with *stress*",
        "    and my answer, see [the notes](https://example.org/notes_(v2))",
        "[20:02 #s3] <ann> ```for x in xs:",
        "        print(x)```",
        "[20:03 #s4] <bo> >>> everything",
        "    from here on is quoted",
        "[20:04 #s5] <ann> **not markdown here** and 2*3*4",
    ],
)
DISCORD = chat(
    "discord-night",
    "discord",
    [
        (
            "[20:00 #1] <ann> **bold** *italic* _also_ __under__ ~~gone~~"
            " ||secret|| ***both***"
        ),
        "[20:01 #2] <bo> ```py",
        "    print('hi')",
        "    ```",
        "[20:02 #3] <ann> > quoted",
        "    reply under it, ``code with ` tick``",
        "[20:03 #4] <bo> look: https://discord.com/channels/1/2/1 and @ann",
    ],
)
WHATSAPP = chat(
    "family",
    "whatsapp",
    ["[20:00 #w1] <ann> *bold* _italic_ ~gone~ ```mono``` **double**"],
)
TELEGRAM = chat(
    "tg",
    "telegram",
    ["[20:00 #t1] <ann> **bold** _italic_ ~~gone~~ [site](https://example.org/)"],
)
IRC = chat("irc-night", "irc", ["[20:00 #i1] <ann> *not bold* > not quoted `code`"])
OVERRIDE = chat(
    "pasted",
    "hashtag-chat",
    ["[20:00 #p1] <ann> *bold here*"],
    extra="Markup: slack\n",
)
HOSTILE_LINES = [
    "*<img src=x onerror=alert(1)>*",
    "||<script>alert(1)</script>||",
    '[x](javascript:alert(1)) [y](https://ok.example/" onmouseover="alert(1))',
    "```</code></pre><script>alert(2)</script>```",
    "`<style>body{}</style>` **<a href=javascript:alert(3)>x</a>**",
    '> <iframe src="https://evil.example/"></iframe>',
    "_<span class=chat-spoiler onclick=alert(4)>x</span>_",
]


def hostile(slug: str, source: str) -> str:
    return chat(
        slug,
        source,
        [f"[20:{n:02d} #h{n}] <eve> {line}" for n, line in enumerate(HOSTILE_LINES)],
    )


FILES = {
    "transcripts/slack-night.chat": SLACK,
    "transcripts/discord-night.chat": DISCORD,
    "transcripts/family.chat": WHATSAPP,
    "transcripts/tg.chat": TELEGRAM,
    "transcripts/irc-night.chat": IRC,
    "transcripts/pasted.chat": OVERRIDE,
    **{
        f"transcripts/hostile-{source}.chat": hostile(f"hostile-{source}", source)
        for source in ("slack", "discord", "whatsapp", "telegram", "irc")
    },
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site_at(tmp_path_factory.mktemp("markup"), FILES)


def text_of(site, slug: str, message_id: str):
    soup = site.html(f"transcripts/{slug}/index.html")
    found = soup.select_one(f"#m-{message_id} .e-content")
    assert found is not None, message_id
    return found


def tags(element) -> list[tuple[str, str]]:
    return [(tag.name, tag.get_text()) for tag in element.find_all(True)]


def test_slack_mrkdwn(site):
    first = text_of(site, "slack-night", "s1")
    assert tags(first) == [
        ("strong", "bold"),
        ("em", "italic"),
        ("del", "gone"),
        ("code", "code"),
    ]
    assert "snake_case_name" in first.text
    quoted = text_of(site, "slack-night", "s2")
    assert quoted.blockquote.get_text() == "a quoted line with stress"
    assert quoted.blockquote.strong.text == "stress"
    link = quoted.find("a")
    assert (link.text, link["href"]) == ("the notes", "https://example.org/notes_(v2)")
    assert link.find_parent("blockquote") is None
    code = text_of(site, "slack-night", "s3").select_one("pre > code")
    assert code.text == "for x in xs:\n    print(x)"
    long_quote = text_of(site, "slack-night", "s4").blockquote
    assert long_quote.get_text() == "everything\nfrom here on is quoted"
    literal = text_of(site, "slack-night", "s5")
    assert literal.find("strong").text == "not markdown here"  # *…* inside ** **
    assert "2*3*4" in literal.text


def test_discord_markdown(site):
    first = text_of(site, "discord-night", "1")
    assert tags(first) == [
        ("strong", "bold"),
        ("em", "italic"),
        ("em", "also"),
        ("u", "under"),
        ("del", "gone"),
        ("span", "secret"),
        ("em", "both"),
        ("strong", "both"),
    ]
    assert first.span["class"] == ["chat-spoiler"]
    block = text_of(site, "discord-night", "2").select_one("pre > code")
    assert block.text == "print('hi')"  # the language line is not code
    third = text_of(site, "discord-night", "3")
    assert third.blockquote.text == "quoted"
    assert third.code.text == "code with ` tick"
    assert "reply under it" not in third.blockquote.text
    links = {a.text: a["href"] for a in text_of(site, "discord-night", "4")("a")}
    assert links == {
        "https://discord.com/channels/1/2/1": "#m-1",
        "@ann": "/transcripts/discord-night/by/ann/",
    }


def test_whatsapp_telegram_irc_and_the_markup_header(site):
    assert tags(text_of(site, "family", "w1")) == [
        ("strong", "bold"),
        ("em", "italic"),
        ("del", "gone"),
        ("pre", "mono"),
        ("code", "mono"),
        ("strong", "double"),
        ("strong", "double"),
    ]
    telegram = text_of(site, "tg", "t1")
    assert tags(telegram) == [
        ("strong", "bold"),
        ("em", "italic"),
        ("del", "gone"),
        ("a", "site"),
    ]
    irc = text_of(site, "irc-night", "i1")
    assert tags(irc) == [("code", "code")]
    assert irc.text == "*not bold* > not quoted code"
    assert tags(text_of(site, "pasted", "p1")) == [("strong", "bold here")]


def test_mf2_reads_formatted_content(site):
    page = site.mf2("transcripts/discord-night/index.html")
    entries = [item for item in page["items"] if "h-feed" in item["type"]]
    messages = entries[0]["children"]
    content = messages[0]["properties"]["content"][0]
    assert "<strong>bold</strong>" in content["html"]
    assert content["value"].startswith("bold italic also under gone secret")


@pytest.mark.parametrize("source", ["slack", "discord", "whatsapp", "telegram", "irc"])
def test_markup_in_any_dialect_never_injects_markup(site, source):
    page = f"transcripts/hostile-{source}/index.html"
    soup = site.html(page)
    for n in range(len(HOSTILE_LINES)):
        content = soup.select_one(f"#m-h{n} .e-content")
        assert active_content(str(content)) == [], (source, n)
        for element in content.find_all(True):
            assert set(element.attrs) <= {"href", "rel", "class", "title"}
            assert element.get("class", ["chat-spoiler"]) == ["chat-spoiler"]
            assert element.get("href", "https:").startswith(("https:", "/", "#"))
    assert "<script>alert(1)</script>" in soup.select_one("#m-h1 .e-content").text
    assert page_active_content(site.text(page)) == []


def _context(source: str) -> PageContext:
    transcript = parse_chat(
        f"Title: T\nSource: {source}\n\n--- 2024-05-02 -04:00 ---\n[20:00] <ann> hi\n",
        path="t.chat",
    )
    page = lay_out(transcript, TranscriptsSettings())
    return PageContext(
        page=page, chat_page=page.pages[0], siteurl="", settings=TranscriptsSettings()
    )


def _plain_text(html: str) -> str:
    parts: list[str] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.feed(html)
    parser.close()
    return "".join(parts)


def _is_subsequence(short: str, long: str) -> bool:
    characters = iter(long)
    return all(character in characters for character in short)


MARKUP_CHARACTERS = set("*_~|`> \n")
PIECES = st.sampled_from(
    [
        "*", "**", "***", "_", "__", "~", "~~", "||", "`", "``", "```", "> ", ">>>",
        "\n", " ", "a", "é", "👍", "<b>", "<script>", "&amp;", "@ann", "#tag",
        "https://example.org/x_y*", "[l](https://e.org/)", "py\n", '"', "'",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    source=st.sampled_from(["slack", "discord", "whatsapp", "telegram", "irc"]),
    text=st.lists(PIECES | st.text(max_size=4), max_size=24).map("".join),
)
def test_any_text_renders_inert_keeping_every_word(source, text):
    html = str(render_text(text, _context(source)))
    assert active_content(html) == []
    shown = _plain_text(html)
    written = xml_safe(text).replace("\r\n", "\n").replace("\r", "\n")  # as parsed
    assert _is_subsequence(shown, written)
    # Only markers, blanks, link targets and code-language words may disappear.
    kept = [c for c in shown if c not in MARKUP_CHARACTERS]
    lost = len([c for c in written if c not in MARKUP_CHARACTERS]) - len(kept)
    assert lost <= 20 * (written.count("```") + written.count("]("))


@pytest.mark.parametrize("source", ["slack", "discord", "irc"])
def test_hostile_sizes_render_in_one_pass(source):
    ctx = _context(source)
    for text in ["*_" * 50_000, "[" * 50_000 + "](", "`" * 100_001, "**a" * 30_000]:
        html = str(render_text(text, ctx))
        assert len(html) >= len(text) // 2


def test_the_dialect_follows_source_and_header():
    assert dialect_for("Slack").name == "slack"
    assert dialect_for("matrix").name == "markdown"
    assert dialect_for("mastodon").name == "markdown"
    assert dialect_for("somewhere-new").name == "plain"
    assert dialect_for("irc", (("markup", "Discord"),)).name == "discord"
    assert dialect_for("irc", (("Markup", "nonsense"),)).name == "plain"
    assert set(DIALECTS) == {"plain", "slack", "whatsapp", "discord", "markdown"}
