"""The theme, checked on every page of the sample site, in a real headless Chromium."""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
import os
from pathlib import Path
import re
import subprocess
import sys
import textwrap

from bs4 import BeautifulSoup, NavigableString, Tag
from hypothesis import example, given
from hypothesis import strategies as st
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from plugins.common.errors import PluginConfigError
from plugins.theme_support.minify import minify_css
from plugins.theme_support.settings import DARK, LIGHT, ThemeSettings, contrast

from .browser import chrome, pages, tools, vnu
from .browser.server import serve
from .support import ROOT, BuiltSite, broken_links, build_sample_site

BUDGET_BYTES = 30 * 1024  # HTML + CSS of a post page, before compression (README)
SITE_PAGE_TYPES = {
    "index", "article", "page", "category", "tag", "author", "archives",
    "period-archives", "404", "tags", "categories", "authors",
    # from the plugins' own templates
    "transcript", "transcript-person", "transcripts", "reblog", "redirect", "subscribe",
}  # fmt: skip


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> BuiltSite:
    return build_sample_site(tmp_path_factory.mktemp("theme") / "output")


# Open posts show the perspective form only when an intake endpoint is configured.
# Nothing listens on the discard port; the form is checked, never sent.
INTAKE = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def sample_with_form(tmp_path_factory) -> BuiltSite:
    output = tmp_path_factory.mktemp("theme-form") / "output"
    return build_sample_site(output, PERSPECTIVES_INTAKE_URL=INTAKE)


def form_pages(site: BuiltSite) -> list[str]:
    """Return the post pages that carry the perspective form."""
    return [
        rel
        for rel in pages.by_type(site)["article"]
        if site.html(rel).select_one("form.perspective-form")
    ]


def stylesheets(site: BuiltSite, rel: str) -> list[Path]:
    """Return the local files of every stylesheet a page links."""
    page = site.html(rel)
    return [
        site.output / link["href"].lstrip("/")
        for link in page.select('link[rel="stylesheet"]')
    ]


# --- page types and weight: no browser needed ------------------------------------


def test_every_page_is_stamped_with_its_page_type(sample):
    groups = pages.by_type(sample)
    assert "unmarked" not in groups, groups.get("unmarked")
    assert set(groups) >= SITE_PAGE_TYPES, SITE_PAGE_TYPES - set(groups)
    assert "2024/06/reading-in-public/index.html" in groups["article"]
    assert groups["404"] == ["404.html"]
    assert "2024/06/index.html" in groups["period-archives"]


def test_post_pages_stay_under_the_weight_budget(sample):
    posts = pages.by_type(sample)["article"]
    assert posts
    for rel in posts:
        html = (sample.output / rel).stat().st_size
        css = sum(path.stat().st_size for path in stylesheets(sample, rel))
        assert css > 0, f"{rel} links no stylesheet"
        assert html + css < BUDGET_BYTES, f"{rel}: {html} B HTML + {css} B CSS"


def test_pages_load_nothing_from_elsewhere_and_need_no_script(sample, sample_with_form):
    checked = 0
    for site in (sample, sample_with_form):
        for rel in site.pages():
            page = site.html(rel)
            for element in page.select("[src], link[href]"):
                url = element.get("src") or element["href"]
                rels = set(element.get("rel", []))
                if element.name == "link" and not rels & {"stylesheet", "icon"}:
                    continue  # canonical, alternate: links, not loads
                assert "://" not in url and not url.startswith("//"), f"{rel}: {url}"
            assert not page.select("link[href*='fonts'], iframe, embed, object"), rel
            for script in page.select("script"):
                checked += 1
                if script.get("src"):  # progressive enhancement, never in the way
                    assert script.has_attr("defer") or script.has_attr("async"), rel
                else:  # data for machines, not code
                    assert script.get("type") == "application/ld+json", rel
    assert checked, "the sample site carries structured data and the form's script"


def test_every_page_has_one_main_one_h1_a_language_and_its_own_title(sample):
    titles: dict[str, str] = {}
    for kind, rels in pages.by_type(sample).items():
        if kind == "redirect":
            continue  # a one-line "this post has moved" notice, followed at once
        for rel in rels:
            page = sample.html(rel)
            assert len(page.select("main#main")) == 1, rel
            assert len(page.select("h1")) == 1, rel
            assert page.html.get("lang"), rel
            title = page.title.get_text(strip=True)
            assert title, rel
            assert titles.setdefault(title, rel) == rel, f"{rel} and {titles[title]}"


TRANSLATED = {
    "posts/2024-05-01-margins.md": (
        "Title: Margins\nDate: 2024-05-01 10:32\nCategory: Essays\n\nA note.\n"
    ),
    "posts/2024-05-01-margins-fr.md": (
        "Title: Les marges\nDate: 2024-05-01 10:32\nCategory: Essays\n"
        "Slug: margins\nLang: fr\n\nUne note.\n"
    ),
    "posts/2024-06-01-carnet.md": (
        "Title: Carnet\nDate: 2024-06-01 09:00\nCategory: Notes\nLang: fr\n\nSeul.\n"
    ),
    "pages/about.md": "Title: About\n\nWho writes here.\n",
    "pages/about-fr.md": "Title: À propos\nSlug: about\nLang: fr\n\nQui écrit ici.\n",
}


def test_posts_in_another_language_keep_permalinks_and_link_each_other(build_site):
    site = build_site(TRANSLATED, SITEURL="https://example.test")
    made = site.pages()
    # The site's permalink shape, one folder down; not Pelican's slug-fr.html.
    assert "2024/05/margins/fr/index.html" in made
    assert "2024/06/carnet/fr/index.html" in made
    assert "about/fr/index.html" in made
    assert not [rel for rel in made if rel.endswith("-fr.html")]
    assert broken_links(site.output, "https://example.test") == []
    for rel, lang, other, other_lang in (
        ("2024/05/margins/index.html", "en", "2024/05/margins/fr/", "fr"),
        ("2024/05/margins/fr/index.html", "fr", "2024/05/margins/", "en"),
        ("about/fr/index.html", "fr", "about/", "en"),
    ):
        page = site.html(rel)
        assert page.html["lang"] == lang, rel
        head = {
            link["hreflang"]: link["href"]
            for link in page.select("head link[rel=alternate][hreflang]")
        }
        here = "https://example.test/" + rel.removesuffix("index.html")
        assert head == {lang: here, other_lang: f"https://example.test/{other}"}
        shown = page.select("main .translations a[hreflang]")
        assert [(a["hreflang"], a["lang"], a["href"]) for a in shown] == [
            (other_lang, other_lang, f"https://example.test/{other}")
        ], rel
    # Listings say which entries are in another language (mf2 reads it back).
    feed = site.mf2("index.html")["items"][0]
    assert "h-feed" in feed["type"]
    langs = {e["properties"]["name"][0]: e.get("lang") for e in feed["children"]}
    assert langs == {"Carnet": "fr", "Margins": "en"}


def test_paginated_listings_chain_every_post_once_under_titles_of_their_own(
    build_site,
):
    files = {
        f"posts/2024-0{n}-01-note-{n}.md": (
            f"Title: Note {n}\nDate: 2024-0{n}-01 10:00\nCategory: Notes\n"
            f"Tags: margins\n\nNote number {n}.\n"
        )
        for n in range(1, 4)
    }
    site = build_site(files, SITEURL="https://example.test", DEFAULT_PAGINATION=1)
    titles: dict[str, str] = {}

    def read(url: str) -> BeautifulSoup:
        rel = url.removeprefix("https://example.test/")
        return site.html(rel + "index.html" if rel.endswith("/") or not rel else rel)

    for first in ("", "category/notes/", "tag/margins/", "author/mara-quill/"):
        url, names = f"https://example.test/{first}", []
        while True:
            page = read(url)
            title = page.title.get_text(strip=True)
            assert titles.setdefault(title, url) == url, f"{url} and {titles[title]}"
            names += [a.get_text() for a in page.select(".h-entry .p-name")]
            older = page.select_one(".pagination a[rel=next]")
            if older is None:
                break
            newer = read(older["href"]).select_one(".pagination a[rel=prev]")
            assert newer["href"] == url  # the page's one URL, not index.html
            url = older["href"]
        assert names == ["Note 3", "Note 2", "Note 1"], first


# microformats.org/wiki/h-entry: the properties (core and draft) readers know.
H_ENTRY = {
    "name", "summary", "content", "published", "updated", "author", "category",
    "url", "uid", "location", "syndication", "in-reply-to", "rsvp", "like-of",
    "repost-of", "bookmark-of", "comment", "photo", "video", "audio", "featured",
}  # fmt: skip


def test_every_h_entry_uses_only_h_entry_properties(sample):
    def entries(items):
        for item in items:
            if "h-entry" in item.get("type", ()):
                yield item
            nested = [v for vs in item.get("properties", {}).values() for v in vs]
            yield from entries([v for v in nested if isinstance(v, dict)])
            yield from entries(item.get("children", ()))

    seen = 0
    for rel in sample.pages():
        for entry in entries(sample.mf2(rel)["items"]):
            seen += 1
            assert set(entry["properties"]) <= H_ENTRY, (rel, entry["properties"])
    assert seen > 20


INLINE = ("a", "time", "cite", "span", "abbr", "code", "em", "strong")
WORD_END, WORD_START = re.compile(r"[^\W_]$"), re.compile(r"^[^\W_]")


def words_run_together(page: BeautifulSoup) -> list[str]:
    """Find text glued to an inline element ("Mentioned by<a>Ann</a>")."""
    glued = []
    for element in page.find_all(INLINE):
        if element.find_parent(["pre", "code"]) or not element.get_text():
            continue
        text = element.get_text()
        before, after = element.previous_sibling, element.next_sibling
        if isinstance(before, Tag) and before.name in INLINE:
            before = NavigableString(before.get_text())  # "<b>Reblog</b><a>Ann</a>"
        if (
            isinstance(before, NavigableString)
            and WORD_END.search(before)
            and WORD_START.search(text)
        ):
            glued.append(f"{before.strip()[-20:]}|{text.strip()[:20]}")
        if (
            isinstance(after, NavigableString)
            and WORD_START.search(after)
            and WORD_END.search(text)
        ):
            glued.append(f"{text.strip()[-20:]}|{after.strip()[:20]}")
    return glued


def test_no_template_glues_words_together(sample):
    found = {
        rel: glued
        for rel in sample.pages()
        if (glued := words_run_together(sample.html(rel)))
    }
    assert found == {}


def test_glued_words_are_found():
    page = BeautifulSoup(
        "<p>Mentioned by<a href=x>Ann</a>, <time>May 4</time>by "
        "<a href=y>Bo</a> (<a href=z>c</a>) <span>Reblog</span><a href=w>Cy</a></p>",
        "html.parser",
    )
    assert words_run_together(page) == ["Mentioned by|Ann", "May 4|by", "Reblog|Cy"]


def test_stylesheet_defaults_match_the_documented_palette():
    css = (ROOT / "theme/static/css/site.css").read_text(encoding="utf-8")
    light, dark = re.findall(r":root\s*{([^}]*)}", css)[:2]
    assert dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]+);", light)) == LIGHT
    assert dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]+);", dark)) == DARK
    for palette in (LIGHT, DARK):
        for name in ("text", "muted", "accent"):
            assert contrast(palette[name], palette["bg"]) >= 4.5, name
            assert contrast(palette[name], palette["surface"]) >= 4.5, name


POST = "Title: Hello\nDate: 2024-01-02 09:00\nCategory: Essays\n\nBody.\n"


def test_footer_text_and_colours_come_from_settings(build_site):
    site = build_site(
        {"posts/2024-01-02-hello.md": POST},
        THEME_FOOTER_TEXT='Words by Ann, <a href="/license/">CC BY</a>',
        THEME_COLORS={"accent": "#224488"},
        THEME_DARK_COLORS={"accent": "#aaccff", "bg": "#000"},
    )
    page = site.html("2024/01/hello/index.html")
    footer = page.select_one(".site-footer p")
    assert footer.get_text() == "Words by Ann, CC BY"
    assert footer.select_one("a")["href"] == "/license/"
    style = page.select_one("head style").get_text()
    assert ":root{--accent:#224488;}" in style
    assert (
        "@media (prefers-color-scheme: dark){:root{--accent:#aaccff;--bg:#000;}}"
        in (style)
    )


def test_default_colours_add_no_inline_style(build_site):
    site = build_site({"posts/2024-01-02-hello.md": POST})
    page = site.html("2024/01/hello/index.html")
    assert page.select_one("head style") is None
    assert "built with Colloquy" in page.select_one(".site-footer").get_text()


def test_bad_theme_settings_are_all_reported():
    with pytest.raises(PluginConfigError) as caught:
        ThemeSettings.from_settings(
            {
                "THEME_FOOTER_TEXT": 3,
                "THEME_MINIFY_CSS": "yes",
                "THEME_COLORS": {"acent": "#123456", "bg": "red; x: y"},
                "THEME_DARK_COLORS": ["#000"],
            }
        )
    lines = str(caught.value).splitlines()
    assert lines == [
        "THEME_FOOTER_TEXT: expected text, got 3",
        "THEME_MINIFY_CSS: expected True or False, got 'yes'",
        (
            "THEME_COLORS: expected a colour name in ['accent', 'bg', 'muted', "
            "'rule', 'surface', 'text'], got 'acent'"
        ),
        "THEME_COLORS['bg']: expected a colour such as '#8a3b12', got 'red; x: y'",
        "THEME_DARK_COLORS: expected a dict of colour names, got ['#000']",
    ]


def test_unreadable_colours_are_a_build_warning(build_site, caplog):
    with caplog.at_level(logging.WARNING):
        build_site(
            {"posts/2024-01-02-hello.md": POST},
            THEME_COLORS={"muted": "#cccccc"},
            THEME_DARK_COLORS={"bg": "#ecebe0"},
        )
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("plugins")]
    assert [w.split(" has contrast ")[0] for w in warnings] == [
        "THEME_COLORS: 'muted' on 'bg'",
        "THEME_COLORS: 'muted' on 'surface'",
        "THEME_DARK_COLORS: 'text' on 'bg'",
        "THEME_DARK_COLORS: 'muted' on 'bg'",
        "THEME_DARK_COLORS: 'accent' on 'bg'",
    ]
    assert warnings[0].endswith(" contrast 1.57:1, expected at least 4.5:1")


def test_text_unreadable_on_the_surface_colour_is_a_warning():
    # Cards, code, badges and reblogs put text on `surface`, not on `bg`.
    settings = ThemeSettings.from_settings({"THEME_COLORS": {"surface": "#5b5b63"}})
    assert [p.split(" has contrast ")[0] for p in settings.contrast_problems()] == [
        "THEME_COLORS: 'text' on 'surface'",
        "THEME_COLORS: 'muted' on 'surface'",
        "THEME_COLORS: 'accent' on 'surface'",
    ]
    defaults = {"THEME_COLORS": LIGHT, "THEME_DARK_COLORS": DARK}
    assert ThemeSettings.from_settings(defaults).contrast_problems() == []


def test_contrast_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#fff", "#fff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_minified_css_keeps_strings_and_drops_comments():
    css = (
        "/* Readers' notes */\n.a  >  .b ,\n.c:hover {\n  color : red ;\n"
        '  content: " <" attr(href) "> /* not a comment */";\n}\n'
        "@media (max-width: 30em) { .a :first-child { margin: 0 auto; } }\n"
    )
    assert minify_css(css) == (
        '.a>.b,.c:hover{color :red;content:" <" attr(href) "> /* not a comment */"}'
        "@media (max-width:30em){.a :first-child{margin:0 auto}}\n"
    )


@given(st.text(alphabet=" \n{};:,>ab.#'\"/*()-0", max_size=80))
@example(css=";;}")  # found by hypothesis: once left ";}"
def test_minifying_twice_changes_nothing_more(css):
    once = minify_css(css)
    assert minify_css(once) == once


def test_the_built_stylesheet_is_minified_and_the_source_is_not(sample, build_site):
    built = (sample.output / "theme/css/site.css").read_text(encoding="utf-8")
    source = (ROOT / "theme/static/css/site.css").read_text(encoding="utf-8")
    assert built == minify_css(source)
    assert "/*" not in built and len(built) < 0.9 * len(source)
    plain = build_site({"posts/2024-01-02-hello.md": POST}, THEME_MINIFY_CSS=False)
    assert (plain.output / "theme/css/site.css").read_text(encoding="utf-8") == source


# --- the Nu HTML Checker -------------------------------------------------------------


@pytest.fixture(scope="module")
def vnu_ready():
    missing = tools.missing_for_vnu()
    if missing:
        pytest.skip(tools.skip_reason(missing))


@pytest.mark.browser
def test_nu_html_checker_finds_no_error_on_any_page_or_stylesheet(sample, vnu_ready):
    paths = [sample.output / rel for rel in sample.pages()]
    assert len(paths) >= len(SITE_PAGE_TYPES)
    assets = sorted((sample.output / "theme").rglob("*.[cs][sv][sg]"))
    assert {p.suffix for p in assets} == {".css", ".svg"}
    assert vnu.check(paths + assets, root=sample.output) == []


@pytest.mark.browser
def test_nu_html_checker_finds_no_error_on_posts_with_the_form(
    sample_with_form, vnu_ready
):
    posts = form_pages(sample_with_form)
    assert posts, "the sample site has posts open for discussion"
    paths = [sample_with_form.output / rel for rel in posts]
    assert vnu.check(paths, root=sample_with_form.output) == []


@pytest.mark.browser
def test_nu_html_checker_reports_errors(tmp_path, vnu_ready):
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!doctype html>\n<html lang=en><title>x</title>\n<p><div>a</p></div>\n",
        encoding="utf-8",
    )
    css = tmp_path / "bad.css"
    css.write_text("p { colour: red; }\n", encoding="utf-8")
    found = vnu.check([bad, css], root=tmp_path)
    assert any(line.startswith("bad.html:3: ") for line in found), found
    assert any(line.startswith("bad.css:1: ") for line in found), found


# --- in Chromium ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chrome.running_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture(scope="module")
def site_url(sample):
    with serve(sample.output) as url:
        yield url


@pytest.fixture(scope="module")
def form_site_url(sample_with_form):
    with serve(sample_with_form.output) as url:
        yield url


@dataclass
class PageReport:
    """What Chromium saw on one page of one type."""

    rel: str
    foreign: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    overflow: dict[int, int] = field(default_factory=dict)
    axe: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def seen(
    sample, sample_with_form, browser, site_url, form_site_url
) -> dict[str, PageReport]:
    """Load one page of each type; measure everything the tests below assert on."""
    reports = {}
    chosen = {kind: (site_url, rel) for kind, rel in pages.one_of_each(sample).items()}
    [*_, with_form] = form_pages(sample_with_form)
    chosen["article with the perspective form"] = (form_site_url, with_form)
    for kind, (base, rel) in chosen.items():
        url = f"{base}/{rel}"
        report = PageReport(rel)
        chrome.set_scheme(browser, "light")
        chrome.set_viewport(browser, chrome.PHONE)
        loaded = chrome.visit(browser, url)
        report.overflow[chrome.PHONE[0]] = chrome.horizontal_overflow(browser)
        chrome.set_viewport(browser, (320, 640))
        report.overflow[320] = chrome.horizontal_overflow(browser)
        report.axe["light, phone"] = chrome.serious(chrome.run_axe(browser))
        # Load afresh in dark: the theme's colour transitions would mislead axe.
        chrome.set_viewport(browser, chrome.DESKTOP)
        chrome.set_scheme(browser, "dark")
        dark = chrome.visit(browser, url)
        report.axe["dark, desktop"] = chrome.serious(chrome.run_axe(browser))
        report.foreign = sorted({*loaded.foreign_requests(), *dark.foreign_requests()})
        report.console = [*loaded.console_errors, *dark.console_errors]
        reports[kind] = report
    chrome.set_scheme(browser, "light")
    return reports


@pytest.mark.browser
def test_chromium_saw_every_page_type(seen):
    assert set(seen) >= SITE_PAGE_TYPES


@pytest.mark.browser
def test_no_page_type_requests_anything_outside_the_site(seen):
    found = {kind: r.foreign for kind, r in seen.items() if r.foreign}
    assert found == {}


@pytest.mark.browser
def test_no_page_type_logs_a_console_error(seen):
    found = {kind: r.console for kind, r in seen.items() if r.console}
    assert found == {}


@pytest.mark.browser
def test_every_page_type_fits_a_phone_without_sideways_scrolling(seen):
    found = {
        f"{kind} ({r.rel}) at {width}px": extra
        for kind, r in seen.items()
        for width, extra in r.overflow.items()
        if extra > 0
    }
    assert found == {}


@pytest.mark.browser
def test_axe_finds_nothing_serious_in_light_or_dark(seen):
    found = {
        f"{kind} ({r.rel}), {mode}": problems
        for kind, r in seen.items()
        for mode, problems in r.axe.items()
        if problems
    }
    assert found == {}


@pytest.mark.browser
def test_skip_link_is_first_visible_on_focus_and_moves_focus_to_main(browser, site_url):
    chrome.set_viewport(browser, chrome.PHONE)
    chrome.visit(browser, f"{site_url}/2024/06/reading-in-public/")
    browser.execute_script("document.activeElement.blur()")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip-link"
    box = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "const s = getComputedStyle(arguments[0]);"
        "return [r.left, r.top, r.width, s.outlineStyle];",
        focused,
    )
    assert box[0] >= 0 and box[1] >= 0 and box[2] > 0
    assert box[3] != "none", "focus must be visible"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert browser.switch_to.active_element.get_attribute("id") == "main"


@pytest.mark.browser
def test_keyboard_focus_is_visible_on_every_stop_of_a_post_with_the_form(
    browser, form_site_url, sample_with_form
):
    [*_, rel] = form_pages(sample_with_form)
    chrome.set_viewport(browser, chrome.DESKTOP)
    chrome.visit(browser, f"{form_site_url}/{rel}")
    stops = chrome.tab_through(browser)
    names = [name for name, _ in stops]
    assert names[0].startswith("a Skip to content")
    assert any(name.startswith("textarea") for name in names), names
    assert any(name.startswith("button") for name in names), names
    assert [name for name, visible in stops if not visible] == []


@pytest.mark.browser
def test_print_drops_navigation_and_forms_and_keeps_the_post(browser, site_url):
    chrome.visit(browser, f"{site_url}/2024/06/reading-in-public/")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = browser.execute_script(
            "const shown = s => [...document.querySelectorAll(s)]"
            "  .map(e => getComputedStyle(e).display !== 'none');"
            "return {nav: shown('.site-nav'), skip: shown('.skip-link'),"
            "  forms: shown('form, .perspective-respond, .perspective-reply'),"
            "  post: shown('.post .entry-content'),"
            "  perspectives: shown('.perspective')};"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert shown["nav"] == [False]
    assert shown["skip"] == [False]
    assert not any(shown["forms"])
    assert shown["post"] == [True]
    assert len(shown["perspectives"]) >= 2, "the sample post has perspectives"
    assert all(shown["perspectives"])


@pytest.mark.browser
def test_reduced_motion_turns_transitions_off(browser, site_url):
    chrome.visit(browser, f"{site_url}/")
    duration = (
        "return getComputedStyle(document.querySelector('main a')).transitionDuration"
    )
    assert browser.execute_script(duration) != "0s"
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]},
    )
    try:
        assert browser.execute_script(duration) == "0s"
    finally:
        chrome.set_scheme(browser, "light")


# --- the harness itself can fail ----------------------------------------------------


@pytest.mark.browser
def test_harness_catches_foreign_requests_console_errors_overflow_and_axe(
    browser, tmp_path
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pixel.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
        encoding="utf-8",
    )
    site = tmp_path / "site"
    site.mkdir()
    with serve(elsewhere) as other:
        (site / "index.html").write_text(
            textwrap.dedent(f"""\
                <!doctype html><html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width">
                <title>Bad page</title></head><body>
                <img src="{other}/pixel.svg">
                <div style="width: 900px">wide</div>
                <script>console.error("boom")</script>
                </body></html>"""),
            encoding="utf-8",
        )
        with serve(site) as url:
            chrome.set_viewport(browser, chrome.PHONE)
            loaded = chrome.visit(browser, f"{url}/index.html")
            overflow = chrome.horizontal_overflow(browser)
            problems = chrome.serious(chrome.run_axe(browser))
    assert loaded.foreign_requests() == [f"{other}/pixel.svg"]
    assert any("boom" in message for message in loaded.console_errors)
    assert overflow > 0
    assert any(line.startswith("image-alt (critical)") for line in problems)


def test_skipped_browser_tests_fail_when_ci_is_set(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import pytest_runtest_makereport  # noqa: F401\n",
        encoding="utf-8",
    )
    (tmp_path / "test_x.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.browser\n"
        "def test_needs_chromium():\n"
        "    pytest.skip('browser tools missing: chromium')\n\n"
        "def test_plain():\n"
        "    pytest.skip('not a browser test')\n",
        encoding="utf-8",
    )

    def run(**env):
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "-o", "markers=browser", str(tmp_path)],
            cwd=tmp_path, capture_output=True, text=True, check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        )  # fmt: skip

    local = run(CI="")
    assert local.returncode == 0, local.stdout
    assert "2 skipped" in local.stdout
    ci = run(CI="true")
    assert ci.returncode == 1, ci.stdout
    assert "1 failed, 1 skipped" in ci.stdout
    assert "CI is set, so browser tests must run, but: " in ci.stdout
    assert "browser tools missing: chromium" in ci.stdout
