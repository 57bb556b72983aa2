"""The shared pieces: errors, ids, safe writes and the sanitiser."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from datetime import UTC, datetime, timedelta, timezone
import os
from pathlib import Path
import pickle
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
import pytest

from plugins.cli import main
from plugins.common import files
from plugins.common.dates import parse_complete_date
from plugins.common.errors import ContentError
from plugins.common.files import (
    UnsafePathError,
    inside,
    safe_filename,
    settled_stamp,
    write_atomic,
    write_atomic_stream,
)
from plugins.common.ids import anchor, salted_hash, stable_id
from plugins.common.pickling import pickled_by_values
from plugins.common.sanitize import (
    render_outside_text,
    safe_url,
    sanitize_html,
    xml_safe,
)
from plugins.transcripts.model import (
    Attachment,
    Message,
    Reaction,
    Section,
    Transcript,
)

from .support import ROOT, active_content

EDT = timezone(timedelta(hours=-4))


def test_content_error_prints_where_what_and_the_line():
    err = ContentError(
        "expected 'Speaker: message', got 'hello'",
        path="transcripts/launch.chat",
        line=12,
        source_line="  hello\n",
    )
    assert str(err) == (
        "transcripts/launch.chat:12: expected 'Speaker: message', got 'hello'"
        "\n    hello"
    )
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.line, str(again)) == (err.path, err.line, str(err))


def test_stable_ids_depend_only_on_their_parts():
    assert stable_id("ann", "2024-01-01T10:00", "hi") == stable_id(
        "ann", "2024-01-01T10:00", "hi"
    )
    assert stable_id("ann", "hi") != stable_id("annhi")
    assert stable_id("é") == stable_id("e\u0301")  # NFC: same text, same id
    assert anchor("Q1: What now?") == "Q1-What-now"


def test_salted_hash_hides_the_value():
    digest = salted_hash("Reader@Example.org ", "site-secret")
    assert digest == salted_hash("reader@example.org", "site-secret")
    assert digest != salted_hash("reader@example.org", "other-secret")
    assert "example" not in digest


@given(st.text())
def test_safe_filename_never_leaves_its_folder(tmp_path_factory, name):
    root = tmp_path_factory.mktemp("root", numbered=True)
    cleaned = safe_filename(name)
    assert "/" not in cleaned
    assert "\\" not in cleaned
    assert cleaned not in {"", ".", ".."}
    assert inside(root, cleaned).parent == root.resolve()


@pytest.mark.parametrize("evil", ["../x", "/etc/passwd", "a/../../b"])
def test_inside_refuses_paths_that_climb_out(tmp_path, evil):
    with pytest.raises(UnsafePathError, match="expected a path inside"):
        inside(tmp_path / "content", evil)


def test_inside_refuses_a_sibling_with_the_same_prefix(tmp_path):
    with pytest.raises(UnsafePathError):
        inside(tmp_path / "output", "../output-evil/x")


def test_write_atomic_never_clobbers_unless_told(tmp_path):
    target = tmp_path / "a" / "post.md"
    assert write_atomic(target, "first")
    assert not write_atomic(target, "second")
    assert target.read_text() == "first"
    assert write_atomic(target, "second", overwrite=True)
    assert not write_atomic(target, "second", overwrite=True)  # unchanged: untouched
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["post.md"]  # no temp files


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<img src=x onerror="alert(1)">',
        "<iframe src=https://evil.example></iframe>",
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<p style="background:url(javascript:x)">x</p>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        "<form action=https://evil.example><input name=x></form>",
        "[click](javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_sanitiser_makes_known_vectors_inert(hostile):
    for html in (sanitize_html(hostile), render_outside_text(hostile)):
        assert active_content(html) == [], html


@given(st.text(alphabet=st.sampled_from(list("<>\"'=/:; ascriptonerjvhf&#x0\n"))))
def test_sanitiser_output_never_carries_active_content(text):
    assert active_content(sanitize_html(text)) == []
    assert active_content(render_outside_text(text)) == []


def test_sanitiser_keeps_ordinary_links_with_reader_rel():
    html = render_outside_text("See [the essay](https://example.org/essay) *now*.")
    assert 'href="https://example.org/essay"' in html
    assert 'rel="nofollow ugc"' in html
    assert "<em>now</em>" in html


def test_images_only_when_allowed():
    source = "![cat](https://example.org/cat.png)"
    assert "<img" not in render_outside_text(source)
    assert "<img" in render_outside_text(source, allow_images=True)


def test_only_the_named_classes_survive():
    html = (
        '<span class="chat-spoiler evil" onclick="x()">a</span>'
        '<span class="evil">b</span><em class="chat-spoiler">c</em>'
    )
    assert "class" not in sanitize_html(html)
    kept = sanitize_html(html, classes={"span": frozenset({"chat-spoiler"})})
    assert kept.count('class="chat-spoiler"') == 1
    assert "evil" not in kept
    assert "onclick" not in kept
    assert active_content(kept) == []


def test_safe_url_accepts_only_absolute_http():
    assert safe_url("https://example.org/a?b=c#d") == "https://example.org/a?b=c#d"
    for bad in ["javascript:alert(1)", "data:text/html,x", "//evil.example", "", None]:
        assert safe_url(bad) is None


def test_xml_safe_removes_what_xml_cannot_carry():
    assert xml_safe("a\x00b\x0bc\ufffed\ud800e\tf\n") == "abcde\tf\n"


def test_xml_safe_removes_what_html_forbids_and_keeps_the_rest():
    forbidden = "\x7f\x80\x85\x9f\ufdd0\ufdef\U0001fffe\U0001ffff\U0010ffff"
    assert xml_safe(f"a{forbidden}b") == "ab"
    kept = "\xa0\u200b\u202e\ufdcf\ufdf0\ufffd\U0001f600\U0001fffd"
    assert xml_safe(kept) == kept


def _forbidden(char: str) -> bool:
    """XML 1.0's Char production, less C1 controls and Unicode's noncharacters."""
    point = ord(char)
    return (
        (point < 0x20 and char not in "\t\n\r")
        or 0x7F <= point <= 0x9F
        or 0xD800 <= point <= 0xDFFF
        or 0xFDD0 <= point <= 0xFDEF
        or point & 0xFFFE == 0xFFFE
    )


@given(
    st.lists(
        st.one_of(
            st.characters(codec=None),
            st.sampled_from("\x00\x85\ud800\ufdd0\ufffe\U0001fffe\U0010ffff\U0001f600"),
        )
    ).map("".join)
)
def test_xml_safe_drops_exactly_the_forbidden_characters(text):
    assert xml_safe(text) == "".join(c for c in text if not _forbidden(c))


def test_colloquy_command_is_installed_with_help():
    colloquy = Path(sys.executable).with_name("colloquy")
    result = subprocess.run(
        [str(colloquy), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "new-post" in result.stdout


def test_new_post_writes_a_draft_and_refuses_to_overwrite(tmp_path):
    colloquy = Path(sys.executable).with_name("colloquy")
    args = [str(colloquy), "new-post", "Hello, World!", "--date", "2024-05-01 10:32",
            "--tags", "a, b", "--content", str(tmp_path)]  # fmt: skip
    first = subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    post = tmp_path / "posts" / "2024-05-01-hello-world.md"
    assert post.read_text(encoding="utf-8").startswith(
        "Title: Hello, World!\nDate: 2024-05-01 10:32\nCategory: Essays\nTags: a, b\n"
    )
    second = subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)
    assert second.returncode == 1
    assert "exists already" in second.stderr
    assert os.listdir(post.parent) == [post.name]


def test_new_post_with_a_timezone_dates_the_post_in_that_zone(tmp_path, build_site):
    content = tmp_path / "drafts"
    status = main(["new-post", "Tokyo morning", "--date", "2024-05-01 09:00",
                   "--timezone", "Asia/Tokyo", "--content", str(content)])  # fmt: skip
    assert status == 0
    text = (content / "posts" / "2024-05-01-tokyo-morning.md").read_text("utf-8")
    assert "Date: 2024-05-01 09:00+09:00\n" in text
    site = build_site({"posts/x.md": text.replace("Status: draft", "Status: hidden")})
    published = site.html("2024/05/tokyo-morning/index.html").select_one(
        "time.dt-published"
    )["datetime"]
    # 09:00 in Tokyo, not 09:00 in the site's TIMEZONE (America/New_York)
    assert datetime.fromisoformat(published) == datetime(2024, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("conf", "zone"),
    [('TIMEZONE = "Pacific/Kiritimati"\n', "Pacific/Kiritimati"), ("", "UTC")],
)
def test_new_post_without_a_date_is_now_in_the_sites_timezone(tmp_path, conf, zone):
    # The Date is written without a zone and read in the site's TIMEZONE, so "now"
    # must be taken there (it was New York's, whatever pelicanconf.py said).
    (tmp_path / "pelicanconf.py").write_text(f'SITENAME = "x"\n{conf}', "utf-8")
    content = tmp_path / "content"
    before = datetime.now(ZoneInfo(zone)).replace(tzinfo=None, second=0, microsecond=0)
    assert main(["new-post", "Island news", "--content", str(content)]) == 0
    after = datetime.now(ZoneInfo(zone)).replace(tzinfo=None)
    (post,) = (content / "posts").iterdir()
    line = next(
        x for x in post.read_text("utf-8").splitlines() if x.startswith("Date: ")
    )
    written = datetime.strptime(line, "Date: %Y-%m-%d %H:%M")
    assert before <= written <= after
    assert post.name == f"{written:%Y-%m-%d}-island-news.md"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--date", "2024-13-01 10:00"], "expected 'YYYY-MM-DD HH:MM'"),
        (["--timezone", "Mars/Olympus"], "expected a time zone such as"),
    ],
)
def test_draft_commands_refuse_a_bad_date_or_zone(tmp_path, capsys, flags, message):
    for command in (["new-post", "Title"], ["reblog", "https://example.org/"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*command, *flags, "--content", str(tmp_path)])
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_new_post_of_a_title_without_letters_still_gets_a_slug(tmp_path):
    assert main(["new-post", "!!!", "--date", "2024-05-01 10:00",
                 "--content", str(tmp_path)]) == 0  # fmt: skip
    assert os.listdir(tmp_path / "posts") == ["2024-05-01-post.md"]


@pytest.mark.parametrize("text", ["May 2024", "14:03", "2024", "May 2", "Thursday"])
def test_a_date_without_year_month_or_day_is_refused_not_completed(text):
    with pytest.raises(ValueError, match="expected a date with year, month and day"):
        parse_complete_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-02 14:03:00-04:00", datetime(2024, 5, 2, 14, 3, tzinfo=EDT)),
        ("Thu, 02 May 2024 18:03:00 +0000", datetime(2024, 5, 2, 18, 3, tzinfo=UTC)),
        ("03/15/2008 08:02:11 AM", datetime(2008, 3, 15, 8, 2, 11)),
    ],
)
def test_complete_dates_parse_as_dateutil_reads_them(text, expected):
    assert parse_complete_date(text) == expected


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_atomic_writes_get_the_mode_open_gives(tmp_path, umask_022):
    # mkstemp's 0o600 survived the rename: a web server could not read the feeds.
    assert write_atomic(tmp_path / "a.xml", "<a/>")
    assert write_atomic(tmp_path / "a.xml", "<b/>", overwrite=True)
    assert write_atomic_stream(tmp_path / "b.xml", ["<a", "/>"])
    assert write_atomic(tmp_path / "private.json", "{}", mode=0o600)
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert modes == {"a.xml": 0o644, "b.xml": 0o644, "private.json": 0o600}


def test_built_site_files_are_readable_by_a_web_server(build_site, umask_022):
    site = build_site(
        {
            "posts/2024-05-01-a.md": "Title: A\nDate: 2024-05-01 10:00\n"
            "Category: Essays\n\nText.\n"
        }
    )
    unreadable = sorted(
        str(p.relative_to(site.output))
        for p in site.output.rglob("*")
        if p.is_file() and not p.stat().st_mode & 0o004
    )
    assert unreadable == []


def test_the_moderation_queue_stays_private(tmp_path, umask_022):
    from plugins.perspectives.queue import Queue, Submission  # noqa: PLC0415

    queue = Queue(tmp_path / "queue")
    submission = Submission(
        id="2024-05-02-1403-ann",
        received=datetime(2024, 5, 2, 14, 3, tzinfo=UTC),
        post="essay",
        name="Ann",
        email="ann@mail.example",
        text="Hi.",
        url="",
        ip="203.0.113.7",
        user_agent="B/1",
    )
    pending = queue.add(submission)
    assert pending.stat().st_mode & 0o777 == 0o600
    assert queue.move(submission, "approved").stat().st_mode & 0o777 == 0o600


_texts = st.text(max_size=20)
_times = st.datetimes(timezones=st.just(UTC))
_messages = st.builds(
    Message,
    id=_texts,
    author=_texts,
    time=_times,
    text=_texts,
    name=_texts,
    reply_to=st.none() | _texts,
    attachments=st.lists(st.builds(Attachment, url=_texts, title=_texts)).map(tuple),
    reactions=st.lists(st.builds(Reaction, emoji=_texts, count=st.integers())).map(
        tuple
    ),
    edited=st.booleans(),
    line=st.integers(min_value=0),
)


@given(
    st.builds(
        Transcript,
        slug=_texts,
        title=_texts,
        source=_texts,
        messages=st.lists(_messages, max_size=4).map(tuple),
        sections=st.lists(
            st.builds(Section, id=_texts, title=_texts, first_message=_texts)
        ).map(tuple),
        source_path=_texts,
        text_digest=_texts,
    )
)
def test_transcripts_come_back_from_a_pickle_whole_and_frozen(transcript):
    back = pickle.loads(pickle.dumps(transcript, pickle.HIGHEST_PROTOCOL))
    assert back == transcript
    # Fields left out of comparisons come back too.
    assert (back.source_path, back.text_digest) == (
        transcript.source_path,
        transcript.text_digest,
    )
    assert [m.line for m in back.messages] == [m.line for m in transcript.messages]
    assert type(back.messages) is tuple
    with pytest.raises(FrozenInstanceError):
        back.slug = "changed"  # type: ignore[misc]


@pickled_by_values
@dataclass(frozen=True, slots=True)
class OneField:
    """A class of one field: its values are a tuple of one, not the value."""

    value: str


def test_a_class_of_one_field_pickles_by_its_value():
    one = OneField("several letters")
    assert pickle.loads(pickle.dumps(one)) == one


def test_values_kept_for_another_shape_of_a_class_are_refused():
    data = pickle.dumps(OneField("a")).replace(b"\x85", b"\x86")  # TUPLE1 -> TUPLE2
    with pytest.raises(TypeError, match="expected 1 values for OneField"):
        pickle.loads(data.replace(b"\x8c\x01a", b"\x8c\x01a\x8c\x01b"))


def test_a_file_stamp_is_given_once_settled_and_changes_with_any_write(
    tmp_path, monkeypatch
):
    path = tmp_path / "a.md"
    path.write_text("Author: Ann\n\nHi.\n", encoding="utf-8")
    assert settled_stamp(str(path)) is None  # just written: a write may follow unseen
    monkeypatch.setattr(files, "SETTLED_NS", 0)
    first = settled_stamp(str(path))
    assert first is not None
    assert settled_stamp(str(path)) == first
    time.sleep(0.05)  # a tick of the coarsest clock the kernel stamps files with
    path.write_text("Author: Ann\n\nHo.\n", encoding="utf-8")  # same size
    os.utime(path, ns=(path.stat().st_atime_ns, int(first.split(":")[1])))
    assert settled_stamp(str(path)) != first  # the change time gives it away
    assert settled_stamp(str(tmp_path / "missing.md")) is None
    monkeypatch.setattr(files.os, "name", "nt")  # its "change time" is the creation's
    assert settled_stamp(str(path)) is None
