"""Links to a message of a long chat reach it, whichever day's page they name."""

from __future__ import annotations

from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
import json
from pathlib import Path
import shutil
import threading

import pytest

from plugins.transcripts import generator

from .support import build_site_at
from .test_transcripts import ALL_IDS, FILES

CHROMEDRIVER = Path("/usr/bin/chromedriver")
BASE = "transcripts/ten-years/"


@pytest.fixture(scope="module")
def paged(tmp_path_factory):
    return build_site_at(
        tmp_path_factory.mktemp("anchors"), FILES, TRANSCRIPTS_PAGE_SIZE=3
    )


@pytest.fixture(scope="module")
def relative(tmp_path_factory):
    return build_site_at(
        tmp_path_factory.mktemp("anchors-relative"),
        FILES,
        TRANSCRIPTS_PAGE_SIZE=3,
        RELATIVE_URLS=True,
    )


def anchor_map(site) -> dict:
    return json.loads((site.output / BASE / "anchors.json").read_text("utf-8"))


def test_the_map_names_the_page_that_holds_every_anchor(paged):
    data = anchor_map(paged)
    assert data["pages"] == ["", "2024-05-02/2/", "2024-05-02/3/", "2024-05-03/"]
    assert set(data["anchors"]) >= {f"m-{i}" for i in ALL_IDS}
    assert {"s-q1-what-made-you-start", "d-2024-05-02", "d-2024-05-03"} <= set(
        data["anchors"]
    )
    for name, index in data["anchors"].items():
        page = paged.html(f"{BASE}{data['pages'][index]}index.html")
        assert page.find(id=name) is not None, name
    assert data["anchors"]["m-x3"] == 3
    assert data["anchors"]["d-2024-05-02"] == 0  # the day's first page


def test_every_page_of_a_long_chat_loads_the_script_from_this_site(paged):
    data = anchor_map(paged)
    for path in data["pages"]:
        soup = paged.html(f"{BASE}{path}index.html")
        scripts = [s["src"] for s in soup.select("script[src]")]
        assert scripts == [
            "/theme/js/transcript-anchors.js",
            "/theme/js/transcript-filter.js",
        ]
        holder = soup.select_one("[data-transcript-anchors]")
        assert holder["data-transcript-anchors"] == f"/{BASE}anchors.json"
        # Without JavaScript, every day's page is one link away.
        days = [a["href"] for a in soup.select(".transcript-pages a")]
        assert days == [f"/{BASE}{p}" for p in data["pages"]]
    assert (paged.output / "theme/js/transcript-anchors.js").is_file()


def test_a_chat_on_one_page_needs_no_map_and_no_anchor_script(build_site):
    site = build_site(FILES)
    soup = site.html(f"{BASE}index.html")
    # Only the filter (tests/test_transcript_filter.py); no anchor map to follow.
    scripts = [s["src"] for s in soup.select("script[src]")]
    assert scripts == ["/theme/js/transcript-filter.js"]
    assert soup.select_one("[data-transcript-anchors]") is None
    assert not (site.output / BASE / "anchors.json").exists()


def test_relative_urls_point_at_the_map_from_each_page(relative):
    soup = relative.html(f"{BASE}2024-05-03/index.html")
    holder = soup.select_one("[data-transcript-anchors]")
    assert holder["data-transcript-anchors"] == f"../../../{BASE}anchors.json"
    script = soup.select_one("script[src]")["src"]
    assert script == "../../../theme/js/transcript-anchors.js"
    assert (relative.output / BASE / "anchors.json").is_file()


@pytest.fixture(scope="module")
def served(paged):
    handler = partial(_QuietHandler, directory=str(paged.output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    if not CHROMEDRIVER.exists() or shutil.which("chromium") is None:
        pytest.skip("needs Debian's chromium and chromedriver")
    from selenium import webdriver  # noqa: PLC0415 - only when a browser exists
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('profile')}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _settle(driver, url_part: str) -> str:
    from selenium.webdriver.support.wait import WebDriverWait  # noqa: PLC0415

    WebDriverWait(driver, 20).until(lambda d: url_part in d.current_url)
    return driver.current_url


@pytest.mark.browser
def test_a_link_naming_the_first_page_goes_on_to_the_later_day(served, chromium):
    chromium.get(f"{served}/{BASE}#m-x3")
    assert _settle(chromium, "2024-05-03") == f"{served}/{BASE}2024-05-03/#m-x3"
    assert chromium.find_element("id", "m-x3").is_displayed()


@pytest.mark.browser
def test_a_stale_day_page_link_goes_back_and_known_anchors_stay(served, chromium):
    chromium.get(f"{served}/{BASE}2024-05-03/#m-1714694460.000200")
    # The stale URL already holds the fragment: wait for the page itself to change.
    expected = f"{served}/{BASE}#m-1714694460.000200"
    assert _settle(chromium, expected) == expected
    chromium.get(f"{served}/{BASE}#m-s1")  # on this page: nothing moves
    chromium.find_element("id", "m-s1")
    assert chromium.current_url == f"{served}/{BASE}#m-s1"
    chromium.get(f"{served}/{BASE}#m-nowhere")  # unknown: the reader stays put
    chromium.find_element("id", "m-s1")
    assert chromium.execute_script("return document.readyState") == "complete"
    assert chromium.current_url == f"{served}/{BASE}#m-nowhere"
    chromium.execute_script(
        "location.hash = '#s-q2-what-would-you-keep'"
    )  # a later in-page jump
    assert (
        _settle(chromium, "2024-05-02/3/")
        == f"{served}/{BASE}2024-05-02/3/#s-q2-what-would-you-keep"
    )


def test_the_map_is_made_again_only_when_its_transcript_changes(tmp_path, monkeypatch):
    made: list[str] = []
    real = generator.anchors_json

    def making(page):
        made.append(page.slug)
        return real(page)

    monkeypatch.setattr(generator, "anchors_json", making)
    ledger = {"PERFORMANCE_SKIP_UNCHANGED": True, "CACHE_PATH": str(tmp_path / "c")}
    site = build_site_at(tmp_path, FILES, TRANSCRIPTS_PAGE_SIZE=3, **ledger)
    first = anchor_map(site)
    assert made == ["ten-years"]
    build_site_at(tmp_path, {}, TRANSCRIPTS_PAGE_SIZE=3, **ledger)
    assert made == ["ten-years"]  # nothing changed: not even worked out
    (site.output / BASE / "anchors.json").unlink()
    build_site_at(tmp_path, {}, TRANSCRIPTS_PAGE_SIZE=3, **ledger)
    assert anchor_map(site) == first  # deleted by hand: made again
    build_site_at(tmp_path, {}, TRANSCRIPTS_PAGE_SIZE=2, **ledger)
    assert anchor_map(site) != first  # other pages: another map
    assert made == ["ten-years"] * 3
