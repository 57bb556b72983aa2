"""The manifest of posts open for discussion: written by the build, read by intake."""

from __future__ import annotations

from dataclasses import dataclass
import json
import logging
import os
from pathlib import Path
import threading
from typing import Any

from markupsafe import Markup
from pelican.generators import Generator

from plugins.common.files import inside, write_atomic
from plugins.intake.settings import IntakeSettings

logger = logging.getLogger(__name__)

VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenPost:
    """A post that takes perspectives, as the intake service needs to know it."""

    slug: str
    title: str
    path: str  # site-relative URL, e.g. "2024/05/slug/"
    url: str  # absolute when the build had a SITEURL, else same as path


@dataclass(frozen=True, slots=True, kw_only=True)
class Manifest:
    """Every open post, by slug."""

    site_url: str
    posts: dict[str, OpenPost]


def manifest_json(articles: list[Any], site_url: str) -> str:
    """Return the manifest for ``articles`` as deterministic JSON."""
    posts = {}
    for article in sorted(articles, key=lambda a: a.slug):
        if not getattr(article, "discussion_open", True):
            continue
        base = site_url.rstrip("/")
        posts[article.slug] = {
            "title": Markup(str(article.title)).striptags(),  # plain text
            "path": article.url,
            "url": f"{base}/{article.url}" if base else article.url,
        }
    data = {"version": VERSION, "site_url": site_url, "posts": posts}
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def parse_manifest(text: str, *, path: str) -> Manifest:
    """Read a manifest written by :func:`manifest_json`."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ValueError(f"{path}: expected JSON, got {err}") from None
    version = data.get("version") if isinstance(data, dict) else None
    if version != VERSION:
        raise ValueError(
            f"{path}: expected an intake manifest of version {VERSION}, got {version!r}"
        )
    try:
        posts = {
            slug: OpenPost(
                slug=slug,
                title=str(entry["title"]),
                path=str(entry["path"]),
                url=str(entry["url"]),
            )
            for slug, entry in data["posts"].items()
        }
        return Manifest(site_url=str(data["site_url"]), posts=posts)
    except (KeyError, TypeError, AttributeError) as err:
        raise ValueError(
            f"{path}: expected posts with title, path and url, got {err!r} missing"
        ) from None


class ManifestFile:
    """A manifest on disk, read again whenever the build replaces it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._manifest = self._read()

    def _read(self) -> Manifest:
        stat = os.stat(self.path)
        manifest = parse_manifest(
            self.path.read_text(encoding="utf-8"), path=str(self.path)
        )
        self._stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        return manifest

    def current(self) -> Manifest:
        """Return the manifest, re-read if the file changed (keeping the last good)."""
        try:
            stat = os.stat(self.path)
        except OSError:
            return self._manifest
        if (stat.st_ino, stat.st_mtime_ns, stat.st_size) != self._stamp:
            with self._lock:
                try:
                    self._manifest = self._read()
                    logger.info("%s: reloaded, %d open posts", self.path, len(self))
                except (OSError, ValueError) as err:
                    logger.error("%s (keeping the previous manifest)", err)
        return self._manifest

    def __len__(self) -> int:
        return len(self._manifest.posts)


class IntakeManifestGenerator(Generator):
    """Write ``intake/manifest.json`` listing the posts open for discussion."""

    def generate_output(self, writer: Any) -> None:
        """Write the manifest into the output folder."""
        articles = list(self.context.get("articles", ())) + list(
            self.context.get("hidden_articles", ())
        )
        save_as = IntakeSettings.from_settings(self.settings).manifest_save_as
        target = inside(self.output_path, save_as)
        text = manifest_json(articles, self.settings.get("SITEURL", ""))
        # durable=False: output, made again by any build, needs no fsync.
        if write_atomic(target, text, overwrite=True, durable=False):
            logger.info("Writing %s", target)
