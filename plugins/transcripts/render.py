"""Turn transcript messages into safe HTML, one message at a time.

Pages stream: :func:`iter_page_html` yields one small piece of markup per message,
day separator or heading, so a 100,000-message chat never sits in memory as HTML
beyond the page being written. Message text is outside text: it is escaped,
linkified here, and then passed through :func:`plugins.common.sanitize.sanitize_html`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import re
from urllib.parse import quote

from markupsafe import Markup, escape

from plugins.common.sanitize import safe_url, sanitize_html, xml_safe
from plugins.transcripts.library import ChatPage, TranscriptPage
from plugins.transcripts.markup import (
    CJK_STOPS,
    SPOILER_CLASS,
    dialect_for,
    render_markup,
)
from plugins.transcripts.model import Message
from plugins.transcripts.settings import TranscriptsSettings

# What a sentence puts after a URL, in Latin and CJK text ("…" ends a cut-off one).
_TRAILING = ".,;:!?*_~|'\"]…"
_CJK_STOPS = frozenset(CJK_STOPS)
_FULL_OPEN, _FULL_CLOSE = "\uff08", "\uff09"  # fullwidth ( and )
# Links to a message of the same chat, as Slack and Discord write them.
_SLACK = re.compile(r"^https://[\w.-]+\.slack\.com/archives/\w+/p(\d{10})(\d{6})\b")
_DISCORD = re.compile(
    r"^https://(?:ptb\.|canary\.)?discord(?:app)?\.com/channels/[\w@]+/\d+/(\d+)$"
)
CHAT_CLASSES = {"span": frozenset({SPOILER_CLASS})}  # classes message HTML may keep
EXCERPT = 80  # characters of a parent message shown beside its reply


class RenderedTexts:
    """Message texts of one transcript already rendered, whose HTML no page changes.

    A message's text is rendered on its transcript page and again on its author's
    page. When the text linked nothing (no mention, URL or tag: the HTML is then
    the same on every page), the second page reuses the first rendering. Made per
    transcript by the generator and dropped after it; holds at most ``limit``.
    """

    def __init__(self, limit: int = 20_000) -> None:
        self._html: dict[str, Markup] = {}
        self._limit = limit

    def get(self, text: str) -> Markup | None:
        """Return the HTML kept for ``text``, if any."""
        return self._html.get(text)

    def keep(self, text: str, html: Markup) -> None:
        """Keep ``html`` as the rendering of ``text`` while there is room."""
        if len(self._html) < self._limit:
            self._html[text] = html

    def __build_digest__(self) -> str:
        """Say that what is kept here changes no page (plugins.performance ledger)."""
        return "rendered texts"


@dataclass(frozen=True, slots=True, kw_only=True)
class PageContext:
    """What rendering one output page needs to know."""

    page: TranscriptPage
    chat_page: ChatPage | None  # None outside the transcript (a post's quote)
    siteurl: str  # as the templates see SITEURL on this page
    settings: TranscriptsSettings
    texts: RenderedTexts | None = None  # shared by the pages of one transcript

    def href(self, site_relative: str) -> str:
        """Return a link to a site-relative URL, short when it is on this page."""
        path, _, fragment = site_relative.partition("#")
        if fragment and self.chat_page is not None and path == self.chat_page.url:
            return f"#{fragment}"
        return f"{self.siteurl}/{site_relative}"

    def message_href(self, message_id: str) -> str | None:
        """Return a link to a message's anchor, wherever its page is."""
        url = self.page.message_url(message_id)
        return None if url is None else self.href(url)


def display_name(message: Message, page: TranscriptPage) -> str:
    """Return the name to show for a message's author (their usual one if unset)."""
    if message.name:
        return message.name
    person = page.participant(message.author)
    return person.name if person else message.author


def render_text(text: str, ctx: PageContext) -> Markup:
    """Return a message's text as safe HTML in its chat's markup, links linked.

    URLs, @mentions, #tags and ``[label](url)`` links are linked; emphasis, code,
    code blocks and quotes follow the transcript's dialect (see
    :mod:`plugins.transcripts.markup`); everything then passes the sanitiser.
    """
    if ctx.texts is not None and (known := ctx.texts.get(text)) is not None:
        return known
    transcript = ctx.page.transcript
    dialect = dialect_for(transcript.source, transcript.extra)
    linked = False

    def link(match: re.Match[str]) -> tuple[str, int] | None:
        nonlocal linked
        found = _link(match, ctx)
        linked = linked or found is not None
        return found

    html = sanitize_html(render_markup(text, dialect, link), classes=CHAT_CLASSES)
    if ctx.texts is not None and not linked:
        ctx.texts.keep(text, html)  # nothing in it depends on the page
    return html


def _link(match: re.Match[str], ctx: PageContext) -> tuple[str, int] | None:
    """Return the HTML for one token and where it ends, or None to leave it as text."""
    found = match.groupdict()
    if found.get("href"):
        return _label_link(match, ctx)
    if found.get("angle") or match["url"]:
        return _url_link(match, ctx)
    if match["handle"]:
        return _mention_link(match, ctx)
    if match["tag"]:
        if not ctx.settings.hashtag_url:
            return None
        href = ctx.settings.hashtag_url.format(tag=quote(match["tag"], safe=""))
        return f'<a href="{_e(href)}">#{_e(match["tag"])}</a>', match.end()
    return None


def _label_link(match: re.Match[str], ctx: PageContext) -> tuple[str, int] | None:
    """Return a ``[label](url)`` link (local when it names a message of this chat)."""
    target = _local_message(match["href"], ctx) or safe_url(match["href"])
    if target is None:
        return None
    return f'<a href="{_e(target)}">{_e(match["label"])}</a>', match.end()


def _url_link(match: re.Match[str], ctx: PageContext) -> tuple[str, int] | None:
    """Return a bare URL's link, or a ``<url>`` one's (Discord's, without preview)."""
    if match.groupdict().get("angle"):
        url, end = match["angle"], match.end()
    else:
        url = trim_url(match["url"])
        end = match.start() + len(url)
    target = _local_message(url, ctx) or safe_url(url)
    if target is None:
        return None
    return f'<a href="{_e(target)}">{_e(url)}</a>', end


def _mention_link(match: re.Match[str], ctx: PageContext) -> tuple[str, int] | None:
    handle = match["handle"].rstrip(".-")
    person = ctx.page.participant(handle)
    if person is None:
        return None
    html = (
        f'<a href="{_e(ctx.href(person.url))}" title="Messages by {_e(person.name)}">'
        f"@{_e(handle)}</a>"
    )
    return html, match.start() + 1 + len(handle)


def trim_url(url: str) -> str:
    """Return ``url`` without the punctuation a sentence put after it."""
    # CJK text runs on after a URL without a space: it ends at a full stop,
    # comma or closing bracket that it did not open. One pass each way, counting
    # as it goes: 100,000 ")" after a URL cost their square when recounted.
    opened = False
    for index, char in enumerate(url):
        if char in _CJK_STOPS or (char == _FULL_CLOSE and not opened):
            url = url[:index]
            break
        opened = opened or char == _FULL_OPEN
    opens, closes, end = url.count("("), url.count(")"), len(url)
    while end and (
        url[end - 1] in _TRAILING or (url[end - 1] == ")" and opens < closes)
    ):
        closes -= url[end - 1] == ")"
        end -= 1
    return url[:end]


def _local_message(url: str, ctx: PageContext) -> str | None:
    """Return a local anchor when ``url`` is a Slack/Discord link into this chat."""
    candidates: list[str] = []
    if found := _SLACK.match(url):
        seconds, micros = found.groups()
        candidates += [f"{seconds}.{micros}", f"{seconds}-{micros}", seconds + micros]
        candidates.append(f"p{seconds}{micros}")
    elif found := _DISCORD.match(url):
        candidates.append(found[1])
    for candidate in candidates:
        href = ctx.message_href(candidate)
        if href is not None:
            return href
    return None


def _e(value: object) -> str:
    """Return ``value`` as text escaped for HTML, without XML-illegal characters."""
    return str(escape(xml_safe(str(value))))


@dataclass(frozen=True, slots=True)
class PageMessages:
    """One transcript page's messages as HTML, rendered as a template reads them."""

    ctx: PageContext

    def __iter__(self) -> Iterator[Markup]:
        return iter_page_html(self.ctx)


def iter_page_html(ctx: PageContext) -> Iterator[Markup]:
    """Yield the markup of one page's messages, with day separators and headings."""
    page, chat_page = ctx.page, ctx.chat_page
    if chat_page is None:
        return
    messages = page.transcript.messages
    headings: dict[int, list] = {}
    for section in page.transcript.sections:
        position = page.positions.get(section.first_message or "")
        if position is not None and chat_page.start <= position < chat_page.end:
            headings.setdefault(position, []).append(section)
    several_days = (
        bool(messages) and messages[0].time.date() != messages[-1].time.date()
    )
    day = None
    for position in range(chat_page.start, chat_page.end):
        message = messages[position]
        if several_days and message.time.date() != day:
            day = message.time.date()
            yield Markup(
                f'<h2 class="transcript-day" id="d-{day.isoformat()}">'
                f'<time datetime="{day.isoformat()}">'
                f"{_e(day.strftime(ctx.settings.day_format))}</time></h2>\n"
            )
        for section in headings.get(position, ()):
            yield Markup(
                f'<h2 class="transcript-section" id="s-{_e(section.id)}">'
                f"{_e(section.title)}</h2>\n"
            )
        yield render_message(message, ctx)


def render_message(message: Message, ctx: PageContext) -> Markup:
    """Return one message as an h-entry with its permalink, author and extras."""
    page = ctx.page
    person = page.participant(message.author)
    kind = "" if message.kind == "message" else f" transcript-{message.kind}"
    when = message.time
    mid = _e(message.id)
    author_href = _e(ctx.href(person.url)) if person else "#"
    parts = [
        (
            f'<article class="transcript-message h-entry{kind}" id="m-{mid}">\n'
            '<p class="transcript-message-meta">'
            f'<a class="u-url transcript-permalink" href="#m-{mid}">'
            f'<time class="dt-published" datetime="{when.isoformat()}"'
            f' title="{when:%Y-%m-%d %H:%M:%S %z}">'
            f"{_e(when.strftime(ctx.settings.time_format))}</time></a> "
            '<span class="p-author h-card transcript-author">'
            f'<a class="u-url p-name" href="{author_href}">'
            f"{_e(display_name(message, page))}</a>"
            f' <span class="p-nickname transcript-handle">@{_e(message.author)}</span>'
            "</span>"
        ),
    ]
    if message.edited:
        parts.append(' <span class="transcript-edited">(edited)</span>')
    parts.append("</p>\n")
    if message.reply_to is not None:
        parts.append(_reply_context(message.reply_to, ctx))
    parts.append(
        '<div class="e-content transcript-text" dir="auto">'
        f"{render_text(message.text, ctx)}</div>\n"
    )
    if message.attachments:
        parts.append(_attachments(message))
    if message.reactions:
        parts.append('<ul class="transcript-reactions">')
        for reaction in message.reactions:
            emoji, count = _e(reaction.emoji), int(reaction.count)
            parts.append(
                f'<li class="transcript-reaction" title="{emoji}: {count}">'
                f'<span class="transcript-emoji">{emoji}</span>'
                f' <span class="transcript-reaction-count">{count}</span></li>'
            )
        parts.append("</ul>\n")
    replies = page.replies.get(message.id, ())
    if replies:
        parts.append(_replies(replies, ctx))
    parts.append("</article>\n")
    return Markup("".join(parts))


def _reply_context(parent_id: str, ctx: PageContext) -> str:
    parent = ctx.page.message(parent_id)
    if parent is None:
        return (
            '<p class="transcript-in-reply-to">In reply to a message'
            " that is not in this transcript.</p>\n"
        )
    excerpt = " ".join(parent.text.split())
    if len(excerpt) > EXCERPT:
        excerpt = excerpt[: EXCERPT - 1].rstrip() + "…"
    return (
        '<p class="transcript-in-reply-to">↪ In reply to'
        f' <a class="u-in-reply-to" href="{_e(ctx.message_href(parent_id))}">'
        f"{_e(display_name(parent, ctx.page))}</a>"
        f' <q class="transcript-reply-excerpt">{_e(excerpt)}</q></p>\n'
    )


def _replies(replies: tuple[int, ...], ctx: PageContext) -> str:
    messages = ctx.page.transcript.messages
    links = ", ".join(
        f'<a href="{_e(ctx.message_href(messages[index].id))}">'
        f"{_e(display_name(messages[index], ctx.page))} at"
        f" {_e(messages[index].time.strftime(ctx.settings.time_format))}</a>"
        for index in replies
    )
    label = "Reply" if len(replies) == 1 else f"{len(replies)} replies"
    return f'<p class="transcript-replies">{label}: {links}</p>\n'


def _attachments(message: Message) -> str:
    items = []
    for item in message.attachments:
        url = safe_url(item.url)
        label = _e(item.title or item.url)
        if url is None:
            items.append(f'<li class="transcript-attachment">{label}</li>')
        else:
            items.append(
                '<li class="transcript-attachment">'
                f'<a href="{_e(url)}" rel="nofollow ugc">{label}</a></li>'
            )
    return f'<ul class="transcript-attachments">{"".join(items)}</ul>\n'
