"""Remember what each output file was made from; skip making it again unchanged.

For every page and feed it makes, the ledger records a fingerprint of what the
maker was given (the template, its own variables), the posts and pages the
making read (see :mod:`.tracking`), what it logged, and the file as written.
The next build makes that file again only when

- the site digest differs: settings, plugin code, library versions, the theme,
  or anything in the shared template context (the lists of posts, categories,
  tags, transcripts... with each post standing for itself by path), or
- its fingerprint differs, or
- a post or page it read differs (each one's digest covers all its attributes,
  the perspectives and links other plugins attached included), or
- the file is not the one the ledger saw written (deleted, edited, replaced).

A generator whose pages are given only what follows from where posts are placed
(their lists, URLs, titles, dates: everything a post holds as read but its
HTML) says so with ``outputs_follow_placement()``: Pelican's own listings and
post pages, the reblog pages. When no post was added, removed or placed anew,
what such a page is given is what it was, and its fingerprint is the one on
record: not worked out again for each of thousands of pages.

Otherwise the file is left as it is and what its making logged is logged again,
so a warning about an unchanged post is not lost on an incremental build. The
ledger lives in ``CACHE_PATH``; without its file every page is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
import hashlib
from importlib import metadata
import logging
import os
from pathlib import Path
import pickle
import struct
from typing import Any, NamedTuple

from pelican.contents import Article
from pelican.writers import FileOverwriteFailedError

from plugins.common.buildcache import LEDGER_KEY, SETTINGS_KEY
from plugins.common.files import write_atomic

from .claims import Claims
from .digest import Digester, Unstable
from .keptposts import placement_digest, placement_digester, read_states
from .readcache import NEUTRAL, settings_digest
from .renders import KeptRenders
from .states import digest_states, link_targets
from .tracking import Reading, SaidHandler, reading, track

logger = logging.getLogger(__name__)

FILE_NAME = "colloquy-outputs.pickle"
# Besides Pelican, Markdown and Pygments (in the settings digest), what makes pages.
PAGE_LIBRARIES = ("jinja2", "markupsafe", "feedgen", "lxml", "nh3", "markdown-it-py")
FORMAT = 4
FEW_CHANGED = 50  # posts changed or added: above this, a build makes many files
_STAT = struct.Struct("<QqqQ")
# Context entries that are the build's machinery, or change while pages are made;
# and settings that change how a build works, not what it makes.
NOT_SITE = frozenset(
    {"localsiteurl", "output_file", SETTINGS_KEY, LEDGER_KEY, *NEUTRAL}
)
CONTENT_LISTS = (
    "articles",
    "translations",
    "drafts",
    "drafts_translations",
    "hidden_articles",
    "hidden_translations",
    "pages",
    "hidden_pages",
    "draft_pages",
    "draft_translations",
)


class Record(NamedTuple):
    """How one output file was made, and the file as it was then written.

    Kept in the ledger's file as a plain tuple: 18,000 of them at 5,000 posts
    pickle and load in a third of the time a class of their own takes.
    """

    fingerprint: bytes
    touched: tuple[str, ...]  # source paths of the posts and pages it read
    stat: bytes  # size, mtime, ctime (ns), inode of the file as written
    said: tuple[tuple[str, int, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerCounts:
    """How many output files a build made, and how many it left as they were."""

    made: int
    up_to_date: int
    made_by_twin: frozenset[str] = frozenset()  # output paths the twin made (.split)


def _stat(path: str) -> bytes | None:
    """Return the size, mtime, ctime (ns) and inode of ``path``, packed."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return _STAT.pack(found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)


def _placement(content: Any, as_read: dict[int, Any], placer: Digester) -> bytes | None:
    """Return where ``content`` is placed (see ``.keptposts.placement_digest``).

    A post's as it was read, before plugins attached what follows from its text
    (None if it was not seen read); a page's as it is now (a few, digested anew).
    """
    if isinstance(content, Article):
        return getattr(as_read.get(id(content)), "placement", None)
    try:
        return placement_digest(content, placer)
    except Unstable:
        return None


def contents_of(generators: Iterable[Any]) -> list[Any]:
    """Return every post and page the generators hold, translations included."""
    found: dict[int, Any] = {}
    for generator in generators:
        for name in CONTENT_LISTS:
            for item in getattr(generator, name, ()) or ():
                for content in (item, *(getattr(item, "translations", ()) or ())):
                    found.setdefault(id(content), content)
    return list(found.values())


def theme_digest(settings: dict[str, Any]) -> bytes:
    """Return a digest of every file of the theme and the template overrides."""
    digest = hashlib.blake2b(digest_size=16)
    folders = [
        settings.get("THEME", ""),
        *settings.get("THEME_TEMPLATES_OVERRIDES", ()),
    ]
    for folder in folders:
        root = Path(folder)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.digest()


class OutputLedger:
    """One build's ledger: what may be skipped now, what is recorded for next time."""

    def __init__(
        self, settings: dict[str, Any], generators: list[Any], processes: int = 1
    ) -> None:
        self.output_path = os.path.abspath(settings["OUTPUT_PATH"])
        self._prefix = os.path.join(self.output_path, "")
        self._file = Path(settings["CACHE_PATH"]) / FILE_NAME
        contents = contents_of(generators)
        self.contents = contents  # every post and page, translations included
        track(contents)
        self._paths = {id(c): c.source_path for c in contents}
        context = generators[0].context if generators else {}
        self.shared_context = context  # what every page's template is given
        tokens = {key: f"content:{path}" for key, path in self._paths.items()}
        tokens[id(settings)] = "settings"
        tokens[id(context)] = "context"
        named = getattr(settings.get(SETTINGS_KEY), "names", None)
        self._digester = Digester(tokens, named)
        self._old: dict[str, Record] = {}  # what may be kept (same site digest)
        self._site_parts: dict[str, bytes] = {}
        self._previous: dict[str, Record] = {}  # what the last build made
        self._changed: frozenset[str] = frozenset()
        self._previous_objects: Any = frozenset()  # the last build's posts
        self._placements: dict[str, bytes | None] = {}  # by post (see .keptposts)
        self._placed_alike = False  # no post added, removed or placed anew
        self._following = False  # within a generator whose pages follow placement
        self._new: dict[str, Record] = {}
        self._pending: dict[str, tuple[bytes, tuple[str, ...], tuple]] = {}
        self._made_keys: set[str] = set()  # made this build, recorded or not
        self.made = self.skipped = 0
        self._role: int | None = None  # this process's role when two make files
        self._claims: Claims | None = None  # who makes what, when two make files
        self._group: str | None = None  # files made together, by one process
        self._made_by_twin: frozenset[str] = frozenset()
        # What theme macros rendered for posts, kept across builds (.renders).
        self.renders = KeptRenders(self._file.parent, None, {}, {})
        root = logging.getLogger()
        for handler in [h for h in root.handlers if isinstance(h, SaidHandler)]:
            root.removeHandler(handler)  # left by a build that failed
        self.said_handler = self._handler = SaidHandler()
        for content in contents:
            # A post keeps its URL and path once asked (.urls), and its digest
            # covers what it keeps: ask now, so every build digests them alike.
            content.url, content.save_as  # noqa: B018
        as_read = read_states(generators)
        placer = placement_digester(settings, context)
        self._placements = {
            c.source_path: _placement(c, as_read, placer) for c in contents
        }
        try:
            links = cache(partial(link_targets, context))
            self._objects = digest_states(
                contents,
                partial(Digester, tokens, named),
                processes=processes,
                links=links,
                as_read=as_read,
            )
            self._site = self._site_digest(settings, context)
        except Unstable as err:
            logger.info("Making every page: %s", err)
            self._site = None
            return
        self.renders = KeptRenders(
            self._file.parent, self._site, self._paths, self._objects
        )
        self._load()
        logging.getLogger().addHandler(self._handler)

    def _site_digest(self, settings: dict[str, Any], context: dict) -> bytes:
        """Return the site digest; keep its parts, to say what changed."""
        parts = {
            "settings, plugin code or library versions": settings_digest(
                settings
            ).encode(),
            "theme": theme_digest(settings),
            "library versions": ", ".join(
                f"{name} {metadata.version(name)}" for name in PAGE_LIBRARIES
            ).encode(),
        }
        for key in sorted(context.keys() - NOT_SITE):
            parts[f"context[{key!r}]"] = self._digester.digest(context[key])
        self._site_parts = parts
        digest = hashlib.blake2b(digest_size=16)
        for name, part in parts.items():
            digest.update(name.encode() + b"\0" + part)
        return digest.digest()

    def _load(self) -> None:
        try:
            with self._file.open("rb") as handle:
                kept = pickle.load(handle)
        except FileNotFoundError:
            return
        except Exception as err:  # noqa: BLE001 (a damaged file: start afresh)
            logger.info("Making every page: the output ledger is unreadable (%s)", err)
            return
        if not isinstance(kept, dict) or kept.get("format") != FORMAT:
            return
        try:
            outputs = {
                key: Record._make(values) for key, values in kept["outputs"].items()
            }
        except (KeyError, TypeError, AttributeError) as err:
            logger.info("Making every page: the output ledger is damaged (%s)", err)
            return
        self._previous = outputs
        if kept.get("site") != self._site:
            before = kept.get("site_parts", {})
            changed = [k for k, v in self._site_parts.items() if before.get(k) != v]
            logger.info(
                "Making every page: changed since the last build: %s",
                ", ".join(changed[:8]) or "the site",
            )
            return
        placements = self._placements
        self._placed_alike = (
            kept.get("placements") == placements and None not in placements.values()
        )
        old_objects = kept.get("objects", {})
        self._previous_objects = old_objects.keys()
        self._changed = frozenset(
            path
            for path, value in old_objects.items()
            if self._objects.get(path) != value
        )
        self._old = outputs

    # Asking and recording ---------------------------------------------------

    def fingerprint(self, inputs: Any, scratch: dict | None = None) -> bytes | None:
        """Return the fingerprint of what a maker was given, None if unknowable.

        Makers of several files (a paginated listing) share one ``scratch``, so
        what their pages have in common is digested once.
        """
        if self._site is None:
            return None
        try:
            return self._digester.passing_digest(
                inputs, {} if scratch is None else scratch
            )
        except Unstable:
            return None

    @contextmanager
    def following_placement(self) -> Iterator[None]:
        """Mark the block as making pages that follow placement (see above)."""
        self._following = True
        try:
            yield
        finally:
            self._following = False

    def known_fingerprint(self, target: str, *, follows: bool = False) -> bytes | None:
        """Return the fingerprint on record for ``target`` when it cannot differ.

        That is for a file that follows placement (within
        :meth:`following_placement`, or said by ``follows``) when every post is
        placed as in the last build; None otherwise (it must be worked out).
        """
        if not ((self._following or follows) and self._placed_alike):
            return None
        record = self._old.get(self._key(target))
        return None if record is None else record.fingerprint

    def _key(self, target: str) -> str:
        """Return the ledger's name of an output file: its path inside the output."""
        target = os.path.normpath(target)
        if target.startswith(self._prefix):
            return target[len(self._prefix) :]
        return os.path.relpath(target, self.output_path)

    # Sharing the work with a twin process (see .split) -------------------------

    def share(self, role: int, claims: Claims) -> None:
        """From now on, make only the files ``role`` claims first."""
        self._role, self._claims = role, claims

    def few_to_make(self) -> bool:
        """Tell whether this build is likely to make few files: a small change.

        The site is as it was, and at most one post in twenty (and no more than
        ``FEW_CHANGED``) was changed or added since the last build.
        """
        if not self._old:
            return False
        changed = len(self._changed) + len(
            self._objects.keys() - self._previous_objects
        )
        return changed <= min(FEW_CHANGED, len(self._objects) // 20 + 1)

    def mine(self, target: str) -> bool:
        """Tell whether this process makes ``target`` (always, unless shared)."""
        if self._claims is None or self._role is None:
            return True
        key = self._group if self._group is not None else self._key(target)
        return self._claims.claim(key, self._role)

    @contextmanager
    def together(self, group: str) -> Iterator[None]:
        """Have the files made in this block made by one process (see .claims).

        Inside another such block, the outer group holds: all its files stay
        together.
        """
        if self._group is not None:
            yield
            return
        self._group = f"group:{group}"
        try:
            yield
        finally:
            self._group = None

    def handed_over(self) -> dict[str, Any]:
        """Return, for the build, what this twin recorded of the files it made."""
        return {
            "outputs": self._new,
            "made_keys": self._made_keys,
            "made": self.made,
            "skipped": self.skipped,
        }

    def take_over(self, half: dict[str, Any]) -> None:
        """Add what the twin recorded of the files it made.

        A file both made is refused as Pelican's writer refuses a second write
        to one path (each process saw only its own).
        """
        mine = self._new.keys() | self._made_keys
        both = sorted(mine & (half["outputs"].keys() | half["made_keys"]))
        if both:
            target = os.path.join(self.output_path, both[0])
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{target}": two parts of the build made it'
            )
        self._new.update(half["outputs"])
        self._made_keys |= half["made_keys"]
        self._made_by_twin = frozenset(half["made_keys"])
        self.made += half["made"]
        self.skipped += half["skipped"]

    def kept_render(
        self, name: str, scope: tuple, args: tuple, make: Callable[[], str]
    ) -> str:
        """Return what a theme macro renders for ``args`` (see ``.renders``)."""
        return self.renders.render(name, scope, args, make)

    def fresh(self, target: str, fingerprint: bytes | None) -> bool:
        """Say whether ``target`` is up to date; if so, keep its record, relog."""
        if not self.up_to_date(target, fingerprint):
            return False
        self.keep(target)
        return True

    def up_to_date(self, target: str, fingerprint: bytes | None) -> bool:
        """Say whether ``target`` is the file the last build made of these inputs."""
        if fingerprint is None:
            return False
        record = self._old.get(self._key(target))
        return not (
            record is None
            or record.fingerprint != fingerprint
            or any(path in self._changed for path in record.touched)
            or _stat(target) != record.stat
        )

    def keep(self, target: str) -> None:
        """Keep the last build's record of ``target`` (up to date); relog it."""
        key = self._key(target)
        record = self._old[key]
        self._new[key] = record
        self.skipped += 1
        for name, level, message in record.said:
            logging.getLogger(name).log(level, message)

    def finished(self, target: str, fingerprint: bytes | None, read: Reading) -> None:
        """Note what making ``target`` read and said, until its file is written."""
        self.made += 1
        self._made_keys.add(self._key(target))
        if fingerprint is None:
            return
        paths = self._paths
        touched = tuple(sorted(paths[i] for i in read.touched if i in paths))
        self._pending[target] = (fingerprint, touched, tuple(read.said) or ())

    def written(self, target: str) -> None:
        """Record ``target`` as its maker left it."""
        pending = self._pending.pop(target, None)
        stat = _stat(target)
        if pending is None or stat is None:
            return
        fingerprint, touched, said = pending
        key = self._key(target)
        self._new[key] = Record(fingerprint, touched, stat, said)

    def _remove_unmade(self) -> None:
        """Delete the files the last build made and this one did not.

        A post deleted, a tag no longer used: their pages would otherwise stay
        in the output (and in the sitemap of a search engine) until ``make
        clean``. Only files exactly as the last build left them are removed, and
        never one that a static file of this build is copied to.
        """
        static = {
            os.path.normpath(item.save_as)
            for item in self.shared_context.get("staticfiles", ())
            if getattr(item, "save_as", None)
        }
        kept = self._new.keys() | self._made_keys | static
        for key in sorted(self._previous.keys() - kept):
            target = os.path.join(self.output_path, key)
            if _stat(target) != self._previous[key].stat:
                continue
            os.unlink(target)
            logger.info("Removing %s: no longer made", target)
            folder = os.path.dirname(target)
            while folder != self.output_path and not os.listdir(folder):
                os.rmdir(folder)
                folder = os.path.dirname(folder)

    @contextmanager
    def output(
        self, path: str, inputs: Any, *, follows_placement: bool = False
    ) -> Iterator[bool]:
        """Tell whether ``path`` is up to date for ``inputs``; record it once made.

        The block is entered with True when the file may be left as it is, with
        False when it must be made (what the block reads and logs is noted).
        ``follows_placement``: see ``plugins.common.buildcache.OutputLedger``.
        """
        target = os.path.abspath(path)
        if not self.mine(target):
            yield True  # the twin makes it
            return
        fingerprint = self.known_fingerprint(target, follows=follows_placement)
        if fingerprint is None:
            fingerprint = self.fingerprint(inputs() if callable(inputs) else inputs)
        if self.fresh(target, fingerprint):
            yield True
            return
        with reading() as read:
            yield False
        self.finished(target, fingerprint, read)
        self.written(target)

    def _as_loaded(self) -> bool:
        """Tell whether the ledger's file already says all this build would write.

        Nothing was made, and every post, placement and record is the one read
        from it (a rebuild with nothing changed need not rewrite 4 MB).
        """
        return (
            self.made == 0
            and self._placed_alike
            and not self._changed
            and self._objects.keys() == self._previous_objects
            and self._new.keys() == self._old.keys()
            and all(record is self._old[key] for key, record in self._new.items())
        )

    def save(self) -> LedgerCounts:
        """Write the records of this build for the next one; stop listening."""
        logging.getLogger().removeHandler(self._handler)
        track(())  # the build's posts are not held for a reading that never comes
        counts = LedgerCounts(
            made=self.made, up_to_date=self.skipped, made_by_twin=self._made_by_twin
        )
        if self._site is None:
            return counts
        self._remove_unmade()
        self.renders.save()
        if not self._as_loaded():
            self._write()
        logger.info(
            "Output ledger: %d files made, %d up to date", self.made, self.skipped
        )
        return counts

    def _write(self) -> None:
        """Write the ledger's file anew (atomically)."""
        kept = {
            "format": FORMAT,
            "site": self._site,
            "site_parts": self._site_parts,
            "objects": self._objects,
            "placements": self._placements,
            "outputs": {key: tuple(record) for key, record in self._new.items()},
        }
        # Through a temporary file of its own: builds sharing CACHE_PATH never mix.
        data = pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(self._file, data, overwrite=True, durable=False)
