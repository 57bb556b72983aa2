"""Read every post's perspectives from content/ and hang them on the post."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
import hashlib
import logging
import os
from pathlib import Path
import re
from typing import Any

from markupsafe import Markup

from plugins.common.buildcache import BuildCache, PrefetchJob, build_cache
from plugins.common.errors import ContentError
from plugins.common.files import REPLACEMENT, read_text
from plugins.common.footer import ORDER_PERSPECTIVES, FooterLink, add_footer_link
from plugins.common.ids import salted_hash

from .chat import chat_quotes
from .contact import Contact
from .fileformat import parse_comment_system, parse_perspective
from .identicon import identicon_svg
from .model import Perspective, Threads
from .settings import PerspectiveSettings
from .threads import thread_perspectives

logger = logging.getLogger(__name__)

SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class _Folder:
    path: str  # absolute (text, not a Path: 5,000 of them a build)
    name: str  # the folder's own name: the slug of its post
    rel: str  # relative to PATH, as the author sees it
    compat: bool  # pelican-comment-system layout


def _folders(root: Path, settings: PerspectiveSettings) -> list[_Folder]:
    """Return every per-post folder under the perspectives (and compat) folders."""
    found = []
    for base, compat in (
        (settings.path, False),
        (settings.comment_system_path, True),
    ):
        if not base:
            continue
        top = root / base
        if not top.is_dir():
            continue
        # One relative path for the folder, not one relpath() per post (5,000).
        top_rel = os.path.relpath(top, root).replace(os.sep, "/")
        with os.scandir(top) as listed:
            entries = sorted(listed, key=lambda e: e.name)
        for entry in entries:
            rel = entry.name if top_rel == "." else f"{top_rel}/{entry.name}"
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                found.append(_Folder(entry.path, entry.name, rel, compat))
            else:
                logger.warning(
                    "%s: expected perspectives inside a folder named after the"
                    " post's slug, got a file; not shown",
                    rel,
                )
    return found


def _files(
    folder: _Folder,
    subfolders: list[str] | None = None,
    cache: BuildCache | None = None,
) -> list[tuple[str, str, str]]:
    """Return (path, path relative to PATH, suffix) of each file of ``folder``.

    The names of its folders go to ``subfolders``, when given.
    """
    entries = _listing(folder.path, cache)
    if subfolders is not None:
        subfolders += [name for name, is_dir, _ in entries if is_dir]
    return [
        (
            os.path.join(folder.path, name),
            f"{folder.rel}/{name}",
            os.path.splitext(name)[1],
        )
        for name, is_dir, _ in entries
        if not is_dir
    ]


Listing = tuple[tuple[str, bool, bool], ...]  # (name, is a folder, is a link)


def _listing(path: str, cache: BuildCache | None) -> Listing:
    """Return (name, whether a folder, whether a link) of each entry of ``path``.

    Hidden entries are left out. With a build cache, a folder an earlier build
    listed is not listed again while its stamp is the same: adding, removing or
    renaming a file in it changes its stamp (an edit inside a file does not, and
    the file's own stamp shows it); a folder holding a symbolic link is listed
    every time (what the link points to may change). At 5,000 posts: 5,000
    listings, 0.15 s.
    """
    stamp = None if cache is None else cache.stamp(path)
    if stamp is None:
        return _list(path)
    found = cache.remember(f"perspective-folder:{stamp}:{path}", partial(_list, path))
    return _list(path) if any(link for _, _, link in found) else found


def _list(path: str) -> Listing:
    # scandir: the type comes with the name, no stat() per file (5,000 a build).
    with os.scandir(path) as found:
        entries = sorted(found, key=lambda e: e.name)
    return tuple(
        (e.name, e.is_dir(), e.is_symlink())
        for e in entries
        if not e.name.startswith(".")
    )


def _options(rel: str, post: str, settings: PerspectiveSettings) -> dict[str, Any]:
    return {
        "path": rel,
        "post": post,
        "timezone": settings.timezone,
        "allow_images": settings.allow_images,
    }


def _cache_key(text: str, options: dict[str, Any]) -> str:
    digest = hashlib.sha256(repr((text, sorted(options.items()))).encode())
    return f"perspective:{digest.hexdigest()}"


def _remembered(
    cache: BuildCache, path: str, rel: str, options: dict[str, Any]
) -> Perspective:
    """Return the perspective in ``path``, parsed in this build or an earlier one.

    An earlier build's parse is found by the file's stamp, without reading the
    file (at 1,000 posts, 5,000 files read and hashed take 50 ms, stat'ed 14 ms),
    or else by its text and options. A file read with bad bytes is never noted by
    its stamp, so its warning is given every time.
    """
    stamp = cache.stamp(path)
    # The other options come from the settings, which name the cache file.
    post = options["post"]
    by_stamp = None if stamp is None else f"perspective-file:{stamp}:{rel}:{post}"
    if by_stamp is not None:
        found = cache.by_stamp(by_stamp)
        if found is not None:
            return found
    text = read_text(path, rel)
    key = _cache_key(text, options)
    perspective = cache.remember(key, partial(parse_perspective, text, **options))
    if by_stamp is not None and REPLACEMENT not in text:
        cache.note_stamp(by_stamp, key)
    return perspective


def read_folder(
    folder: _Folder,
    *,
    post: str,
    settings: PerspectiveSettings,
    cache: BuildCache | None = None,
) -> list[Perspective]:
    """Read the perspectives of one folder, skipping bad files with an error.

    With a build cache, a file whose text and options are unchanged since an
    earlier build is not parsed again (comment-system folders always are: they
    log notes while parsing).
    """
    result = []
    subfolders: list[str] = []
    files = _files(folder, subfolders, cache)
    for name in subfolders:
        logger.error(
            "%s/%s: expected perspective files in %s, got a folder inside it; its"
            " files are not shown",
            folder.rel,
            name,
            folder.rel,
        )
    for path, rel, suffix in files:
        if suffix.lower() not in SUFFIXES:
            logger.error(
                "%s: expected a Markdown perspective (%s), got another kind of"
                " file; not shown",
                rel,
                ", ".join(SUFFIXES),
            )
            continue
        options = _options(rel, post, settings)
        try:
            if folder.compat:
                perspective, notes = parse_comment_system(
                    read_text(path, rel), **options
                )
                for note in notes:
                    logger.warning("%s", note)
            elif cache is None:
                perspective = parse_perspective(read_text(path, rel), **options)
            else:
                perspective = _remembered(cache, path, rel, options)
        except OSError as err:  # a dangling link, an unreadable file
            logger.error(
                "%s: expected a readable perspective file, got %s; not shown",
                rel,
                err.strerror or err,
            )
            continue
        except ContentError as err:
            logger.error("%s (perspective skipped)", err)
            continue
        result.append(perspective)
    if folder.compat:
        result = _resolve_comment_system_replies(result)
    return result


def survey_folders(generator: Any) -> list[str]:
    """Name the folders whose files' stamps attaching perspectives will ask for.

    Runs in a helper process (see ``plugins.common.buildcache.survey``): quietly,
    what :func:`_folders` finds to read stamps in (not comment-system folders).
    """
    settings = PerspectiveSettings.from_settings(generator.settings)
    if not settings.path:
        return []
    top = str(Path(generator.settings["PATH"]) / settings.path)
    try:
        with os.scandir(top) as entries:
            return [
                e.path for e in entries if not e.name.startswith(".") and e.is_dir()
            ]
    except OSError:
        return []


def prefetch_perspectives(generator: Any) -> list[PrefetchJob]:
    """Offer the parsing of every perspective, in the order attach reads them.

    Runs in the prefetch worker (see plugins.common.buildcache), before any post
    is read: a folder is taken to be named after its post's slug (a folder named
    after an Earlier-Slug gets other options, so its keys simply never match).
    """
    settings = PerspectiveSettings.from_settings(generator.settings)
    jobs: list[PrefetchJob] = []
    for folder in _folders(Path(generator.settings["PATH"]), settings):
        if folder.compat:
            continue
        for path, rel, suffix in _files(folder):
            if suffix.lower() in SUFFIXES:
                try:
                    text = read_text(path, rel)
                except OSError:
                    continue  # read_folder reports it
                options = _options(rel, folder.name, settings)
                jobs.append(
                    (
                        _cache_key(text, options),
                        partial(parse_perspective, text, **options),
                    )
                )
    return jobs


def _resolve_comment_system_replies(items: list[Perspective]) -> list[Perspective]:
    """Map pelican-comment-system ``replyto`` slugs (``1md``) to file stems."""
    ids = {p.id for p in items}
    slugs = {}
    for p in items:
        name = p.source_path.rsplit("/", 1)[-1]
        slugs[name.replace(".", "")] = p.id
        slugs[name] = p.id
    fixed = []
    for p in items:
        target = p.in_reply_to
        if target is not None and target not in ids and target in slugs:
            p = replace(p, in_reply_to=slugs[target])  # noqa: PLW2901
        fixed.append(p)
    return fixed


def _earlier_slugs(article: Any) -> list[str]:
    value = article.metadata.get("earlier-slugs", "")
    if isinstance(value, str):
        value = value.split(",")
    return [s.strip() for s in value if s and s.strip()]


def _newest(
    posts: list[Any], perspectives: Any, settings: PerspectiveSettings
) -> datetime | None:
    """Return the date of the newest post or perspective, when discussions close.

    Perspectives' dates carry the offsets their files give, and comparing two
    dates of different time zones asks each for its offset: the two kinds are
    compared among themselves first (30,000 dates, 30 ms mixed at 5,000 posts).
    """
    if settings.close_after_days is None:
        return None  # every discussion stays open: no date is compared with it
    groups = (
        [a.date for a in posts],
        [p.date for items in perspectives for p in items],
    )
    return max((max(dates) for dates in groups if dates), default=None)


def _discussion_open(
    article: Any, newest: datetime | None, settings: PerspectiveSettings
) -> bool:
    explicit = "discussion" in article.metadata
    value = str(article.metadata.get("discussion", "open")).strip().lower()
    if value not in ("open", "closed"):
        logger.warning(
            "%s: expected Discussion 'open' or 'closed', got %r; closed",
            os.path.relpath(article.source_path, article.settings["PATH"]),
            value,
        )
        return False
    if value == "closed":
        return False
    if explicit or settings.close_after_days is None or newest is None:
        return True  # "open" by hand stays open
    return newest - article.date <= timedelta(days=settings.close_after_days)


def _skipped_posts(generator: Any) -> dict[str, str]:
    """Return the slug (from the file name) of each post Pelican could not read."""
    pattern = re.compile(generator.settings.get("FILENAME_METADATA") or "(?!)")
    skipped = {}
    for rel, content in sorted(generator.context.get("generated_content", {}).items()):
        if content is None:  # Pelican's mark of a file it failed to read
            stem = os.path.splitext(os.path.basename(rel))[0]
            match = pattern.match(stem)
            slug = (match.groupdict().get("slug") if match else None) or stem
            skipped.setdefault(slug, rel)
    return skipped


def attach_perspectives(generator: Any) -> None:
    """Read perspectives for every post and hang them on it (see the README)."""
    settings = PerspectiveSettings.from_settings(generator.settings)
    cache = build_cache(generator.settings)
    root = Path(generator.settings["PATH"])
    articles = [
        *generator.articles,
        *generator.translations,
        *getattr(generator, "hidden_articles", []),
        *getattr(generator, "hidden_translations", []),
        *generator.drafts,
        *generator.drafts_translations,
    ]
    by_slug: dict[str, Any] = {}
    for article in articles:  # published originals first, so they win a clash
        by_slug.setdefault(article.slug, article)
    for article in articles:
        for old in _earlier_slugs(article):
            claimed = by_slug.setdefault(old, article)
            if claimed is not article:
                logger.warning(
                    "%s: expected Earlier-Slugs to name a slug no other post uses,"
                    " got %r (taken by %s); its perspectives stay with that one",
                    os.path.relpath(article.source_path, generator.settings["PATH"]),
                    old,
                    os.path.relpath(claimed.source_path, generator.settings["PATH"]),
                )

    found: dict[int, list[Perspective]] = defaultdict(list)
    skipped = _skipped_posts(generator)
    for folder in _folders(root, settings):
        article = by_slug.get(folder.name)
        if article is None and folder.name in skipped:
            logger.warning(
                "%s: expected the post %s, got none: it was skipped (see its"
                " error); its perspectives are not shown",
                folder.rel,
                skipped[folder.name],
            )
            continue
        if article is None:
            logger.warning(
                "%s: expected a folder named after a post's slug or one of its"
                " Earlier-Slugs, got %r, which matches no post; its perspectives"
                " are not shown",
                folder.rel,
                folder.name,
            )
            continue
        found[id(article)].extend(
            read_folder(folder, post=article.slug, settings=settings, cache=cache)
        )

    newest = _newest(generator.articles, found.values(), settings)

    # One drawing per reader, shared by all their perspectives (memory, time).
    avatars: dict[tuple[str, str], Markup] = {}

    def avatar(p: Perspective) -> Markup:
        key = (p.avatar_hash, "" if p.avatar_hash else p.author)
        found = avatars.get(key)
        if found is None:
            found = avatars[key] = identicon_svg(
                p.avatar_hash or salted_hash(p.author, settings.avatar_salt)
            )
        return found

    for article in articles:
        items = chat_quotes(
            _unique(found.get(id(article), [])), article, generator.settings
        )
        tops, warnings = thread_perspectives(
            items, max_depth=settings.max_depth, order=settings.order, avatar=avatar
        )
        for warning in warnings:
            logger.warning("%s", warning)
        article.perspectives = tuple(sorted(items, key=lambda p: (p.date, p.id)))
        article.perspective_count = len(items)
        article.perspective_threads = Threads(tops)
        article.discussion_open = _discussion_open(article, newest, settings)
        article.perspective_contact = Contact(
            post=article.slug,
            title=Markup(article.title).striptags(),
            action=f"{settings.intake_url}/perspectives" if settings.intake_url else "",
            email=settings.email,
        )
        can_write = article.discussion_open and (settings.intake_url or settings.email)
        article.perspectives_shown = bool(items) or bool(can_write)
        article.perspective_form_shown = bool(can_write)
        if article.perspectives_shown:
            add_footer_link(
                article,
                FooterLink(
                    label=f"Perspectives ({len(items)})",
                    url=f"{article.url}#perspectives",
                    order=ORDER_PERSPECTIVES,
                    css_class="footer-perspectives",
                ),
            )


def _unique(items: list[Perspective]) -> list[Perspective]:
    """Drop perspectives whose id another folder of the same post has already used."""
    seen: dict[str, Perspective] = {}
    for p in sorted(items, key=lambda p: p.source_path):
        if p.id in seen:
            # An error: a perspective is left out, so the build must not pass.
            logger.error(
                "%s: expected a file name unique among the post's perspectives,"
                " got %r again (first in %s); skipped",
                p.source_path,
                p.id,
                seen[p.id].source_path,
            )
            continue
        seen[p.id] = p
    return list(seen.values())
