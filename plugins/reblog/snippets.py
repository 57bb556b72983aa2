"""Ready-to-paste reblog snippets of a post, and the share links of its reblog page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from markupsafe import Markup

from .markdown import escape_markdown, html_to_markdown, quote_markdown


@dataclass(frozen=True, slots=True, kw_only=True)
class Excerpt:
    """What a reader may take away from a post: enough to attribute it."""

    title: str  # plain text
    url: str  # absolute
    author: str
    author_url: str  # absolute, or ""
    date: datetime
    html: Markup  # sanitised: the first paragraph or the summary
    site_name: str
    site_url: str  # absolute
    lang: str = ""  # the post's language: a pasted quote keeps it


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareLink:
    """A plain link that shares a post; nothing is sent until it is followed."""

    target: str  # the REBLOG_SHARE_TARGETS name, also the CSS hook
    label: str
    url: str


def html_snippet(excerpt: Excerpt, *, date_format: str) -> str:
    """Return the excerpt as HTML another blog can paste: an h-entry reposting ours."""
    author = (
        Markup('<a class="p-author h-card" href="{}">{}</a>').format(
            excerpt.author_url, excerpt.author
        )
        if excerpt.author_url
        else Markup('<span class="p-author h-card">{}</span>').format(excerpt.author)
    )
    lines = [
        Markup('<div class="h-entry">'),
        Markup('  <div class="u-repost-of h-cite">'),
        Markup('    <blockquote class="e-content" cite="{}"{}>{}</blockquote>').format(
            excerpt.url,
            Markup(' lang="{}"').format(excerpt.lang) if excerpt.lang else "",
            excerpt.html,
        ),
        Markup(
            '    <p>From <cite><a class="u-url p-name" href="{}">{}</a></cite>'
        ).format(excerpt.url, excerpt.title),
        Markup("    by {}, ").format(author)
        + Markup('<time class="dt-published" datetime="{}">{}</time>').format(
            excerpt.date.isoformat(), excerpt.date.strftime(date_format)
        ),
        Markup('    (via <a rel="via" href="{}">{}</a>)</p>').format(
            excerpt.site_url + "/", excerpt.site_name
        ),
        Markup("  </div>"),
        Markup("</div>"),
    ]
    return "\n".join(lines) + "\n"


def markdown_snippet(excerpt: Excerpt, *, date_format: str) -> str:
    """Return the excerpt as a Markdown quote with a credit line and a via link."""
    body = quote_markdown(html_to_markdown(excerpt.html))
    title = escape_markdown(excerpt.title)
    author = escape_markdown(excerpt.author)
    if excerpt.author_url:
        author = f"[{author}]({_md_url(excerpt.author_url)})"
    credit = (
        f"From [{title}]({_md_url(excerpt.url)}) by {author}, "
        f"{excerpt.date.strftime(date_format)} "
        f"(via [{escape_markdown(excerpt.site_name)}]"
        f"({_md_url(excerpt.site_url + '/')}))"
    )
    return f"{body}\n>\n> {credit}\n" if body else f"> {credit}\n"


def _md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def share_links(
    targets: tuple[str, ...],
    *,
    title: str,
    url: str,
    mastodon_instances: tuple[str, ...],
) -> tuple[ShareLink, ...]:
    """Return one plain share link per target (Mastodon: one per instance)."""
    text = f"{title} {url}"
    links: list[ShareLink] = []
    for target in targets:
        if target == "email":
            query = urlencode({"subject": title, "body": url}, quote_via=quote)
            links.append(
                ShareLink(target=target, label="Email", url=f"mailto:?{query}")
            )
        elif target == "mastodon":
            links.extend(
                ShareLink(
                    target=target,
                    label=f"Mastodon ({host})",
                    url=f"https://{host}/share?{urlencode({'text': text})}",
                )
                for host in mastodon_instances
            )
        elif target == "bluesky":
            links.append(
                ShareLink(
                    target=target,
                    label="Bluesky",
                    url="https://bsky.app/intent/compose?" + urlencode({"text": text}),
                )
            )
        elif target == "hackernews":
            query = urlencode({"u": url, "t": title})
            links.append(
                ShareLink(
                    target=target,
                    label="Hacker News",
                    url=f"https://news.ycombinator.com/submitlink?{query}",
                )
            )
        elif target == "reddit":
            query = urlencode({"url": url, "title": title})
            links.append(
                ShareLink(
                    target=target,
                    label="Reddit",
                    url=f"https://www.reddit.com/submit?{query}",
                )
            )
        elif target == "linkedin":
            links.append(
                ShareLink(
                    target=target,
                    label="LinkedIn",
                    url="https://www.linkedin.com/sharing/share-offsite/?"
                    + urlencode({"url": url}),
                )
            )
    return tuple(links)


def mastodon_share_template(*, title: str, url: str) -> str:
    """Return the share address for any Mastodon instance, with ``INSTANCE`` to fill."""
    return "https://INSTANCE/share?" + urlencode({"text": f"{title} {url}"})
