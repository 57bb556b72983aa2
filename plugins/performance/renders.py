"""What a theme macro rendered for posts in earlier builds, kept while they are.

A post's summary on the listings (the theme's ``once``) is rendered once per
build; after a small change, a listing page that shows it is made again with
every other post's summary too: a year's archive renders 500 of them (0.1 s at
5,000 posts). Here each rendering is kept under the macro's name, the page's
site URLs and each post by the digest the output ledger took of it (every
attribute, what plugins attached included), in a file per site digest (theme,
settings, plugin code). A rendering that logged a warning is not kept: the page
made with it must say it again. The listings are made by one process (see
``.claims``), which writes the file once they are done.
"""

from __future__ import annotations

from collections.abc import Callable
import io
import itertools
import logging
from pathlib import Path
import pickle
from typing import Any

from markupsafe import Markup

from plugins.common.files import write_atomic_stream

from .tracking import CURRENT

logger = logging.getLogger(__name__)

FILE_NAME = "colloquy-renders.pickle"
FORMAT = 1
APPENDS = 32  # builds that add to the file before it is written anew
_PLAIN = (str, int, bool, type(None))
Key = tuple[Any, ...]


class KeptRenders:
    """Renderings of earlier builds, and those of this one, by key."""

    def __init__(
        self,
        folder: Path,
        site: bytes | None,
        paths: dict[int, str],
        digests: dict[str, bytes],
    ) -> None:
        self._file = folder / FILE_NAME
        self._site = site  # None: nothing is kept (the ledger could not digest)
        self._paths = paths  # id() of each post and page -> its source path
        self._digests = digests  # source path -> the ledger's digest of it
        self._kept: dict[Key, str] | None = None  # loaded when first asked
        self._added = 0  # frames added to the file since it was written whole
        self.made: dict[Key, str] = {}  # rendered in this build, to keep

    def render(
        self, name: str, scope: tuple, args: tuple, make: Callable[[], str]
    ) -> str:
        """Return what ``make`` renders for ``args``, or what it did before."""
        key = self._key(name, scope, args)
        if key is None:
            return make()
        if self._kept is None:
            self._kept = self._load()
        found = self._kept.get(key)
        if found is not None:
            return found
        reading = CURRENT.get()
        said = len(reading.said) if reading is not None else 0
        text = make()
        if reading is None or len(reading.said) == said:
            self.made[key] = text
        return text

    def _key(self, name: str, scope: tuple, args: tuple) -> Key | None:
        """Return the key of a rendering: None if an argument has no digest."""
        if self._site is None:
            return None
        parts: list[Any] = [name, *scope]
        for arg in args:
            path = self._paths.get(id(arg))
            if path is not None and path in self._digests:
                parts.append((path, self._digests[path]))
            elif type(arg) in _PLAIN:
                parts.append(arg)
            else:
                return None
        return tuple(parts)

    def _load(self) -> dict[Key, str]:
        """Read the kept renderings: a head frame, then what later builds added."""
        found: dict[Key, str] = {}
        frames, whole = 0, 1
        try:
            with self._file.open("rb") as handle:
                head = pickle.load(handle)
                if (
                    not isinstance(head, dict)
                    or head.get("format") != FORMAT
                    or head.get("site") != self._site
                ):
                    return {}
                whole = head.get("frames", 1)
                while True:
                    found.update(head.get("entries", {}))
                    frames += 1
                    if not handle.peek(1):
                        break  # the end: a frame cut short raises below instead
                    head = pickle.load(handle)
        except FileNotFoundError:
            return {}
        except Exception as err:  # noqa: BLE001 (damaged: what was read, then anew)
            logger.info("%s is damaged (%s); it is written anew", self._file, err)
            frames = whole + APPENDS  # the next save rewrites it
        self._added = max(frames - whole, 0)
        return found

    def save(self) -> None:
        """Keep this build's renderings and those of posts still as they were.

        A few new ones are added at the end of the file (a rebuild after a small
        change adds one or two: 30 ms to rewrite 8 MB for them); the file is
        written anew, without the renderings of posts changed since, after a
        large change or every ``APPENDS`` builds.
        """
        if not self.made or self._site is None:
            return
        kept = self._kept if self._kept is not None else self._load()
        if kept and len(self.made) * 4 < len(kept) and self._added < APPENDS:
            with self._file.open("ab") as handle:
                self._dump({"entries": self.made}, handle)
        else:
            entries = {key: text for key, text in kept.items() if self._current(key)}
            entries.update(self.made)
            self._rewrite(entries)
        self._kept, self.made = None, {}

    def _rewrite(self, entries: dict[Key, str]) -> None:
        """Write the file anew: a head frame, then the entries in frames of 500."""
        keys = list(entries)
        frames = (
            {"entries": {key: entries[key] for key in keys[start : start + 500]}}
            for start in range(0, len(keys), 500)
        )
        written = 1 + (len(keys) + 499) // 500  # the frames, this head included
        head = {"format": FORMAT, "site": self._site, "entries": {}, "frames": written}
        write_atomic_stream(
            self._file,
            (self._pickled(frame) for frame in itertools.chain([head], frames)),
            overwrite=True,
            durable=False,  # a cache: a build makes it again
        )

    @classmethod
    def _pickled(cls, frame: dict[str, Any]) -> bytes:
        buffer = io.BytesIO()
        cls._dump(frame, buffer)
        return buffer.getvalue()

    @staticmethod
    def _dump(frame: dict[str, Any], handle: Any) -> None:
        pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
        # Markup as plain text (loaded without a class to rebuild), and no memo:
        # it would hold each text's copy to the end (15 MB at 5,000 posts).
        pickler.dispatch_table = {Markup: _as_text}
        pickler.fast = True
        pickler.dump(frame)

    def _current(self, key: Key) -> bool:
        """Tell whether every post ``key`` names is still as it was then."""
        return all(
            self._digests.get(part[0]) == part[1]
            for part in key
            if isinstance(part, tuple)
        )


def _as_text(markup: Markup) -> tuple:
    """Reduce markup to the plain text it holds, for pickling."""
    return str, (str.__str__(markup),)
