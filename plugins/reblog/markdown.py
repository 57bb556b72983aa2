"""Write sanitised HTML back as Markdown, for snippets and reblog drafts."""

from __future__ import annotations

import re

import lxml.html

# Characters that would start Markdown syntax inside ordinary text.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!&])")
# [^\S\n]: indentation never crosses a line (``\s*`` made each of 100,000 newlines
# scan all the rest: quadratic).
_LINE_START = re.compile(r"^([^\S\n]*)([-+=]|\d+[.)](?=\s|$))()", re.MULTILINE)
_SPACES = re.compile(r"[ \t\r\n]+")
_BLOCKS = frozenset(
    {"p", "blockquote", "ul", "ol", "pre", "h3", "h4", "h5", "h6", "table", "dl",
     "hr", "div", "h1", "h2", "figure"}
)  # fmt: skip


def escape_markdown(text: str) -> str:
    """Return ``text`` with every character Markdown would read as syntax escaped."""
    escaped = _SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"{m[1]}{_escape_marker(m[2])}{m[3]}", escaped)


def _escape_marker(marker: str) -> str:
    return f"\\{marker}" if marker in "-+" else f"{marker[:-1]}\\{marker[-1]}"


def html_to_markdown(html: str) -> str:
    """Return the Markdown for sanitised ``html``: paragraphs, links, lists."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return _blocks(root).strip()


def quote_markdown(markdown: str) -> str:
    """Return ``markdown`` as a Markdown blockquote."""
    return "\n".join(f"> {line}".rstrip() for line in markdown.splitlines())


def _blocks(element) -> str:
    """Render the children of ``element`` as Markdown blocks, blank-line separated."""
    out: list[str] = []
    inline: list[str] = [_text(element.text)]

    def flush() -> None:
        text = "".join(inline).strip()
        if text:
            out.append(text)
        inline.clear()

    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _BLOCKS or tag == "li":
            flush()
            out.append(_block(child))
        else:
            inline.append(_inline(child))
        inline.append(_text(child.tail))
    flush()
    return "\n\n".join(part for part in out if part)


def _block(element) -> str:
    tag = element.tag
    if tag == "blockquote":
        return quote_markdown(_blocks(element))
    if tag in {"ul", "ol"}:
        items = []
        for number, item in enumerate(element.iterfind("li"), start=1):
            marker = f"{number}." if tag == "ol" else "-"
            body = _blocks(item).replace("\n", "\n" + " " * (len(marker) + 1))
            items.append(f"{marker} {body}")
        return "\n".join(items)
    if tag == "pre":
        code = element.text_content()
        fence = "```"
        while fence in code:
            fence += "`"
        return f"{fence}\n{code.rstrip()}\n{fence}"
    if tag == "hr":
        return "* * *"
    if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
        return f"**{_inline_children(element).strip()}**"
    return _blocks(element)


def _inline_children(element) -> str:
    parts = [_text(element.text)]
    for child in element:
        parts.append(_inline(child))
        parts.append(_text(child.tail))
    return "".join(parts)


def _inline(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    inner = _inline_children(element)
    if tag == "br":
        return "  \n"
    if tag in {"em", "i", "cite"} and inner.strip():
        return f"*{inner.strip()}*"
    if tag in {"strong", "b"} and inner.strip():
        return f"**{inner.strip()}**"
    if tag == "code":
        code = element.text_content()
        ticks = "`"
        while ticks in code:
            ticks += "`"
        pad = " " if code.startswith("`") or code.endswith("`") else ""
        return f"{ticks}{pad}{code}{pad}{ticks}"
    if tag == "a" and element.get("href"):
        href = element.get("href").replace("(", "%28").replace(")", "%29")
        href = href.replace(" ", "%20")
        return f"[{inner.strip() or href}]({href})"
    return inner


def _text(text: str | None) -> str:
    return escape_markdown(_SPACES.sub(" ", text)) if text else ""
