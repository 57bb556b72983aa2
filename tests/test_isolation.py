"""One bad file never takes the site down, and nothing is written outside output/.

The real ``pelican`` command is run as a subprocess, as an author runs it: a bad
perspective and a bad transcript are reported with file and line and skipped, the
rest builds, and ``--fatal warnings`` turns the skip into a failing exit status.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
import subprocess
import sys

from lxml import etree
import pytest

from plugins.build_report.report import BuildReport
from plugins.common.errors import PluginConfigError

from .support import ROOT, write_files

POST = """Title: Good post
Date: 2024-05-01 10:00
Category: Essays
Transcript: good-chat

A post that names a transcript. {extra}
"""
GOOD_PERSPECTIVE = """Author: Ann Reader
Date: 2024-05-02 14:03:00-04:00

I agree.
"""
BAD_PERSPECTIVE = """Author: Bo
Date: the second of May
Url: https://bo.example/

This one's date is not a date.
"""
CHAT = """Title: Good chat
Slug: {slug}
Date: 2024-05-02 20:00:00-04:00

--- 2024-05-02 -04:00 ---
[20:00:02 #m-1] <ann|Ann Reader> Welcome!
{extra}"""


def site_files(*, bad: bool) -> dict[str, str | bytes]:
    """Return a small site; with ``bad``, one broken perspective and transcript."""
    files: dict[str, str | bytes] = {
        "posts/2024-05-01-good-post.md": POST.format(extra=""),
        "perspectives/good-post/2024-05-02-1403-ann.md": GOOD_PERSPECTIVE,
        "transcripts/good-chat.chat": CHAT.format(slug="good-chat", extra=""),
    }
    if bad:
        files["perspectives/good-post/2024-05-02-1500-bo.md"] = BAD_PERSPECTIVE
        files["transcripts/broken.chat"] = CHAT.format(
            slug="broken", extra="this line is no message\n"
        )
    return files


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    return write_files(root / "content", files)


def pelican(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``pelican`` command on ``root/content`` as an author would."""
    command = Path(sys.executable).with_name("pelican")
    return subprocess.run(
        [str(command), "content", "-o", "output", "-s", str(ROOT / "pelicanconf.py"),
         "--log-handler", "plain", *args],
        cwd=root, capture_output=True, text=True, check=False, timeout=240,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip


def test_a_clean_site_passes_fatal_warnings(tmp_path):
    write(tmp_path, site_files(bad=False))
    result = pelican(tmp_path, "--fatal", "warnings")
    assert result.returncode == 0, result.stdout + result.stderr


def test_bad_files_are_reported_by_line_and_skipped_and_the_rest_builds(tmp_path):
    write(tmp_path, site_files(bad=True))
    result = pelican(tmp_path)
    log = result.stdout + result.stderr
    assert result.returncode == 1, log  # the exit status says something was skipped
    assert "2 error(s) above: the files they name were skipped" in log, log
    assert "Traceback" not in log, log  # a report on the files, not a crash
    assert "perspectives/good-post/2024-05-02-1500-bo.md:2:" in log, log
    assert "transcripts/broken.chat:7:" in log, log
    output = tmp_path / "output"
    page = (output / "2024/05/good-post/index.html").read_text(encoding="utf-8")
    assert "perspective-2024-05-02-1403-ann" in page
    assert "perspective-2024-05-02-1500-bo" not in page
    assert (output / "transcripts/good-chat/index.html").exists()
    assert not (output / "transcripts/broken").exists()


def test_fatal_warnings_fails_the_build_when_a_file_was_skipped(tmp_path):
    write(tmp_path, site_files(bad=True))
    result = pelican(tmp_path, "--fatal", "warnings")
    assert result.returncode != 0
    assert ".md:2:" in result.stdout + result.stderr or ".chat:7:" in (
        result.stdout + result.stderr
    )


def test_invalid_utf8_is_read_with_replacement_and_a_warning(build_site, caplog):
    latin1 = "Author: Zoë\nDate: 2024-05-02 14:03:00-04:00\n\nCafé ]]> \x01 ok\n"
    chat = CHAT.format(slug="good-chat", extra="[20:01:00 #m-2] <bo> Olé\n")
    files = site_files(bad=False) | {
        "perspectives/good-post/2024-05-02-1403-ann.md": latin1.encode("latin-1"),
        "transcripts/good-chat.chat": chat.encode("latin-1"),
    }
    with caplog.at_level(logging.WARNING):
        site = build_site(files)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "perspectives/good-post/2024-05-02-1403-ann.md:1: expected UTF-8" in w
        for w in warnings
    ), warnings
    assert any("transcripts/good-chat.chat:7: expected UTF-8" in w for w in warnings), (
        warnings
    )
    post = site.html("2024/05/good-post/index.html")
    assert "Caf\ufffd" in post.select_one(".perspective-body").get_text()
    assert "Ol\ufffd" in site.text("transcripts/good-chat/index.html")
    feeds = list(site.output.rglob("*.xml"))
    assert feeds
    for feed in feeds:
        etree.parse(str(feed))  # well-formed despite ']]>' and a control character


def test_a_save_as_outside_the_output_is_refused(build_site, caplog, tmp_path):
    evil = POST.replace("Transcript: good-chat\n", "Save_as: ../output-evil/x.html\n")
    files = site_files(bad=False) | {"posts/2024-05-03-evil.md": evil}
    with caplog.at_level(logging.ERROR):
        site = build_site(files)
    assert not (tmp_path / "output-evil").exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(
        "posts/2024-05-03-evil.md: expected a save-as path inside the output" in e
        for e in errors
    ), errors
    assert (site.output / "2024/05/good-post/index.html").exists()


def test_the_guard_refuses_prefix_lookalikes_and_absolute_paths(tmp_path):
    from pelican.settings import read_settings  # noqa: PLC0415

    from plugins.common.files import UnsafePathError  # noqa: PLC0415
    from plugins.outputguard.writer import GuardedWriter  # noqa: PLC0415

    output = tmp_path / "output"
    output.mkdir()
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    writer = GuardedWriter(str(output), settings=settings)
    for name in ("../output-evil/x.html", "/etc/x.html", "a/../../x.html"):
        assert writer.write_file(name, None, {}) is None
    for name in ("../output-evil/x.html", str(tmp_path / "x.html")):
        try:
            writer._open_w(str(output / name), "utf-8")
        except UnsafePathError:
            continue
        raise AssertionError(name)
    assert sorted(tmp_path.iterdir()) == [output]


def test_make_html_style_build_exits_zero_when_nothing_was_skipped(tmp_path):
    write(tmp_path, site_files(bad=False))
    result = pelican(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_skipped_content_can_be_allowed_by_setting(tmp_path):
    content = write(tmp_path, site_files(bad=True))
    settings = tmp_path / "lenient.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from pelicanconf import *  # noqa: F403\n"
        f"PLUGIN_PATHS = [{str(ROOT)!r}]\nTHEME = {str(ROOT / 'theme')!r}\n"
        "BUILD_REPORT_FAIL_ON_SKIPPED = False\n",
        encoding="utf-8",
    )
    command = Path(sys.executable).with_name("pelican")
    result = subprocess.run(
        [str(command), str(content), "-o", str(tmp_path / "out"), "-s", str(settings)],
        capture_output=True, text=True, check=False, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "transcripts/broken.chat:7:" in result.stdout + result.stderr


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_build_report_setting_must_be_a_boolean(value):
    with pytest.raises(PluginConfigError, match="BUILD_REPORT_FAIL_ON_SKIPPED"):
        BuildReport.from_settings({"BUILD_REPORT_FAIL_ON_SKIPPED": value})


def _strict_pelican(root: Path):
    """Return one Pelican instance for ``root/content``, failing on skipped content."""
    from pelican import Pelican  # noqa: PLC0415
    from pelican.settings import read_settings  # noqa: PLC0415

    override = {
        "PATH": str(root / "content"),
        "OUTPUT_PATH": str(root / "output"),
        "THEME": str(ROOT / "theme"),
        "CACHE_CONTENT": False,
        "BUILD_REPORT_FAIL_ON_SKIPPED": True,
    }
    return Pelican(read_settings(str(ROOT / "pelicanconf.py"), override=override))


def test_each_autoreload_run_reports_only_its_own_errors(tmp_path):
    # `pelican --autoreload` (make serve) calls run() on one instance again and again.
    from plugins.build_report.report import ContentSkippedError  # noqa: PLC0415

    content = write(tmp_path, site_files(bad=False))
    instance = _strict_pelican(tmp_path)
    instance.run()
    broken = content / "transcripts/broken.chat"
    broken.write_text(CHAT.format(slug="broken", extra="no message\n"), "utf-8")
    with pytest.raises(ContentSkippedError):
        instance.run()
    broken.unlink()
    instance.run()  # fixed: the earlier run's error is not reported again


def test_skipped_content_still_gets_the_minified_stylesheet(tmp_path):
    from plugins.build_report.report import ContentSkippedError  # noqa: PLC0415

    write(tmp_path, site_files(bad=True))
    with pytest.raises(ContentSkippedError):
        _strict_pelican(tmp_path).run()
    css = sorted((tmp_path / "output/theme/css").glob("*.css"))
    assert css
    for path in css:
        assert "/*" not in path.read_text(encoding="utf-8"), path


def test_make_serve_serves_a_site_with_a_skipped_file(tmp_path):
    # `serve` used to depend on `html`, which fails when a file is skipped: no server.
    import signal  # noqa: PLC0415
    import socket  # noqa: PLC0415
    import time  # noqa: PLC0415
    from urllib.request import urlopen  # noqa: PLC0415

    content = write(tmp_path, site_files(bad=True))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    variables = [f"CONTENT={content}", f"OUTPUT={tmp_path / 'out'}", f"PORT={port}"]
    server = subprocess.Popen(
        ["make", "-s", "-C", str(ROOT), "serve", *variables],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/2024/05/good-post/"
    try:
        for _ in range(240):
            assert server.poll() is None, "make serve gave up"
            try:
                with urlopen(url, timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:  # refused, or 404 until the first build is written
                time.sleep(0.5)
        else:
            raise AssertionError(f"{url} never answered")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
