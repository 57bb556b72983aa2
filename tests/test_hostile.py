"""Outside text never runs script: the vector list, a grammar, and one hostile site.

Every vector of tests/data/hostile/vectors.json goes through the sanitiser as
documented, random mixes of them stay inert in every renderer of outside text,
and one real build holds every vector in every place outside text reaches a page
or a feed: perspective bodies, authors, urls and titles, chat messages, names and
handles, imported comments, reblogged excerpts and reblog fields.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import re
from types import SimpleNamespace
from urllib.parse import quote
import warnings
from xml.sax.saxutils import escape as xml_escape

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
import pytest

from plugins.cli import main as colloquy
from plugins.common.sanitize import (
    INLINE_TAGS,
    LINK_REL,
    render_outside_text,
    safe_url,
    sanitize_html,
    sanitize_inline,
    xml_safe,
)
from plugins.perspectives.fileformat import format_perspective, parse_perspective
from plugins.perspectives.queue import Queue, Submission
from plugins.reblog.model import parse_reblog_fields
from plugins.reblog.quote import reblog_body
from plugins.site_feeds.entries import perspective_items
from plugins.site_feeds.model import Feed
from plugins.site_feeds.settings import FeedsSettings
from plugins.site_feeds.writer import render_atom, render_json, render_rss
from plugins.transcripts.chatfile import format_chat, parse_chat
from plugins.transcripts.library import lay_out
from plugins.transcripts.model import Attachment, Message, Reaction, Transcript
from plugins.transcripts.render import PageContext, iter_page_html
from plugins.transcripts.settings import TranscriptsSettings

from .hostile import VECTORS, fuzz, hostile_line, hostile_text, private_data
from .support import active_content, build_site_at, page_active_content

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def fragment(html: str) -> BeautifulSoup:
    """Parse a fragment; sanitised text may be just 'http:', which bs4 warns about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(html, "html.parser")


def unmarked_links(html: str) -> list[str]:
    """Return every link in ``html`` that lacks ``rel="nofollow ugc"``."""
    soup = fragment(str(html))
    return [
        str(a)
        for a in soup.find_all("a", href=True)
        if not {"nofollow", "ugc"} <= set(a.get("rel") or [])
    ]


# -- the public vector list ------------------------------------------------------


def test_the_vector_list_covers_the_classics():
    names = {v["name"] for v in VECTORS}
    for family in (
        "script", "onerror", "javascript", "vbscript", "data", "svg", "math",
        "style", "meta-refresh", "form", "iframe", "object", "base", "srcdoc",
        "mxss", "markdown-link", "markdown-image", "markdown-autolink", "entit",
    ):  # fmt: skip
        assert any(family in name for name in names), family
    assert len(names) == len(VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_each_vector_gives_its_documented_inert_result(vector):
    html = str(sanitize_html(vector["input"]))
    markdown = str(render_outside_text(vector["input"]))
    assert (html, markdown) == (vector["sanitize_html"], vector["render_outside_text"])
    for result in (
        html,
        markdown,
        sanitize_html(vector["input"], allow_images=True),
        render_outside_text(vector["input"], allow_images=True),
    ):
        assert active_content(str(result)) == [], result
        assert unmarked_links(result) == [], result


def test_active_content_sees_every_vector_when_nothing_cleans_it():
    # The checker itself must not be blind: raw vectors that are markup are caught.
    missed = [
        v["name"]
        for v in VECTORS
        if v["input"].lstrip().startswith("<")
        and not v["name"].startswith(("markdown-", "cdata-", "unclosed-", "plain-"))
        and not v["name"].startswith(("comment-", "p-", "nested-", "script-in-"))
        and not active_content(v["input"])
    ]
    assert missed == []


@pytest.mark.parametrize(
    "url",
    [v["input"] for v in VECTORS]
    + [
        " javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "java\nscript:alert(1)",
        'https://ok.example/"onmouseover="alert(1)',
        "https://ok.example/<script>",
        "//evil.example/",
        "data:text/html,x",
        "http:/\\evil.example",
    ],
)
def test_safe_url_refuses_every_vector(url):
    assert safe_url(url) is None


@pytest.mark.parametrize(
    "text", ["&#1", "&#x1;", "&#0;", "&#xD800;", "&#xFFFE;", "&#65535;", "&#x1b;[31m"]
)
def test_character_references_never_bring_back_what_xml_forbids(text):
    # Found by `make fuzz`: nh3 decoded "&#1" to a raw U+0001.
    for result in (sanitize_html(text), render_outside_text(text)):
        assert XML_ILLEGAL.search(str(result)) is None, repr(result)
    assert XML_ILLEGAL.search(str(sanitize_inline(text))) is None


# -- the grammar: random mixes, every renderer of outside text ------------------


@fuzz
@given(text=hostile_text)
def test_sanitiser_and_markdown_keep_any_mix_inert(text):
    for allow_images in (False, True):
        for result in (
            sanitize_html(text, allow_images=allow_images),
            render_outside_text(text, allow_images=allow_images),
        ):
            assert active_content(str(result)) == []
            assert unmarked_links(result) == []
            assert XML_ILLEGAL.search(str(result)) is None
    inline = sanitize_inline(text)
    assert active_content(str(inline)) == []
    tags = {t.name for t in fragment(str(inline)).find_all(True)}
    assert tags <= INLINE_TAGS
    assert XML_ILLEGAL.search(str(inline)) is None


@fuzz
@given(text=hostile_text)
def test_safe_url_passes_only_plain_http_urls(text):
    url = safe_url(text)
    if url is not None:
        assert re.match(r"^https?://[^\s\"'<>\\]+$", url, re.IGNORECASE), url
        assert XML_ILLEGAL.search(url) is None


@fuzz
@given(
    author=hostile_line,
    url=hostile_line,
    title=hostile_line,
    body=hostile_text,
    html_format=hostile_line.map(lambda _: True) | hostile_line.map(lambda _: False),
)
def test_a_perspective_carries_no_active_content_whatever_it_says(
    author, url, title, body, html_format
):
    header = "\n".join(
        [
            f"Author: {author.strip() or 'x'}",
            "Date: 2024-05-02 14:03:00-04:00",
            f"Url: {url}",
            "Kind: mention",
            f"Title: {title}",
            f"Format: {'html' if html_format else 'markdown'}",
        ]
    )
    try:
        p = parse_perspective(f"{header}\n\n{body}\n", path="p/x.md", post="x")
    except ValueError:
        return  # refused with a ContentError: nothing to publish
    assert active_content(str(p.html)) == []
    assert unmarked_links(p.html) == []
    assert p.url == "" or safe_url(p.url) == p.url
    assert XML_ILLEGAL.search(p.author + p.title + str(p.html)) is None


DIALECTS = ("plain", "slack", "whatsapp", "discord", "markdown")


def _transcript(
    texts: list[str], names: list[str], *, slug: str = "hostile", source: str = "test"
) -> Transcript:
    start = datetime(2024, 5, 2, 20, 0, tzinfo=UTC)
    messages = tuple(
        Message(
            id=f"m{index}",
            author=f"h{index % 3}",
            name=names[index % len(names)] if names else "",
            time=start + timedelta(minutes=index),
            text=text,
            reply_to=f"m{index - 1}" if index else None,
            attachments=(
                Attachment(url=re.sub(r"\s", "", text)[:80] or "x", title=text[:40]),
                Attachment(url=f"https://files.example/{index}.png", title=text[:40]),
            ),
            reactions=(Reaction(emoji=(text or "x")[:4], count=1),),
        )
        for index, text in enumerate(texts)
    )
    return Transcript(
        slug=slug,
        title=(names[0] if names else "") or "Hostile",
        source=source,
        messages=messages,
        summary=texts[0] if texts else "",
        channel=names[-1] if names else "",
    )


def _render(transcript: Transcript) -> str:
    settings = TranscriptsSettings.from_settings({})
    page = lay_out(transcript, settings)
    ctx = PageContext(page=page, chat_page=page.pages[0], siteurl="", settings=settings)
    return "".join(str(piece) for piece in iter_page_html(ctx))


@fuzz
@given(
    texts=hostile_text.map(lambda t: [t, t[::-1], t.upper()]),
    name=hostile_line,
    dialect=st.sampled_from(DIALECTS),
)
def test_chat_messages_render_inert_after_a_round_trip(texts, name, dialect):
    # Every platform's chat markup (Slack, WhatsApp, Discord, Markdown, plain).
    transcript = _transcript(texts, [name.strip()], source=dialect)
    try:
        transcript = parse_chat(format_chat(transcript), path="hostile.chat")
    except ValueError:
        return  # the writer or the reader refused it with a ContentError
    html = _render(transcript)
    assert active_content(html) == []
    assert XML_ILLEGAL.search(html) is None
    soup = fragment(html)
    external = [a for a in soup.find_all("a", href=True) if "//" in a["href"]]
    assert unmarked_links("".join(map(str, external))) == []


@fuzz
@given(excerpt=hostile_text, title=hostile_line, author=hostile_line)
def test_a_reblogged_excerpt_and_its_fields_stay_inert(excerpt, title, author):
    metadata = {
        "reblog-of": "https://other.example/post",
        "reblog-title": title,
        "reblog-author": author,
        "reblog-author-url": "https://other.example/",
    }
    try:
        fields = parse_reblog_fields(metadata, path="posts/x.md", timezone="UTC")
    except ValueError:
        return
    body = f"<blockquote>{excerpt}</blockquote>\n<p>Mine.</p>"
    reblog, html = reblog_body(body, fields, date_format="%Y-%m-%d")
    assert active_content(str(reblog.excerpt)) == []
    assert unmarked_links(reblog.excerpt) == []
    assert "<script" not in str(html).lower()


@fuzz
@given(author=hostile_line, title=hostile_line, body=hostile_text, full=st.booleans())
def test_feeds_of_hostile_perspectives_are_well_formed_and_inert(
    author, title, body, full
):
    header = (
        f"Author: {author.strip() or 'x'}\nDate: 2024-05-02 14:03:00-04:00\n"
        f"Kind: mention\nUrl: https://reader.example/\nTitle: {title}\n"
    )
    try:
        p = parse_perspective(f"{header}\n{body}\n", path="p/x.md", post="x")
    except ValueError:
        return
    settings = FeedsSettings.from_settings({"SITEURL": "https://colloquy.example"})
    post = SimpleNamespace(
        url="2024/05/x/", title=title, slug="x", metadata={}, perspectives=(p,)
    )
    items = perspective_items(post, settings, post_item_id="tag:x", full=full)
    feed = Feed(
        kind="perspectives",
        path="feeds/x.atom.xml",
        url="https://colloquy.example/feeds/x.atom.xml",
        title="Perspectives",
        page_url="https://colloquy.example/2024/05/x/",
        updated=p.date,
        items=tuple(items),
    )
    for document in (render_atom(feed), render_rss(feed)):
        root = etree.fromstring(document)  # well-formed, or this raises
        for element in root.iter():
            name = etree.QName(element).localname
            if name in {"content", "summary", "description"}:
                assert active_content(element.text or "") == []
    for item in json.loads(render_json(feed))["items"]:
        assert active_content(item.get("content_html", "")) == []


# -- one real build with every vector everywhere --------------------------------


# Perspectives are Markdown files with a header; one-line values only.
def _line(text: str) -> str:
    return re.sub(r"[\r\n\x85\u2028\u2029]+", " ", text).strip() or "x"


POST = """Title: {title}
Date: {date}
Category: Essays
{extra}
{body}
"""


def _perspectives(post: str) -> dict[str, str]:
    files = {}
    for number, vector in enumerate(VECTORS):
        text = vector["input"]
        for kind, fmt in (
            ("comment", "markdown"),
            ("mention", "html"),
            ("quote", "markdown"),  # names a hostile chat message, shown with it
        ):
            stem = f"2024-05-{number % 28 + 1:02d}-{number:02d}-{kind}"
            files[f"perspectives/{post}/{stem}.md"] = format_perspective(
                author=_line(text),
                date=datetime(2024, 5, 2, 14, 3, tzinfo=UTC)
                + timedelta(minutes=number),
                url="https://reader.example/?q=" + quote(text[:60], safe=""),
                kind=kind,
                body=text,
                fmt=fmt,
                title=_line(text) if kind == "mention" else "",
                message=f"#m-m{number % 60}" if kind == "quote" else "",
            )
    return files


def _wxr() -> str:
    comments = "".join(
        f"""<wp:comment>
<wp:comment_id>{900 + number}</wp:comment_id>
<wp:comment_author>{xml_escape(_line(v["input"]))}</wp:comment_author>
<wp:comment_author_email>hostile{number}@mail.example</wp:comment_author_email>
<wp:comment_author_url>{xml_escape(_line(v["input"]))}</wp:comment_author_url>
<wp:comment_author_IP>198.51.100.{number}</wp:comment_author_IP>
<wp:comment_date_gmt>2015-05-02 19:{number % 60:02d}:00</wp:comment_date_gmt>
<wp:comment_content>{xml_escape(v["input"])} hostile{number}@mail.example
</wp:comment_content>
<wp:comment_approved>1</wp:comment_approved>
<wp:comment_parent>0</wp:comment_parent>
</wp:comment>"""
        for number, v in enumerate(VECTORS)
        if not XML_ILLEGAL.search(v["input"])
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Old</title><link>https://old.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
<item><title>{xml_escape("<script>alert(1)</script> Imported")}</title>
<link>https://old.example/2015/05/imported/</link>
<dc:creator>mquill</dc:creator>
<content:encoded>{xml_escape("Old. <img src=x onerror=alert(1)>")}</content:encoded>
<wp:post_id>1</wp:post_id>
<wp:post_date_gmt>2015-05-02 18:03:00</wp:post_date_gmt>
<wp:post_name>imported</wp:post_name>
<wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type>
{comments}
</item></channel></rss>
"""


def _whatsapp() -> str:
    # Phone numbers as authors, as WhatsApp writes them for people not in contacts.
    lines = [
        f"02.05.24, 20:{n:02d} - +1 (555) 010-{4400 + n}: {v['input'][:60]}"
        for n, v in enumerate(VECTORS[:10])
    ]
    for number, vector in enumerate(VECTORS):
        name = re.sub(r"[:\[\]]", "", _line(vector["input"]))[:40] or "x"
        text = _line(vector["input"])
        lines.append(f"02.05.24, 22:{number % 60:02d} - {name}: {text}")
    return "\n".join(lines) + "\n"


def _approve_from_queue(folder: Path, content: Path) -> None:
    """Put every vector through the intake queue and approve it, as a moderator."""
    queue = Queue(folder)
    for number, vector in enumerate(VECTORS):
        received = datetime(2024, 5, 4, 9, 0, tzinfo=UTC) + timedelta(minutes=number)
        queue.add(
            Submission(
                id=f"q{number:02d}",
                received=received,
                post="hostile",
                name=_line(vector["input"])[:100],
                email=f"queued{number}@mail.example",
                # Their own address typed into the text is removed on approval.
                text=f"{vector['input']}\n\nMail me: queued{number}@mail.example",
                url="https://reader.example/",
                ip=f"192.0.2.{number}",
                user_agent=vector["input"][:100],
            )
        )
        approve = ["perspectives", "approve", f"q{number:02d}"]
        assert (
            colloquy([*approve, "--queue", str(folder), "--content", str(content)]) == 0
        )


# Chat markup tricks: Slack's <url|label>, spoilers around links, labels with markup.
SLACKISH = (
    "<javascript:alert(1)|click> <https://ok.example/|fine>"
    " ||[x](javascript:alert(1))||"
    ' [**b**](https://ok.example/"onmouseover="alert(1)) *_~`<img src=x>`~_*'
    " ```js\n</code><script>alert(1)</script>\n``` > quoted <b>\n>>> long"
)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    content = root / "content"
    vectors_md = "\n\n".join(v["input"] for v in VECTORS)
    files: dict[str, str] = {
        "posts/2024-05-01-hostile.md": POST.format(
            title="Hostile",
            date="2024-05-01 10:00",
            extra="Transcript: hostile\n",
            body="Quoting the chat:\n\n[[quote: hostile#m-m1]]\n",
        ),
        "posts/2024-05-03-reblogged.md": POST.format(
            title="Reblogged",
            date="2024-05-03 10:00",
            extra=(
                "Reblog-Of: https://other.example/post\n"
                f"Reblog-Title: {_line(VECTORS[0]['input'])}\n"
                f"Reblog-Author: {_line(VECTORS[3]['input'])}\n"
                "Reblog-Author-Url: https://other.example/\n"
            ),
            # As `colloquy reblog` writes it: the excerpt quoted, then own words.
            body="\n".join(f"> {line}" for line in vectors_md.split("\n"))
            + "\n\nMy own words.",
        ),
        "transcripts/hostile.chat": format_chat(
            _transcript(
                [v["input"] for v in VECTORS if not XML_ILLEGAL.search(v["input"])],
                [_line(v["input"]) for v in VECTORS],
            )
        ),
        # The same in each platform's chat markup (spoilers, [label](url) links...).
        **{
            f"transcripts/hostile-{dialect}.chat": format_chat(
                _transcript(
                    [v["input"] for v in VECTORS if not XML_ILLEGAL.search(v["input"])]
                    + [SLACKISH],
                    [_line(v["input"]) for v in VECTORS],
                    slug=f"hostile-{dialect}",
                    source=dialect,
                )
            )
            for dialect in DIALECTS[1:]
        },
        **_perspectives("hostile"),
    }
    (root / "export.xml").write_text(_wxr(), encoding="utf-8")
    (root / "chat.txt").write_text(_whatsapp(), encoding="utf-8")
    content.mkdir()
    _approve_from_queue(root / "queue", content)
    assert (
        colloquy(["import-blog", str(root / "export.xml"), "--content", str(content)])
        == 0
    )
    assert (
        colloquy(
            [
                "import-chat",
                str(root / "chat.txt"),
                "--format",
                "whatsapp",
                "--slug",
                "imported-chat",
                "--title",
                "Imported",
                "--content",
                str(content),
            ]
        )
        == 0
    )
    return build_site_at(root, files)


def test_the_hostile_site_published_everything_it_was_given(hostile_site):
    post = hostile_site.html("2024/05/hostile/index.html")
    # Every vector three times by hand (Markdown, HTML, a chat quote), once
    # through the queue.
    assert len(post.select(".perspective")) == 4 * len(VECTORS)
    assert post.select(".perspective-quote .perspective-source-link")
    pages = hostile_site.pages()
    for slug in ("hostile", *(f"hostile-{dialect}" for dialect in DIALECTS[1:])):
        assert f"transcripts/{slug}/index.html" in pages, pages
    assert any(p.startswith("transcripts/imported-chat/") for p in pages), pages
    imported = hostile_site.html("2015/05/imported/index.html")
    # Comments that are nothing once cleaned are skipped by the importer, as empty.
    assert (
        len(imported.select(".perspective"))
        >= sum(1 for v in VECTORS if v["sanitize_html"].strip()) - 1
    )
    reblog = hostile_site.html("2024/05/reblogged/index.html")
    assert reblog.select_one(".reblog-excerpt") is not None


def test_no_page_of_the_hostile_site_can_run_script(hostile_site):
    found = {
        rel: problems
        for rel in hostile_site.pages()
        if (problems := page_active_content(hostile_site.text(rel)))
    }
    assert found == {}


def test_links_from_outside_text_carry_nofollow_ugc(hostile_site):
    outside = (
        ".perspective-body a, a.perspective-author, a.perspective-source-link,"
        " .reblog-excerpt a, .transcript-text a, .transcript-attachment a"
    )
    checked = 0
    for rel in hostile_site.pages():
        for link in hostile_site.html(rel).select(outside):
            if link.get("href", "").startswith(("http", "//", "mailto:")):
                checked += 1
                assert {"nofollow", "ugc"} <= set(link.get("rel") or []), (rel, link)
    assert checked > 10
    assert LINK_REL == "nofollow ugc"


def _feeds(output: Path) -> list[Path]:
    return sorted(
        p for p in output.rglob("*") if p.suffix in {".xml", ".atom", ".rss", ".json"}
    )


def test_every_feed_of_the_hostile_site_is_well_formed_and_inert(hostile_site):
    feeds = [p for p in _feeds(hostile_site.output) if p.suffix != ".json"]
    assert feeds
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    bodies = 0
    for feed in feeds:
        tree = etree.parse(str(feed), parser)  # raises on anything not well-formed
        for element in tree.iter():
            text = element.text or ""
            if etree.QName(element).localname in {"content", "summary", "description"}:
                bodies += 1
                assert active_content(text) == [], (feed.name, text[:200])
            assert XML_ILLEGAL.search(text) is None
    assert bodies > len(VECTORS)


def test_json_feeds_of_the_hostile_site_are_inert(hostile_site):
    feeds = [
        p
        for p in _feeds(hostile_site.output)
        if p.suffix == ".json" and p.parent.name != "intake"
    ]
    items = [
        item
        for feed in feeds
        for item in json.loads(feed.read_text(encoding="utf-8")).get("items", [])
    ]
    assert items
    for item in items:
        assert active_content(item.get("content_html", "")) == []


def test_xml_safe_drops_what_xml_forbids_and_delete():
    # XML 1.0 forbids C0 controls (but tab, LF, CR), surrogates, U+FFFE/U+FFFF;
    # DEL (U+007F) is allowed but discouraged, and no reader wants it: dropped too.
    kept = "tab\tnewline\ncr\r ok é 😀 \u2028"
    assert xml_safe(kept) == kept
    assert xml_safe("\x00\x08\x0b\x0c\x1f\x7f\ud800\udfff\ufffe\uffff") == ""


def test_no_email_or_ip_from_the_imports_reaches_content_output_or_feeds(
    hostile_site,
):
    secrets = [f"hostile{n}@mail.example" for n in range(len(VECTORS))]
    secrets += [f"198.51.100.{n}" for n in range(len(VECTORS))]
    secrets += [f"queued{n}@mail.example" for n in range(len(VECTORS))]
    secrets += [f"192.0.2.{n}" for n in range(len(VECTORS))]
    secrets += [f"+1 (555) 010-{4400 + n}" for n in range(10)]
    secrets += [f"555010{4400 + n}" for n in range(10)]
    # The site's own contact address and its development server (REBLOG_DEV_SITEURL).
    allowed = {"perspectives@colloquy.example", "127.0.0.1"}
    content = hostile_site.output.parent / "content"
    assert private_data(content, secrets, allowed=allowed) == []
    assert private_data(hostile_site.output, secrets, allowed=allowed) == []
