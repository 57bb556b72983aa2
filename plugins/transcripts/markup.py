"""Chat markup dialects: a message's ``*bold*`` or ``**bold**`` as a reader expects.

Each chat platform writes emphasis its own way. A transcript's ``Source`` picks the
dialect (a ``Markup: slack|whatsapp|discord|markdown|plain`` header overrides it).
Rendering is one left-to-right pass per line with a bounded stack of open markers,
so any text costs linear time; the caller sanitises the result.

- slack: ``*bold*`` ``_italic_`` ``~strike~`` `` `code` `` ```` ``` ```` blocks,
  ``>`` and ``>>>`` quotes, ``[label](url)`` (as the Slack importer writes links),
  ``<url>``.
- whatsapp: ``*bold*`` ``_italic_`` ``~strike~`` `` `code` `` ```` ``` ```` blocks,
  ``>`` quotes.
- discord: ``**bold**`` ``*italic*`` ``_italic_`` ``__underline__`` ``~~strike~~``
  ``||spoiler||``, code, ``>`` and ``>>>`` quotes, ``[label](url)``, ``<url>``.
- markdown (Matrix, Mastodon, Telegram): as discord, but ``__bold__``.
- plain (IRC, hashtag chats, anything else): only `` `code` `` and links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import re

from markupsafe import escape

from plugins.common.sanitize import xml_safe

MAX_OPEN = 16  # markers open at once on one line; more stay literal text
SPOILER_CLASS = "chat-spoiler"

# Ideographic full stop and comma, fullwidth ;:!? and corner/lenticular brackets:
# CJK text runs on after a URL without a space and the URL ends at one of these, or
# at a fullwidth ")" it did not open (render.trim_url says the same). The pattern
# stops there itself: ending the match further on made each of 10,000 URLs glued
# by "。" rescan the rest of the line (quadratic).
CJK_STOPS = (
    "\u3002\uff0c\u3001\uff1b\uff1a\uff01\uff1f\u300c\u300d\u300e\u300f\u3010\u3011"
)
_URL_CHAR = f"[^\\s<>\"'`{CJK_STOPS}]"
_URL = (
    rf"(?P<url>\bhttps?://(?:[^\s<>\"'`{CJK_STOPS}\uff08\uff09]+(?:\uff08{_URL_CHAR}*)?"
    rf"|\uff08{_URL_CHAR}*))"
)
_ANGLE = r"<(?P<angle>https?://[^\s<>]+)>"  # <url>: a link without its preview
_HANDLE = r"(?<![\w@/.])@(?P<handle>[\w][\w.-]*)"
# A hashtag has a letter somewhere: "#123" is an issue or a rank, not a tag.
_TAG = r"(?<![\w#&/])#(?P<tag>[\d_]*[^\W\d_][\w-]*)"
_CODE = r"``(?P<code2>(?:[^`\n]|`(?!`))+)``|`(?P<code>[^`\n]+)`"
_LINK = (
    r"\[(?P<label>[^\[\]\n]{1,500})\]"
    r"\((?P<href>https?://[^\s()<>]+(?:\([^\s()<>]*\)[^\s()<>]*)*)\)"
)
_FENCE = "```"
_LANGUAGE = re.compile(r"[\w+#.-]{1,20}\n")

Token = Callable[[re.Match[str]], "tuple[str, int] | None"]


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one platform marks up message text."""

    name: str
    markers: tuple[tuple[str, str], ...] = ()  # marker -> tag, longest first
    intraword: frozenset[str] = frozenset()  # markers that may touch letters
    fences: bool = False  # ``` blocks
    languages: bool = False  # a word alone after ``` names the code's language
    quotes: str = ""  # "" none, "loose" (">x"), "strict" ("> x")
    long_quotes: bool = False  # ">>>" quotes the rest of the message
    links: bool = False  # [label](url)

    def pattern(self) -> re.Pattern[str]:
        """Return the one regex that finds this dialect's inline tokens."""
        parts = [_CODE]
        if self.links:
            parts += [_LINK, _ANGLE]
        parts += [_URL, _HANDLE, _TAG]
        if self.markers:
            alternatives = "|".join(re.escape(marker) for marker, _ in self.markers)
            parts.append(f"(?P<marker>{alternatives})")
        return re.compile("|".join(parts))


_SLACKISH = (("*", "strong"), ("_", "em"), ("~", "del"))
_MARKDOWN = (
    ("***", "em strong"),
    ("**", "strong"),
    ("~~", "del"),
    ("||", "spoiler"),
    ("*", "em"),
    ("_", "em"),
)
DIALECTS = {
    dialect.name: dialect
    for dialect in (
        Dialect("plain"),
        Dialect(
            "slack",
            markers=_SLACKISH,
            fences=True,
            quotes="loose",
            long_quotes=True,
            links=True,
        ),
        Dialect("whatsapp", markers=_SLACKISH, fences=True, quotes="strict"),
        Dialect(
            "discord",
            markers=(("__", "u"), *_MARKDOWN),
            intraword=frozenset({"***", "**", "*", "~~", "||"}),
            fences=True,
            languages=True,
            quotes="strict",
            long_quotes=True,
            links=True,
        ),
        Dialect(
            "markdown",
            markers=(("__", "strong"), *_MARKDOWN),
            intraword=frozenset({"***", "**", "*", "~~", "||"}),
            fences=True,
            languages=True,
            quotes="strict",
            links=True,
        ),
    )
}
SOURCES = {
    "slack": "slack",
    "whatsapp": "whatsapp",
    "discord": "discord",
    "matrix": "markdown",
    "mastodon": "markdown",
    "telegram": "markdown",
}
_PATTERNS = {name: dialect.pattern() for name, dialect in DIALECTS.items()}


def dialect_for(source: str, extra: tuple[tuple[str, str], ...] = ()) -> Dialect:
    """Return the dialect of a transcript from its ``Markup`` header or ``Source``."""
    for key, value in extra:
        if key.lower() == "markup" and value.strip().lower() in DIALECTS:
            return DIALECTS[value.strip().lower()]
    return DIALECTS[SOURCES.get(source.strip().lower(), "plain")]


def render_markup(text: str, dialect: Dialect, token: Token) -> str:
    """Return ``text`` as HTML (not yet sanitised) in ``dialect``.

    ``token`` turns a URL, @mention, #tag or ``[label](url)`` match into HTML and
    the index where it ends, or returns None to leave it as text.
    """
    pieces: list[str] = []
    for is_code, segment in _segments(xml_safe(text), dialect):
        if is_code:
            pieces.append(_code_block(segment, dialect))
        else:
            pieces.append(_blocks(segment, dialect, token))
    return "".join(pieces)


def _segments(text: str, dialect: Dialect) -> list[tuple[bool, str]]:
    """Split ``text`` into (is_code, part) around paired ``` fences."""
    if not dialect.fences or text.count(_FENCE) <= 1:
        return [(False, text)]
    parts = text.split(_FENCE)
    if len(parts) % 2 == 0:  # an unpaired last fence stays as written
        parts[-2:] = [parts[-2] + _FENCE + parts[-1]]
    segments = []
    for index, part in enumerate(parts):
        code = index % 2 == 1
        kept = part
        if not code:
            if index > 0:
                kept = kept.removeprefix("\n")
            if index < len(parts) - 1:
                kept = kept.removesuffix("\n")
        if kept or code:
            segments.append((code, kept))
    return segments


def _code_block(code: str, dialect: Dialect) -> str:
    if (
        dialect.languages
        and (language := _LANGUAGE.match(code))
        and code[language.end() :]
    ):
        code = code[language.end() :]
    code = code.removeprefix("\n").removesuffix("\n")
    return f"<pre><code>{escape(code)}</code></pre>"


def _blocks(text: str, dialect: Dialect, token: Token) -> str:
    """Return a run of lines, quoted ones grouped into blockquotes."""
    # A bare CR is a line break too (as the .chat parser reads it), never kept as text.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    quoted: list[str] = []
    plain: list[str] = []

    def flush_plain() -> None:
        if plain:
            out.append("<br>\n".join(_inline(line, dialect, token) for line in plain))
            plain.clear()

    def flush_quote() -> None:
        if quoted:
            inner = "<br>\n".join(_inline(line, dialect, token) for line in quoted)
            out.append(f"<blockquote>{inner}</blockquote>")
            quoted.clear()

    for number, line in enumerate(lines):
        if dialect.long_quotes and line.startswith(">>>"):
            flush_plain()
            quoted += [line[3:].lstrip(" "), *lines[number + 1 :]]
            break
        body = _quoted(line, dialect)
        if body is None:
            flush_quote()
            plain.append(line)
        else:
            flush_plain()
            quoted.append(body)
    flush_plain()
    flush_quote()
    return "".join(
        piece if index == 0 or piece.startswith("<blockquote>") else "\n" + piece
        for index, piece in enumerate(out)
    )


def _quoted(line: str, dialect: Dialect) -> str | None:
    """Return a quote line's text without its ``>``, or None for other lines."""
    if dialect.quotes == "loose" and line.startswith(">"):
        return line[1:].removeprefix(" ")
    if dialect.quotes == "strict" and (line.startswith("> ") or line == ">"):
        return line[2:]
    return None


@dataclass(slots=True)
class _Marker:
    text: str
    tag: str
    can_open: bool
    can_close: bool


def _inline(line: str, dialect: Dialect, token: Token) -> str:
    """Return one line with code, links and balanced emphasis markers as HTML."""
    pattern = _PATTERNS[dialect.name]
    tags = dict(dialect.markers)
    items: list[str | _Marker] = []
    position = 0
    while (match := pattern.search(line, position)) is not None:
        start, end = match.span()
        if match["marker"] if dialect.markers else False:
            items.append(escape(line[position:start]))
            items.append(_flanking(line, match, tags[match["marker"]], dialect))
            position = end
            continue
        if match["code"] is not None or match["code2"] is not None:
            code = match["code"] if match["code"] is not None else match["code2"]
            html, stop = f"<code>{escape(code)}</code>", end
        else:
            found = token(match)
            if found is None:
                items.append(escape(line[position:end]))
                position = end
                continue
            html, stop = found
        items.append(escape(line[position:start]))
        items.append(html)
        position = stop
    items.append(escape(line[position:]))
    _pair(items)
    return "".join(item if isinstance(item, str) else item.text for item in items)


def _flanking(line: str, match: re.Match[str], tag: str, dialect: Dialect) -> _Marker:
    """Return a marker, saying whether it may open or close by what surrounds it."""
    start, end = match.span()
    marker = match["marker"]
    before = line[start - 1] if start > 0 else " "
    after = line[end] if end < len(line) else " "
    loose = marker in dialect.intraword
    return _Marker(
        text=marker,
        tag=tag,
        can_open=not after.isspace() and (loose or not before.isalnum()),
        can_close=not before.isspace() and (loose or not after.isalnum()),
    )


def _pair(items: list[str | _Marker]) -> None:
    """Turn matched marker pairs into tags, in place; the rest stay literal."""
    stack: list[int] = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            continue
        if item.can_close:
            opener = next(
                (
                    depth
                    for depth in range(len(stack) - 1, -1, -1)
                    if items[stack[depth]].text == item.text  # type: ignore[union-attr]
                ),
                None,
            )
            if opener is not None and _has_content(items, stack[opener], index):
                start = stack[opener]
                del stack[opener:]
                items[start], items[index] = _tags(item.tag)
                continue
        if item.can_open and len(stack) < MAX_OPEN:
            stack.append(index)


def _has_content(items: list[str | _Marker], start: int, end: int) -> bool:
    return any(not isinstance(item, str) or item for item in items[start + 1 : end])


def _tags(tag: str) -> tuple[str, str]:
    """Return the opening and closing HTML of a marker's tag (or nested tags)."""
    names = tag.split()
    opening = "".join(
        f'<span class="{SPOILER_CLASS}">' if name == "spoiler" else f"<{name}>"
        for name in names
    )
    closing = "".join(
        "</span>" if name == "spoiler" else f"</{name}>" for name in reversed(names)
    )
    return opening, closing
