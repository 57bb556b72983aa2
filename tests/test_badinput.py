"""Malformed content files in a real build: each is named, the rest is written.

Found by dropping broken files into a copy of content/ and running ``pelican``
(see /work/notes/audit-badinput.md); each test fails without its fix.
"""

from __future__ import annotations

import logging
from pathlib import Path
import tempfile

from hypothesis import given
from hypothesis import strategies as st
import pytest

from plugins.common.errors import ContentError
from plugins.common.files import read_text
from plugins.perspectives.fileformat import parse_perspective

from .support import BuiltSite, site_settings_at

POST = """Title: {title}
Date: {date}
Category: Essays
{extra}
Body of {title}.
"""


def post(title: str, date: str = "2024-05-01 10:00", extra: str = "") -> str:
    """Return a post's text with ``extra`` header lines."""
    return POST.format(title=title, date=date, extra=extra)


def errors(caplog) -> list[str]:
    """Return the messages logged at ERROR or above."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_two_posts_with_one_slug_skip_the_second_and_build_the_rest(build_site, caplog):
    files = {
        "posts/2024-05-01-launch.md": post("First launch"),
        "posts/2024-05-09-copy.md": post(
            "Copied launch", "2024-05-09 10:00", "Slug: launch\n"
        ),
        "posts/2024-06-01-later.md": post("Later post", "2024-06-01 10:00"),
        "pages/about.md": "Title: About\n\nAbout me.\n",
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)  # Pelican stopped with FileOverwriteFailedError
    found = errors(caplog)
    assert any(
        e.startswith("posts/2024-05-09-copy.md:4: expected a slug")
        and "posts/2024-05-01-launch.md already writes to 2024/05/launch/index.html"
        in e
        for e in found
    ), found
    title = site.html("2024/05/launch/index.html").select_one(".p-name")
    assert title.get_text(strip=True) == "First launch"
    for page in ("2024/06/later/index.html", "about/index.html", "index.html"):
        assert (site.output / page).exists(), page
    listed = [a.get_text(strip=True) for a in site.html("index.html").select(".p-name")]
    assert "Copied launch" not in listed
    # Pelican lists posts sharing a slug as each other's translations.
    assert not site.html("2024/05/launch/index.html").select(".translations a")
    assert (site.output / "2024/05/launch/reblog/index.html").exists()


def test_a_slug_that_climbs_back_onto_a_page_is_a_collision(build_site, caplog):
    files = {
        "posts/2024-05-01-launch.md": post("Launch", extra="Slug: a/../../../about\n"),
        "pages/about.md": "Title: About\n\nAbout me.\n",
        "pages/contact.md": "Title: Contact\n\nWrite.\n",
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)  # FileOverwriteFailedError on about/index.html
    found = errors(caplog)
    assert any(
        e.startswith("pages/about.md: expected a slug")
        and "posts/2024-05-01-launch.md already writes to about/index.html" in e
        for e in found
    ), found
    assert (site.output / "contact/index.html").exists()


def test_two_pages_or_drafts_with_one_slug_skip_the_second(build_site, caplog):
    files = {
        "posts/2024-05-01-launch.md": post("Launch"),
        "posts/2024-05-02-d1.md": post("Draft one", extra="Status: draft\nSlug: d\n"),
        "posts/2024-07-02-d2.md": post("Draft two", extra="Status: draft\nSlug: d\n"),
        "pages/about.md": "Title: About\n\nAbout me.\n",
        "pages/about-again.md": "Title: About again\nSlug: about\n\nOther.\n",
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)
    found = errors(caplog)
    assert any(e.startswith("pages/about-again.md:2: expected a slug") for e in found)
    assert any(e.startswith("posts/2024-07-02-d2.md:5: expected a slug") for e in found)
    assert site.html("about/index.html").select_one("h1").get_text(strip=True) == (
        "About"
    )
    assert (site.output / "drafts/d/index.html").exists()
    assert (site.output / "2024/05/launch/index.html").exists()


def test_a_post_saved_over_a_page_is_reported(build_site, caplog):
    files = {
        "posts/2024-05-01-launch.md": post(
            "Launch", extra="Save_as: about/index.html\n"
        ),
        "pages/about.md": "Title: About\n\nAbout me.\n",
    }
    with caplog.at_level(logging.ERROR):
        build_site(files)  # the page was silently lost
    found = errors(caplog)
    assert any(
        e.startswith("pages/about.md: expected a slug")
        and "posts/2024-05-01-launch.md already writes to about/index.html" in e
        for e in found
    ), found


def test_a_template_the_theme_lacks_skips_that_post_or_page_only(build_site, caplog):
    files = {
        "posts/2024-05-01-launch.md": post("Launch"),
        "posts/2024-05-02-odd.md": post("Odd", extra="Template: gallery\n"),
        "pages/about.md": "Title: About\n\nAbout me.\n",
        "pages/odd.md": "Title: Odd page\nTemplate: nope\n\nOdd.\n",
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)  # PelicanTemplateNotFound stopped the build
    found = errors(caplog)
    assert any(
        e.startswith("posts/2024-05-02-odd.md:4: expected a Template of the theme")
        and "got 'gallery'" in e
        for e in found
    ), found
    assert any(e.startswith("pages/odd.md:2: expected a Template") for e in found)
    assert not [page for page in site.pages() if "odd" in page]
    for page in ("2024/05/launch/index.html", "about/index.html", "index.html"):
        assert (site.output / page).exists(), page


def test_a_post_without_title_or_with_no_real_date_names_file_and_line(
    build_site, caplog
):
    files = {
        "posts/2024-05-01-launch.md": post("Launch"),
        "posts/2024-05-02-empty.md": "",
        "posts/2024-05-03-untitled.md": "Date: 2024-05-03\nCategory: Essays\n\nBody.\n",
        "posts/2024-05-04-binary.md": b"\x7fELF\x02\x01\x01\x00\xd0\x00\n\x00\x01",
        "posts/2024-13-45-no-date.md": "Title: No date\n\nBody.\n",
        "pages/empty.md": "",
        "pages/blank-title.md": "Title:\nSlug: blank\n\nText.\n",
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)
    found = errors(caplog)
    title = "expected a 'Title: ...' field in the header, got"
    expected = [
        f"posts/2024-05-02-empty.md:1: {title} an empty file",
        f"posts/2024-05-03-untitled.md:1: {title} none",
        f"posts/2024-05-04-binary.md:1: {title} '\\x7fELF",
        # Pelican said only "Could not process" for this one.
        "posts/2024-13-45-no-date.md: expected a file name starting with a real date",
        f"pages/empty.md:1: {title} an empty file",
        # Was published with an empty <title> and heading.
        "pages/blank-title.md:1: expected a title, got an empty 'Title:'",
    ]
    for start in expected:
        assert any(e.startswith(start) for e in found), (start, found)
    assert (site.output / "2024/05/launch/index.html").exists()


CHAT = """Title: Launch chat
Slug: launch-chat
Date: 2024-05-02 20:00:00-04:00

--- 2024-05-02 -04:00 ---
[20:00:02 #m-1] <ann|Ann Reader> Welcome, café!
"""


def test_utf16_files_from_notepad_are_read(build_site, caplog):
    perspective = "Author: Zoë\r\nDate: 2024-05-02 14:03\r\n\r\nÇa va, 日本.\r\n"
    files = {
        "posts/2024-05-01-launch.md": post("Launch — café").encode("utf-16"),
        "perspectives/launch/2024-05-02-1403-zoe.md": perspective.encode("utf-16"),
        "transcripts/launch-chat.chat": CHAT.encode("utf-16-be").join(
            [b"\xfe\xff", b""]
        ),
    }
    with caplog.at_level(logging.WARNING):
        site = build_site(files)  # each was skipped: "expected UTF-8, got 0xff"
    assert not [r.getMessage() for r in caplog.records], caplog.text
    page = site.html("2024/05/launch/index.html")
    assert page.select_one(".p-name").get_text(strip=True) == "Launch — café"
    assert "Ça va, 日本." in page.select_one(".perspective-body").get_text()
    assert "Welcome, café!" in site.text("transcripts/launch-chat/index.html")


@given(
    text=st.text(st.characters(blacklist_categories=("Cs",))),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom"]),
)
def test_read_text_reads_utf8_and_utf16_with_bom_alike(text, encoding):
    data = (
        b"\xff\xfe" + text.encode("utf-16-le")
        if encoding == "utf-16-le-bom"
        else text.encode(encoding)
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "x.md")
        path.write_bytes(data)
        got = read_text(str(path), "x.md")
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    if encoding == "utf-8":
        expected = expected.removeprefix("\ufeff")  # a BOM by another name
    assert got == expected


def test_a_bad_byte_after_a_byte_order_mark_is_placed_in_the_file(tmp_path, caplog):
    path = tmp_path / "x.md"
    path.write_bytes(b"\xef\xbb\xbfab\ncd\xff\n")
    with caplog.at_level(logging.WARNING):
        assert read_text(str(path), "x.md") == "ab\ncd\ufffd\n"
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith("x.md:2: expected UTF-8 text, got byte 0xff at offset 8")


def test_a_garbage_line_is_reported_short_and_without_terminal_controls(
    build_site, caplog
):
    garbage = "\x1b]0;owned\x07\x1b[2J" + "x" * 300_000
    files = {
        "posts/2024-05-01-launch.md": post("Launch"),
        "perspectives/launch/2024-05-02-1403-x.md": f"{garbage}\n\nBody.\n",
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)
    (error,) = errors(caplog)
    assert error.startswith(
        "perspectives/launch/2024-05-02-1403-x.md:1: expected 'Field: value'"
    )
    assert len(error) < 2_000, len(error)  # was 600,000 characters
    assert "\x1b" not in error and "\x07" not in error  # the source line was raw
    assert "\\x1b]0;owned\\x07" in error
    assert (site.output / "2024/05/launch/index.html").exists()


def test_a_broken_transcript_does_not_take_down_the_post_quoting_it(build_site, caplog):
    quoting = post("Launch", extra="Transcript: launch-chat\n") + (
        "\nAs Ann said:\n\n[[quote: launch-chat#m-1]]\n\nAnd so on.\n"
    )
    files = {
        "posts/2024-05-01-launch.md": quoting,
        "perspectives/launch/2024-05-02-1403-bo.md": (
            "Author: Bo\nDate: 2024-05-02 14:03\n\nNice.\n"
        ),
        # Cut short mid-line, as a failed copy leaves it.
        "transcripts/launch-chat.chat": CHAT + "[20:00:09 #m-2",
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)  # the post, and so its perspectives, were skipped
    found = errors(caplog)
    assert any(e.startswith("transcripts/launch-chat.chat:7: expected") for e in found)
    assert any(
        e.startswith(
            "posts/2024-05-01-launch.md:10: expected transcript 'launch-chat' to quote"
            " from, got none: transcripts/launch-chat.chat was skipped"
        )
        for e in found
    ), found
    page = site.html("2024/05/launch/index.html")
    assert page.select_one(".transcript-quote-missing")
    assert "And so on." in page.select_one(".e-content").get_text()
    assert "Nice." in page.select_one(".perspective-body").get_text()


@pytest.mark.parametrize("text", ["", "\n", "\ufeff", "  \n\n"])
def test_an_empty_perspective_file_is_called_empty(text):
    with pytest.raises(ContentError) as caught:
        parse_perspective(text, path="perspectives/p/x.md")
    assert str(caught.value) == (
        "perspectives/p/x.md:1: expected a header such as 'Author: Ann Reader',"
        " got an empty file"
    )  # was "got a blank line"


def test_a_perspective_left_out_as_a_duplicate_is_an_error(build_site, caplog):
    reply = "Author: {}\nDate: 2024-05-02 14:03\n\nHello.\n"
    files = {
        "posts/2024-05-01-launch.md": post("Launch", extra="Earlier-Slugs: start\n"),
        "perspectives/start/2024-05-02-1403-ann.md": reply.format("Ann"),
        "perspectives/launch/2024-05-02-1403-ann.md": reply.format("Another Ann"),
    }
    with caplog.at_level(logging.WARNING):
        site = build_site(files)
    found = errors(caplog)  # was a warning: `make html` exited 0
    assert any(
        e.startswith("perspectives/start/2024-05-02-1403-ann.md: expected a file name")
        and e.endswith("skipped")
        for e in found
    ), found
    assert len(site.html("2024/05/launch/index.html").select(".perspective-body")) == 1


def test_perspectives_of_a_skipped_post_point_at_its_error(build_site, caplog):
    files = {
        "posts/2024-05-01-launch.md": post("Launch", extra="Catgory: typo\n"),
        "posts/2024-05-02-other.md": post("Other"),
        "perspectives/launch/2024-05-02-1403-ann.md": (
            "Author: Ann\nDate: 2024-05-02 14:03\n\nHello.\n"
        ),
    }
    with caplog.at_level(logging.WARNING):
        build_site(files)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # Was: "... got 'launch', which matches no post", as if the folder were misnamed.
    assert (
        "perspectives/launch: expected the post posts/2024-05-01-launch.md, got none:"
        " it was skipped (see its error); its perspectives are not shown"
    ) in warnings, warnings


def test_a_transcript_field_naming_no_transcript_gives_its_line(build_site, caplog):
    files = {
        "posts/2024-05-01-launch.md": post("Launch", extra="Transcript: lanch-chat\n"),
        "posts/2024-05-02-other.md": post("Other", extra="Transcript: launch-chat\n"),
        "transcripts/launch-chat.chat": CHAT.replace("Title: ", "Title "),
    }
    with caplog.at_level(logging.WARNING):
        site = build_site(files)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        "posts/2024-05-01-launch.md:4: expected the slug of a transcript in"
        " content/transcripts/, got 'lanch-chat'"
    ) in warnings, warnings
    assert (
        "posts/2024-05-02-other.md:4: expected transcript 'launch-chat', got none:"
        " transcripts/launch-chat.chat was skipped (see its error); not linked"
    ) in warnings, warnings
    assert (site.output / "2024/05/launch/index.html").exists()


def test_dangling_links_and_folders_among_content_files_are_skipped(tmp_path, caplog):
    from pelican import Pelican  # noqa: PLC0415

    files = {
        "posts/2024-05-01-launch.md": post("Launch", extra="Transcript: launch-chat\n")
        + "\n[[quote: launch-chat#m-1]]\n",
        "perspectives/launch/2024-05-02-1403-ann.md": (
            "Author: Ann\nDate: 2024-05-02 14:03\n\nHello.\n"
        ),
        "transcripts/launch-chat.chat": CHAT,
    }
    settings = site_settings_at(tmp_path, files)
    content = tmp_path / "content"
    # A link left by a moved file or an unmounted disk, and a folder named x.chat.
    (content / "perspectives/launch/2024-05-03-0900-gone.md").symlink_to("/nowhere")
    (content / "transcripts/gone.chat").symlink_to("/nowhere")
    (content / "transcripts/folder.chat").mkdir()
    (content / "posts/2024-05-04-gone.md").symlink_to("/nowhere")
    with caplog.at_level(logging.ERROR):
        Pelican(settings).run()  # FileNotFoundError stopped the build
    found = errors(caplog)
    for start in (
        "perspectives/launch/2024-05-03-0900-gone.md: expected a readable perspective",
        "transcripts/gone.chat: expected a readable .chat file, got No such file",
        "transcripts/folder.chat: expected a readable .chat file, got Is a directory",
        # Pelican said only "Could not process".
        "posts/2024-05-04-gone.md: expected a readable file, got No such file",
    ):
        assert any(e.startswith(start) for e in found), (start, found)
    page = BuiltSite(tmp_path / "output").html("2024/05/launch/index.html")
    assert "Hello." in page.select_one(".perspective-body").get_text()
    assert page.select_one(".transcript-quote:not(.transcript-quote-missing)")


def test_files_no_reader_reads_are_reported_not_passed_over(build_site, caplog):
    files = {
        "posts/2024-05-01-launch.md": post("Launch"),
        "posts/2024-05-02-shouting.MD": post("Shouting"),
        "posts/notes.txt": "ideas",
        "posts/2024-05-01-launch.md~": "an editor's backup",
        "posts/.draft.md.swp": "vim",
        "pages/about.markdown": "Title: About\n\nMe.\n",
        "pages/contact.Markdown": "Title: Contact\n\nWrite.\n",
        "images/chart.png": b"\x89PNG\r\n",
    }
    with caplog.at_level(logging.WARNING):
        site = build_site(files)  # the .MD post and the .Markdown page: not a word
    found = errors(caplog)
    lower = "expected the extension '.{}' (lower case), got '.{}'; not read"
    assert sorted(found) == [
        "pages/contact.Markdown: " + lower.format("markdown", "Markdown"),
        "posts/2024-05-02-shouting.MD: " + lower.format("md", "MD"),
    ], found
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    readable = ".htm, .html, .markdown, .md, .mdown, .mkd, .rst"
    expected = (
        f"posts/notes.txt: expected a post or page ({readable}), got a '.txt' file;"
        " not read (a file to copy as it is goes in a folder of STATIC_PATHS)"
    )
    assert [w for w in warnings if "not read" in w] == [expected], warnings
    assert (site.output / "about/index.html").exists()
    assert (site.output / "images/chart.png").exists()


def test_files_among_transcripts_that_are_no_chat_are_reported(build_site, caplog):
    files = {
        "posts/2024-05-01-launch.md": post("Launch"),
        "transcripts/launch-chat.chat": CHAT,
        "transcripts/other.CHAT": CHAT.replace("launch-chat", "other"),
        "transcripts/export.json": "{}",
        "transcripts/.git-keep": "",
        "transcripts/launch-chat.chat~": CHAT,
    }
    with caplog.at_level(logging.WARNING):
        site = build_site(files)  # other.CHAT was not read, and nothing said so
    upper = "transcripts/other.CHAT: expected the extension '.chat' (lower case)"
    assert errors(caplog) == [upper + ", got '.CHAT'; not read"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    other = "transcripts/export.json: expected a transcript ending '.chat'"
    assert warnings == [other + ", got a '.json' file; not read"]
    assert (site.output / "transcripts/launch-chat/index.html").exists()


def test_a_folder_inside_a_perspectives_folder_is_reported(build_site, caplog):
    reply = "Author: Ann\nDate: 2024-05-02 14:03\n\nHello.\n"
    files = {
        "posts/2024-05-01-launch.md": post("Launch"),
        "perspectives/launch/2024-05-02-1403-ann.md": reply,
        "perspectives/launch/imported/2024-05-02-1500-bo.md": reply,
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)  # Bo's perspective was passed over in silence
    inside = "expected perspective files in perspectives/launch, got a folder inside"
    assert errors(caplog) == [
        f"perspectives/launch/imported: {inside} it; its files are not shown"
    ]
    assert site.html("2024/05/launch/index.html").select(".perspective-body")


def test_a_body_line_glued_to_the_header_is_explained(build_site, caplog):
    glued = "Title: Launch\nDate: 2024-05-01\nNote: the body starts here.\n"
    with caplog.at_level(logging.ERROR):
        build_site({"posts/2024-05-01-launch.md": glued})
    assert errors(caplog)[0] == (
        "posts/2024-05-01-launch.md:3: expected a known metadata field, got 'note'"
        " (add it to POSTS_EXTRA_METADATA if it is yours; if it is the body's first"
        " line, put a blank line before it)\n    Note: the body starts here."
    )
