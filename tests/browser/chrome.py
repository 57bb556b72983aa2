"""Drive Debian's headless Chromium through chromedriver, offline and quiet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.browser.tools import (
    AXE_JS,
    CHROMEDRIVER,
    chromium_binary,
    missing_for_chromium,
    skip_reason,
)

PHONE = (375, 812)
DESKTOP = (1280, 900)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
)
# Only violations come back: passes and incomplete results would bloat the answer.
AXE_OPTIONS = {"resultTypes": ["violations"]}


@dataclass(frozen=True, slots=True)
class Visit:
    """What loading one page did: its requests and its console errors."""

    url: str
    requests: tuple[str, ...]
    console_errors: tuple[str, ...]

    def foreign_requests(self) -> list[str]:
        """Return every request that left the page's origin."""
        origin = _origin(self.url)
        return [
            url
            for url in self.requests
            if not url.startswith("data:") and _origin(url) != origin
        ]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def start_chromium(profile: Path) -> webdriver.Chrome:
    """Start headless Chromium with a throwaway profile; never download a driver."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium_binary())
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability(
        "goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"}
    )
    # An explicit driver path keeps Selenium Manager from fetching anything.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    return driver


@contextmanager
def running_chromium(profile: Path) -> Iterator[webdriver.Chrome]:
    """Run Chromium for the block; skip the test when it or its driver is missing."""
    missing = missing_for_chromium()
    if missing:
        pytest.skip(skip_reason(missing))
    driver = start_chromium(profile)
    try:
        yield driver
    finally:
        driver.quit()


def set_viewport(driver: webdriver.Chrome, size: tuple[int, int]) -> None:
    """Make the page see a ``width`` x ``height`` screen; phones get mobile mode."""
    width, height = size
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": height,
            "deviceScaleFactor": 1,
            "mobile": width < 600,
        },
    )


def set_scheme(driver: webdriver.Chrome, scheme: str) -> None:
    """Emulate ``prefers-color-scheme: light`` or ``dark``."""
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )


def visit(driver: webdriver.Chrome, url: str) -> Visit:
    """Load ``url`` and report every request it made and every console error."""
    driver.get_log("performance")  # drop what earlier pages logged
    driver.get_log("browser")
    driver.get(url)
    driver.execute_script("return document.fonts.ready")
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    errors = [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE"
    ]
    return Visit(url=url, requests=tuple(requests), console_errors=tuple(errors))


def horizontal_overflow(driver: webdriver.Chrome) -> int:
    """Return how many CSS pixels the page is wider than its viewport."""
    return driver.execute_script(
        "const d = document.documentElement;"
        "return Math.max(d.scrollWidth, document.body.scrollWidth) - d.clientWidth;"
    )


def tab_through(driver: webdriver.Chrome, limit: int = 80) -> list[tuple[str, bool]]:
    """Press Tab until focus leaves the page; say for each stop if focus is visible."""
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    stops: list[tuple[str, bool]] = []
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        name, visible = driver.execute_script(
            "const e = document.activeElement;"
            "if (!e || e === document.body) return [null, false];"
            "const s = getComputedStyle(e);"
            "const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;"
            "const label = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')"
            "  + ' ' + (e.textContent || e.name || '').trim().slice(0, 30);"
            "return [label, ring || s.boxShadow !== 'none'];"
        )
        if name is None or (stops and name == stops[0][0]):
            break
        stops.append((name, visible))
    return stops


def run_axe(driver: webdriver.Chrome) -> list[dict]:
    """Run axe-core (from node_modules, injected, never fetched) on the page."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, arguments[0])"
        "  .then(r => done(r.violations))"
        "  .catch(e => done([{id: 'axe-error', impact: 'critical',"
        "                     help: String(e), nodes: []}]));",
        AXE_OPTIONS,
    )
    return list(result)


def serious(violations: list[dict]) -> list[str]:
    """Describe the serious and critical violations, one line per element."""
    lines = []
    for violation in violations:
        if violation.get("impact") not in {"serious", "critical"}:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"at {', '.join(targets) or '?'}"
        )
    return lines


def screenshot(driver: webdriver.Chrome, url: str, width: int, target: Path) -> None:
    """Save a full-length PNG of ``url`` as seen on a screen ``width`` pixels wide."""
    set_viewport(driver, (width, 800))
    driver.get(url)
    height = driver.execute_script(
        "return Math.ceil(document.documentElement.scrollHeight)"
    )
    set_viewport(driver, (width, min(max(height, 400), 12000)))
    target.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(target))
