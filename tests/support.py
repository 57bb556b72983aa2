"""What the tests share: building a real site and reading its output back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
import json
from pathlib import Path
import signal
import subprocess
import sys
from urllib.parse import quote, unquote, urlsplit
import warnings
import xml.etree.ElementTree as ET

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
import mf2py

ROOT = Path(__file__).resolve().parent.parent


def build_sample_site(output: Path, **settings: object) -> BuiltSite:
    """Build the project's content/ into ``output`` as ``make publish`` checks it.

    ``settings`` override pelicanconf.py's (as ``pelican -e NAME=json``).
    """
    pelican = Path(sys.executable).with_name("pelican")
    extra = [f"{name}={json.dumps(value)}" for name, value in sorted(settings.items())]
    result = subprocess.run(
        [str(pelican), "content", "-o", str(output), "-s", "pelicanconf.py",
         "--fatal", "warnings", *(["-e", *extra] if extra else [])],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return BuiltSite(output)


@dataclass(frozen=True)
class BuiltSite:
    """The output folder of one test build, with parsers for what is in it."""

    output: Path

    def html(self, rel: str) -> BeautifulSoup:
        """Parse one output page."""
        return BeautifulSoup(self.text(rel), "html.parser")

    def text(self, rel: str) -> str:
        """Return one output file as text."""
        return (self.output / rel).read_text(encoding="utf-8")

    def xml(self, rel: str) -> ET.Element:
        """Parse one output XML file."""
        return ET.parse(self.output / rel).getroot()

    def mf2(self, rel: str, url: str = "http://example.test/") -> dict:
        """Read the microformats of one output page as mf2py does."""
        return mf2py.parse(doc=self.text(rel), url=url)

    def pages(self) -> list[str]:
        """Return every HTML file in the output, sorted, relative to it."""
        return sorted(
            p.relative_to(self.output).as_posix() for p in self.output.rglob("*.html")
        )

    def snapshot(self) -> dict[str, bytes]:
        """Return every output file's bytes, by relative path."""
        return {
            p.relative_to(self.output).as_posix(): p.read_bytes()
            for p in sorted(self.output.rglob("*"))
            if p.is_file()
        }


class _References(HTMLParser):
    """Collect every URL a page refers to (links, assets, form targets)."""

    ATTRIBUTES = frozenset({"href", "src", "action", "poster", "data"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and name in self.ATTRIBUTES:
                self.urls.append(value)
            if value and name == "srcset":
                self.urls.extend(
                    part.split()[0] for part in value.split(",") if part.strip()
                )


def broken_links(output: Path, site_url: str = "") -> list[str]:
    """Return ``page -> url`` for every internal reference that names no file."""
    broken = []
    for page in sorted(output.rglob("*.html")):
        parser = _References()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            target = _resolve(output, page, url, site_url)
            if target is not None and not target.exists():
                broken.append(f"{page.relative_to(output)} -> {url}")
    return broken


def _resolve(output: Path, page: Path, url: str, site_url: str) -> Path | None:
    if site_url and url.startswith(site_url):
        url = url[len(site_url) :] or "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None  # external, mailto:, or a fragment of this page
    path = unquote(parts.path)
    base = output if path.startswith("/") else page.parent
    target = (base / path.lstrip("/")).resolve()
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


DANGEROUS_TAGS = frozenset(
    {"script", "iframe", "object", "embed", "form", "input", "button", "meta",
     "link", "style", "svg", "math", "base", "frame", "frameset", "applet",
     "textarea", "select",
     # and the ones browsers parse in ways sanitisers have got wrong
     "template", "noscript", "portal", "isindex", "keygen", "xmp", "plaintext",
     "listing", "noembed", "noframes", "video", "audio", "source", "track"}
)  # fmt: skip
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data"}
)


def active_content(html: str, *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Return every element or attribute in ``html`` that could run script or leak.

    ``allowed`` names dangerous tags the page itself may legitimately carry (the
    theme's own ``link`` and ``meta`` in a full page, say).
    """
    found = []
    with warnings.catch_warnings():
        # Sanitised text may be just "http:"; bs4 would warn that it looks like a URL.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(True):
        if element.name in DANGEROUS_TAGS - allowed:
            found.append(f"<{element.name}>")
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on") or name.lower() == "style":
                found.append(f"<{element.name} {name}>")
            elif name.lower() in URL_ATTRIBUTES:
                scheme = _scheme(text)  # '#x:y' and '/a:b' have none
                if scheme and scheme not in {"http", "https", "mailto"}:
                    found.append(f"<{element.name} {name}={text!r}>")
    return found + _attribute_tricks(soup)


# Attributes that carry a document, a list of URLs or a timed navigation.
_DOCUMENT_ATTRIBUTES = frozenset({"srcdoc", "http-equiv", "formaction", "ping"})
_LIST_URL_ATTRIBUTES = frozenset({"srcset", "imagesrcset"})
_MORE_URL_ATTRIBUTES = frozenset(
    {"poster", "background", "lowsrc", "dynsrc", "codebase", "cite", "manifest"}
)


def _attribute_tricks(soup: BeautifulSoup) -> list[str]:
    found = []
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            key = name.lower()
            urls = []
            if key in _DOCUMENT_ATTRIBUTES and element.name != "meta":
                found.append(f"<{element.name} {name}>")
            elif key in _LIST_URL_ATTRIBUTES:
                urls = [part.split()[0] for part in text.split(",") if part.split()]
            elif key in _MORE_URL_ATTRIBUTES or key.endswith(":href"):
                urls = [text]
            for url in urls:
                if _scheme(url) not in {"", "http", "https", "mailto"}:
                    found.append(f"<{element.name} {name}={url!r}>")
    return found


def _scheme(url: str) -> str:
    """Return what a browser would take as the URL's scheme ('' when relative)."""
    cleaned = "".join(c for c in url if c > " " and c != "\x7f")
    head = cleaned.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return head.split(":", 1)[0].lower() if ":" in head else ""


THEME_SCRIPT_TYPES = frozenset({"application/ld+json"})


def page_active_content(html: str, *, intake_action: str = "") -> list[str]:
    """Return active content in a whole built page, minus what the theme owns.

    The theme legitimately writes ``<link>`` and ``<meta>`` in ``<head>`` (a
    redirect page's refresh to a same-site or http(s) URL included), the JSON-LD
    ``<script type="application/ld+json">`` (data, never run), same-origin script
    files, identicons, the perspective form posting to ``intake_action``, the
    reblog page's read-only snippet boxes. Everything else is reported as
    :func:`active_content` reports it; a JSON-LD block that outside text broke out
    of shows up as a second script or stray markup.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    problems = []
    for element in list(soup.find_all(True)):
        if element.decomposed:
            continue
        verdict = _theme_owned(element, intake_action)
        if verdict is True:
            element.unwrap() if element.name == "head" else element.decompose()
        elif verdict:
            problems.append(verdict)
    return problems + active_content(str(soup))


def _theme_owned(element, intake_action: str) -> bool | str | None:  # noqa: PLR0911
    """Return True for the theme's own element, a message if wrong, else None."""
    in_head = element.find_parent("head") is not None
    if element.name == "head":
        return None
    if element.name in {"link", "meta"} and in_head:
        if element.name == "meta" and str(element.get("http-equiv", "")).lower():
            target = str(element.get("content", "")).partition("url=")[2].strip()
            if _scheme(target) not in {"", "http", "https"}:
                return f"<meta http-equiv content={element.get('content')!r}>"
        return True
    if element.name == "script":
        if element.get("type") in THEME_SCRIPT_TYPES and not element.get("src"):
            return True
        src = str(element.get("src", ""))
        if (
            src
            and not urlsplit(src).netloc
            and _scheme(src) == ""
            and not element.string
        ):
            return True
        return None
    if element.name == "svg" and "identicon" in element.get("class", []):
        # The perspectives plugin's avatar: coloured squares, nothing else.
        parts = element.find_all(True)
        if all(part.name in {"rect", "path"} for part in parts) and not any(
            key.lower().startswith("on") or "href" in key.lower()
            for part in [element, *parts]
            for key in part.attrs
        ):
            return True
        return None
    if element.name == "form" and "perspective-form" in element.get("class", []):
        return (
            True if intake_action and element.get("action") == intake_action else None
        )
    if element.name in {"textarea", "input"} and element.get("readonly") is not None:
        return True if not element.attrs.keys() & {"name", "form"} else None
    return None


def write_files(content: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``{relative path: text or bytes}`` under ``content``; return it."""
    content.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        target = content / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
    return content


def build_site_at(root: Path, files: dict[str, str | bytes], **overrides) -> BuiltSite:
    """Build a site from ``{relative path: text}`` under ``root`` (module fixtures)."""
    from pelican import Pelican  # noqa: PLC0415  (keeps this module light to import)

    settings = site_settings_at(root, files, **overrides)
    Pelican(settings).run()
    return BuiltSite(Path(settings["OUTPUT_PATH"]))


def build_in_processes(root: Path, settings: dict[str, Path]) -> dict[str, dict]:
    """Build with each settings file in a process of its own; return the snapshots.

    Pelican's signal receivers stay connected for the life of a process, so
    builds with different plugins cannot share one. Output goes to ``root/name``.
    """
    for name, conf in settings.items():
        command = [sys.executable, "-m", "pelican", "-s", str(conf), "-o", name]
        subprocess.run(command, check=True, cwd=root, capture_output=True)
    return {name: BuiltSite(root / name).snapshot() for name in settings}


def site_settings_at(root: Path, files: dict[str, str | bytes], **overrides) -> dict:
    """Write ``files`` under ``root/content``; return the settings to build them."""
    from pelican.settings import read_settings  # noqa: PLC0415

    content = write_files(root / "content", files)
    output = root / "output"
    override = {
        "PATH": str(content),
        "OUTPUT_PATH": str(output),
        "THEME": str(ROOT / "theme"),
        "CACHE_CONTENT": False,
        "PERFORMANCE_READER_CACHE": False,  # tests that want it set CACHE_PATH too
        "PERFORMANCE_SKIP_UNCHANGED": False,
        "PERFORMANCE_WORKERS": 1,  # no prefetch worker unless a test asks for one
        # Tests read the errors a bad file causes from the log, not the exit status.
        "BUILD_REPORT_FAIL_ON_SKIPPED": False,
        **overrides,
    }
    return read_settings(str(ROOT / "pelicanconf.py"), override=override)


def broken_fragments(output: Path, site_url: str = "") -> list[str]:
    """Return ``page -> url#fragment`` for every internal link to a missing anchor."""
    ids: dict[Path, set[str]] = {}

    def anchors(page: Path) -> set[str]:
        if page not in ids:
            soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
            ids[page] = {str(tag["id"]) for tag in soup.find_all(id=True)}
        return ids[page]

    broken = []
    for page in sorted(output.rglob("*.html")):
        parser = _References()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            fragment = unquote(urlsplit(url).fragment)
            if not fragment:
                continue
            has_path = urlsplit(url).path or urlsplit(url).netloc
            target = _resolve(output, page, url, site_url) if has_path else page
            if target is not None and (
                not target.exists() or fragment not in anchors(target)
            ):
                broken.append(f"{page.relative_to(output)} -> {url}")
    return broken


def files_containing(root: Path, needles: list[str]) -> list[str]:
    """Return ``file: needle`` for every file under ``root`` holding a needle.

    Each needle is also looked for URL-encoded and HTML-escaped, case-insensitively,
    in every byte of every file (hidden ones included).
    """
    found = []
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        for needle in needles:
            forms = {needle, quote(needle, safe=""), quote(needle), escape(needle)}
            if any(form.lower().encode("utf-8") in data for form in forms):
                found.append(f"{path.relative_to(root).as_posix()}: {needle}")
    return found


@contextmanager
def watchdog(seconds: int = 20) -> Iterator[None]:
    """Fail the block if it runs ``seconds`` (a hang guard, not a timing assertion).

    For work that is milliseconds when linear and minutes when quadratic: the test
    asserts on results, the alarm only stops a runaway scan (re checks signals).
    """

    def stop(_signum, _frame):
        raise AssertionError(f"still running after {seconds} s: superlinear?")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
