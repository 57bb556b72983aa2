"""Round 3 of build speed: cheaper code paths that keep every output byte."""

from __future__ import annotations

from collections import defaultdict
import gc
import logging
import os
from pathlib import Path
import subprocess
import sys
import tempfile
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown import Markdown
from pelican import signals
from pelican.cache import FileStampDataCacher
from pelican.contents import Content
from pelican.log import LimitFilter
from pelican.readers import METADATA_PROCESSORS
from pelican.settings import DEFAULT_CONFIG, read_settings
import pelican.utils as pelican_utils
from pelican.utils import SafeDatetime, get_date
from pygments import highlight
from pygments.formatters.html import HtmlFormatter
from pygments.lexers import get_lexer_by_name
import pytest

from plugins.bench.corpus import CorpusShape, write_corpus
from plugins.bench.run import write_settings
from plugins.common.dates import parse_complete_date
from plugins.common.files import FolderGuard, UnsafePathError, inside
from plugins.outputguard.writer import GuardedWriter
from plugins.performance.dates import quick
from plugins.performance.patching import MARK
from plugins.performance.paths import remembering as remembering_paths
from plugins.performance.slugs import remembering
from plugins.performance.translations import linear_when_untranslated
from plugins.posts.highlight import (
    CODEHILITE,
    reusing_formatter,
    with_reusing_formatter,
)
from plugins.posts.metadata import check_header, read_header
from plugins.posts.reader import PostReader

from .support import ROOT, build_in_processes

# A plugin that takes the speed-ups' template globals away again, so a build can
# show what the theme renders on its plain paths.
PLAIN_PATHS_PLUGIN = """
from pelican import signals


def drop_globals(generator):
    generator.env.globals.pop("once", None)


def register():
    signals.generator_init.connect(drop_globals)
"""

# Names a save-as could hold, climbing, looping and passing through symlinks.
COMPONENT = st.sampled_from(
    ["a", "b", "in", "away", "f", "fl", "loop", "new", "..", ".", "", "x.html"]
)
NAME = st.tuples(st.booleans(), st.lists(COMPONENT, min_size=1, max_size=6)).map(
    lambda t: ("/" if t[0] else "") + "/".join(t[1])
)


def plant(root: Path) -> Path:
    """Make an output folder with real folders and symlinks in and out of it."""
    out = root / "out"
    (out / "a" / "b").mkdir(parents=True)
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "g").write_text("outside")
    (out / "a" / "f").write_text("inside")
    (out / "in").symlink_to(out / "a")
    (out / "away").symlink_to(root / "elsewhere")
    (out / "a" / "fl").symlink_to(root / "elsewhere" / "g")
    (out / "loop").symlink_to(out / "loop")
    return out


def expected(out: Path, name: str) -> str | None:
    """Return what ``inside`` gives for ``name``, or None when it refuses it."""
    try:
        return str(inside(out, name))
    except UnsafePathError:
        return None


@settings(max_examples=1000, deadline=None)
@given(names=st.lists(NAME, min_size=1, max_size=8))
def test_the_folder_guard_resolves_and_refuses_exactly_like_inside(names):
    with tempfile.TemporaryDirectory() as tmp:
        out = plant(Path(tmp))
        guard = FolderGuard(out)  # one guard for all the names: its memory counts
        for name in names:
            want = expected(out, name)
            if want is None:
                with pytest.raises(UnsafePathError, match="expected a path inside"):
                    guard.resolve(name)
            else:
                assert guard.resolve(name) == want
            joined = os.path.join(str(out), name)
            assert guard.realpath(joined) == os.path.realpath(joined)


def test_the_folder_guard_catches_symlinks_planted_after_it_remembered_a_folder(
    tmp_path,
):
    out = plant(tmp_path)
    guard = FolderGuard(out)
    assert guard.resolve("a/b/x.html") == str(out / "a" / "b" / "x.html")
    (out / "a" / "b" / "x.html").symlink_to(tmp_path / "elsewhere" / "g")
    (out / "a" / "b" / "deeper").symlink_to(tmp_path / "elsewhere")
    for name in ("a/b/x.html", "a/b/deeper/x.html", "in/b/x.html"):
        with pytest.raises(UnsafePathError):
            guard.resolve(name)
    assert guard.resolve("in/b/y.html") == str(out / "a" / "b" / "y.html")


def test_the_writer_refuses_a_symlink_planted_in_the_output(tmp_path, caplog):
    out = plant(tmp_path)
    writer = GuardedWriter(
        str(out), settings=read_settings(str(ROOT / "pelicanconf.py"))
    )
    assert writer._allowed("a/b/fine.html", {})
    for name in (
        "away/x.html",
        "a/fl",
        "in/../away/x.html",
        "away/../elsewhere/x.html",
    ):
        assert writer.write_file(name, None, {}) is None
        with pytest.raises(UnsafePathError):
            writer._open_w(str(out / name), "utf-8")
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["g"]
    assert (tmp_path / "elsewhere" / "g").read_text() == "outside"
    assert "expected a save-as path inside the output folder" in caplog.text


@pytest.mark.parametrize("relative_urls", [False, True])
def test_the_site_is_the_same_without_the_template_speed_ups(tmp_path, relative_urls):
    write_corpus(
        tmp_path, CorpusShape(posts=24, transcripts=1, messages_per_transcript=30)
    )
    (tmp_path / "plain_paths.py").write_text(PLAIN_PATHS_PLUGIN, encoding="utf-8")
    fast = tmp_path / "fast.py"
    fast.write_text(
        write_settings(tmp_path)["colloquy"].read_text(encoding="utf-8")
        + f"RELATIVE_URLS = {relative_urls}\nDEFAULT_PAGINATION = 3\n",
        encoding="utf-8",
    )
    plain = tmp_path / "plain.py"
    plain.write_text(
        fast.read_text(encoding="utf-8")
        + f"PLUGIN_PATHS = [*PLUGIN_PATHS, {str(tmp_path)!r}]\n"
        + 'PLUGINS = [*PLUGINS, "plain_paths"]\n',
        encoding="utf-8",
    )
    sites = build_in_processes(tmp_path, {"fast": fast, "plain": plain})
    built = sites["fast"]
    assert built == sites["plain"]
    listings = [name for name in built if name.startswith("tag/")]
    assert len(listings) > 10  # many listing pages share each post's summary


PLAIN_DATE = st.one_of(
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?\Z"
    ),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
    st.datetimes().map(lambda d: d.isoformat(timespec="seconds")),
    st.dates().map(str),
)


@settings(max_examples=500)
@given(name=st.sampled_from(["date", "modified"]), text=PLAIN_DATE)
def test_the_posts_reader_reads_plain_dates_as_pelican_does(name, text):
    reader = PostReader(read_settings(str(ROOT / "pelicanconf.py")))
    try:
        want = METADATA_PROCESSORS[name](text, reader.settings)
    except (ValueError, OverflowError) as err:
        with pytest.raises(type(err)):
            reader.process_metadata(name, text)
        return
    got = reader.process_metadata(name, text)
    assert (type(got), got, got.tzinfo) == (SafeDatetime, want, want.tzinfo)
    assert type(want) is SafeDatetime


@settings(max_examples=300)
@given(text=PLAIN_DATE | st.text(max_size=20))
def test_the_header_check_takes_the_same_dates_with_its_shortcut(text):
    header = read_header(f"Title: T\nDate: {text}\n\nBody\n")
    try:
        check_header(header, path="p.md")
        fast_ok = True
    except ValueError:
        fast_ok = False
    value = next((f.value for f in header if f.key == "date"), None)
    if value is None:
        return
    try:
        slow_ok = bool(get_date(value) and parse_complete_date(value))
    except (ValueError, OverflowError):
        slow_ok = False
    assert fast_ok == slow_ok


FORMATTER_OPTIONS = st.sampled_from(
    [
        {},
        {"cssclass": "highlight"},
        {"classprefix": "tok-"},
        {"style": "monokai"},
        {"noclasses": True},
        {"noclasses": True, "style": "monokai", "classprefix": "x"},
        {"linenos": "table", "hl_lines": [1, 2]},
        {"wrapcode": True, "lang_str": "language-python"},
    ]
)
CODE = st.lists(
    st.sampled_from(
        [
            "def f(x):",
            "    return x",
            "# note",
            "'s'",
            '"<&>"',
            "1.5e3",
            "\t",
            "<b>",
            "\n",
        ]
    )
    | st.text(max_size=10),
    max_size=12,
).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(
    blocks=st.lists(
        st.tuples(st.sampled_from(["python", "html", "text"]), CODE, FORMATTER_OPTIONS),
        min_size=1,
        max_size=5,
    )
)
def test_the_reusing_formatter_highlights_exactly_like_pygments(blocks):
    formatter = reusing_formatter()  # one class for all blocks: its tables count
    for language, code, options in blocks:
        lexer = get_lexer_by_name(language)
        want = highlight(code, lexer, HtmlFormatter(**options))
        assert highlight(code, lexer, formatter(**options)) == want
        assert (
            formatter(**options).get_style_defs()
            == HtmlFormatter(**options).get_style_defs()
        )


def test_posts_markdown_gets_the_reusing_formatter_unless_the_site_names_one():
    config = read_settings(str(ROOT / "pelicanconf.py"))["MARKDOWN"]
    before = repr(config)
    fast = with_reusing_formatter(config)
    assert repr(config) == before  # the site's settings are left alone
    formatter = fast["extension_configs"][CODEHILITE]["pygments_formatter"]
    assert issubclass(formatter, HtmlFormatter)
    text = "```python\ndef f():\n    return '<x>'\n```\n"
    assert Markdown(**fast).convert(text) == Markdown(**config).convert(text)
    own = {"extension_configs": {CODEHILITE: {"pygments_formatter": "html"}}}
    assert with_reusing_formatter(own) is own
    assert with_reusing_formatter({"extensions": ["extra"]}) == {
        "extensions": ["extra"]
    }


class Item:
    """What Pelican's grouping of translations reads of a post."""

    def __init__(self, number: int, slug: str, lang: str, flag: str | None) -> None:
        self.number = number
        self.slug = slug
        self.lang = lang
        self.in_default_lang = lang == "en"
        self.source_path = f"posts/{number}.md"
        self.metadata = {} if flag is None else {"translation": flag}

    def __repr__(self) -> str:
        return f"Item({self.number})"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d", "e", "f"]),
            st.sampled_from(["en", "fr"]),
            st.none() | st.sampled_from(["true", "false", "False"]),
        ),
        max_size=8,
    ),
    st.sampled_from(["slug", ("slug", "lang"), ("lang",)]),
)
def test_translations_are_grouped_as_pelican_groups_them(specs, translation_id):
    original = pelican_utils.process_translations
    quick = linear_when_untranslated(original)

    def run(grouping):
        LimitFilter._raised_messages = set()  # Pelican says a warning only once
        LimitFilter._group_count = defaultdict(int)
        items = [Item(n, *spec) for n, spec in enumerate(specs)]
        with LogCapture() as said:
            index, translations = grouping(items, translation_id)
        return (
            [i.number for i in items],  # both sort the list they are given
            [i.number for i in index],
            [i.number for i in translations],
            [sorted(t.number for t in i.translations) for i in items],
            said,
        )

    assert run(quick) == run(original)


class LogCapture(logging.Handler):
    """The messages Pelican's utils log inside the block."""

    def __enter__(self) -> list[str]:
        self.messages: list[str] = []
        logging.getLogger("pelican.utils").addHandler(self)
        return self.messages

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("pelican.utils").removeHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_no_file_dates_are_read_for_a_content_cache_that_is_off(
    build_site, monkeypatch
):
    stamped: list[str] = []
    stamp = FileStampDataCacher._get_file_stamp

    def noting(cacher, filename):
        stamped.append(type(cacher).__name__ + " " + filename)
        return stamp(cacher, filename)

    monkeypatch.setattr(FileStampDataCacher, "_get_file_stamp", noting)
    site = build_site(
        {
            "posts/2024-05-01-a.md": "Title: A\nDate: 2024-05-01 10:00\n\nBody.\n",
            "pages/about.md": "Title: About\n\nUs.\n",
        },
        CACHE_CONTENT=False,
        LOAD_CONTENT_CACHE=False,
    )
    assert site.html("2024/05/a/index.html").find("article")
    assert site.html("about/index.html").find("main")
    assert stamped == []


def test_what_the_build_holds_is_left_out_of_full_collections_until_it_ends(
    build_site,
):
    scanned: dict[str, bool] = {}

    def writing(generator, content):
        collected = {id(thing) for thing in gc.get_objects()}  # frozen ones aside
        scanned[content.slug] = id(content) in collected

    signals.article_generator_write_article.connect(writing)
    try:
        site = build_site(
            {
                "posts/2024-05-01-a.md": "Title: A\nDate: 2024-05-01 10:00\n\nBody.\n",
                "posts/2024-05-02-b.md": "Title: B\nDate: 2024-05-02 10:00\n\nMore.\n",
            },
            PERFORMANCE_WORKERS=1,
        )
    finally:
        signals.article_generator_write_article.disconnect(writing)
    assert site.html("2024/05/b/index.html").find("article")
    assert scanned == {"a": False, "b": False}
    assert gc.get_freeze_count() == 0  # given back: a next build collects it all


def test_a_process_that_builds_again_collects_what_earlier_builds_left(tmp_path):
    write_corpus(
        tmp_path, CorpusShape(posts=150, transcripts=1, messages_per_transcript=8)
    )
    settings = write_settings(tmp_path)["colloquy"]
    script = (
        "import gc, sys\n"
        "from pelican import Pelican\n"
        "from pelican.contents import Article\n"
        "from pelican.settings import read_settings\n"
        "for _ in range(10):\n"
        f"    conf = read_settings({str(settings)!r}, override={{\n"
        "        'OUTPUT_PATH': 'out', 'PERFORMANCE_WORKERS': 1})\n"
        "    Pelican(conf).run()\n"
        "    del conf\n"
        "    print('posts', sum(isinstance(o, Article) for o in gc.get_objects()))\n"
    )
    # As an --autoreload process does: each build's posts outlive it as garbage
    # (cycles) until a full collection, made as Python's own rule would make it
    # (here every third build); they do not pile up build after build.
    said = python_says(script, tmp_path).splitlines()
    counts = [int(line.split()[1]) for line in said if line.startswith("posts ")]
    assert len(counts) == 10
    assert max(counts[5:]) <= max(counts[:5]) < 5 * 150, counts


def test_a_rebuild_from_the_cache_loads_no_markdown_renderer_for_outside_text(
    tmp_path,
):
    write_corpus(
        tmp_path, CorpusShape(posts=3, transcripts=1, messages_per_transcript=8)
    )
    settings = write_settings(tmp_path)["colloquy"]
    with settings.open("a", encoding="utf-8") as conf:
        conf.write("PERFORMANCE_WORKERS = 1\n")  # every text rendered right here
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('loaded', 'markdown_it' in sys.modules))\n"
        "from pelican import main\n"
        f"sys.argv = ['pelican', '-s', {str(settings)!r}, '-o', 'out', '-q']\n"
        "main()\n"
    )
    loaded = [python_says(script, tmp_path).split()[-1] for _ in range(2)]
    assert loaded == ["True", "False"]  # rendered perspectives, then found them


def test_the_last_collection_is_skipped_when_the_process_exits():
    script = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
        "import plugins.performance as performance\n"
        "performance.register(); performance.register()\n"
        "print('before exit', gc.get_freeze_count())\n"
    )
    said = python_says(script, ROOT)
    assert said.split("\n")[:2] == ["before exit 0", "frozen True"]


def python_says(script: str, cwd: Path) -> str:
    """Run ``script`` in a Python process of its own; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@given(
    st.lists(st.text(max_size=12), min_size=1, max_size=4),
    st.sampled_from(
        [
            (),
            DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"],
            [("[^\\w\\s-]", ""), ("\\s+", "_")],
        ]
    ),
    st.booleans(),
    st.booleans(),
)
def test_the_remembering_slugify_slugifies_as_pelican_does(
    names, subs, preserve_case, use_unicode
):
    quick = remembering(pelican_utils.slugify)
    for name in [*names, *names]:  # the second time from memory
        assert quick(name, subs, preserve_case, use_unicode) == pelican_utils.slugify(
            name, subs, preserve_case, use_unicode
        )


PATH_PART = st.sampled_from(["content", "posts", "a b", "é", "..", ".", "", "x.md"])


@given(
    st.lists(PATH_PART, max_size=3).map("/".join),
    st.lists(st.tuples(st.booleans(), st.lists(PATH_PART, max_size=4)), max_size=4),
    st.booleans(),
)
def test_relative_source_paths_are_remembered_as_pelican_works_them_out(
    root, sources, absolute_root
):
    original = getattr(
        Content.get_relative_source_path, MARK, Content.get_relative_source_path
    )
    asked: list[str | None] = []

    def counting(content, source_path=None):
        asked.append(source_path or content.source_path)
        return original(content, source_path)

    quick = remembering_paths(counting)
    root = "/" + root if absolute_root else root
    paths = [("/" if lead else "") + "/".join(parts) for lead, parts in sources]
    wanted: list[str] = []
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        here = os.getcwd()
        try:
            for cwd in (one, two, one):  # relative paths depend on the cwd
                os.chdir(cwd)
                for path in [*paths, None]:
                    post = SimpleNamespace(settings={"PATH": root}, source_path="/p.md")
                    assert quick(post, path) == original(post, path)
                    wanted.append(path or "/p.md")
        finally:
            os.chdir(here)
    for path in set(wanted):  # relative to the cwd: worked out every time
        if not (root.startswith("/") and path.startswith("/")):
            assert asked.count(path) == wanted.count(path)
    if root.startswith("/"):  # else once: the path's folder's, or the path's own
        absolute = [path for path in asked if path.startswith("/")]
        assert len(absolute) == len(set(absolute))


@given(
    st.lists(
        st.sampled_from(
            ["%Y", "%m", "%d", "%-d", "%B", "%H:%M", "%%", "%e", "%z", "%Z", "%", "-"]
        )
        | st.text(max_size=3)
        | st.sampled_from(["\0", "\x7f", "é", "\ud800"]),
        max_size=6,
    ).map("".join),
    st.datetimes(timezones=st.none() | st.timezones()),
)
def test_dates_format_as_pelican_formats_them(fmt, when):
    date = SafeDatetime.combine(when.date(), when.timetz())
    original = pelican_utils.strftime

    def outcome(format_date):
        try:
            return format_date()
        except (ValueError, TypeError, UnicodeError) as err:
            return type(err)

    quick_strftime = quick(SafeDatetime.strftime)
    assert outcome(lambda: quick_strftime(date, fmt)) == outcome(
        lambda: original(date, fmt)
    )
