"""Turn a reblog post's body into commentary around an attributed, sanitised quote.

The author writes the quoted original as the first top-level ``>`` blockquote of
the post; everything else is their own commentary, above or below it. The quote is
outside text, so it passes the sanitiser, and it gets the attribution trail and the
``u-repost-of`` h-cite that microformats readers look for.
"""

from __future__ import annotations

from datetime import datetime

import lxml.html
from markupsafe import Markup

from plugins.common.sanitize import sanitize_html

from .model import Reblog

_TRANSCRIPT_QUOTE = "transcript-quote"  # plugins.transcripts.quotes' blockquote


def split_quote(html: str) -> tuple[str, str, str]:
    """Return ``(before, quote, after)``: the first top-level blockquote's inside.

    ``quote`` is "" and ``before`` the whole body when there is no blockquote.
    A transcript quote (``[[quote: ...]]``) is the post's own: never the original.
    """
    if "<blockquote" not in html:
        return html, "", ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    children = list(root)
    for index, child in enumerate(children):
        if (
            child.tag == "blockquote"
            and _TRANSCRIPT_QUOTE not in (child.get("class") or "").split()
        ):
            inner = (child.text or "") + "".join(
                lxml.html.tostring(part, encoding="unicode") for part in child
            )
            before = (root.text or "") + "".join(
                lxml.html.tostring(part, encoding="unicode")
                for part in children[:index]
            )
            after = (child.tail or "") + "".join(
                lxml.html.tostring(part, encoding="unicode")
                for part in children[index + 1 :]
            )
            return before, inner, after
    return html, "", ""


def render_attribution(reblog: Reblog, *, date_format: str) -> Markup:
    """Return the quoted original with its attribution trail, as an h-cite."""
    parts = [Markup('<figure class="reblog-quote h-cite u-repost-of">')]
    if reblog.excerpt:
        parts.append(
            Markup(
                '<blockquote class="reblog-excerpt e-content" cite="{}">{}</blockquote>'
            ).format(reblog.url, reblog.excerpt)
        )
    parts.append(Markup('<figcaption class="reblog-attribution">'))
    parts.append(Markup("Reblogged from "))
    parts.append(
        Markup(
            '<cite><a class="reblog-source u-url p-name" href="{}">{}</a></cite>'
        ).format(reblog.url, reblog.title)
    )
    if reblog.author:
        if reblog.author_url:
            author = Markup(
                '<a class="reblog-author p-author h-card" href="{}">{}</a>'
            ).format(reblog.author_url, reblog.author)
        else:
            author = Markup(
                '<span class="reblog-author p-author h-card">{}</span>'
            ).format(reblog.author)
        parts.append(Markup(" by ") + author)
    if reblog.date is not None:
        parts.append(Markup(", ") + _time(reblog.date, date_format))
    if reblog.shows_via:
        parts.append(
            Markup(' <span class="reblog-via">(via ')
            + Markup('<a class="u-via" rel="via" href="{}">{}</a>)</span>').format(
                reblog.via, reblog.via_name
            )
        )
    parts.append(Markup("</figcaption></figure>"))
    return Markup("").join(parts)


def _time(when: datetime, date_format: str) -> Markup:
    return Markup('<time class="dt-published" datetime="{}">{}</time>').format(
        when.isoformat(), when.strftime(date_format)
    )


def reblog_body(html: str, fields: dict, *, date_format: str) -> tuple[Reblog, Markup]:
    """Return the post's :class:`Reblog` and its body with the quote attributed."""
    before, quote, after = split_quote(html)
    reblog = Reblog(excerpt=sanitize_html(quote) if quote else Markup(""), **fields)
    figure = render_attribution(reblog, date_format=date_format)
    return reblog, Markup(before) + figure + Markup(after)
