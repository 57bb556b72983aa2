"""Hostile input across the whole site: regex cost, non-HTML outputs, paths, limits.

The cost tests feed the classic pathological shapes (a 200 kB run of one character,
20,000 unclosed openings) to each parser of outside text that used to scan the rest
of the text from every position. They assert on the result; ``watchdog`` only turns
a quadratic scan (minutes on these sizes, milliseconds when linear) into a failure
instead of a hung run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from urllib.parse import unquote
import zipfile

from bs4 import BeautifulSoup
from markupsafe import Markup
import pytest

from plugins.cli import main as colloquy
from plugins.common.errors import ContentError
from plugins.common.files import safe_filename
from plugins.common.privacy import REDACTED, redact_name
from plugins.common.sanitize import safe_url
from plugins.migrate.markup import autop, expand_shortcodes, html_to_markdown
from plugins.perspectives.model import Perspective
from plugins.perspectives.threads import thread_perspectives
from plugins.reblog.markdown import escape_markdown
from plugins.transcripts.importers.common import ImportOptions, is_phone
from plugins.transcripts.importers.registry import by_name
from plugins.transcripts.importers.source import ExportSource
from plugins.transcripts.library import lay_out
from plugins.transcripts.model import Message, Transcript
from plugins.transcripts.render import PageContext, iter_page_html, trim_url
from plugins.transcripts.settings import TranscriptsSettings

from . import chat_exports as ce
from .support import watchdog

RUN = 200_000  # characters in one pathological run


def test_an_email_after_a_long_run_of_name_characters_is_redacted_in_linear_time():
    with watchdog():
        name = redact_name("a" * RUN + " ann@example.org", ())
    assert name.endswith(REDACTED)
    assert "@" not in name


def test_unclosed_shortcodes_in_an_old_export_are_read_in_linear_time():
    unknown: list[str] = []
    with watchdog():
        text = expand_shortcodes(
            "[gallery ids=1]" * 20_000 + "[code]x < y[/code]", unknown
        )
        expand_shortcodes("[caption " + "a" * RUN + "]", [])
    assert text.endswith("<pre><code>x &lt; y</code></pre>")
    assert text.count("[gallery ids=1]") == 20_000
    assert unknown == ["gallery"] * 20_000


def test_shortcodes_still_pair_with_their_own_closing_mark():
    unknown: list[str] = []
    text = expand_shortcodes(
        '[code lang="py"]a[/codex][/code] [embed]https://e.org/v[/embed] [x]', unknown
    )
    assert text.startswith('<pre><code class="language-py">a[/codex]</code></pre>')
    assert '<a href="https://e.org/v">' in text
    assert text.endswith(" [x]")


def test_unclosed_pre_script_style_and_more_marks_cost_little():
    with watchdog():
        assert autop("<pre>" * 40_000).count("<pre>") == 40_000
        markdown, _ = html_to_markdown(
            "<p>kept</p>" + "<script>" * 20_000, breaks=False, shortcodes=False
        )
        html_to_markdown("<style>" * 20_000 + "<!--more" * 20_000, breaks=False)
    assert markdown.startswith("kept")
    cleaned, _ = html_to_markdown("a<script>x</script>b<style>y</style>c<!--more-->d")
    assert cleaned.split() == ["abcd"]


def test_a_reblogged_title_of_newlines_is_escaped_in_linear_time():
    with watchdog():
        escaped = escape_markdown("\n" * RUN + "x")
    assert escaped == "\n" * RUN + "x"
    assert escape_markdown("a\n  - b\n\n1. c") == "a\n  \\- b\n\n1\\. c"


def test_a_whatsapp_message_with_a_long_run_of_spaces_imports_in_linear_time():
    text = "5/2/24, 10:00 p. m. - Ann Reader: hi" + " " * RUN + "there\n"
    source = ExportSource.from_texts({"chat.txt": text}, label="export")
    with watchdog():
        transcript = by_name("whatsapp").parse(source, ImportOptions())
    assert transcript.messages[0].text.endswith("there")
    assert not transcript.messages[0].edited


def test_redirect_maps_hold_a_slug_with_spaces_quotes_and_dollars(build_site):
    site = build_site(
        {
            "posts/2024-05-01-a.md": (
                "Title: A\nDate: 2024-05-01 10:00\nCategory: News\n"
                'Slug: a b"c$d\nEarlier-Urls: /old path/x"y$z;w\n\nBody\n'
            )
        },
        REBLOG_REDIRECT_MAPS=["nginx", "netlify"],
    )
    target = "/2024/05/a%20b%22c%24d/"
    assert (site.output / unquote(target).strip("/") / "index.html").is_file()
    rules = [line.split() for line in site.text("_redirects").splitlines()]
    assert ["/old%20path/x%22y%24z;w", target, "301"] in rules
    nginx = [
        line
        for line in site.text("redirects.nginx.map").splitlines()
        if line[:1] != "#"
    ]
    assert nginx[0] == f'"/old%20path/x%22y%24z;w" "{target}";'


def _rendered_message(text: str, source: str = "discord") -> BeautifulSoup:
    message = Message(
        id="m1", author="ann", time=datetime(2024, 5, 2, 20, 0, tzinfo=UTC), text=text
    )
    transcript = Transcript(
        slug="t", title="T", source=source, messages=(message,), summary=""
    )
    settings = TranscriptsSettings.from_settings({})
    page = lay_out(transcript, settings)
    ctx = PageContext(page=page, chat_page=page.pages[0], siteurl="", settings=settings)
    return BeautifulSoup("".join(map(str, iter_page_html(ctx))), "html.parser")


def test_urls_glued_by_cjk_stops_are_linked_in_linear_time():
    with watchdog():
        page = _rendered_message("見て " + "http://a.example/x。" * 20_000)
    hrefs = [a["href"] for a in page.select(".transcript-message a[href^='http']")]
    assert hrefs == ["http://a.example/x"] * 20_000


def test_a_url_keeps_a_fullwidth_bracket_it_opened():
    page = _rendered_message(
        "见 https://zh.example/a\uff08b\uff09c\uff09后 https://e.example/d\uff09"
    )
    hrefs = [a["href"] for a in page.select(".transcript-message a[href^='http']")]
    assert hrefs == [
        "https://zh.example/a\uff08b\uff09c\uff09后",
        "https://e.example/d",
    ]


def test_a_url_followed_by_many_brackets_is_trimmed_in_linear_time():
    with watchdog():
        trimmed = trim_url("https://e.example/(a)" + ")" * 1_000_000)
        dotted = trim_url("https://e.example/a" + ".)" * 500_000)
    assert (trimmed, dotted) == ("https://e.example/(a)", "https://e.example/a")


def _chat(slug: str, handle: str) -> str:
    return (
        f"Title: T\nSlug: {slug}\nDate: 2024-07-11 00:00:00-04:00\nSource: slack\n\n"
        f"--- 2024-07-11 -04:00 ---\n[00:00:01 #m1] <{handle}|Ann> hi\n"
    )


def test_a_long_transcript_slug_or_handle_skips_one_file_not_the_build(
    build_site, caplog
):
    site = build_site(
        {
            "transcripts/long-slug.chat": _chat("a" * 300, "ann"),
            "transcripts/long-handle.chat": _chat("long-handle", "b" * 300),
            "transcripts/fine.chat": _chat("fine", "ann"),
        }
    )
    assert site.html("transcripts/fine/index.html").select(".transcript-message")
    people = sorted(
        p.name for p in (site.output / "transcripts/long-handle/by").iterdir()
    )
    assert len(people) == 1
    assert people[0].startswith("b" * 40 + "-")
    assert len(people[0]) < 60
    transcripts = {p.name for p in (site.output / "transcripts").iterdir()}
    assert transcripts == {"fine", "long-handle", "index.html"}
    assert "long-slug.chat: expected a slug of at most 120" in caplog.text


def _post(day: int, slug: str, extra: str = "") -> str:
    return (
        f"Title: Post {day}\nDate: 2024-05-{day:02d} 10:00\nCategory: News\n"
        f"Slug: {slug}\n{extra}\nBody\n"
    )


def test_a_name_too_long_for_the_file_system_skips_one_post_not_the_build(
    build_site, caplog
):
    long = "x" * 300
    site = build_site(
        {
            "posts/2024-05-01-a.md": _post(1, long),
            "posts/2024-05-02-b.md": _post(2, "b", f"Tags: fine, {long}\n"),
            "posts/2024-05-03-c.md": _post(3, "c", f"Earlier-Urls: /old/{long}\n"),
            "posts/2024-05-04-d.md": _post(4, "d", f"Earlier-Slugs: {long}\n"),
            "posts/2024-05-05-e.md": _post(5, "e"),
            "pages/about.md": f"Title: About\nSlug: {long}\n\nBody\n",
        },
        REBLOG_REDIRECT_MAPS=["nginx", "netlify"],
    )
    published = {p.name for p in (site.output / "2024/05").iterdir() if p.is_dir()}
    assert published == {"c", "d", "e"}
    assert "posts/2024-05-01-a.md:4: expected a Slug making a file name" in caplog.text
    assert "posts/2024-05-02-b.md:5: expected a Tag making a file name" in caplog.text
    assert "pages/about.md:2: expected a Slug making a file name" in caplog.text
    assert "2024-05-03-c.md:5: expected an earlier URL whose parts" in caplog.text
    assert "2024-05-04-d.md:5: expected slugs such as" in caplog.text
    assert long not in site.text("_redirects")


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path, caplog):
    bomb = tmp_path / "slack.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("channels.json", '[{"id": "C1", "name": "general"}]')
        archive.writestr("users.json", b" " * (24 << 20))  # 24 MB from ~24 kB
        archive.writestr("general/2024-05-01.json", "[]")
    content = tmp_path / "content"
    with watchdog():
        status = colloquy(["import-chat", str(bomb), "--content", str(content)])
    assert status != 0
    assert "users.json': a zip bomb?" in caplog.text
    assert not list(content.rglob("*.chat"))


def test_a_long_url_ending_in_a_quote_is_refused_in_linear_time():
    with watchdog():
        refused = safe_url("https://" + "a" * RUN + '"')
        link = _rendered_message(f'[x](https://{"a" * RUN}"b)')
    assert refused is None
    assert not link.select(".transcript-message a[href^='http']")
    assert safe_url("https://a.example/p?q=1#f") == "https://a.example/p?q=1#f"
    assert safe_url("https:///etc") is None


def test_a_phone_check_of_a_marked_run_of_spaces_costs_little():
    with watchdog():
        assert not is_phone("\u202a" + " " * 20_000 + "!")
    assert is_phone("\u202a+44 7700 900123\u202c")


def test_blanks_in_an_imported_pre_block_cost_linear_time():
    with watchdog():
        markdown, _ = html_to_markdown(f"<pre>a{' ' * 5 * RUN}b \n</pre>", breaks=False)
    assert markdown.startswith("```\na ")
    assert markdown.split("\n")[1].endswith("b")


@pytest.mark.parametrize("unix", ["9" * 19, "9" * 5000])
def test_a_forged_telegram_time_is_a_file_error_not_a_traceback(unix):
    export = json.loads(json.dumps(ce.TELEGRAM))
    export["messages"][0]["date_unixtime"] = unix
    source = ExportSource.from_texts({"result.json": json.dumps(export)})
    with pytest.raises(ContentError, match="expected a time in years 1 to 9999"):
        by_name("telegram").parse(source, ImportOptions())


def test_a_forged_matrix_time_is_a_file_error_not_a_traceback():
    export = json.loads(json.dumps(ce.MATRIX))
    export["messages"][0]["origin_server_ts"] = 1e308
    source = ExportSource.from_texts({"room.json": json.dumps(export)})
    with pytest.raises(ContentError, match=r"room.json:\d+: expected a time in years"):
        by_name("matrix").parse(source, ImportOptions())


def test_file_names_from_input_stay_portable_after_the_cut():
    assert safe_filename("a" * 119 + ".b") == "a" * 119
    assert safe_filename("COM\u00b9.txt") == "_COM\u00b9.txt"
    assert safe_filename("lpt\u00b3") == "_lpt\u00b3"


def test_a_long_reply_loop_is_one_short_warning():
    start = datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    loop = [
        Perspective(
            id=f"r{index:04d}",
            post="p",
            author="A",
            date=start + timedelta(minutes=index),
            html=Markup("<p>x</p>"),
            source_path=f"perspectives/p/r{index:04d}.md",
            in_reply_to=f"r{(index - 1) % 5000:04d}",
        )
        for index in range(5000)
    ]
    tops, warnings = thread_perspectives(loop)
    assert len(warnings) == 1
    assert "r0000, r0001, r0002" in warnings[0]
    assert "and 4990 more" in warnings[0]
    assert len(warnings[0]) < 500
    assert [top.perspective.id for top in tops][:1] == ["r0000"]
