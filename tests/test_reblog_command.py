"""``colloquy reblog URL`` against a real HTTP server on 127.0.0.1, and its parsers."""

from __future__ import annotations

from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import logging
import threading
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markupsafe import Markup
import mf2py
import pytest

from plugins.cli import main
from plugins.common.files import inside
from plugins.common.sanitize import render_outside_text, sanitize_html
from plugins.posts.metadata import check_header, read_header
from plugins.reblog.commands import draft_text
from plugins.reblog.extract import Original
from plugins.reblog.fetch import _as_uri
from plugins.reblog.markdown import escape_markdown, html_to_markdown
from plugins.reblog.quote import reblog_body, split_quote
from plugins.reblog.redirects import normalise_old_url, save_as_for

from .support import active_content

ENTRY = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Blog | The week-long reply</title>
<meta property="og:title" content="Not this title"></head>
<body><nav><p>Home · Archive · About</p></nav>
<article class="h-entry">
  <h1 class="p-name">The week-long reply</h1>
  <p>By <a class="p-author h-card" href="/about/">Jun Okafor</a> on
     <time class="dt-published" datetime="2024-05-28T18:00:00-04:00">May 28</time></p>
  <a class="u-url" href="/2024/05/the-week-long-reply/">permalink</a>
  <div class="e-content">
    <p>A reply that takes a week has had a week to become <em>kind</em>.</p>
    <script>document.cookie</script>
    <p onclick="steal()">Speed is the enemy of <a href="/generosity">generosity</a>,
       and * stars _ and [brackets] are only text.</p>
    <p>A third paragraph, long enough that the excerpt stops before it. """
    + ("More words here. " * 40)
    + """</p>
  </div>
</article></body></html>"""
)

OPEN_GRAPH = """<!doctype html><html><head><meta charset="utf-8">
<title>Garden notes</title>
<meta property="og:title" content="What the tomatoes taught me">
<meta property="og:description" content="Patience, mostly &amp; some <humility>.">
<meta property="og:url" content="/garden/tomatoes">
<meta property="article:published_time" content="2023-08-14T07:30:00+02:00">
<meta name="author" content="Rosa Lind">
</head><body><div>No microformats here.</div></body></html>"""

PLAIN = """<html><head><meta charset="iso-8859-1"><title>Caf\xe9 hours</title></head>
<body><div><p>  </p><p>We open at <b>seven</b>, caf\xe9 au lait all day.</p>
<p>Second paragraph.</p></div></body></html>"""

# Pages as they come from elsewhere: (status, body, Content-Type).
HOSTILE_PAGES = {
    "/angle-title": (
        200,
        (
            b"<title>Why a &lt; b &amp; &lt;img src=x onerror=alert(1)&gt;</title>"
            b"<p>Order matters.</p>"
        ),
        "text/html; charset=utf-8",
    ),
    # A note: an h-entry with no p-name, as IndieWeb notes are marked up.
    "/notes/42": (
        200,
        (
            b"<html><head><title>A note about tides</title></head><body>"
            b'<article class="h-entry"><div class="e-content"><p>The tide was late.</p>'
            b"</div></article></body></html>"
        ),
        "text/html; charset=utf-8",
    ),
    "/u-author": (
        200,
        (
            b'<div class="h-entry"><h1 class="p-name">Linked author</h1>'
            b'<a class="u-author" href="/about/">About me</a>'
            b'<div class="e-content"><p>Text.</p></div></div>'
        ),
        "text/html; charset=utf-8",
    ),
    # as the address bar shows it: /wiki/Köln
    "/wiki/K%C3%B6ln": (
        200,
        b"<title>K\xc3\xb6ln</title><p>A city.</p>",
        "text/html; charset=utf-8",
    ),
    # A sidebar of recent posts above the post itself, as many themes have.
    "/posts/second": (
        200,
        (
            b'<aside><div class="h-entry"><a class="p-name u-url" '
            b'href="/posts/first">First post</a></div></aside>'
            b'<article class="h-entry"><h1 class="p-name">Second post</h1>'
            b'<a class="u-url" href="/posts/second">#</a>'
            b'<div class="e-content"><p>The second.</p></div></article>'
        ),
        "text/html; charset=utf-8",
    ),
    "/xhtml": (
        200,
        (
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Old XHTML</title>'
            b'<meta property="og:title" content="An XHTML post"/>'
            b'<meta property="og:description" content="Still served."/></head>'
            b"<body><p>Body.</p></body></html>"
        ),
        "application/xhtml+xml",
    ),
    "/utf16": (
        200,
        "\ufeff<html><head><title>Sixteen bits</title></head>"
        "<body><p>h\u00e9llo</p></body></html>".encode("utf-16-le"),
        "text/html",
    ),
    "/bom-beats-header": (
        200,
        "\ufeff<title>Caf\u00e9 open</title><p>x</p>".encode(),
        "text/html; charset=iso-8859-1",
    ),
    # 3,000 unclosed elements: html5lib nests them (in quadratic time), and
    # mf2py recurses once a level (RecursionError at 1,000).
    "/deep": (
        200,
        b'<title>Deep</title><div class="h-entry"><p class="p-name">Deep</p>'
        + b"<div>" * 3_000
        + b"<p>bottom</p>",
        "text/html",
    ),
}


class Handler(BaseHTTPRequestHandler):
    """Real-looking pages, and every way a fetch can go wrong."""

    release: threading.Event

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _send(self, status, body: bytes, content_type="text/html; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, where: str):
        self.send_response(301)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        path = self.path
        if path == "/2024/05/the-week-long-reply/":
            self._send(200, ENTRY.encode("utf-8"))
        elif path == "/garden/tomatoes":
            self._send(200, OPEN_GRAPH.encode("utf-8"))
        elif path == "/cafe":
            self._send(200, PLAIN.encode("iso-8859-1"), "text/html")
        elif path == "/old-address":
            self._redirect("/2024/05/the-week-long-reply/")
        elif path == "/loop":
            self._redirect("/loop")
        elif path == "/to-file":
            self._redirect("file:///etc/passwd")
        elif path == "/huge":
            self._send(200, b"<p>" + b"x" * 3_000_000 + b"</p>")
        elif path == "/huge-unannounced":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"<p>" + b"y" * 100_000 + b"</p>")
        elif path == "/slow":
            self.release.wait(10)
            self._send(200, b"<title>late</title>")
        elif path == "/data.json":
            self._send(200, b"{}", "application/json")
        else:
            self._send(*HOSTILE_PAGES.get(path, (404, b"<h1>Not found</h1>")))


@pytest.fixture(scope="module")
def server():
    """Serve the pages above on 127.0.0.1 from a thread; yield the base URL."""
    release = threading.Event()
    handler = type("BoundHandler", (Handler,), {"release": release})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)


def run(tmp_path, url, *extra):
    args = ["reblog", url, "--content", str(tmp_path / "content"), *extra]
    return main([*args, "--date", "2024-06-01 09:00"])


def draft(tmp_path, name):
    return (tmp_path / "content" / "posts" / name).read_text(encoding="utf-8")


def fields(text):
    return {f.key: f.value for f in read_header(text)}


def test_h_entry_page_becomes_an_attributed_draft(tmp_path, server):
    assert run(tmp_path, f"{server}/2024/05/the-week-long-reply/") == 0
    text = draft(tmp_path, "2024-06-01-the-week-long-reply.md")
    header = fields(text)
    check_header(read_header(text), path="draft.md")  # the post reader accepts it
    assert header == {
        "title": "The week-long reply",
        "date": "2024-06-01 09:00",
        "category": "Notes",
        "status": "draft",
        "reblog-of": f"{server}/2024/05/the-week-long-reply/",
        "reblog-title": "The week-long reply",
        "reblog-author": "Jun Okafor",
        "reblog-author-url": f"{server}/about/",
        "reblog-date": "2024-05-28 18:00-04:00",
    }
    body = text.split("\n\n", 1)[1]
    quote = BeautifulSoup(MarkdownIt("commonmark").render(body), "html.parser")
    excerpt = quote.select_one("blockquote")
    assert "A reply that takes a week has had a week to become kind." in (
        excerpt.get_text()
    )
    assert "* stars _ and [brackets] are only text" in excerpt.get_text()
    assert excerpt.select_one("em").get_text() == "kind"
    assert excerpt.select_one("a")["href"] == f"{server}/generosity"
    assert "third paragraph" not in body  # trimmed to a fair excerpt
    assert "document.cookie" not in text
    assert "steal" not in text


def test_open_graph_page_when_there_is_no_h_entry(tmp_path, server):
    assert (
        run(tmp_path, f"{server}/garden/tomatoes", "--via", "https://hub.example/") == 0
    )
    text = draft(tmp_path, "2024-06-01-what-the-tomatoes-taught-me.md")
    header = fields(text)
    assert header["reblog-of"] == f"{server}/garden/tomatoes"
    assert header["reblog-title"] == "What the tomatoes taught me"
    assert header["reblog-author"] == "Rosa Lind"
    assert header["reblog-date"] == "2023-08-14 07:30+02:00"
    assert header["reblog-via"] == "https://hub.example/"
    rendered = MarkdownIt("commonmark").render(text.split("\n\n", 1)[1])
    quote = BeautifulSoup(rendered, "html.parser").select_one("blockquote")
    assert quote.get_text(strip=True) == "Patience, mostly & some <humility>."


def test_page_with_neither_uses_title_and_first_paragraph(tmp_path, server):
    assert run(tmp_path, f"{server}/cafe") == 0
    text = draft(tmp_path, "2024-06-01-cafe-hours.md")
    assert fields(text)["title"] == "Café hours"
    assert "> We open at seven, café au lait all day." in text
    assert "Second paragraph" not in text


def test_redirect_is_followed_to_the_post(tmp_path, server):
    assert run(tmp_path, f"{server}/old-address") == 0
    text = draft(tmp_path, "2024-06-01-the-week-long-reply.md")
    assert fields(text)["reblog-of"] == f"{server}/2024/05/the-week-long-reply/"


@pytest.mark.parametrize(
    ("request_args", "expected"),
    [
        (("/nothing-here",), "expected a page, got HTTP 404 Not Found"),
        (("/loop",), "expected at most 5 redirects, got more"),
        (
            ("/to-file",),
            "expected a redirect to an http(s) URL, got 'file:///etc/passwd'",
        ),
        (("/huge",), "expected at most 2000000 bytes, got a page of 3000007"),
        (("/huge-unannounced",), "expected at most 2000000 bytes, got more than that"),
        (("/slow", "--timeout", "0.5"), "expected an answer within 0.5 s, got none"),
        (("/data.json",), "expected an HTML page, got 'application/json'"),
    ],
)
def test_failures_are_clear_errors_and_write_nothing(
    tmp_path, server, caplog, request_args, expected
):
    path, *extra = request_args
    with caplog.at_level(logging.ERROR):
        assert run(tmp_path, f"{server}{path}", *extra) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [f"{server}{path}: {expected}"]
    assert not (tmp_path / "content" / "posts").exists()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "x"])
def test_only_http_urls_are_fetched(tmp_path, caplog, url):
    with caplog.at_level(logging.ERROR):
        assert run(tmp_path, url) == 1
    assert f"expected an http(s) URL, got {url!r}" in caplog.text


def test_nothing_listens_is_a_clear_error(tmp_path, caplog):
    with caplog.at_level(logging.ERROR):
        assert run(tmp_path, "http://127.0.0.1:9/post") == 1
    assert "http://127.0.0.1:9/post: could not connect" in caplog.text


def test_never_overwrites_without_force(tmp_path, server, caplog):
    url = f"{server}/garden/tomatoes"
    target = tmp_path / "content/posts/2024-06-01-what-the-tomatoes-taught-me.md"
    target.parent.mkdir(parents=True)
    target.write_text("Title: Mine\n\nMy own words.\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert run(tmp_path, url) == 1
    assert "exists already (--force replaces it)" in caplog.text
    assert target.read_text(encoding="utf-8") == "Title: Mine\n\nMy own words.\n"
    assert run(tmp_path, url, "--force") == 0
    assert "Reblog-Of:" in target.read_text(encoding="utf-8")


def test_draft_builds_into_an_attributed_reblog(tmp_path, server, build_site):
    assert run(tmp_path, f"{server}/2024/05/the-week-long-reply/") == 0
    text = draft(tmp_path, "2024-06-01-the-week-long-reply.md")
    site = build_site({"posts/2024-06-01-the-week-long-reply.md": text})
    page = site.html("drafts/the-week-long-reply/index.html")
    quote = page.select_one("figure.reblog-quote")
    assert quote.select_one(".reblog-author").get_text() == "Jun Okafor"
    assert active_content(str(quote)) == []
    parsed = mf2py.parse(doc=str(page), url="https://blog.example/")
    [entry] = [i for i in parsed["items"] if "h-entry" in i["type"]]
    [original] = entry["properties"]["repost-of"]
    assert original["properties"]["url"] == [f"{server}/2024/05/the-week-long-reply/"]


@pytest.mark.parametrize(
    ("path", "name", "title"),
    [
        ("/notes/42", "2024-06-01-a-note-about-tides.md", "A note about tides"),
        ("/xhtml", "2024-06-01-an-xhtml-post.md", "An XHTML post"),
        ("/utf16", "2024-06-01-sixteen-bits.md", "Sixteen bits"),
        ("/bom-beats-header", "2024-06-01-cafe-open.md", "Café open"),
        ("/deep", "2024-06-01-deep.md", "Deep"),
    ],
)
def test_odd_pages_give_their_own_title(tmp_path, server, path, name, title):
    assert run(tmp_path, f"{server}{path}") == 0
    assert fields(draft(tmp_path, name))["reblog-title"] == title


def test_an_address_with_non_ascii_letters_is_fetched(tmp_path, server):
    assert run(tmp_path, f"{server}/wiki/Köln") == 0
    header = fields(draft(tmp_path, "2024-06-01-koln.md"))
    assert header["reblog-title"] == "Köln"
    assert header["reblog-of"] == f"{server}/wiki/K%C3%B6ln"


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
)
def test_an_iri_path_becomes_an_ascii_uri_saying_the_same(path):
    uri = _as_uri(f"https://bücher.example/{path}")
    assert uri.isascii()
    parts = urlsplit(uri)
    assert parts.hostname == "xn--bcher-kva.example"
    assert unquote(parts.path) == unquote(urlsplit(f"https://x/{path}").path)


def test_the_pages_own_entry_wins_over_a_sidebars(tmp_path, server):
    assert run(tmp_path, f"{server}/posts/second") == 0
    header = fields(draft(tmp_path, "2024-06-01-second-post.md"))
    assert header["reblog-of"] == f"{server}/posts/second"


def test_an_author_given_as_a_link_is_named_by_its_host(tmp_path, server):
    assert run(tmp_path, f"{server}/u-author") == 0
    header = fields(draft(tmp_path, "2024-06-01-linked-author.md"))
    assert header["reblog-author"] == "127.0.0.1"
    assert header["reblog-author-url"] == f"{server}/about/"


def test_a_title_with_angle_brackets_stays_text(tmp_path, server, build_site):
    assert run(tmp_path, f"{server}/angle-title") == 0
    [path] = (tmp_path / "content" / "posts").iterdir()
    text = path.read_text(encoding="utf-8")
    title = "Why a < b & <img src=x onerror=alert(1)>"
    assert fields(text)["reblog-title"] == title
    site = build_site({})  # the draft is in tmp_path/content already
    [page] = [p for p in site.pages() if p.startswith("drafts/")]
    html = site.html(page)
    assert html.select_one("h1").get_text(strip=True) == title
    assert active_content(str(html.select_one("article"))) == []


# Parsers: properties -------------------------------------------------------

PLAIN_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(PLAIN_TEXT)
def test_escaped_text_renders_as_itself(text):
    html = MarkdownIt("commonmark").render(escape_markdown(text))
    rendered = BeautifulSoup(html, "html.parser").get_text()
    assert " ".join(rendered.split()) == " ".join(text.split())


WORDS = st.text(
    st.characters(codec="ascii", categories=("L", "N", "P", "S")),
    min_size=1,
    max_size=12,
)
INLINE = st.one_of(
    WORDS.map(
        lambda w: w.replace("<", "&lt;").replace(">", "&gt;").replace("&", "&amp;")
    ),
    WORDS.filter(lambda w: w.isalnum()).map(lambda w: f"<em>{w}</em>"),
    WORDS.filter(lambda w: w.isalnum()).map(lambda w: f"<strong>{w}</strong>"),
    WORDS.filter(lambda w: w.isalnum()).map(
        lambda w: f'<a href="https://example.org/{w}">{w}</a>'
    ),
    WORDS.filter(lambda w: w.isalnum()).map(lambda w: f"<code>{w}</code>"),
)
PARAGRAPHS = st.lists(st.lists(INLINE, min_size=1, max_size=6), min_size=1, max_size=4)


def visible(html: str) -> tuple[str, list[str]]:
    soup = BeautifulSoup(html, "html.parser")
    return " ".join(soup.get_text(" ").split()), [a["href"] for a in soup.select("a")]


@settings(max_examples=150, deadline=None)
@given(PARAGRAPHS, st.booleans())
def test_html_to_markdown_keeps_text_and_links(paragraphs, quoted):
    html = "".join(f"<p>{' '.join(words)}</p>" for words in paragraphs)
    if quoted:
        html = f"<blockquote>{html}</blockquote>"
    clean = sanitize_html(html)
    back = render_outside_text(html_to_markdown(clean))
    assert visible(back) == visible(clean)
    assert bool(BeautifulSoup(back, "html.parser").select("blockquote")) == quoted


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.text(max_size=20))
def test_earlier_urls_never_leave_the_site(path, query):
    raw = "/" + path + ("?" + query if query else "")
    try:
        old = normalise_old_url(raw, path="p.md")
    except ValueError:
        return
    save_as = save_as_for(old)
    if save_as:
        assert not save_as.startswith("/")
        inside("/tmp/site-output", save_as)  # raises if it climbs out


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<p>a</p>",
                "<p>b <em>c</em></p>",
                "<blockquote><p>q</p></blockquote>",
                "<ul><li>i</li></ul>",
            ]
        ),
        max_size=6,
    )
)
def test_split_quote_loses_no_text(blocks):
    html = "\n".join(blocks)
    before, quote, after = split_quote(html)
    whole = BeautifulSoup(html, "html.parser").get_text().split()
    parts = BeautifulSoup(before + quote + after, "html.parser").get_text().split()
    assert parts == whole
    if "<blockquote>" in html:
        assert quote.strip() == "<p>q</p>"


HEADER_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(HEADER_TEXT, HEADER_TEXT, HEADER_TEXT)
def test_draft_header_cannot_be_injected(title, author, excerpt_text):
    original = Original(
        url="https://example.org/post/",
        title=title,
        author=author,
        author_url="",
        published="",
        excerpt=Markup("<p>{}</p>").format(excerpt_text),
        found_in="html",
    )
    when = datetime(2024, 6, 1, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    text = draft_text(original, when=when, category="Notes", via="", max_chars=600)
    header = read_header(text)
    check_header(header, path="draft.md")
    keys = [f.key for f in header]
    assert keys[:4] == ["title", "date", "category", "status"] or keys[:3] == [
        "date",
        "category",
        "status",
    ]
    assert {f.key: f.value for f in header}["status"] == "draft"
    assert {f.key: f.value for f in header}["reblog-of"] == "https://example.org/post/"


HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="https://ok.example/" onclick="x()">ok</a>',
        "<style>body{}</style>",
        '<iframe src="https://evil.example/"></iframe>',
        '<p style="color:red">styled</p>',
        "<svg onload=alert(1)></svg>",
        "<form action=https://evil.example/><input name=q></form>",
        "plain words & more",
        "<em>fine</em>",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(HOSTILE, min_size=1, max_size=6), st.booleans())
def test_reblogged_quote_never_carries_active_content(fragments, commentary_first):
    quote = "<blockquote>" + "".join(fragments) + "</blockquote>"
    mine = "<p>My own words.</p>"
    html = mine + quote if commentary_first else quote + mine
    reblog, body = reblog_body(
        html,
        {
            "url": "https://example.org/post/",
            "title": "<b>A title</b>",
            "author": 'Jun "J" <Okafor>',
            "author_url": "https://example.org/about/",
            "date": None,
            "via": "",
        },
        date_format="%Y-%m-%d",
    )
    assert active_content(str(reblog.excerpt)) == []
    page = BeautifulSoup(str(body), "html.parser")
    figure = page.select_one("figure.reblog-quote")
    assert active_content(str(figure)) == []
    assert figure.select_one(".reblog-source").get_text() == "<b>A title</b>"
    assert figure.select_one(".reblog-author").get_text() == 'Jun "J" <Okafor>'
    assert page.find("p", string="My own words.") is not None


def test_an_original_dated_without_its_day_gets_no_reblog_date():
    original = Original(
        url="https://example.org/post/",
        title="Post",
        author="",
        author_url="",
        published="May 2024",
        excerpt=Markup(""),
        found_in="html",
    )
    when = datetime(2024, 6, 1, 9, 0)
    text = draft_text(original, when=when, category="Notes", via="", max_chars=600)
    assert "reblog-date" not in fields(text)  # not May <today's day>


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("2024-05-28 18:00 EST", None),  # 'EST' would be dropped: 18:00 here
        ("2024-05-28T18:00:00-05:00", "2024-05-28 18:00-05:00"),
        ("Tue, 28 May 2024 18:00:00 GMT", "2024-05-28 18:00+00:00"),
    ],
)
def test_an_original_dated_by_a_zone_name_gets_no_reblog_date(published, expected):
    original = Original(
        url="https://example.org/post/",
        title="Post",
        author="",
        author_url="",
        published=published,
        excerpt=Markup(""),
        found_in="html",
    )
    when = datetime(2024, 6, 1, 9, 0)
    text = draft_text(original, when=when, category="Notes", via="", max_chars=600)
    assert fields(text).get("reblog-date") == expected
