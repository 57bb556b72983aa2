"""Take unchanged posts whole from the build cache: no file read, no Article made.

With its conversion cached, a post still costs Pelican's metadata step, its
``Article`` and the checks on it: 0.9 s of a 5,000-post rebuild. Here a post read
without fault is pickled as Pelican hands it over, right after reading (before
taxonomy, URLs, perspectives or any other plugin touch it), under its file's
settled stamp (see ``plugins.common.files``); a later build whose file has the
same stamp takes it back (0.1 s for 5,000). The build cache's file is per
settings digest: same settings, same plugin code, same library versions. The
settings and the shared context are not in the pickle; the post is given this
build's.

Not kept, so read every build as before:

- a post that logged a warning or an error while it was read (the message is
  given again every build), or that its reader did not note as settled (bad
  bytes, a quote of a transcript: its HTML depends on another file);
- a post dated in the future (Pelican makes it a draft until that date);
- every post, when a receiver of Pelican's per-post signals
  (``content_object_init``, ``article_generator_preread``,
  ``article_generator_context``) is not Colloquy's: another plugin's receiver
  may keep state of its own, which a post taken whole would not give it;
- every post, when Pelican's own generator-level content cache is on.

The pickle also names the post as it was read: its digest stands for every
attribute the post still holds unchanged (the same object) when the output ledger
digests it (:func:`read_states`), so only what plugins attached since is digested
again. That holds because no plugin of Colloquy's, nor Pelican before the
ledger opens, changes a post's values in place (they assign new ones); with
another plugin's receiver on any of Pelican's signals, posts are digested whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
import datetime as dt
import hashlib
import io
import locale
import logging
import os
from pathlib import Path
import pickle
import time
from typing import Any, NamedTuple
import weakref

from pelican import signals

from plugins.common.buildcache import SETTINGS_KEY
from plugins.common.files import settled_stamp

from .digest import Digester
from .readcache import (
    KEPT_POST_PREFIX,
    ConversionCache,
    pelicans_cache_on,
    post_stamp_key,
)
from .states import links_elsewhere
from .urls import fix_urls

logger = logging.getLogger(__name__)

PLUGINS_ROOT = Path(__file__).resolve().parent.parent  # Colloquy's plugins
PER_POST_SIGNALS = (
    signals.content_object_init,
    signals.article_generator_preread,
    signals.article_generator_context,
)
WORKER_AFTER = 16  # posts read (not taken whole) before the prefetch worker starts
# What a post being read logged at WARNING or above (None: no post is watched).
_SAID: ContextVar[list[int] | None] = ContextVar("colloquy_post_said", default=None)


class AsRead(NamedTuple):
    """A post as it was read (see :func:`read_states`).

    The digest of its pickle, its attributes then, whether its text links to
    other content (``.states.links_elsewhere``: a regular expression over every
    post's HTML, 70 ms at 5,000 posts, kept with the post instead), and its
    placement (:func:`placement_digest`).
    """

    digest: bytes
    values: dict[str, Any]
    links_elsewhere: bool
    placement: bytes


class KeptPost(NamedTuple):
    """A post as the build cache keeps it (see :class:`KeptPosts`)."""

    blob: bytes  # the post pickled, without the settings, the context, its HTML
    digest: bytes  # of the pickle and the HTML
    static_links: tuple[str, ...]
    html: str | None  # None: its text's conversion has it
    links_elsewhere: bool
    placement: bytes


_NOT_PLACEMENT = frozenset({"_content", "metadata"})


def placement_digester(settings: dict, context: dict) -> Digester:
    """Return a digester for :func:`placement_digest`, one for a build's posts.

    Shared, it learns each type's layout once (100 us a post otherwise).
    """
    return Digester({id(settings): "settings", id(context): "context"})


def placement_digest(post: Any, digester: Digester) -> bytes:
    """Return a digest of every attribute of a post just read but its HTML.

    What decides where a post is listed, in what order, under which URL and
    with what title: a change to its text alone (or to what plugins attach
    later, perspectives say) leaves it as it was. Its ``metadata`` is left out
    too: Pelican sets every field of it as an attribute of the post, digested.
    """
    values = {k: v for k, v in vars(post).items() if k not in _NOT_PLACEMENT}
    return digester.digest(values)


def post_key(stamp: str, source_path: str) -> str:
    """Return the build cache's key of a whole post read from a file so stamped.

    It holds the process's time locale and time zone as well: Pelican formats a
    post's dates (``locale_date``) with the locale when it reads it, and reads a
    file's date (``DEFAULT_DATE = "fs"``) in local time, neither of which is a
    setting when ``LOCALE`` is left to the environment.
    """
    return f"{KEPT_POST_PREFIX}{reading_environment()}:{stamp}:{source_path}"


def reading_environment() -> str:
    """Return what of the process, beyond the settings, reading a post depends on."""
    return f"{locale.setlocale(locale.LC_TIME)}|{time.tzname}|{time.timezone}"


def watch_warnings() -> None:
    """Note every warning made while a post is read, even one Pelican filters out.

    Pelican's loggers drop a message logged before (``LimitFilter``) ahead of any
    handler, so a handler would miss it; records are made before that.
    """
    made = logging.getLogRecordFactory()
    if getattr(made, "notes_post_warnings", False):
        return

    def noting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = made(*args, **kwargs)
        said = _SAID.get()
        if said is not None and record.levelno >= logging.WARNING:
            said.append(record.levelno)
        return record

    noting.notes_post_warnings = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(noting)


def all_signals() -> list[Any]:
    """Return every signal Pelican defines."""
    return [
        value
        for value in vars(signals).values()
        if callable(getattr(value, "connect", None)) and hasattr(value, "receivers")
    ]


def foreign_receivers(signals_: Iterable[Any] = PER_POST_SIGNALS) -> list[str]:
    """Return the receivers of ``signals_`` that are not Colloquy's own code."""
    found = []
    for signal in signals_:
        for receiver in list(signal.receivers.values()):
            target = receiver() if isinstance(receiver, weakref.ref) else receiver
            if target is None:
                continue  # gone: it will never be called
            code = getattr(target, "__code__", None)
            filename = getattr(code, "co_filename", "")
            if not filename or not Path(filename).resolve().is_relative_to(
                PLUGINS_ROOT
            ):
                found.append(f"{signal.name}: {target!r}")
    return found


class KeptPosts:
    """An articles generator's ``get_cached_data``/``cache_data``, by file stamp."""

    def __init__(self, generator: Any, cache: ConversionCache) -> None:
        self._generator = generator
        self._cache = cache
        self._reading: tuple[str, str | None] | None = None  # (path, stamp)
        self._said: list[int] = []
        self._token = None
        # id(post) -> (post, what it was when read)
        self.states: dict[int, tuple[Any, AsRead]] = {}
        self._links: dict[int, set[str]] = {}  # id(post) -> its {static} links
        self._placer = placement_digester(generator.settings, generator.context)
        self._to_read: int | None = None  # reads left before ``_on_reading``
        self._on_reading: Callable[[], None] | None = None

    def when_reading(self, count: int, action: Callable[[], None]) -> None:
        """Call ``action`` once, when ``count`` posts had to be read in this build."""
        self._to_read, self._on_reading = count, action

    def get_cached_data(self, filename: str, default: Any = None) -> Any:
        """Return the post an earlier build read from ``filename`` as it is now."""
        self.stop()
        source = os.path.abspath(os.path.join(self._generator.path, filename))
        stamp = settled_stamp(source)
        if stamp is not None:
            kept = self._cache.take(post_key(stamp, source))
            kept = kept if isinstance(kept, KeptPost) else None
            # Its HTML, unless a plugin changed it, is its text's conversion, kept
            # for when only the file's stamp changes (a checkout, a touch).
            converted = self._cache.retain(post_stamp_key(stamp, source))
            post = None if kept is None else self._restore(kept, converted, source)
            if post is not None:
                self._note(post, kept, set(kept.static_links))
                return post
        if self._to_read is not None:
            self._to_read -= 1
            if self._to_read <= 0 and self._on_reading is not None:
                action, self._on_reading = self._on_reading, None
                action()
        self._reading = (source, stamp)
        self._said = []
        self._token = _SAID.set(self._said)
        return default

    def cache_data(self, filename: str, post: Any) -> None:
        """Keep ``post``, just read from ``filename``, if it may be taken whole."""
        reading, said = self._reading, self._said
        self.stop()
        if reading is None:
            return
        try:
            # Its URL and output path are its file's and the settings' (.urls):
            # worked out now, they are kept with it (0.1 s at 5,000 posts).
            fix_urls([post])
            post.url, post.save_as  # noqa: B018
            blob = self._dump(post)
        except Exception as err:  # noqa: BLE001 (an attribute pickle cannot keep)
            logger.debug("Not keeping %s whole: %s", filename, err)
            return
        html = post._content
        hashed = hashlib.blake2b(blob, digest_size=16)
        hashed.update(str(html).encode("utf-8", "surrogatepass"))
        digest = hashed.digest()
        links = post.get_static_links()
        kept = KeptPost(
            blob,
            digest,
            tuple(sorted(links)),
            html,
            links_elsewhere(post),
            placement_digest(post, self._placer),
        )
        self._note(post, kept, links)
        source, stamp = reading
        if said or stamp is None or _future(post) or not isinstance(html, str):
            return
        converted = self._cache.noted(post_stamp_key(stamp, source))
        if converted is None:
            return  # its reader did not vouch for it (bad bytes, a quote...)
        # Not its HTML twice in memory and in the file: the conversion has it.
        if html is converted[0]:
            kept = kept._replace(html=None)
        self._cache.keep(post_key(stamp, source), kept)

    def add_static_links(self, post: Any) -> None:
        """Add the files ``post`` links with ``{static}`` to the build, as Pelican.

        Pelican finds them with a regular expression over the post's HTML (16 us
        a post); a post read or taken whole here had them found once.
        """
        links = self._links.pop(id(post), None)
        if links is None:
            links = post.get_static_links()
        self._generator.context["static_links"] |= links

    def _note(self, post: Any, kept: KeptPost, links: set[str]) -> None:
        """Remember ``post`` as read: its digests, attributes and links."""
        as_read = AsRead(
            kept.digest, dict(vars(post)), kept.links_elsewhere, kept.placement
        )
        self.states[id(post)] = (post, as_read)
        self._links[id(post)] = links

    def stop(self) -> None:
        """Stop watching what the post being read logs (none is being read now)."""
        if self._token is not None:
            _SAID.reset(self._token)
            self._token = None
        self._reading = None

    def _dump(self, post: Any) -> bytes:
        """Pickle ``post`` without the settings, the context and its HTML."""
        shared = {
            id(self._generator.settings): "settings",
            id(self._generator.context): "context",
        }
        if isinstance(post._content, str):
            shared[id(post._content)] = "html"
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.persistent_id = lambda obj: shared.get(id(obj))  # type: ignore[method-assign]
        pickler.dump(post)
        return buffer.getvalue()

    def _restore(self, kept: KeptPost, converted: Any, source: str) -> Any:
        """Return the post ``kept`` holds, given its text's conversion (if any)."""
        blob, html = kept.blob, kept.html
        if html is None:
            if converted is None:
                return None  # the conversion holding its HTML is gone
            html = converted[0]
        shared = {
            "settings": self._generator.settings,
            "context": self._generator.context,
            "html": html,
        }
        unpickler = pickle.Unpickler(io.BytesIO(blob))
        unpickler.persistent_load = shared.__getitem__  # type: ignore[method-assign]
        try:
            return unpickler.load()
        except Exception as err:  # noqa: BLE001 (a class renamed since: read it)
            logger.debug(
                "Reading %s again: its kept post failed to load (%s)", source, err
            )
            return None


def _future(post: Any) -> bool:
    """Tell whether ``post`` is dated after now (Pelican may make it a draft)."""
    date = getattr(post, "date", None)
    if not isinstance(date, dt.datetime):
        return False
    now = dt.datetime.now(dt.UTC) if date.tzinfo else dt.datetime.now()
    return date > now


def kept_posts_of(generator: Any) -> KeptPosts | None:
    """Return the kept posts of an articles generator, if it takes posts whole."""
    kept = getattr(getattr(generator, "get_cached_data", None), "__self__", None)
    return kept if isinstance(kept, KeptPosts) else None


def read_states(generators: Iterable[Any]) -> dict[int, AsRead]:
    """Return, by ``id()``, what each post was when read.

    Empty when another plugin receives any of Pelican's signals: it might change
    a post's values in place, which only a whole digest would see.
    """
    found: dict[int, AsRead] = {}
    if foreign_receivers(all_signals()):
        return found
    for generator in generators:
        kept = kept_posts_of(generator)
        if kept is not None:
            for key, (_, as_read) in kept.states.items():
                found[key] = as_read
    return found


def keep_posts_whole(generator: Any) -> KeptPosts | None:
    """Let ``generator`` take unchanged posts whole from the build cache, if it may."""
    cache = generator.settings.get(SETTINGS_KEY)
    if not isinstance(cache, ConversionCache) or not cache.persistent:
        return None
    if pelicans_cache_on(generator):
        return None  # Pelican's own generator-level cache is on
    if foreign := foreign_receivers():
        logger.debug("Reading every post: other plugins receive %s", foreign)
        return None
    kept = KeptPosts(generator, cache)
    generator.get_cached_data = kept.get_cached_data
    generator.cache_data = kept.cache_data
    generator.add_static_links = kept.add_static_links
    return kept
