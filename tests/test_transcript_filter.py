"""The transcript filter (by text, by participant), in a real headless Chromium."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from .browser import chrome
from .browser.server import serve
from .support import build_site_at

# Two evenings, two questions, four people, one of them with an accented name
# and a message that mentions another; the kind of log a filter has to cope with.
CHAT = """\
Title: Archiving the club newsletter
Slug: newsletter
Date: 2024-03-05 19:00-05:00
Source: irc
Channel: #newsletter
Hosts: ann

--- 2024-03-05 -05:00 ---
[19:00 #open] <ann|Ann Lee> Welcome! Tonight: the newsletter archive.
## Q1: Where are the old issues?
[19:02 #q1] <ann|Ann Lee> Q1: where did the 1990s issues go?
[19:03 #bo-box] <bo|Bo Lind> In a box in my attic, on paper.
[19:04 #ines-scan] <ines|Inês Costa> I scanned some in 2010. The ARCHIVE is on a CD.
[19:05 #bo-cd] <bo|Bo Lind> @ines a CD! Those rot too.
## Q2: Who keeps them now?
[19:30 #q2] <ann|Ann Lee> Q2: who should keep them from now on?
[19:31 #cy-lib] <cy|Cy> The library, obviously.
--- 2024-03-06 -05:00 ---
[08:15 #bo-morning] <bo|Bo Lind> Morning: found the box. No archive of 1997 though.
[08:20 #ann-thanks] <ann|Ann Lee> Thanks Bo, bring it Saturday.
"""
ALL = [
    "open", "q1", "bo-box", "ines-scan", "bo-cd", "q2", "cy-lib", "bo-morning",
    "ann-thanks",
]  # fmt: skip
PAGE = "transcripts/newsletter/"
FILES = {"transcripts/newsletter.chat": CHAT}
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site_at(tmp_path_factory.mktemp("filter"), FILES)


@pytest.fixture(scope="module")
def paged(tmp_path_factory):
    return build_site_at(
        tmp_path_factory.mktemp("filter-paged"), FILES, TRANSCRIPTS_PAGE_SIZE=4
    )


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chrome.running_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        chrome.set_viewport(driver, chrome.PHONE)
        yield driver


@pytest.fixture(scope="module")
def base(site):
    with serve(site.output) as url:
        yield url


@pytest.fixture(scope="module")
def paged_base(paged):
    with serve(paged.output) as url:
        yield url


def open_page(driver, url: str) -> chrome.Visit:
    """Load a transcript page and wait for the script to add its form."""
    seen = chrome.visit(driver, url)
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "form.transcript-filter")
    )
    return seen


def shown(driver) -> list[str]:
    """Return the ids of the messages a reader can see, in order."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.transcript-message'))"
        "  .filter(e => e.offsetParent !== null).map(e => e.id.slice(2));"
    )


def shown_headings(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.transcript-messages h2'))"
        "  .filter(e => e.offsetParent !== null).map(e => e.id);"
    )


def status(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".transcript-filter-status").text


def wait_for_status(driver, text: str) -> None:
    """Wait until the live region says ``text`` (typing is debounced)."""
    try:
        WebDriverWait(driver, 10).until(lambda d: status(d) == text)
    except TimeoutException:
        pytest.fail(f"the live region says {status(driver)!r}, not {text!r}")


def query(driver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def search_box(driver):
    return driver.find_element(By.CSS_SELECTOR, "input#transcript-filter-q")


def who(driver) -> Select:
    return Select(driver.find_element(By.CSS_SELECTOR, "select#transcript-filter-who"))


def test_without_javascript_the_page_links_each_participant_to_their_page(site):
    soup = site.html(f"{PAGE}index.html")
    assert [s["src"] for s in soup.select("script[src]")] == [
        "/theme/js/transcript-filter.js"
    ]
    assert soup.select_one("script[src]").has_attr("defer")
    links = [a["href"] for a in soup.select(".transcript-participant a")]
    assert links == [f"/{PAGE}by/{h}/" for h in ("ann", "bo", "cy", "ines")]
    assert soup.select_one("form") is None  # the form is the script's to add
    assert (site.output / "theme/js/transcript-filter.js").is_file()


def test_the_form_has_labelled_controls_and_a_polite_live_count(browser, base):
    seen = open_page(browser, f"{base}/{PAGE}")
    assert seen.console_errors == () and seen.foreign_requests() == []
    form = browser.find_element(By.CSS_SELECTOR, "form.transcript-filter")
    assert form.get_attribute("role") == "search"
    for control in ("transcript-filter-q", "transcript-filter-who"):
        label = form.find_element(By.CSS_SELECTOR, f"label[for='{control}']")
        assert label.text.strip()
    live = form.find_element(By.CSS_SELECTOR, ".transcript-filter-status")
    assert live.get_attribute("role") == "status"
    assert live.get_attribute("aria-live") == "polite"
    assert [o.text for o in who(browser).options] == [
        "Everyone",
        "Ann Lee (@ann)",
        "Bo Lind (@bo)",
        "Cy (@cy)",
        "Inês Costa (@ines)",
    ]
    assert shown(browser) == ALL and status(browser) == ""


def test_text_filter_is_case_and_accent_blind_and_hides_empty_headings(browser, base):
    open_page(browser, f"{base}/{PAGE}")
    search_box(browser).send_keys("archive")
    wait_for_status(browser, "3 of 9 messages")
    assert shown(browser) == ["open", "ines-scan", "bo-morning"]
    # Q1 keeps Inês's message; Q2 has nothing left; both days have a match.
    assert shown_headings(browser) == [
        "d-2024-03-05",
        "s-q1-where-are-the-old-issues",
        "d-2024-03-06",
    ]
    assert query(browser) == {"q": ["archive"]}
    search_box(browser).clear()
    search_box(browser).send_keys("INES cd")  # every word, any case, any accent
    wait_for_status(browser, "2 of 9 messages")
    assert shown(browser) == ["ines-scan", "bo-cd"]


def test_participant_filter_keeps_their_messages_and_days(browser, base):
    open_page(browser, f"{base}/{PAGE}")
    who(browser).select_by_value("bo")
    wait_for_status(browser, "3 of 9 messages")
    assert shown(browser) == ["bo-box", "bo-cd", "bo-morning"]
    assert "s-q2-who-keeps-them-now" not in shown_headings(browser)
    assert query(browser) == {"who": ["bo"]}


def test_text_and_participant_together_then_clear(browser, base):
    open_page(browser, f"{base}/{PAGE}")
    who(browser).select_by_value("bo")
    search_box(browser).send_keys("box")
    wait_for_status(browser, "2 of 9 messages")
    assert shown(browser) == ["bo-box", "bo-morning"]
    assert query(browser) == {"who": ["bo"], "q": ["box"]}
    browser.find_element(By.CSS_SELECTOR, ".transcript-filter-clear").click()
    wait_for_status(browser, "")
    assert shown(browser) == ALL
    assert query(browser) == {}
    assert browser.switch_to.active_element.get_attribute("id") == (
        "transcript-filter-q"
    )


def test_a_shared_filtered_url_is_restored_on_load(browser, base):
    open_page(browser, f"{base}/{PAGE}?who=ann&q=Q1")
    assert search_box(browser).get_attribute("value") == "Q1"
    assert who(browser).first_selected_option.get_attribute("value") == "ann"
    assert shown(browser) == ["q1"]
    assert status(browser) == "1 of 9 messages"


def test_an_unknown_participant_in_the_url_filters_nothing(browser, base):
    open_page(browser, f"{base}/{PAGE}?who=nobody")
    assert who(browser).first_selected_option.get_attribute("value") == ""
    assert shown(browser) == ALL
    assert query(browser) == {}


def test_the_message_a_link_names_is_never_hidden(browser, base):
    open_page(browser, f"{base}/{PAGE}?who=bo#m-cy-lib")
    assert shown(browser) == ["bo-box", "bo-cd", "cy-lib", "bo-morning"]
    assert "s-q2-who-keeps-them-now" in shown_headings(browser)
    assert status(browser) == "3 of 9 messages, and the linked message"
    assert urlsplit(browser.current_url).fragment == "m-cy-lib"
    # Following a permalink to a hidden message shows it as well.
    browser.execute_script("location.hash = '#m-q2'")
    WebDriverWait(browser, 10).until(lambda d: "q2" in shown(d))
    assert "cy-lib" not in shown(browser)
    # A heading named by the fragment stays too, even with no message under it.
    open_page(browser, f"{base}/{PAGE}?q=zzz#s-q2-who-keeps-them-now")
    assert shown(browser) == []
    assert shown_headings(browser) == ["s-q2-who-keeps-them-now"]
    assert status(browser) == "0 of 9 messages"


def test_a_participant_link_filters_in_place_on_a_one_page_chat(browser, base):
    open_page(browser, f"{base}/{PAGE}")
    link = browser.find_element(
        By.CSS_SELECTOR, ".transcript-participant a[href$='/by/ines/']"
    )
    link.click()
    wait_for_status(browser, "1 of 9 messages")
    assert shown(browser) == ["ines-scan"]
    assert urlsplit(browser.current_url).path == f"/{PAGE}"


def test_the_form_is_keyboard_usable_with_visible_focus(browser, base):
    open_page(browser, f"{base}/{PAGE}")
    stops = chrome.tab_through(browser)
    names = [name for name, _ in stops]
    assert any(n.startswith("input#transcript-filter-q") for n in names), names
    assert any(n.startswith("select#transcript-filter-who") for n in names), names
    assert [name for name, visible in stops if not visible] == []
    box = search_box(browser)
    box.click()
    ActionChains(browser).send_keys("library", Keys.ENTER).perform()
    wait_for_status(browser, "1 of 9 messages")
    assert urlsplit(browser.current_url).path == f"/{PAGE}"  # Enter never navigates


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_filtered_page_is_axe_clean_and_fits_a_phone(browser, base, scheme):
    chrome.set_scheme(browser, scheme)
    try:
        seen = open_page(browser, f"{base}/{PAGE}?who=bo&q=box")
        assert seen.console_errors == () and seen.foreign_requests() == []
        assert chrome.horizontal_overflow(browser) <= 0
        assert chrome.serious(chrome.run_axe(browser)) == []
    finally:
        chrome.set_scheme(browser, "light")


def test_a_day_page_of_a_long_chat_filters_its_own_messages(browser, paged_base):
    seen = open_page(browser, f"{paged_base}/{PAGE}2024-03-06/?who=bo")
    assert seen.console_errors == () and seen.foreign_requests() == []
    # No participants list on a later page: the choices come from its messages.
    assert [o.get_attribute("value") for o in who(browser).options] == ["", "ann", "bo"]
    assert shown(browser) == ["bo-morning"]
    assert status(browser) == "1 of 2 messages on this page"
    # On a long chat a participant's link still leads to their page of every day.
    open_page(browser, f"{paged_base}/{PAGE}")
    link = browser.find_element(
        By.CSS_SELECTOR, ".transcript-participant a[href$='/by/cy/']"
    )
    link.click()
    WebDriverWait(browser, 10).until(lambda d: "/by/cy/" in d.current_url)
