"""Jinja autoescape is on for the whole theme; only commented author HTML is |safe."""

from __future__ import annotations

from pathlib import Path
import re

import pytest

from plugins.common.errors import PluginConfigError

from .support import ROOT

TEMPLATES = ROOT / "theme" / "templates"
SAFE = re.compile(r"\|\s*safe\b")
COMMENT = re.compile(r"\{#.*\S.*#\}")

POST = """Title: Plain <em>emphasis</em> &amp; co
Date: 2024-01-02 09:00
Category: <b>Essays</b>
Tags: <b>loud</b>, <i>quiet</i>
Summary: A <strong>summary</strong> by the author.

Body with <em>author HTML</em> in it.
"""


def test_outside_values_are_escaped_and_author_html_is_not(build_site):
    site = build_site(
        {"posts/2024-01-02-hello.md": POST},
        SITENAME="<b>Bold</b> & Co",
        SITESUBTITLE="<script>alert(1)</script>",
        MENUITEMS=[("<img src=x onerror=alert(1)>", "about/")],
    )
    for rel in ("2024/01/hello/index.html", "index.html", "tags/index.html"):
        page = site.html(rel)
        # Settings, tag and category names are text: escaped, never elements.
        assert page.select_one(".site-title a").get_text() == "<b>Bold</b> & Co"
        assert page.select_one(".site-subtitle").get_text() == (
            "<script>alert(1)</script>"
        )
        assert page.select_one(".site-nav a").get_text() == (
            "<img src=x onerror=alert(1)>"
        )
        assert not page.select("header b, header script, nav img, nav b")
    post = site.html("2024/01/hello/index.html")
    tags = [a.get_text() for a in post.select(".tags a")]
    assert tags == ["<b>loud</b>", "<i>quiet</i>"]
    assert post.select_one(".post-footer .p-category").get_text() == "<b>Essays</b>"
    assert not post.select(".tags b, .tags i, .post-footer b")
    # The author's own title, body and summary are HTML, as they always were.
    assert post.select_one("h1.entry-title em").get_text() == "emphasis"
    assert post.select_one("h1.entry-title").get_text() == "Plain emphasis & co"
    assert post.select_one(".entry-content em").get_text() == "author HTML"
    listing = site.html("index.html")
    assert listing.select_one(".entry-summary strong").get_text() == "summary"
    assert listing.select_one(".entry-title em").get_text() == "emphasis"
    archives = site.html("archives/index.html")
    assert archives.select_one(".h-entry .p-name em").get_text() == "emphasis"


@pytest.mark.parametrize("autoescape", [False, None, "yes"])
def test_a_build_without_autoescape_is_refused(build_site, autoescape):
    environment = {"trim_blocks": True, "lstrip_blocks": True, "extensions": []}
    if autoescape is not None:
        environment["autoescape"] = autoescape
    with pytest.raises(PluginConfigError, match=r"JINJA_ENVIRONMENT\['autoescape'\]"):
        build_site({"posts/2024-01-02-hello.md": POST}, JINJA_ENVIRONMENT=environment)


def unexplained_safe(templates: Path) -> list[str]:
    """Return ``path:line`` for each ``|safe`` lacking a comment naming the author."""
    found = []
    for template in sorted(templates.rglob("*")):
        if not template.is_file():
            continue
        lines = template.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if not SAFE.search(line):
                continue
            before = lines[number - 2] if number > 1 else ""
            reason = COMMENT.search(line) or COMMENT.search(before)
            if not (reason and "safe" in reason.group() and "author" in reason.group()):
                found.append(
                    f"{template.relative_to(templates)}:{number}: {line.strip()}"
                )
    return found


def test_every_safe_in_the_templates_carries_a_comment():
    assert unexplained_safe(TEMPLATES) == []


def test_an_unexplained_safe_is_found(tmp_path: Path):
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "bad.html").write_text(
        "{# a perspective #}\n<p>{{ p.text }}</p>\n<p>{{ p.text | safe }}</p>\n",
        encoding="utf-8",
    )
    (tmp_path / "good.html").write_text(
        "{# |safe: the author's own HTML #}\n{{ article.content|safe }}\n",
        encoding="utf-8",
    )
    assert unexplained_safe(tmp_path) == [
        "partials/bad.html:3: <p>{{ p.text | safe }}</p>"
    ]
