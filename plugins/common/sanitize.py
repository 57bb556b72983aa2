"""The one safety boundary for text from outside the author's own posts.

Perspectives, chat messages, imported comments and reblogged excerpts all reach a
template or a feed through :func:`sanitize_html` (HTML) or :func:`render_outside_text`
(Markdown source), never any other way.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
import re
from typing import TYPE_CHECKING

from markupsafe import Markup
import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "dd", "dl",
        "dt", "em", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark",
        "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
# Formatting a title may keep (an old blog's "Why <em>not</em>?"): no links, no media.
INLINE_TAGS = frozenset(
    {"abbr", "b", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "s",
     "small", "strong", "sub", "sup", "u"}
)  # fmt: skip
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc"
MAX_OUTSIDE_TEXT = 100_000  # characters of Markdown source rendered per piece

# What a URL's scheme would be: everything before the first ':' that comes before
# any '/', '?' or '#'. Browsers read "java%73cript:x" as a relative path, but a
# URL that only looks harmless to one parser is not one we publish.
_SCHEME_PART = re.compile(r"^([^/?#]*):")
_URL_ATTRIBUTES = frozenset({"href", "src"})

# Characters XML 1.0 forbids (with the two non-characters feedgen rejects), and
# what HTML forbids besides: C1 controls and the other noncharacters
# (U+FDD0-U+FDEF and the last two code points of every plane).
_XML_ILLEGAL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
# Those of planes 1-16 apart: a class holding any character beyond U+FFFF is
# scanned ~15 times slower, and text (emoji included) rarely reaches U+1FFFE.
_AT_OR_BEYOND_U1FFFE = re.compile("[\U0001fffe-\U0010ffff]")  # one range: fast
_ASTRAL_NONCHARACTERS = re.compile(
    "["
    + "".join(
        chr(plane + 0xFFFE) + chr(plane + 0xFFFF)
        for plane in range(0x10000, 0x110000, 0x10000)
    )
    + "]"
)


def xml_safe(text: str) -> str:
    """Return ``text`` without the characters XML 1.0 cannot carry or HTML forbids."""
    text = _XML_ILLEGAL.sub("", text)
    if not text.isascii() and _AT_OR_BEYOND_U1FFFE.search(text):
        text = _ASTRAL_NONCHARACTERS.sub("", text)
    return text


def _keep_url(_tag: str, attribute: str, value: str) -> str | None:
    """Drop a link or image URL whose scheme, if it has one, is not allowed."""
    if attribute in _URL_ATTRIBUTES:
        scheme = _SCHEME_PART.match(value.strip())
        if scheme and scheme.group(1).lower() not in URL_SCHEMES:
            return None
    return value


def sanitize_html(
    html: str,
    *,
    allow_images: bool = False,
    classes: Mapping[str, frozenset[str]] | None = None,
) -> Markup:
    """Return ``html`` reduced to the allowlist, as markup safe to put in a page.

    Only http, https and mailto links survive, every link gets
    ``rel="nofollow ugc"``, and images are dropped unless ``allow_images``.
    ``classes`` names the only class values a tag may keep (e.g. a chat spoiler).
    """
    kept = tuple(sorted((tag, frozenset(v)) for tag, v in (classes or {}).items()))
    cleaned = _cleaner(allow_images, kept).clean(xml_safe(html))
    # Again after: character references ("&#1;") decode to what XML forbids.
    return Markup(xml_safe(cleaned))


@lru_cache(maxsize=16)
def _cleaner(
    allow_images: bool, classes: tuple[tuple[str, frozenset[str]], ...]
) -> nh3.Cleaner:
    # Built once per allowlist: nh3.clean() rebuilds it on every call, which cost
    # five times the cleaning itself on short texts (chat messages, comments).
    tags = ALLOWED_TAGS | {"img"} if allow_images else ALLOWED_TAGS
    return nh3.Cleaner(
        tags=set(tags),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items() if k in tags},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=_keep_url,
        link_rel=LINK_REL,
        strip_comments=True,
        allowed_classes={k: set(v) for k, v in classes if k in tags},
    )


def sanitize_inline(html: str) -> Markup:
    """Return ``html`` with inline formatting only: for titles and one-line fields.

    Pelican puts titles into pages unescaped, so an imported title must already be
    markup that is safe there.
    """
    cleaned = nh3.clean(
        xml_safe(html), tags=set(INLINE_TAGS), attributes={}, strip_comments=True
    )
    return Markup(xml_safe(cleaned))


def safe_url(url: str | None) -> str | None:
    """Return ``url`` if it is an absolute http(s) URL a reader may follow."""
    if not url:
        return None
    candidate = xml_safe(url).strip()
    # One host character, then any URL characters: the same language as "host+
    # then rest*", whose two overlapping runs made a 100 kB URL ending in a quote
    # try every split (quadratic).
    if re.match(r"(?i)^https?://[^\s/?#\"'<>\\][^\s\"'<>\\]*$", candidate):
        return candidate
    return None


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Imported here: a rebuild that finds every text in its cache renders none
    # (12 ms of every build's start otherwise).
    from markdown_it import MarkdownIt  # noqa: PLC0415

    # CommonMark with raw HTML off: outside text cannot bring its own tags, and
    # markdown-it bounds nesting, so hostile input costs linear time.
    return MarkdownIt("commonmark", {"html": False, "maxNesting": 20}).enable(
        ["strikethrough", "table"]
    )


def render_outside_text(source: str, *, allow_images: bool = False) -> Markup:
    """Render Markdown written by someone other than the author into safe HTML."""
    text = xml_safe(source)
    if len(text) > MAX_OUTSIDE_TEXT:
        text = text[:MAX_OUTSIDE_TEXT] + "\n\n[…]"
    return sanitize_html(_markdown().render(text), allow_images=allow_images)
