"""Write each post's reblog page, the redirect pages of earlier URLs, and the maps."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
import logging
import os
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from markupsafe import Markup
from pelican.contents import Page
from pelican.generators import Generator

from plugins.common.files import FolderGuard, UnsafePathError, inside, write_atomic
from plugins.common.sanitize import sanitize_html

from .links import reblog_location
from .meta import absolute, plain
from .redirects import Redirect, netlify_redirects, nginx_map, save_as_for
from .settings import ReblogSettings
from .snippets import (
    Excerpt,
    html_snippet,
    markdown_snippet,
    mastodon_share_template,
    share_links,
)

logger = logging.getLogger(__name__)
REACTION_KINDS = ("reblog", "mention")


def reactions(article: Any) -> list[Any]:
    """Return the post's known reblogs and mentions, newest first."""
    found = [
        p
        for p in getattr(article, "perspectives", ()) or ()
        if getattr(p, "kind", "") in REACTION_KINDS
    ]
    return sorted(found, key=lambda p: (p.date, p.id), reverse=True)


def excerpt_html(article: Any, *, limit: int, base_url: str = "") -> Markup:
    """Return the post's summary when it has one, else its first paragraph.

    Its links are resolved against ``base_url`` (the post's address): the
    excerpt is pasted into other sites, where ``/about/`` is theirs.
    """
    if "summary" in getattr(article, "metadata", {}):
        html = str(article.summary)
        if not html.lstrip().startswith("<p"):
            html = f"<p>{html}</p>"
    else:
        html = _first_paragraph(article.content)
    clean = sanitize_html(_absolute_links(html, base_url) if base_url else html)
    text = " ".join(clean.striptags().split())
    if len(text) <= limit:
        return clean
    cut = text[:limit].rsplit(" ", 1)[0]
    return Markup("<p>{}…</p>").format(cut)


def _absolute_links(html: str, base_url: str) -> str:
    if not html.strip():
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    root.make_links_absolute(
        base_url, resolve_base_href=False, handle_failures="discard"
    )
    return lxml.html.tostring(root, encoding="unicode")[len("<div>") : -len("</div>")]


def _first_paragraph(html: str) -> str:
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for child in root:
        if child.tag == "p" and child.text_content().strip():
            return lxml.html.tostring(child, encoding="unicode", with_tail=False)
    return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Sharing:
    """What a post's reblog page offers, made when the page is rendered.

    The template calls :meth:`make`; a build whose output ledger finds the page
    up to date never renders it, and so never reads the post's HTML for it.
    """

    article: Any
    options: ReblogSettings
    settings: dict[str, Any]

    def make(self) -> tuple:
        """Return the excerpt, its snippets, share links and reactions.

        In the order the template unpacks them: excerpt, HTML snippet, Markdown
        snippet, share links, Mastodon share template, reactions.
        """
        article, options, settings = self.article, self.options, self.settings
        base = options.public_siteurl(settings)
        url = absolute(base, article.url)
        authors = getattr(article, "authors", None) or []
        author = authors[0] if authors else None
        excerpt = Excerpt(
            title=plain(article.title),
            url=url,
            author=str(author) if author else plain(settings.get("AUTHOR", "")),
            author_url=absolute(base, author.url) if author else "",
            date=article.date,
            html=excerpt_html(article, limit=options.excerpt_chars, base_url=url),
            site_name=plain(settings.get("SITENAME", "")),
            site_url=base,
            lang=str(getattr(article, "lang", "") or ""),
        )
        date_format = settings.get("DEFAULT_DATE_FORMAT", "%Y-%m-%d")
        links = share_links(
            options.share_targets,
            title=excerpt.title,
            url=url,
            mastodon_instances=options.mastodon_instances,
        )
        mastodon = (
            mastodon_share_template(title=excerpt.title, url=url)
            if "mastodon" in options.share_targets
            else ""
        )
        return (
            excerpt,
            html_snippet(excerpt, date_format=date_format),
            markdown_snippet(excerpt, date_format=date_format),
            links,
            mastodon,
            reactions(article),
        )

    def __build_digest__(self) -> str:
        """Name this for the output ledger by its post.

        The post is digested on its own, and the options come from the settings,
        in every page's digest: digesting the options for each of 5,000 reblog
        pages cost 60 ms.
        """
        return f"sharing of {self.article.source_path}"


def _moved(contents: list[Any]) -> bool:
    """Tell whether any of ``contents`` has earlier URLs to redirect from."""
    return any(getattr(content, "earlier_urls", ()) for content in contents)


class ReblogGenerator(Generator):
    """Reblog pages of posts, and redirects from their earlier URLs."""

    def generate_output(self, writer: Any) -> None:
        """Write every page and map this plugin owns."""
        options = ReblogSettings.from_settings(self.settings)
        articles = sorted(self.context.get("articles", ()), key=lambda a: a.source_path)
        translations = sorted(
            (t for a in articles for t in getattr(a, "translations", ())),
            key=lambda t: t.source_path,
        )
        for article in [*articles, *translations]:
            self._write_reblog_page(writer, article, options)
        contents = [*articles, *self._pages()]
        redirects = []
        # What every other file of the build is (resolved paths, ~0.3 s at 5,000
        # posts) matters only to posts and pages that moved.
        if _moved(contents):
            claimed = self._claimed(writer)
            for article in [*articles, *translations]:
                claimed[self._abs(reblog_location(article)[1])] = (
                    f"the reblog page of {self._rel(article)}"
                )
            redirects = self._plan_redirects(contents, claimed, options)
        template = self.get_template("redirect")
        for item in redirects:
            if item.save_as:
                writer.write_file(
                    item.save_as,
                    template,
                    self.context,
                    relative_urls=False,
                    redirect=item,
                )
        self._write_maps(redirects, options)

    def outputs_follow_placement(self) -> bool:
        """Tell the output ledger a reblog page is given only where its post is.

        Its post, its URL and the settings: ``Sharing`` reads the post only when
        the page is rendered (see ``plugins.performance.ledger``).
        """
        return True

    def reads_earlier_outputs(self) -> bool:
        """Tell whether this build's redirects must avoid what others wrote.

        They do when a post or page moved: a redirect never replaces a file an
        earlier generator wrote (see ``plugins.performance.split``).
        """
        return _moved([*self.context.get("articles", ()), *self._pages()])

    def _pages(self) -> list[Any]:
        """Return every page and translation of one, by source path."""
        return sorted(
            (
                page
                for original in self.context.get("pages", ())
                for page in (original, *getattr(original, "translations", ()))
            ),
            key=lambda p: p.source_path,
        )

    def _write_reblog_page(
        self, writer: Any, article: Any, options: ReblogSettings
    ) -> None:
        page_url, save_as = reblog_location(article)
        writer.write_file(
            save_as,
            self.get_template("reblog"),
            self.context,
            relative_urls=self.settings.get("RELATIVE_URLS", False),
            article=article,
            reblog_page_url=page_url,
            sharing=Sharing(article=article, options=options, settings=self.settings),
            public_siteurl=options.public_siteurl(self.settings),
            dev_build=options.is_dev(self.settings),
        )

    def _claimed(self, writer: Any) -> dict[str, str]:
        """Return every output file some other part of the build owns.

        Pelican's writer has no public list of what it wrote; its ``_written_files``
        holds every page written so far (listings, pagination, direct templates,
        these reblog pages), and ``generated_content``/``static_content`` name what
        later generators will write. Together they keep a redirect off a real page.
        """
        claimed: dict[str, str] = {}
        for name in sorted(getattr(writer, "_written_files", ())):
            claimed[self._guard.realpath(os.path.abspath(name))] = os.path.relpath(
                name, self.output_path
            )
        for key in ("generated_content", "static_content"):
            for obj in self.context.get(key, {}).values():
                save_as = getattr(obj, "save_as", "")
                if save_as:
                    try:
                        claimed[self._abs(save_as)] = self._rel(obj)
                    except UnsafePathError:
                        continue  # never written: plugins.outputguard refused it
        # plugins.site_feeds writes its subscribe page after this generator.
        feeds = getattr(self.context.get("site_feeds"), "settings", None)
        if later := getattr(feeds, "subscribe_save_as", ""):
            claimed[self._abs(later)] = later
        return claimed

    def _plan_redirects(
        self, contents: list[Any], claimed: dict[str, str], options: ReblogSettings
    ) -> list[Redirect]:
        """Return the redirects of posts' and pages' earlier URLs, by old URL."""
        planned: dict[str, Redirect] = {}
        for content in contents:
            for old in getattr(content, "earlier_urls", ()):
                item = Redirect(
                    old=old,
                    target=content.url,
                    save_as=save_as_for(old),
                    post=self._rel(content),
                    title=plain(content.title),
                    what="page" if isinstance(content, Page) else "post",
                )
                if self._keep(item, planned, claimed, options):
                    planned[old] = item
        return [planned[old] for old in sorted(planned)]

    def _keep(
        self,
        item: Redirect,
        planned: dict[str, Redirect],
        claimed: dict[str, str],
        options: ReblogSettings,
    ) -> bool:
        """Say whether ``item`` may be written, warning about every clash."""
        if item.old in planned:
            logger.warning(
                "%s: earlier URL %s is also claimed by %s; redirecting it to %s only",
                item.post,
                item.old,
                planned[item.old].post,
                planned[item.old].post,
            )
            return False
        if not item.save_as:
            if not options.redirect_maps:
                logger.warning(
                    "%s: earlier URL %s cannot be a static page; "
                    "set REBLOG_REDIRECT_MAPS to redirect it from the web server",
                    item.post,
                    item.old,
                )
            return True
        try:
            target = self._abs(item.save_as)
        except UnsafePathError:
            logger.warning("%s: earlier URL %s leaves the site", item.post, item.old)
            return False
        if target in claimed:
            logger.warning(
                "%s: earlier URL %s is a real page (%s); not overwriting it",
                item.post,
                item.old,
                claimed[target],
            )
            return False
        return True

    def _write_maps(self, redirects: list[Redirect], options: ReblogSettings) -> None:
        writers = {"nginx": ("redirects.nginx.map", nginx_map)}
        writers["netlify"] = ("_redirects", netlify_redirects)
        for name in options.redirect_maps:
            filename, render = writers[name]
            target = inside(self.output_path, filename)
            write_atomic(
                target,
                render(redirects, base=self._site_path()),
                overwrite=True,
                durable=False,  # output, made again by any build: no fsync
            )
            logger.info("Writing %s", target)

    def _site_path(self) -> str:
        """Return the path SITEURL puts the site under ("" at a domain's root)."""
        return urlsplit(self.settings.get("SITEURL", "") or "").path.rstrip("/")

    @cached_property
    def _guard(self) -> FolderGuard:
        # One per build (a generator lives for one): each folder resolved once.
        return FolderGuard(self.output_path)

    def _abs(self, save_as: str) -> str:
        return self._guard.resolve(save_as)

    def _rel(self, obj: Any) -> str:
        source = getattr(obj, "source_path", "") or ""
        if not os.path.isabs(source):  # transcripts keep theirs relative to PATH
            return source or "?"
        return os.path.relpath(source, self.settings["PATH"])
