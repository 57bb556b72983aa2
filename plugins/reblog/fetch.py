"""Fetch one web page carefully: http(s) only, bounded in time, size and redirects."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
import re
import time
from typing import Any
import urllib.error
from urllib.parse import quote, urljoin, urlsplit, urlunsplit
import urllib.request

from plugins.common.sanitize import safe_url

USER_AGENT = "Colloquy-reblog/0.1 (+https://github.com/colloquy)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.I)
_CHUNK = 64 * 1024
_URI_SAFE = "%/:@!$&'()*+,;=?-._~"  # what a URI may hold as is (RFC 3986)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class FetchError(ValueError):
    """The page could not be fetched; the message says which URL and why."""


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A fetched HTML page and the URL it was finally served from."""

    url: str
    html: str


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow at most ``limit`` redirects, and only to http(s) URLs."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.count = 0
        # urllib's own loop checks would answer first, with a less clear message.
        self.max_repeats = self.max_redirections = limit + 1

    def http_error_302(self, req, fp, code, msg, headers):
        """Check where a redirect leads before urllib looks at it."""
        location = headers.get("location") or headers.get("uri") or ""
        newurl = urljoin(req.full_url, location.strip())
        if safe_url(newurl) != newurl:
            raise FetchError(
                f"{req.full_url}: expected a redirect to an http(s) URL, got {newurl!r}"
            )
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: PLR0913, PLR0917
        """Refuse a redirect past the limit or to another scheme."""
        self.count += 1
        if self.count > self.limit:
            raise FetchError(
                f"{req.full_url}: expected at most {self.limit} redirects, got more"
            )
        if safe_url(newurl) != newurl:
            raise FetchError(
                f"{req.full_url}: expected a redirect to an http(s) URL, got {newurl!r}"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_page(
    url: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = 2_000_000,
    max_redirects: int = 5,
) -> FetchedPage:
    """Return the HTML page at ``url``; raise :class:`FetchError` saying what failed.

    ``timeout`` bounds the whole exchange, not only each read, so a server that
    trickles bytes cannot hold the command for long.
    """
    if safe_url(url) != url:
        raise FetchError(f"expected an http(s) URL, got {url!r}")
    request_url = _as_uri(url)
    opener = urllib.request.build_opener(_LimitedRedirects(max_redirects))
    request = urllib.request.Request(
        request_url, headers={"User-Agent": USER_AGENT, "Accept": "text/html"}
    )
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            body = _read_bounded(response, url, max_bytes, deadline, timeout)
            final_url = response.geturl()
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
    except urllib.error.HTTPError as err:
        raise FetchError(
            f"{url}: expected a page, got HTTP {err.code} {err.reason}"
        ) from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError):
            raise FetchError(
                f"{url}: expected an answer within {timeout:g} s, got none"
            ) from None
        raise FetchError(f"{url}: could not connect ({reason})") from None
    except TimeoutError:
        raise FetchError(
            f"{url}: expected an answer within {timeout:g} s, got none"
        ) from None
    except OSError as err:
        raise FetchError(f"{url}: could not fetch ({err})") from None
    if content_type not in HTML_TYPES:
        raise FetchError(f"{url}: expected an HTML page, got {content_type!r}")
    return FetchedPage(url=final_url, html=_decode(body, charset))


def _as_uri(url: str) -> str:
    """Return ``url`` as urllib can send it: an IRI's host in IDNA, the rest %-encoded.

    A browser's address bar gives ``https://de.wikipedia.org/wiki/Köln``.
    """
    if url.isascii():
        return url
    parts = urlsplit(url)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    host, colon, port = (
        hostport.rpartition(":") if "]" not in hostport else ("", "", "")
    )
    if not colon or not port.isdigit():
        host, colon, port = hostport, "", ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError(f"{url}: expected a host name, got {host!r}") from None
    netloc = (quote(userinfo, safe=_URI_SAFE) + "@" if userinfo else "") + host
    return urlunsplit(
        (
            parts.scheme,
            netloc + colon + port,
            quote(parts.path, safe=_URI_SAFE),
            quote(parts.query, safe=_URI_SAFE),
            quote(parts.fragment, safe=_URI_SAFE),
        )
    )


def _read_bounded(
    response: Any, url: str, max_bytes: int, deadline: float, timeout: float
) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(
            f"{url}: expected at most {max_bytes} bytes, got a page of {length}"
        )
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError(
                f"{url}: expected the whole page within {timeout:g} s, got part of it"
            )
        chunk = response.read1(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(
                f"{url}: expected at most {max_bytes} bytes, got more than that"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(body: bytes, charset: str | None) -> str:
    for bom, codec in _BOMS:  # as browsers do, a byte order mark wins over all
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    if not charset:
        match = _META_CHARSET.search(body[:4096])
        charset = match.group(1).decode("ascii") if match else "utf-8"
        if charset.lower().startswith("utf-16"):  # ASCII bytes read it: not UTF-16
            charset = "utf-8"
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
