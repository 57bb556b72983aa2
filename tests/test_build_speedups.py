"""Round 2 of build speed: the reader cache and the cheaper paths keep the output."""

from __future__ import annotations

from dataclasses import replace
import logging
from pathlib import Path
import shutil
from typing import Any
from urllib.parse import quote

from dateutil import parser as dateparser
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from pelican import Pelican
from pelican.log import LimitFilter
import pytest

from plugins.common import dates
from plugins.common import files as common_files
from plugins.common.errors import PluginConfigError
from plugins.performance import readcache
from plugins.performance.digest import Digester
from plugins.performance.readcache import (
    FILE_PREFIX,
    SETTINGS_KEY,
    ConversionCache,
    settings_digest,
    stable_repr,
)
from plugins.performance.templates import FOLDER as TEMPLATES_FOLDER
from plugins.perspectives import attach
from plugins.perspectives.contact import Contact, mail_body, mail_subject
from plugins.posts import reader as post_reader

from .support import ROOT, BuiltSite, build_site_at, site_settings_at

POSTS = {
    f"posts/2024-05-0{n}-post-{n}.md": (
        f"Title: Post {n}\nDate: 2024-05-0{n} 10:00\nCategory: Notes\n\n"
        f"## Part {n}\n\nSome *text* for post {n}.\n\n"
        f"```python\ndef post_{n}():\n    return {n}\n```\n"
    )
    for n in range(1, 4)
}


def build(root: Path, files: dict, **overrides) -> tuple[BuiltSite, int]:
    """Build with the reader cache in ``root/cache``; return the site and its hits."""
    options = {"PERFORMANCE_READER_CACHE": True, "CACHE_PATH": str(root / "cache")}
    conf = site_settings_at(root, files, **{**options, **overrides})
    Pelican(conf).run()
    return BuiltSite(Path(conf["OUTPUT_PATH"])), conf[SETTINGS_KEY].hits


def clean_build(root: Path, files: dict, **overrides) -> dict[str, bytes]:
    """Build from scratch, without the reader cache, and return the snapshot."""
    shutil.rmtree(root / "output", ignore_errors=True)
    conf = site_settings_at(root, files, **overrides)
    Pelican(conf).run()
    return BuiltSite(Path(conf["OUTPUT_PATH"])).snapshot()


def test_a_rebuild_reuses_unchanged_conversions_and_equals_a_clean_build(tmp_path):
    first, hits = build(tmp_path, POSTS)
    assert hits == 0
    assert len(list((tmp_path / "cache").glob(f"{FILE_PREFIX}*.pickle"))) == 1
    before = first.snapshot()
    again, hits = build(tmp_path, POSTS)
    assert hits == 3
    assert again.snapshot() == before
    changed = {**POSTS}
    name = "posts/2024-05-01-post-1.md"
    changed[name] = POSTS[name].replace("Some *text*", "Other **words**")
    after, hits = build(tmp_path, changed)
    assert hits == 2
    page = after.html("2024/05/post-1/index.html")
    assert page.select_one(".e-content strong").get_text() == "words"
    assert after.snapshot() == clean_build(tmp_path, changed)


def test_a_changed_setting_starts_a_new_cache(tmp_path):
    build(tmp_path, POSTS)
    conf = site_settings_at(tmp_path, POSTS)
    markdown = {**conf["MARKDOWN"]}
    configs = {**markdown["extension_configs"]}
    configs["markdown.extensions.codehilite"] = {"css_class": "hl"}
    markdown["extension_configs"] = configs
    site, hits = build(tmp_path, POSTS, MARKDOWN=markdown)
    assert hits == 0  # a stale conversion would still say class="highlight"
    assert site.html("2024/05/post-2/index.html").select_one("div.hl")
    assert len(list((tmp_path / "cache").glob(f"{FILE_PREFIX}*.pickle"))) == 1


def test_posts_quoting_a_transcript_are_converted_every_build(tmp_path):
    calls: list[str] = []

    def convert(text: str):
        calls.append(text)
        return f"<p>{text}</p>", {"title": [text]}

    conf = {"CACHE_PATH": str(tmp_path), "PLUGINS": []}
    texts = ["plain", "[[quote: chat#m-1]]"]
    for _ in range(2):
        cache = ConversionCache(conf)
        for text in texts:
            assert cache.convert(text, convert) == (f"<p>{text}</p>", {"title": [text]})
        cache.save()
    assert calls == ["plain", "[[quote: chat#m-1]]", "[[quote: chat#m-1]]"]


def test_a_cache_file_of_many_chunks_gives_back_every_entry(tmp_path, monkeypatch):
    monkeypatch.setattr(readcache, "CHUNK_ENTRIES", 2)  # 5 entries: 3 pickles
    conf = {"CACHE_PATH": str(tmp_path), "PLUGINS": []}
    texts = [f"text {n} \u2014 caf\u00e9" for n in range(5)]

    def convert(text: str):
        return Markup(f"<p>{text}</p>"), {"title": [text], "tags": ["a", "b"]}

    first = ConversionCache(conf)
    made = [first.convert(text, convert) for text in texts]
    first.save()
    again = ConversionCache(conf)
    assert [again.convert(text, pytest.fail) for text in texts] == made
    assert again.hits == 5
    assert type(again.convert(texts[0], pytest.fail)[0]) is Markup


def _save_conversions(conf: dict, texts: list[str]) -> ConversionCache:
    """Convert ``texts`` through a cache of ``conf`` and save it; return it."""
    cache = ConversionCache(conf)
    for text in texts:
        cache.convert(text, lambda t: (f"<p>{t}</p>", {}))
    cache.save()
    return cache


@pytest.fixture
def small_chunks(tmp_path, monkeypatch) -> dict:
    """Cache settings whose file holds two entries a frame (many frames)."""
    monkeypatch.setattr(readcache, "CHUNK_ENTRIES", 2)
    return {"CACHE_PATH": str(tmp_path), "PLUGINS": []}


def _cache_file(conf: dict) -> Path:
    (path,) = Path(conf["CACHE_PATH"]).glob(f"{FILE_PREFIX}*.pickle")
    return path


def test_a_cut_cache_file_keeps_the_entries_before_the_cut(small_chunks):
    conf, texts = small_chunks, [f"text {n}" for n in range(5)]
    _save_conversions(conf, texts)
    path = _cache_file(conf)
    path.write_bytes(path.read_bytes()[:-7])  # the third pickle is cut
    again = _save_conversions(conf, texts)
    assert again.hits == 4
    whole = ConversionCache(conf)
    assert [whole.convert(t, pytest.fail) for t in texts] == [
        (f"<p>{t}</p>", {}) for t in texts
    ]


def test_no_cut_or_garbled_cache_file_gives_a_wrong_conversion(small_chunks):
    conf, texts = small_chunks, [f"text {n}" for n in range(5)]
    _save_conversions(conf, texts)
    _save_conversions(conf, [*texts, "added 1", "added 2", "added 3"])  # appended
    path = _cache_file(conf)
    whole = path.read_bytes()
    damaged = [whole[:cut] for cut in range(len(whole))]
    damaged += [
        whole[:at] + bytes([whole[at] ^ 0x5A]) + whole[at + 1 :]
        for at in range(0, len(whole), 7)
    ]
    for data in damaged:
        path.write_bytes(data)
        cache = ConversionCache(conf)
        for text in [*texts, "added 1", "added 2", "added 3"]:
            html, _ = cache.convert(text, lambda t: (f"<p>{t}</p>", {}))
            assert html == f"<p>{text}</p>"


def test_a_cache_file_that_fails_to_load_is_written_anew(tmp_path):
    conf = {"CACHE_PATH": str(tmp_path), "PLUGINS": []}
    _save_conversions(conf, ["kept"])
    path = _cache_file(conf)
    # A frame that checks out but names a class no longer there.
    data = b"cgone_module\nThing\n)R."
    frame = readcache.FRAME.pack(readcache.MAGIC, len(data))
    frame += readcache.checksum(data) + data
    path.write_bytes(path.read_bytes() + frame)
    assert _save_conversions(conf, ["kept", "new"]).hits == 1
    assert b"gone_module" not in path.read_bytes()
    assert _save_conversions(conf, ["kept", "new"]).hits == 2


def test_new_conversions_are_added_to_the_end_of_the_file(small_chunks):
    conf, texts = small_chunks, [f"text {n}" for n in range(8)]
    _save_conversions(conf, texts)
    path = _cache_file(conf)
    before = path.read_bytes()
    edited = [*texts[:-1], "text 7, edited"]
    assert _save_conversions(conf, edited).hits == 7
    after = path.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    stamp = path.stat().st_mtime_ns, path.stat().st_ino
    assert _save_conversions(conf, edited).hits == 8
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == stamp, "nothing new"
    # Over a quarter of the file unused: it is written anew, with only what is used.
    kept = edited[:3]
    assert _save_conversions(conf, kept).hits == 3
    assert len(path.read_bytes()) < len(before)
    check = _save_conversions(conf, texts)
    assert check.hits == 3


def test_a_damaged_cache_file_is_ignored(tmp_path):
    conf = {"CACHE_PATH": str(tmp_path), "PLUGINS": []}
    name = f"{FILE_PREFIX}{settings_digest(conf)}.pickle"
    (tmp_path / name).write_bytes(b"not a pickle")
    cache = ConversionCache(conf)
    assert cache.convert("text", lambda t: ("<p>t</p>", {})) == ("<p>t</p>", {})
    assert cache.hits == 0


def test_the_settings_digest_ignores_addresses_but_not_values():
    class Thing:
        pass

    def one(conf):
        return settings_digest({"PLUGINS": [], "A": Thing(), "F": stable_repr, **conf})

    assert one({"B": [1, {"c": "d"}]}) == one({"B": [1, {"c": "d"}]})
    assert one({"B": [1, {"c": "d"}]}) != one({"B": [1, {"c": "e"}]})


def test_the_reader_cache_setting_is_checked(tmp_path):
    with pytest.raises(PluginConfigError, match="PERFORMANCE_READER_CACHE: expected"):
        build(tmp_path, POSTS, PERFORMANCE_READER_CACHE="yes")


def _whole_mailto(contact: Contact, in_reply_to: str) -> str:
    subject = quote(mail_subject(contact.title, contact.post), safe="")
    body = mail_body(contact.post, in_reply_to).replace("\n", "\r\n")
    return (
        f"mailto:{quote(contact.email, safe='@')}?subject={subject}"
        f"&body={quote(body, safe='')}"
    )


TEXT = st.text(alphabet=st.sampled_from("ab\n\r é@&%[]")) | st.text()


@settings(max_examples=300)
@given(TEXT, TEXT, TEXT.filter(bool), TEXT)
def test_mailto_quoted_in_pieces_equals_quoting_it_whole(post, title, email, reply):
    contact = Contact(post=post, title=title, email=email)
    unasked = Digester({}).digest(contact)
    assert contact.mailto(reply) == _whole_mailto(contact, reply)
    assert contact.mailto() == _whole_mailto(contact, "")
    # Quoted when a page first asks: a page's fingerprint cannot tell when that was.
    assert Digester({}).digest(contact) == unasked
    assert Digester({}).digest(replace(contact, email=email + "x")) != unasked


def _dateutil(text: str):
    first, second = (dateparser.parse(text, default=d) for d in dates._DEFAULTS)
    if first.date() != second.date():
        raise ValueError(text)
    return first


@settings(max_examples=300)
@given(
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?\Z")
)
def test_the_fast_date_path_reads_what_dateutil_reads(text):
    try:
        expected = _dateutil(text)
    except (ValueError, OverflowError):
        with pytest.raises((ValueError, OverflowError)):
            dates.parse_complete_date(text)
        return
    assert dates.parse_complete_date(text) == expected
    assert dates.parse_complete_date(text).tzinfo is None


CHAT = """\
Title: T
Slug: t
Date: 2024-05-02 20:00-04:00
Source: slack

--- 2024-05-02 -04:00 ---
[20:00 #1714694400.000100] <ann|Ann> hello *there*
[20:01 #x2] <ann> see https://acme.slack.com/archives/C1/p1714694400000100
[20:02 #x3] <ann> hello *there*
"""


def test_a_message_is_reused_on_its_authors_page_only_when_it_links_nothing(tmp_path):
    site = build_site_at(tmp_path, {"transcripts/t.chat": CHAT})
    chat = site.html("transcripts/t/index.html").select(".transcript-text")
    mine = site.html("transcripts/t/by/ann/index.html").select(".transcript-text")
    assert len(chat) == len(mine) == 3
    texts = [t.decode_contents() for t in (chat[0], chat[2], mine[0], mine[2])]
    assert texts == ["hello <strong>there</strong>"] * 4
    assert chat[0].strong.get_text() == "there"
    # The link into the chat is short on the chat's page, full on the author's.
    assert chat[1].a["href"] == "#m-1714694400.000100"
    assert mine[1].a["href"] == "/transcripts/t/#m-1714694400.000100"


def test_unchanged_perspectives_are_reused_and_a_changed_one_is_read_again(tmp_path):
    folder = "perspectives/post-1"
    files = {
        **POSTS,
        f"{folder}/2024-05-02-1000-ann.md": "Author: Ann\nDate: 2024-05-02 10:00\n\n"
        "First.\n",
        f"{folder}/2024-05-02-1100-bo.md": "Author: Bo\nDate: 2024-05-02 11:00\n\n"
        "Second.\n",
    }
    build(tmp_path, files)
    _, hits = build(tmp_path, files)
    assert hits == 3 + 2
    files[f"{folder}/2024-05-02-1100-bo.md"] = files[
        f"{folder}/2024-05-02-1100-bo.md"
    ].replace("Second.", "Changed *mind*.")
    site, hits = build(tmp_path, files)
    assert hits == 3 + 1
    page = site.html("2024/05/post-1/index.html")
    assert page.select_one("#perspective-2024-05-02-1100-bo em").get_text() == "mind"
    assert site.snapshot() == clean_build(tmp_path, files)


def files_read_by(module: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the files ``module`` reads; let every file's stamp count as settled."""
    monkeypatch.setattr(common_files, "SETTLED_NS", 0)  # nothing is too fresh here
    read: list[str] = []
    real_read = module.read_text

    def reading(path: str, rel: str, **options: bool) -> str:
        read.append(rel)
        return real_read(path, rel, **options)

    monkeypatch.setattr(module, "read_text", reading)
    return read


def test_a_reused_post_is_not_blamed_for_a_failed_posts_quotes(tmp_path, caplog):
    files = {
        "transcripts/broken.chat": "this is not a chat file\n",
        "posts/2024-05-01-a.md": "Title: A\nDate: 2024-05-01 10:00\n\n"
        "[[quote: broken#m1]]\n\n[[quote: nohash]]\n",
        "posts/2024-05-02-b.md": "Title: B\nDate: 2024-05-02 10:00\n\nPlain.\n",
    }
    said = []
    for _ in range(2):  # B is converted, then reused
        caplog.clear()
        LimitFilter._raised_messages = set()
        build(tmp_path, files)
        said.append({r.getMessage() for r in caplog.records if r.levelno >= 40})
    assert said[0] == said[1]
    assert not [m for m in said[1] if m.startswith("posts/2024-05-02-b.md")]


def test_a_settled_post_is_found_by_its_stamp_without_being_read(
    tmp_path, monkeypatch, caplog
):
    read = files_read_by(post_reader, monkeypatch)
    latin = "posts/2024-05-04-latin.md"  # a Latin-1 byte: warned about every build
    emoji = "posts/\U0001f389.md"  # no slug to be made: an error every build
    files = {
        **POSTS,
        latin: b"Title: Caf\xe9\nDate: 2024-05-04 10:00\n\nBody.\n",
        emoji: "Title: \U0001f389\nDate: 2024-05-05 10:00\n\nBody.\n",
    }
    build(tmp_path, files)
    assert sorted(read) == sorted(files)
    read.clear()
    caplog.clear()
    LimitFilter._raised_messages = set()  # Pelican says a warning once a process
    _, hits = build(tmp_path, {})
    assert sorted(read) == [latin, emoji]
    assert hits == len(files)
    said = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert any(m.startswith(f"{latin}:1: expected UTF-8 text") for _, m in said), said
    assert any(
        level == logging.ERROR and m.startswith(f"{emoji}: expected a title or file")
        for level, m in said
    ), said
    read.clear()
    changed = next(iter(POSTS))
    files[changed] = files[changed].replace("Some *text*", "Other *words*, longer")
    site, _ = build(tmp_path, {changed: files[changed]})
    assert sorted(read) == sorted([changed, latin, emoji])
    assert "Other" in site.html("2024/05/post-1/index.html").get_text()
    assert site.snapshot() == clean_build(tmp_path, files)


def test_a_settled_perspective_is_found_by_its_stamp_without_being_read(
    tmp_path, monkeypatch, caplog
):
    read = files_read_by(attach, monkeypatch)
    folder = "perspectives/post-1"
    names = ("1000-ann", "1100-bo", "1200-cy")
    ann, bo, cy = (f"{folder}/2024-05-02-{name}.md" for name in names)
    files = {
        **POSTS,
        ann: "Author: Ann\nDate: 2024-05-02 10:00\n\nFirst.\n",
        bo: "Author: Bo\nDate: 2024-05-02 11:00\n\nSecond.\n",
        cy: b"Author: Cy\nDate: 2024-05-02 12:00\n\nCaf\xe9.\n",  # Latin-1
    }
    build(tmp_path, files)
    assert sorted(read) == [ann, bo, cy]
    read.clear()
    caplog.clear()
    LimitFilter._raised_messages = set()  # Pelican says a warning once a process
    build(tmp_path, {})  # the same files, untouched
    assert read == [cy]  # read every time: its warning is due every time
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith(f"{cy}:4: expected UTF-8 text") for m in warned), warned
    read.clear()
    files[bo] = files[bo].replace("Second.", "Changed *mind*, at length.")
    site, _ = build(tmp_path, {bo: files[bo]})
    assert sorted(read) == [bo, cy]
    page = site.html("2024/05/post-1/index.html")
    assert page.select_one("#perspective-2024-05-02-1100-bo em").get_text() == "mind"
    assert site.snapshot() == clean_build(tmp_path, files)


def test_a_settled_perspective_folder_is_not_listed_again_until_it_changes(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(common_files, "SETTLED_NS", 0)
    listed: list[str] = []
    real_list = attach._list

    def listing(path):
        listed.append(Path(path).name)
        return real_list(path)

    monkeypatch.setattr(attach, "_list", listing)
    folder = "perspectives/post-1"
    ann, bo = (f"{folder}/2024-05-02-{n}.md" for n in ("1000-ann", "1100-bo"))
    files = {**POSTS, ann: "Author: Ann\nDate: 2024-05-02 10:00\n\nFirst.\n"}
    build(tmp_path, files)
    listed.clear()
    site, _ = build(tmp_path, {})
    assert listed == []
    assert len(site.html("2024/05/post-1/index.html").select(".h-cite")) == 1
    for change in ("added", "renamed", "removed"):
        if change == "added":
            files[bo] = "Author: Bo\nDate: 2024-05-02 11:00\n\nSecond.\n"
            (tmp_path / "content" / bo).write_text(files[bo], encoding="utf-8")
        elif change == "renamed":
            moved = bo.replace("1100-bo", "1200-bo")
            (tmp_path / "content" / bo).rename(tmp_path / "content" / moved)
            files[moved] = files.pop(bo)
            bo = moved
        else:
            (tmp_path / "content" / bo).unlink()
            del files[bo]
        listed.clear()
        site, _ = build(tmp_path, {})
        assert listed == ["post-1"], change
        ids = [
            e["id"] for e in site.html("2024/05/post-1/index.html").select(".h-cite")
        ]
        assert ids == [
            f"perspective-{Path(n).stem}" for n in sorted(files) if folder in n
        ]
    assert site.snapshot() == clean_build(tmp_path, files)


def test_a_perspective_folder_holding_a_link_is_listed_every_build(
    tmp_path, monkeypatch, caplog
):
    # The link stays as it is (so does its folder's stamp) while what it points
    # to turns from a file into a folder.
    monkeypatch.setattr(common_files, "SETTLED_NS", 0)
    files = {
        **POSTS,
        "perspectives/post-1/2024-05-02-1000-ann.md": "Author: Ann\n"
        "Date: 2024-05-02 10:00\n\nFirst.\n",
        "elsewhere/bo.md": "Author: Bo\nDate: 2024-05-02 11:00\n\nSecond.\n",
    }
    build(tmp_path, files, IGNORE_FILES=["elsewhere"])
    content = tmp_path / "content"
    (content / "perspectives/post-1/2024-05-02-1100-bo.md").symlink_to(
        content / "elsewhere/bo.md"
    )
    build(tmp_path, {}, IGNORE_FILES=["elsewhere"])
    (content / "elsewhere/bo.md").unlink()
    (content / "elsewhere/bo.md").mkdir()
    caplog.clear()
    build(tmp_path, {}, IGNORE_FILES=["elsewhere"])
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("got a folder inside it" in m for m in errors), errors


# Round 4: compiled templates and transcript parses kept in the build cache. ----


def test_compiled_templates_are_kept_and_follow_the_compile_options(tmp_path):
    first = build(tmp_path, POSTS)[0].snapshot()
    (folder,) = (tmp_path / "cache").glob(f"{TEMPLATES_FOLDER}*")
    kept = {path.name: path.stat().st_mtime_ns for path in folder.glob("*.code")}
    assert len(kept) >= 5  # base.html, article.html, index.html and their parts
    again, _ = build(tmp_path, POSTS)
    assert again.snapshot() == first
    # Loaded, not compiled and written again.
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.code")} == kept
    # Other whitespace options compile other code: never the kept one.
    loose = {"trim_blocks": False, "lstrip_blocks": False, "autoescape": True}
    made = build(tmp_path, POSTS, JINJA_ENVIRONMENT=loose)[0].snapshot()
    assert made != first
    assert made == clean_build(tmp_path, POSTS, JINJA_ENVIRONMENT=loose)
    # Only the folder of the last settings is kept.
    assert len(list((tmp_path / "cache").glob(f"{TEMPLATES_FOLDER}*"))) == 1


def shout(value):
    return str(value).upper()


def test_compiled_templates_follow_the_filters_and_finalize(tmp_path):
    """Jinja runs a constant filter while compiling and builds finalize in."""
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text().replace("</body>", '{{ "marker"|shout }}</body>'))
    filters = {"shout": shout}
    site, _ = build(tmp_path, POSTS, THEME=str(theme), JINJA_FILTERS=filters)
    assert "MARKER" in site.text("index.html")
    filters = {"shout": lambda value: f"<{value}>"}
    site, _ = build(tmp_path, POSTS, THEME=str(theme), JINJA_FILTERS=filters)
    assert "&lt;marker&gt;" in site.text("index.html")
    finalize = {**site_settings_at(tmp_path, POSTS)["JINJA_ENVIRONMENT"]}
    finalize["finalize"] = lambda value: "" if value is None else value
    site, _ = build(
        tmp_path,
        POSTS,
        THEME=str(theme),
        JINJA_FILTERS=filters,
        JINJA_ENVIRONMENT=finalize,
    )
    assert site.snapshot() == clean_build(
        tmp_path,
        POSTS,
        THEME=str(theme),
        JINJA_FILTERS=filters,
        JINJA_ENVIRONMENT=finalize,
    )


ODD_CHAT = CHAT + "[20:03 #x4] <bo|Bo> a reply to nothing\n  reply-to: missing\n"


def test_a_kept_transcript_parse_still_warns_and_a_changed_file_is_read_again(
    tmp_path, caplog
):
    files = {**POSTS, "transcripts/t.chat": ODD_CHAT}
    build(tmp_path, files)
    caplog.clear()
    LimitFilter._raised_messages = set()  # Pelican says a warning once a process
    _, hits = build(tmp_path, files)
    assert hits == 3 + 1
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        m.startswith("transcripts/t.chat:10: expected a reply to a message")
        for m in warned
    ), warned
    files["transcripts/t.chat"] = ODD_CHAT.replace("a reply to nothing", "*changed*")
    site, hits = build(tmp_path, files)
    assert hits == 3
    assert site.html("transcripts/t/index.html").select(".transcript-text strong")
    assert site.snapshot() == clean_build(tmp_path, files)
