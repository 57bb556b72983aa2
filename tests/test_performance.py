"""Speed-ups must not change output: each fast path equals the plain one."""

from __future__ import annotations

import subprocess
import sys

import feedparser
from hypothesis import given, settings
from hypothesis import strategies as st
import nh3

from plugins.bench.corpus import CorpusShape, write_corpus
from plugins.bench.run import write_settings
from plugins.common.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    LINK_REL,
    URL_SCHEMES,
    _keep_url,
    sanitize_html,
    xml_safe,
)

from .support import BuiltSite, build_site_at

PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<a href='https://ok.example/'>", "<a href=javascript:x>",
        "</a>", "<img src=https://i.example/x.png alt=x>", "<script>", "</script>",
        "<b onclick=evil()>", "</b>", "<!-- note -->", "&amp;", "&bogus;", "<",
        "<table><tr><td>", "</td></tr></table>", "<code>", "</code>", "\x00",
        "<blockquote cite='https://q.example/'>", "</blockquote>", "<br>",
        "<span class='spoiler x'>", "</span>", "<code class=lang-py>", "&#1;",
        "<a href='java%73cript:x'>", "<a href=' JAVASCRIPT:x'>", "<a href=/local>",
    ]
)  # fmt: skip
HTML = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=25).map("".join)


CLASSES = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["span", "code", "p", "script"]),
        st.frozensets(st.sampled_from(["spoiler", "lang-py", "x"]), max_size=2),
        max_size=2,
    ),
)


def plain_clean(html: str, allow_images: bool, classes) -> str:
    """The one-call nh3 form the prebuilt cleaner replaced."""
    tags = ALLOWED_TAGS | {"img"} if allow_images else ALLOWED_TAGS
    cleaned = nh3.clean(
        xml_safe(html),
        tags=set(tags),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items() if k in tags},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=_keep_url,
        link_rel=LINK_REL,
        strip_comments=True,
        allowed_classes={k: set(v) for k, v in (classes or {}).items() if k in tags},
    )
    return xml_safe(cleaned)


@settings(max_examples=300)
@given(html=HTML, allow_images=st.booleans(), classes=CLASSES)
def test_the_prebuilt_cleaner_cleans_exactly_like_nh3_clean(
    html, allow_images, classes
):
    fast = sanitize_html(html, allow_images=allow_images, classes=classes)
    assert str(fast) == plain_clean(html, allow_images, classes)


def test_the_site_is_the_same_with_and_without_the_performance_plugin(tmp_path):
    write_corpus(
        tmp_path, CorpusShape(posts=12, transcripts=1, messages_per_transcript=40)
    )
    # Signal receivers stay connected for the life of a process, so each build
    # runs in a process of its own.
    settings = write_settings(tmp_path)["colloquy"]
    plain = tmp_path / "plain.py"
    plain.write_text(
        settings.read_text(encoding="utf-8")
        + 'PLUGINS = [p for p in PLUGINS if p != "plugins.performance"]\n'
        + 'THEME_STATIC_PATHS = ["static"]\n',
        encoding="utf-8",
    )
    for name, conf in (("fast", settings), ("plain", plain)):
        command = [sys.executable, "-m", "pelican", "-s", str(conf), "-o", name]
        subprocess.run(command, check=True, cwd=tmp_path, capture_output=True)
    fast = BuiltSite(tmp_path / "fast").snapshot()
    assert fast == BuiltSite(tmp_path / "plain").snapshot()
    assert "theme/css/site.css" in fast
    assert sum(1 for name in fast if "/post-" in name) >= 12


def _post(title: str, date: str, extra: str = "") -> str:
    return f"Title: {title}\nDate: {date}\nCategory: Notes\n{extra}\nBody of {title}.\n"


def test_a_limited_feed_renders_only_its_newest_posts_and_keeps_their_order(
    tmp_path, caplog
):
    files = {
        "posts/2024-01-01-oldest.md": _post("Oldest", "2024-01-01 09:00"),
        "posts/2024-02-01-tie-a.md": _post("Tie A", "2024-02-01 09:00"),
        "posts/2024-02-01-tie-b.md": _post("Tie B", "2024-02-01 09:00"),
        "posts/2024-03-01-middle.md": _post("Middle", "2024-03-01 09:00"),
        "posts/2024-04-01-bad-id.md": _post(
            "Bad id", "2024-04-01 09:00", "Feed-Id: not an id"
        ),
    }
    every = build_site_at(tmp_path / "all", files, FEEDS_LIMITS={"site": None})
    feed = (every.output / "feeds/atom.xml").read_bytes()
    titles = [e.title for e in feedparser.parse(feed).entries]
    assert titles == ["Middle", "Tie B", "Tie A", "Oldest"]
    caplog.clear()
    limited = build_site_at(tmp_path / "two", files, FEEDS_LIMITS={"site": 2})
    parsed = feedparser.parse((limited.output / "feeds/atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == titles[:2]
    assert any("bad-id.md: expected Feed-Id" in r.getMessage() for r in caplog.records)
