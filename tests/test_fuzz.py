"""Fuzz every parser of outside input, and bound the cost of the worst shapes.

Each parser either returns its result or raises ContentError (a
``path:line: expected X, got Y`` report); nothing else may escape. The suite runs
a few dozen examples per parser; ``make fuzz`` runs thousands
(``COLLOQUY_FUZZ_EXAMPLES``). A crash found either way becomes a fixture in
``REGRESSIONS`` below.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
import pytest

from plugins.common.errors import ContentError
from plugins.common.sanitize import MAX_OUTSIDE_TEXT, render_outside_text
from plugins.migrate.blogger import parse_blogger
from plugins.migrate.disqus import parse_disqus
from plugins.migrate.model import MigrationError, Options
from plugins.migrate.movabletype import parse_movabletype
from plugins.migrate.wxr import parse_wxr
from plugins.perspectives.fileformat import parse_comment_system, parse_perspective
from plugins.transcripts.chatfile import format_chat, parse_chat
from plugins.transcripts.importers.common import ImportOptions
from plugins.transcripts.importers.registry import by_name
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.library import lay_out
from plugins.transcripts.model import Message, Transcript
from plugins.transcripts.render import PageContext, iter_page_html, render_text
from plugins.transcripts.settings import TranscriptsSettings

from . import chat_exports as ce
from .hostile import fuzz, hostile_text
from .support import ROOT, active_content

DATA = ROOT / "tests" / "data" / "migrate"

EXPORTS = {
    "slack": ce.slack_files,
    "discord": lambda: {"c.json": ce.discord_text()},
    "telegram": lambda: {"result.json": ce.telegram_text()},
    "matrix": lambda: {"room.json": ce.matrix_text()},
    "mastodon": lambda: {"context.json": json.dumps(ce.MASTODON_CONTEXT)},
    "whatsapp": lambda: {"_chat.txt": ce.WHATSAPP_IOS},
    "irc": lambda: {"#c.log": ce.IRSSI},
    "hashtag-chat": lambda: {"paste.txt": ce.HASHTAG_CHAT},
}
CHANNELS = {"slack": "general", "telegram": "Blog chat"}


def splice(text: str, data: st.DataObject) -> str:
    """Return ``text`` with a hostile piece put in, a span cut out, or both."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 200)))
    return text[:start] + data.draw(hostile_text) + text[end:]


@fuzz
@given(fmt=st.sampled_from(sorted(EXPORTS)), data=st.data())
def test_every_chat_importer_reads_spliced_exports_or_says_why(fmt, data):
    files = EXPORTS[fmt]()
    member = data.draw(st.sampled_from(sorted(files)))
    # Files are bytes: a lone surrogate arrives as invalid UTF-8.
    spliced = splice(files[member], data).encode("utf-8", errors="surrogatepass")
    files = {**files, member: spliced}
    options = ImportOptions(channel=CHANNELS.get(fmt, ""), timezone="UTC")
    try:
        transcript = by_name(fmt).parse(ExportSource.from_texts(files), options)
    except ContentError:
        return
    # What an import writes, the build reads back unchanged.
    assert parse_chat(format_chat(transcript), path="t.chat") == transcript


@fuzz
@given(data=st.data())
def test_the_chat_file_reader_reads_spliced_files_or_says_where(data):
    text = (ROOT / "content" / "transcripts").glob("*.chat")
    sample = next(iter(sorted(text))).read_text(encoding="utf-8")[:3000]
    try:
        parse_chat(splice(sample, data), path="t.chat")
    except ContentError as err:
        assert err.path == "t.chat"


@fuzz
@given(data=st.data())
def test_the_perspective_readers_read_spliced_files_or_say_where(data):
    sample = (
        "Author: Ann Reader\nDate: 2024-05-02 14:03:00-04:00\n"
        "Url: https://ann.example/\nIn-Reply-To: 2024-05-02-1350-bo\nKind: comment\n"
        "Format: markdown\n\nThe body, with a [link](https://x.example/).\n"
    )
    text = splice(sample, data)
    for parse in (parse_perspective, parse_comment_system):
        try:
            result = parse(text, path="p/x.md", post="x")
        except ContentError:
            continue
        p = result[0] if isinstance(result, tuple) else result
        assert active_content(str(p.html)) == []


def _migration_samples() -> dict[str, bytes]:
    return {
        name: (DATA / name).read_bytes()[:20000]
        for name in ("wordpress.xml", "blogger.xml", "disqus.xml", "typepad.txt")
    }


def run_migration_parser(name: str, data: bytes, tmp: Path) -> int:
    """Parse one export with the parser its name says; return how many records."""
    options = Options(timezone="UTC")
    if name == "wordpress.xml":
        return sum(1 for _ in parse_wxr(io.BytesIO(data), path=name, options=options))
    if name == "typepad.txt":
        text = data.decode("utf-8", errors="replace")
        return len(parse_movabletype(text, path=name))
    target = tmp / name
    target.write_bytes(data)
    if name == "blogger.xml":
        return sum(1 for _ in parse_blogger(target, options=options))
    return sum(1 for _ in parse_disqus(target, options=options, known={}))


@fuzz
@given(name=st.sampled_from(sorted(_migration_samples())), data=st.data())
def test_every_blog_export_parser_reads_spliced_exports_or_says_why(
    name, data, tmp_path_factory
):
    sample = _migration_samples()[name].decode("utf-8")
    spliced = splice(sample, data).encode("utf-8", errors="surrogatepass")
    try:
        run_migration_parser(name, spliced, tmp_path_factory.mktemp("fuzz"))
    except MigrationError:
        return


# Entity expansion and external entities: refused, never expanded or fetched.
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;">]>
{root}&lol4;{end}"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">
<!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>
{root}&xxe;&net;{end}"""
ROOTS = {
    "wordpress.xml": (
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>',
        "</title></channel></rss>",
    ),
    "blogger.xml": (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>',
        "</title></feed>",
    ),
    "disqus.xml": (
        '<disqus xmlns="http://disqus.com"><category><title>',
        "</title></category></disqus>",
    ),
}


@pytest.mark.parametrize("attack", [BILLION_LAUGHS, EXTERNAL], ids=["laughs", "xxe"])
@pytest.mark.parametrize("name", sorted(ROOTS))
def test_xml_exports_never_expand_or_fetch_entities(name, attack, tmp_path):
    root, end = ROOTS[name]
    data = attack.format(root=root, end=end).encode("utf-8")
    with pytest.raises(MigrationError) as err:
        run_migration_parser(name, data, tmp_path)
    assert "DOCTYPE" in str(err.value) or "entit" in str(err.value).lower()


# Crashes found by fuzzing (none yet escaped ContentError); each stays as a fixture.
REGRESSIONS: list[tuple[str, str]] = [
    ("perspective", "Author: x\nDate: 2024-05-02\n\n" + "[" * 10_000),
    (
        "chat",
        "Title: t\nSlug: t\n\n--- 2024-05-02 +00:00 ---\n[20:00:00 #m] <a> ]]>\x00",
    ),
    ("chat", "Title: t\nSlug: t\n\n--- 2024-05-02 +99:99 ---\n"),
]


@pytest.mark.parametrize(("kind", "text"), REGRESSIONS)
def test_regressions_fail_only_with_content_error(kind, text):
    try:
        if kind == "chat":
            parse_chat(text, path="t.chat")
        else:
            parse_perspective(text, path="p/x.md", post="x")
    except ContentError:
        pass


# -- bounded cost: the worst shapes render, bounded, or are refused clearly ------

WORST = {
    "5 MB": "word " * 1_000_000,
    "10,000 nested blockquotes": ">" * 10_000 + " deep",
    "10,000 nested list levels": "".join("  " * i + "- x\n" for i in range(10_000)),
    "10,000 [ in a row": "[" * 10_000,
    "10,000 ![ in a row": "![" * 10_000,
    "10,000 nested emphasis": "*_" * 10_000 + "x" + "_*" * 10_000,
    "one-million-character line": "x" * 1_000_000,
    "10,000 nested tags": "<b>" * 10_000 + "x",
}


@pytest.mark.parametrize("text", WORST.values(), ids=WORST.keys())
def test_worst_case_outside_text_renders_bounded(text):
    html = render_outside_text(text)
    assert len(html) < 4 * MAX_OUTSIDE_TEXT + 1000
    assert active_content(str(html[:200_000])) == []


@pytest.mark.parametrize("text", WORST.values(), ids=WORST.keys())
def test_worst_case_perspective_bodies_are_read(text):
    header = "Author: Ann\nDate: 2024-05-02 14:03:00-04:00\n"
    for fmt in ("markdown", "html"):
        p = parse_perspective(
            f"{header}Format: {fmt}\n\n{text}\n", path="p/x.md", post="x"
        )
        assert len(p.html) < 4 * MAX_OUTSIDE_TEXT + 1000 or fmt == "html"


def test_a_chat_message_of_a_million_characters_renders():
    html = render_text("<b>" + "x" * 1_000_000 + " https://ok.example/", _context(2))
    assert "&lt;b&gt;" in html
    assert 'href="https://ok.example/"' in html


def _context(count: int) -> PageContext:
    start = datetime(2024, 5, 2, tzinfo=UTC)
    messages = tuple(
        Message(
            id=f"m{i}",
            author=f"h{i % 50}",
            time=start + timedelta(seconds=i),
            text=f"message {i} [ ![ <i>",
        )
        for i in range(count)
    )
    transcript = Transcript(slug="big", title="Big", source="test", messages=messages)
    settings = TranscriptsSettings.from_settings({})
    page = lay_out(transcript, settings)
    return PageContext(
        page=page, chat_page=page.pages[0], siteurl="", settings=settings
    )


def test_a_200000_message_transcript_is_paged_and_one_page_renders():
    ctx = _context(200_000)
    settings = ctx.settings
    assert len(ctx.page.pages) >= 200_000 // settings.page_size
    assert all(p.end - p.start <= settings.page_size for p in ctx.page.pages)
    html = "".join(str(piece) for piece in iter_page_html(ctx))
    assert html.count("<article") <= settings.page_size
    text = format_chat(ctx.page.transcript)
    assert len(parse_chat(text, path="big.chat").messages) == 200_000


def test_a_site_of_worst_cases_builds(build_site):
    header = "Author: Ann\nDate: 2024-05-02 14:{minute:02d}:00-04:00\n\n"
    files = {
        "posts/2024-05-01-worst.md": "Title: Worst\nDate: 2024-05-01 10:00\n"
        "Transcript: worst\n\nThe worst a stranger can send.\n",
        **{
            f"perspectives/worst/2024-05-02-14{n:02d}-ann.md": header.format(minute=n)
            + text
            for n, text in enumerate(WORST.values())
        },
        "transcripts/worst.chat": "Title: Worst\nSlug: worst\n\n"
        "--- 2024-05-02 -04:00 ---\n"
        f"[20:00:00 #m-1] <ann> {'[' * 10_000}{'x' * 1_000_000}\n"
        f"[20:00:01 #m-2] <bo> {'> ' * 10_000}\n",
    }
    site = build_site(files)
    post = site.html("2024/05/worst/index.html")
    bodies = post.select(".perspective-body")
    assert len(bodies) == len(WORST)
    assert all(len(str(body)) < 4 * MAX_OUTSIDE_TEXT + 1000 for body in bodies)
    chat = site.html("transcripts/worst/index.html")
    assert len(chat.select("article")) >= 2


def test_a_purpose_with_edge_spaces_reads_back_as_imported():
    # Found by the splice test above: a Slack purpose of "> " was imported as is,
    # written as "Summary: >" and read back as ">".
    channels = json.loads(ce.slack_files()["channels.json"])
    channels[0]["purpose"]["value"] = "> \r\n  quoted  "
    files = {**ce.slack_files(), "channels.json": json.dumps(channels)}
    options = ImportOptions(channel="general", timezone="UTC")
    transcript = by_name("slack").parse(ExportSource.from_texts(files), options)
    assert transcript.summary == ">\nquoted"
    assert parse_chat(format_chat(transcript), path="t.chat") == transcript
