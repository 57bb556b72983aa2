"""Old blogs' HTML to clean Markdown: WordPress autop, shortcodes, then markdownify."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
import html
import re

from markdownify import MarkdownConverter

_BLOCK = (
    "address|article|aside|blockquote|dd|div|dl|dt|figure|figcaption|footer|form|"
    "h[1-6]|header|hr|li|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul"
)
_STARTS_BLOCK = re.compile(rf"^\s*</?(?:{_BLOCK})\b", re.IGNORECASE)
# Each pattern that runs to a closing mark is used through _sub_closed, which only
# looks where a closing mark still follows: each of 20,000 unclosed "<pre" (or
# "[caption]") in an old export would otherwise scan to the end (quadratic).
_PRE = re.compile(r"<pre\b.*?</pre>", re.IGNORECASE | re.DOTALL)
_PRE_END = re.compile(r"</pre>", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_SCRIPT_END = re.compile(r"</script\s*>", re.IGNORECASE)
_STYLE = re.compile(r"<style\b.*?</style\s*>", re.IGNORECASE | re.DOTALL)
_STYLE_END = re.compile(r"</style\s*>", re.IGNORECASE)
_EMPHASIS = re.compile(r"</?(?:em|i)\b[^>]*>", re.IGNORECASE)
_MORE = re.compile(r"<!--\s*(?:more|nextpage|noteaser)\b.*?-->", re.IGNORECASE)
_MORE_END = re.compile(r"-->")
_SHORTCODE = re.compile(r"\[(?P<name>[a-zA-Z][\w-]*)(?P<attrs>(?:[\s=][^\]]*)?)\]")
_SHORTCODE_END = re.compile(r"\[/([a-zA-Z][\w-]*)\]")
_ATTR = re.compile(r"""(?<![\w-])([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_CODE_SHORTCODES = frozenset({"code", "sourcecode", "source"})
_LINK_SHORTCODES = frozenset({"embed", "youtube", "vimeo", "audio", "video"})


def _sub_closed(
    pattern: re.Pattern[str],
    closing: re.Pattern[str],
    repl: str | Callable[[re.Match[str]], str],
    text: str,
) -> str:
    """Return ``pattern.sub(repl, text)``, not trying past the last ``closing`` mark."""
    end = 0
    for end_match in closing.finditer(text):
        end = end_match.end()
    return pattern.sub(repl, text[:end]) + text[end:]


def _shortcodes(text: str) -> Iterator[tuple[re.Match[str], str | None, int]]:
    """Yield each shortcode, its inner text (None if never closed) and its end.

    The same as the regex "[name attrs]" then, optionally, the least text up to
    "[/name]", left to right; the closing marks are found once, so the cost is
    linear whatever the text holds.
    """
    closings: dict[str, list[int]] = {}
    for found in _SHORTCODE_END.finditer(text):
        closings.setdefault(found[1], []).append(found.start())
    stop = text.rfind("]") + 1  # no opening can end past the last "]"
    position = 0
    while match := _SHORTCODE.search(text, position, stop):
        starts = closings.get(match["name"], [])
        index = bisect.bisect_left(starts, match.end())
        if index < len(starts):
            close = starts[index]
            position = close + len(match["name"]) + 3
            yield match, text[match.end() : close], position
        else:
            position = match.end()
            yield match, None, position


def autop(text: str) -> str:
    """Turn WordPress-style text (blank line = paragraph, newline = break) into HTML.

    Text that already holds block elements keeps them; ``<pre>`` is left alone.
    """
    keep: list[str] = []

    def stash(match: re.Match[str]) -> str:
        keep.append(match.group(0))
        return f"\n\n\x00{len(keep) - 1}\x00\n\n"

    text = _sub_closed(
        _PRE, _PRE_END, stash, text.replace("\r\n", "\n").replace("\r", "\n")
    )
    blocks = []
    for chunk in _PARAGRAPH_BREAK.split(text.strip()):
        chunk = chunk.strip()  # noqa: PLW2901
        if not chunk:
            continue
        if chunk.startswith("\x00") or _STARTS_BLOCK.match(chunk):
            blocks.append(chunk)
        else:
            blocks.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    joined = "\n\n".join(blocks)
    return re.sub(r"\x00(\d+)\x00", lambda m: keep[int(m.group(1))], joined)


def _attrs(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
        for m in _ATTR.finditer(text)
    }


def expand_shortcodes(text: str, unknown: list[str]) -> str:
    """Replace the shortcodes we understand with HTML; keep the others visible.

    ``[caption]`` becomes the image and an italic caption, ``[code]`` and
    ``[sourcecode]`` a code block, ``[embed]``/``[youtube]`` a link. Unknown ones
    (``[gallery]``, plugins' own) stay as text and their names go to ``unknown``.
    """

    def replace(match: re.Match[str], inner: str | None, whole: str) -> str:
        name = match.group("name").lower()
        attrs = _attrs(match.group("attrs") or "")
        if name == "caption" and inner is not None:
            caption = attrs.get("caption", "")
            image = inner
            found = re.match(r"\s*(<a\b.*?</a>|<img\b[^>]*>)(.*)", inner, re.DOTALL)
            if found:
                image, caption = found.group(1), found.group(2).strip() or caption
            caption = _EMPHASIS.sub("", caption)
            return f"<p>{image}</p><p><em>{caption}</em></p>" if caption else image
        if name in _CODE_SHORTCODES and inner is not None:
            language = attrs.get("language") or attrs.get("lang") or ""
            css = f' class="language-{html.escape(language)}"' if language else ""
            return f"<pre><code{css}>{html.escape(html.unescape(inner))}</code></pre>"
        if name in _LINK_SHORTCODES:
            url = (inner or "").strip() or attrs.get("src", "") or attrs.get("url", "")
            if not url:
                bare = (match.group("attrs") or "").strip().lstrip("=").strip("\"' ")
                url = bare if bare.startswith(("http://", "https://")) else ""
            if url:
                safe = html.escape(url, quote=True)
                return f'<p><a href="{safe}">{safe}</a></p>'
        if re.fullmatch(r"[a-z][a-z0-9_-]*", name) and (
            inner is not None or match.group("attrs")
        ):
            unknown.append(name)
        return whole

    pieces = []
    position = 0
    for match, inner, end in _shortcodes(text):
        pieces += [
            text[position : match.start()],
            replace(match, inner, text[match.start() : end]),
        ]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


class _Converter(MarkdownConverter):
    """markdownify, with the few choices a blog archive wants."""

    def convert_pre(self, el, text, parent_tags):
        """Keep a code block's language class as a fenced-code info string."""
        code = el.find("code")
        classes = (code.get("class") if code is not None else None) or []
        language = next(
            (c.removeprefix("language-") for c in classes if c.startswith("language-")),
            "",
        )
        body = el.get_text()
        fence = "````" if "```" in body else "```"
        return f"\n\n{fence}{language}\n{body.strip(chr(10))}\n{fence}\n\n"


def html_to_markdown(
    text: str, *, breaks: bool = True, shortcodes: bool = True
) -> tuple[str, list[str]]:
    """Return the Markdown for an old post's HTML, and the unknown shortcodes in it.

    ``breaks`` applies WordPress's autop (blank line = paragraph); ``shortcodes``
    expands the WordPress shortcodes we know.
    """
    unknown: list[str] = []
    text = _sub_closed(_MORE, _MORE_END, "", text or "")
    text = _sub_closed(
        _STYLE, _STYLE_END, "", _sub_closed(_SCRIPT, _SCRIPT_END, "", text)
    )
    if shortcodes:
        text = expand_shortcodes(text, unknown)
    if breaks:
        text = autop(text)
    markdown = _Converter(
        heading_style="ATX",
        bullets="-",
        newline_style="backslash",
        escape_underscores=False,
        strip=["script", "style"],
        bs4_options="lxml",
    ).convert(text)
    # The lookbehind tries each run of blanks once (a 100 kB run in a <pre> was
    # scanned from each of its characters).
    markdown = re.sub(r"(?<![ \t])[ \t]+\n", "\n", markdown)
    # A <br> that ends a paragraph (or stands alone) breaks nothing.
    markdown = re.sub(r"(?m)^\\\n", "\n", markdown)
    markdown = re.sub(r"\\(?=\n\n|\n?$)", "", markdown)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip()
    return markdown + "\n" if markdown else "", sorted(set(unknown))
