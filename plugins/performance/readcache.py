"""Keep each post's Markdown conversion between builds, keyed on its exact text.

A rebuild after one change would otherwise run Python-Markdown and Pygments on
every post again (about a third of a build). The conversion (text -> HTML and the
raw header fields) is reused only when nothing it depends on has changed:

- the key of an entry is the SHA-256 of the post's text;
- the cache file's name holds a digest of every setting, the source of every
  plugin and the versions of Pelican, Markdown and Pygments, so changing any of
  them starts from an empty cache (and the old file is removed);
- a post quoting a transcript (``[[quote: ...]]``) depends on another file and
  is never cached.

A file an earlier build read without fault is not even read again while its stamp
(:func:`settled_stamp`) is the same: the cache notes, under a key made of the
stamp and the path, the key of the text it held, whose header was checked then.

The cache object lives in the build's settings (made at ``initialized``), so
builds in one process share nothing; it is saved, and emptied, once every
generator has read its content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache, partial
import hashlib
from importlib import metadata
import logging
import os
from pathlib import Path
import pickle
import struct
import sys
import tempfile
import types
from typing import TYPE_CHECKING, Any
import zlib

from plugins.common.buildcache import SETTINGS_KEY
from plugins.common.files import REPLACEMENT, read_text, settled_stamp
from plugins.posts.metadata import HeaderField, read_header
from plugins.posts.reader import PostReader

from .collection import kept_from_collection
from .survey import MISSING

if TYPE_CHECKING:
    from plugins.performance.prefetch import Prefetcher
    from plugins.performance.survey import Survey

logger = logging.getLogger(__name__)

FILE_PREFIX = "colloquy-markdown-"
UNCACHEABLE = ("[[quote:",)  # markers of posts whose HTML depends on other files
VERSIONED = ("pelican", "markdown", "pygments")
NEUTRAL = ("PERFORMANCE_WORKERS",)  # settings that change how, not what, is computed
Entry = tuple[str, dict[str, list[str]]]  # (HTML, the meta extension's fields)
CHUNK_ENTRIES = 500  # entries per pickle in the cache file (it holds a series of them)
STALE_SHARE = 4  # write the file anew when over a quarter of its entries went unused
MAGIC = b"CQC3"  # starts each frame of the cache file (3: CRC-32 checksums)
FRAME = struct.Struct("<4sQ")  # magic, length of the pickle; then its checksum
CHECKSUM_BYTES = 4
KEPT_POST_PREFIX = "post-object:"  # keys of whole posts (.keptposts)


def post_key(text: str) -> str | None:
    """Return the cache key of a post's text, or None when it must not be cached."""
    if any(marker in text for marker in UNCACHEABLE):
        return None
    return f"post:{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()}"


def post_stamp_key(stamp: str, source_path: str) -> str:
    """Return the key under which the post reader notes a settled file's text."""
    return f"post-file:{stamp}:{source_path}"


def pelicans_cache_on(cacher: Any) -> bool:
    """Tell whether Pelican's own content cache is on for a generator or readers."""
    return bool(getattr(cacher, "_cache_data_policy", True)) or bool(
        getattr(cacher, "_cache", None)
    )


def stable_repr(value: Any) -> str:
    """Return ``value`` as text that is the same in every process for equal settings.

    Functions and classes are named by module and qualified name; other objects
    whose repr would show a memory address are named by their type.
    """
    if isinstance(value, dict):
        items = sorted((stable_repr(k), stable_repr(v)) for k, v in value.items())
        text = "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(stable_repr(v) for v in value) + "]"
    elif isinstance(value, set | frozenset):
        text = "{" + ", ".join(sorted(stable_repr(v) for v in value)) + "}"
    elif isinstance(value, types.FunctionType | types.BuiltinFunctionType | type):
        text = f"<{value.__module__}.{value.__qualname__}>"
    elif isinstance(value, types.ModuleType):
        text = f"<module {value.__name__}>"
    else:
        text = repr(value)
        if " at 0x" in text:
            text = f"<{type(value).__qualname__}>"
    return text


def plugin_sources(names: Iterable[str]) -> list[Path]:
    """Return the Python files of the plugins ``names`` (loaded modules), sorted."""
    files: set[Path] = set()
    for name in names:
        module = sys.modules.get(name if isinstance(name, str) else name.__name__)
        source = getattr(module, "__file__", None)
        if not source:
            continue
        path = Path(source)
        if path.name == "__init__.py":
            files.update(path.parent.rglob("*.py"))
        else:
            files.add(path)
    return sorted(files)


def settings_digest(settings: dict[str, Any]) -> str:
    """Return a digest of what a post's conversion can depend on besides its text."""
    digest = hashlib.sha256()
    plugins = [
        p if isinstance(p, str) else p.__name__ for p in settings.get("PLUGINS", ())
    ]
    digest.update(_code_digest(tuple(plugins)))
    visible = {
        k: v for k, v in settings.items() if k != SETTINGS_KEY and k not in NEUTRAL
    }
    digest.update(stable_repr(visible).encode())
    return digest.hexdigest()[:32]


@cache
def _code_digest(plugins: tuple[str, ...]) -> bytes:
    """Return a digest of the libraries' versions and the plugins' source files.

    Once per process: it is the code this process runs (a module edited on disk
    is not loaded again), asked for by every generator of every build.
    """
    digest = hashlib.sha256()
    for name in VERSIONED:
        digest.update(f"{name}={metadata.version(name)}\n".encode())
    # plugins.common is imported by every plugin; it is part of what they run.
    for path in plugin_sources([*plugins, "plugins.common"]):
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.digest()


class ConversionCache:
    """One build's view of the conversion cache file under ``CACHE_PATH``.

    Not ``persistent``, it keeps nothing between builds: it only holds what the
    prefetch worker (:mod:`plugins.performance.prefetch`) computed for this one.
    """

    def __init__(self, settings: dict[str, Any], *, persistent: bool = True) -> None:
        self._settings = settings
        self._persistent = persistent
        self._opened = False  # the file is read on first use, once plugins are ready
        self._path: Path | None = None
        # Posts' entries, other plugins' results and, under stamp keys, the key of
        # the text a file held when its stamp was noted.
        self._loaded: dict[str, Any] = {}
        self._used: dict[str, Any] = {}
        self._whole = False  # the file was read to its end without damage
        # Frozen values handed out, each the pure result of its key: the output
        # ledger may digest one as its key (see ``Digester``); id -> (value, key).
        self.names: dict[int, tuple[Any, str]] = {}
        self.hits = 0  # entries found in the file
        self.prefetched = 0  # entries the worker computed
        self.worker: Prefetcher | None = None  # this build's prefetch worker, if any
        self.survey: Survey | None = None  # files' stamps worked out ahead, if any

    def open(self) -> None:
        """Read the cache file, once per build (not at all when not persistent).

        The file is a series of framed chunks (see :func:`_frame`). A file cut
        short or garbled (a build stopped while adding to it) gives back the
        chunks before the damage, and is written anew at the end of the build.
        """
        if self._opened:
            return
        self._opened = True
        if not self._persistent:
            return
        self._path = self.file()
        loaded: dict[str, Entry] = {}
        try:
            with self._path.open("rb") as handle, kept_from_collection():
                while (chunk := _next_chunk(handle)) is not None:
                    loaded.update(chunk)
        except FileNotFoundError:
            return
        except Exception as err:  # noqa: BLE001 (whatever the damage: start afresh)
            logger.info(
                "Markdown cache %s: using the %d entries read before it failed (%s)",
                self._path.name,
                len(loaded),
                err,
            )
        else:
            self._whole = True
        self._loaded = loaded

    def stamp(self, path: str) -> str | None:
        """Return ``path``'s settled stamp, as the survey found it if it did."""
        if self.survey is not None:
            found = self.survey.stamp(path)
            if found is not MISSING:
                return found
        return settled_stamp(path)

    def file(self) -> Path:
        """Return the cache file of this build's settings (it may not exist)."""
        folder = Path(self._settings["CACHE_PATH"])
        return folder / f"{FILE_PREFIX}{settings_digest(self._settings)}.pickle"

    def knows(self, key: str) -> bool:
        """Tell whether the file held an entry for ``key`` (read it first)."""
        return key in self._loaded

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        """Return what was kept for ``key``, or compute, keep and return it."""
        self.open()
        if key in self._loaded:
            entry = self._loaded[key]
            self.hits += 1
        else:
            found = self.worker.take(key) if self.worker else None
            if found is None:
                entry = compute()
            else:
                entry = found[0]
                self.prefetched += 1
        self._used[key] = entry
        return self._hand_out(key, entry)

    def _hand_out(self, key: str, entry: Any) -> Any:
        """Return ``entry``; name it by ``key`` if it can never change."""
        params = getattr(type(entry), "__dataclass_params__", None)
        if params is not None and params.frozen:
            self.names[id(entry)] = (entry, key)
        return entry

    def convert(self, text: str, convert: Callable[[str], Entry]) -> Entry:
        """Return (HTML, header fields) of ``text``, calling ``convert`` on a miss."""
        key = post_key(text)
        if key is None:
            return convert(text)
        return self.remember(key, lambda: convert(text))

    def by_stamp(self, stamp_key: str) -> Any | None:
        """Return what is kept for the key an earlier build noted for a stamp."""
        self.open()
        found = self._stamped(stamp_key)
        if found is None:
            return None
        self.hits += 1
        return self._hand_out(*found)

    def _stamped(self, stamp_key: str) -> tuple[str, Any] | None:
        """Keep, and return as (key, entry), what an earlier build noted for a stamp."""
        key = self._loaded.get(stamp_key)
        if key is None or key not in self._loaded:
            return None
        self._used[stamp_key] = key
        entry = self._used[key] = self._loaded[key]
        return key, entry

    def note_stamp(self, stamp_key: str, key: str) -> None:
        """Note that the file with this stamp holds the text whose entry is ``key``."""
        self._used[stamp_key] = key

    @property
    def persistent(self) -> bool:
        """Tell whether what this build keeps is there for the next one."""
        return self._persistent

    def take(self, key: str) -> Any | None:
        """Return what an earlier build kept under ``key`` (and keep it), or None."""
        self.open()
        found = self._loaded.get(key)
        if found is not None:
            self._used[key] = found
            self.hits += 1
        return found

    def kept_posts(self) -> int:
        """Return how many whole posts the file holds (see ``.keptposts``)."""
        self.open()
        return sum(1 for key in self._loaded if key.startswith(KEPT_POST_PREFIX))

    def retain(self, stamp_key: str) -> Any | None:
        """Keep what a stamp names for the next build, and return it (or None).

        Unlike :meth:`by_stamp`, not counted as a hit: this build reads no file.
        """
        found = self._stamped(stamp_key)
        return None if found is None else found[1]

    def keep(self, key: str, value: Any) -> None:
        """Keep ``value`` under ``key`` for the next build."""
        self._used[key] = value

    def noted(self, stamp_key: str) -> Any | None:
        """Return the entry this build noted (or reused) for a stamped file's text."""
        key = self._used.get(stamp_key)
        return None if key is None else self._used.get(key)

    def save(self) -> None:
        """Keep the entries this run used; remove caches of other digests.

        New entries are added at the end of the file; it is written anew only
        when it is damaged or more than a quarter of it went unused (posts
        edited or removed), so a rebuild after a small change writes little.
        """
        if self._path is None:
            self._opened, self._loaded, self._used = False, {}, {}
            return
        folder = self._path.parent
        folder.mkdir(parents=True, exist_ok=True)
        # Key views compared in C: 65,000 keys at 5,000 posts, on every build.
        added = self._used.keys() - self._loaded.keys()
        new = {k: v for k, v in self._used.items() if k in added} if added else {}
        unused = len(self._loaded.keys() - self._used.keys())
        worn = not self._whole or unused * STALE_SHARE > len(self._loaded)
        if worn or (new and not self._append(new)):
            self._rewrite()
        for stale in folder.glob(f"{FILE_PREFIX}*.pickle"):
            if stale != self._path:
                stale.unlink(missing_ok=True)
        # Free the entries before pages are written (peak memory), and let a next
        # run of the same Pelican (`pelican --autoreload`) load the file again.
        self._path, self._loaded, self._used = None, {}, {}
        self._opened = self._whole = False

    def _rewrite(self) -> None:
        """Write the entries used in this run as the whole file, chunk by chunk.

        Into a temporary file of its own (two builds sharing ``CACHE_PATH`` never
        mix), then renamed over the file.
        """
        with tempfile.NamedTemporaryFile(
            dir=self._path.parent, prefix=self._path.name, delete=False
        ) as handle:
            partial = Path(handle.name)
            try:
                for chunk in _chunks(self._used):
                    handle.write(_frame(chunk))
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
        os.replace(partial, self._path)

    def _append(self, new: dict[str, Entry]) -> bool:
        """Add ``new`` entries at the end of the file in one write; say if done.

        A build stopped halfway leaves a cut frame, which the next build detects;
        two builds appending at once each add whole frames (O_APPEND).
        """
        data = b"".join(_frame(chunk) for chunk in _chunks(new))
        try:
            fd = os.open(self._path, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:
            return False
        try:
            written = os.write(fd, data)
        finally:
            os.close(fd)
        return written == len(data)


def _chunks(entries: dict[str, Entry]) -> Iterator[dict[str, Entry]]:
    """Yield ``entries`` CHUNK_ENTRIES at a time.

    In chunks: one pickle of every entry would hold a copy of each perspective's
    Markup text until the end (the pickler's memo), ~37 MB at 5,000 posts, right
    before pages are written.
    """
    items = list(entries.items())
    for start in range(0, len(items), CHUNK_ENTRIES):
        yield dict(items[start : start + CHUNK_ENTRIES])


def _frame(chunk: dict[str, Entry]) -> bytes:
    """Return one chunk as a frame: its length, its checksum, then its pickle."""
    data = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(MAGIC, len(data)) + checksum(data) + data


def checksum(data: bytes) -> bytes:
    """Return a frame's checksum: CRC-32, for a cut or garbled write, not an attack.

    The file is the build's own (``CACHE_PATH``); at 5,000 posts it holds 72 MB,
    which SHA-256 took 60 ms to check and CRC-32 takes 30.
    """
    return zlib.crc32(data).to_bytes(CHECKSUM_BYTES, "little")


def _next_chunk(handle: Any) -> dict[str, Entry] | None:
    """Return the next chunk of a cache file, None at its end; raise if damaged."""
    head = handle.read(FRAME.size + CHECKSUM_BYTES)
    if not head:
        return None
    if len(head) < FRAME.size + CHECKSUM_BYTES:
        raise ValueError("the file ends inside a frame's header")
    magic, length = FRAME.unpack_from(head)
    if magic != MAGIC:
        raise ValueError(f"expected a frame, got {magic!r}")
    data = handle.read(length)
    if len(data) < length:
        raise ValueError("the file ends inside a frame")
    if checksum(data) != head[FRAME.size :]:
        raise ValueError("a frame's checksum does not match")
    chunk = pickle.loads(data)
    if not isinstance(chunk, dict):
        raise TypeError(f"expected entries, got a {type(chunk).__name__}")
    return chunk


class CachingPostReader(PostReader):
    """The post reader, reusing a post's conversion when its text is unchanged.

    A post whose file has a settled stamp (see :func:`settled_stamp`) that an
    earlier build read without fault is not even read again: its header was
    checked then, against the same settings (the cache file is kept per settings
    digest), and its conversion is found by the stamp. At 1,000 posts that spares
    reading, hashing and checking 1,000 files (about 35 ms). A file read with bad
    bytes is read every time, so its warning is given every time.
    """

    # Set by _convert during a read: the key of the text just converted, when its
    # file's stamp may name it (no bad bytes, no quote of another file).
    _stampable_key: str | None = None

    def read(self, source_path):
        """Read the post, or take what an earlier build read from the same file."""
        cache = self.settings.get(SETTINGS_KEY)
        if not isinstance(cache, ConversionCache):
            return super().read(source_path)
        stamp = settled_stamp(source_path)
        stamp_key = None if stamp is None else post_stamp_key(stamp, source_path)
        entry = None if stamp_key is None else cache.by_stamp(stamp_key)
        if entry is not None:
            path = self._start(source_path)
            self._md = self._markdown()
            html, meta = entry
            self._md.Meta = {key: list(values) for key, values in meta.items()}
            header = partial(_header_of, source_path, path)
            return html, self._metadata(path, header)
        self._stampable_key = None
        found = super().read(source_path)
        if stamp_key is not None and self._stampable_key is not None:
            cache.note_stamp(stamp_key, self._stampable_key)
        return found

    def _convert(self, text: str) -> str:
        cache = self.settings.get(SETTINGS_KEY)
        if not isinstance(cache, ConversionCache):
            return super()._convert(text)
        key = post_key(text)
        if key is None:
            html, meta = self.entry(text)
        else:
            html, meta = cache.remember(key, partial(self.entry, text))
            if REPLACEMENT not in text:
                self._stampable_key = key
        self._md.Meta = {key: list(values) for key, values in meta.items()}
        return html

    def entry(self, text: str) -> Entry:
        """Convert ``text`` with the current Markdown; return (HTML, header fields)."""
        html = super()._convert(text)
        meta = getattr(self._md, "Meta", None) or {}
        return html, {key: list(values) for key, values in meta.items()}

    def fresh_entry(self, text: str) -> Entry:
        """Convert ``text`` as :meth:`read` would, outside a read (prefetch worker)."""
        self._md = self._markdown()
        return self.entry(text)


def _header_of(source_path: str, path: str) -> list[HeaderField]:
    """Return the header of a post that was not read in this build (for errors)."""
    return read_header(read_text(source_path, path, warn=False))
