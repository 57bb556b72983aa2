"""Write PNGs of each page type at phone and desktop widths (make screenshots)."""

from __future__ import annotations

from pathlib import Path
import sys
import tempfile

from tests.browser import chrome, pages, tools
from tests.browser.server import serve
from tests.support import ROOT, build_sample_site

SHOTS = (
    ("phone", chrome.PHONE[0], "light"),
    ("desktop", chrome.DESKTOP[0], "light"),
    ("phone-dark", chrome.PHONE[0], "dark"),
    ("desktop-dark", chrome.DESKTOP[0], "dark"),
)


def main(argv: list[str]) -> int:
    """Build the sample site, serve it, and photograph each page type."""
    target = ROOT / (argv[0] if argv else "screenshots")
    missing = tools.missing_for_chromium()
    if missing:
        sys.stderr.write(tools.skip_reason(missing) + "\n")
        return 1
    with tempfile.TemporaryDirectory(prefix="colloquy-shots-") as tmp:
        site = build_sample_site(Path(tmp) / "output")
        # Open posts show the perspective form only with an intake endpoint set.
        form = build_sample_site(
            Path(tmp) / "form", PERSPECTIVES_INTAKE_URL="http://127.0.0.1:9"
        )
        chosen = [(site, kind, rel) for kind, rel in pages.one_of_each(site).items()]
        open_posts = [
            rel
            for rel in pages.by_type(form)["article"]
            if form.html(rel).select_one("form.perspective-form")
        ]
        chosen.extend((form, "article-form", rel) for rel in open_posts[-1:])
        driver = chrome.start_chromium(Path(tmp) / "profile")
        try:
            for built, kind, rel in chosen:
                with serve(built.output) as url:
                    for label, width, scheme in SHOTS:
                        chrome.set_scheme(driver, scheme)
                        png = target / f"{kind}-{label}.png"
                        chrome.screenshot(driver, f"{url}/{rel}", width, png)
                        sys.stdout.write(f"{png.relative_to(ROOT)}  ({rel})\n")
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
