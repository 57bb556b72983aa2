"""Reading an export wherever it lives: one file, a folder, a zip, or test text.

Importers see an :class:`ExportSource`: a sorted list of member names and a way to
open each as text. Zips are read in place (never extracted), and every byte read
is counted so a progress bar can follow a large import.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
import io
import logging
from pathlib import Path
from typing import IO
import zipfile

from plugins.common.errors import ContentError

ProgressCallback = Callable[[int], None]
logger = logging.getLogger(__name__)

# Folders every zip tool likes to add, never part of an export.
_JUNK_PREFIXES = ("__MACOSX/",)
# A member that unpacks to more than this many times its packed size (and to more
# than BOMB_FLOOR bytes) is a zip bomb: chat text packs 5-30 times, deflate at most
# ~1,030. Read in place, 1 MB of zeros became gigabytes in json.load or one line.
BOMB_RATIO = 200
BOMB_FLOOR = 1 << 20


class _CountingReader(io.RawIOBase):
    """A raw stream that reports how many bytes have been read through it."""

    def __init__(self, inner: IO[bytes], report: ProgressCallback | None) -> None:
        super().__init__()
        self._inner, self._report = inner, report

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        if self._report and size:
            self._report(size)
        return size

    def close(self) -> None:
        self._inner.close()
        super().close()


@dataclass(frozen=True, slots=True)
class _Member:
    name: str  # as importers see it: a relative path with "/" separators
    size: int
    opener: Callable[[], IO[bytes]]


class ExportSource:
    """One export: a file, several files, a folder or a zip, opened read-only."""

    def __init__(
        self,
        label: str,
        members: list[_Member],
        *,
        zips: tuple[zipfile.ZipFile, ...] = (),
        single_file: bool = False,
    ) -> None:
        self.label = label
        self._members = {m.name: m for m in sorted(members, key=lambda m: m.name)}
        self._zips = zips
        self._single_file = single_file  # errors then name the file, not a member
        self.progress: ProgressCallback | None = None

    # -- construction -------------------------------------------------------

    @classmethod
    def open(cls, paths: list[Path]) -> ExportSource:
        """Open the files, folders or zips the user named."""
        members: list[_Member] = []
        zips: list[zipfile.ZipFile] = []
        for path in paths:
            if not path.exists():
                raise ContentError("expected an export file or folder", path=str(path))
            if path.is_dir():
                members.extend(_folder_members(path, len(paths) > 1))
            elif zipfile.is_zipfile(path):
                archive = zipfile.ZipFile(path)
                zips.append(archive)
                members.extend(_zip_members(archive, path, len(paths) > 1))
            else:
                members.append(
                    _Member(path.name, path.stat().st_size, _file_opener(path))
                )
        label = str(paths[0]) if len(paths) == 1 else ", ".join(map(str, paths))
        single = len(paths) == 1 and not paths[0].is_dir() and not zips
        return cls(label, members, zips=tuple(zips), single_file=single)

    @classmethod
    def from_texts(cls, files: dict[str, str | bytes], label: str = "") -> ExportSource:
        """Make a source from in-memory files (tests, stdin)."""
        members = []
        for name, text in files.items():
            data = text.encode("utf-8") if isinstance(text, str) else text
            members.append(_Member(name, len(data), _bytes_opener(data)))
        return cls(label or next(iter(files), "export"), members)

    def close(self) -> None:
        """Close any zip the source opened."""
        for archive in self._zips:
            archive.close()

    def __enter__(self) -> ExportSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading -------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """Return every member name, sorted."""
        return list(self._members)

    def total_size(self) -> int:
        """Return the bytes of every member, for a progress bar."""
        return sum(m.size for m in self._members.values())

    def has(self, name: str) -> bool:
        """Say whether ``name`` is a member."""
        return name in self._members

    def where(self, name: str) -> str:
        """Return how errors name a member: the file, or the zip and the file in it."""
        if self._single_file:
            return self.label
        return f"{self.label}/{name}" if self.label != name else name

    def open_binary(self, name: str) -> IO[bytes]:
        """Open one member for reading bytes, counting them for progress."""
        member = self._members[name]
        raw = _CountingReader(member.opener(), self.progress)
        return io.BufferedReader(raw, buffer_size=1 << 16)

    def encoding(self, name: str) -> str:
        """Return a member's encoding: UTF-16 if it starts with its byte-order mark.

        Windows tools (Notepad's "Unicode", PowerShell 5's ``>``) write UTF-16;
        everything else here is UTF-8, with or without a byte-order mark.
        """
        with self._members[name].opener() as handle:
            start = handle.read(2)
        return "utf-16" if start in _UTF16_BOMS else "utf-8-sig"

    def open_text(self, name: str) -> IO[str]:
        """Open one member as UTF-8 (or UTF-16) text; a byte-order mark is dropped."""
        return io.TextIOWrapper(
            self.open_binary(name),
            encoding=self.encoding(name),
            errors="strict",
            newline=None,
        )

    def head(self, name: str, size: int = 65536) -> str:
        """Return the first ``size`` bytes of a member as text, for detection."""
        with self._members[name].opener() as handle:
            data = handle.read(size)
        encoding = "utf-16" if data[:2] in _UTF16_BOMS else "utf-8-sig"
        return data.decode(encoding, errors="replace")

    def lines(self, name: str, *, fallback: str = "") -> Iterator[tuple[int, str]]:
        """Yield ``(line number, line without its end)`` for one member.

        With a ``fallback`` encoding, a line that is not UTF-8 is read in it (old
        IRC logs mix Latin-1 lines into UTF-8 ones) and a warning names the line.
        """
        if fallback and self.encoding(name) != "utf-16":
            yield from self._mixed_lines(name, fallback)
            return
        with self.open_text(name) as handle:
            try:
                for number, line in enumerate(handle, 1):
                    yield number, line.rstrip("\r\n")
            except UnicodeDecodeError as err:
                raise ContentError(
                    f"expected UTF-8 text, got byte {err.object[err.start]:#x}",
                    path=self.where(name),
                ) from None

    def _mixed_lines(self, name: str, fallback: str) -> Iterator[tuple[int, str]]:
        with self.open_binary(name) as handle:
            for number, raw in enumerate(handle, 1):
                data = raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError as err:
                    logger.warning(
                        "%s:%d: expected UTF-8 text, got byte %#x; read the line as %s",
                        self.where(name),
                        number,
                        err.object[err.start],
                        fallback,
                        extra={"limit_msg": "more lines read in a fallback encoding"},
                    )
                    text = data.decode(fallback, errors="replace")
                yield number, text.rstrip("\r\n")


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _folder_members(folder: Path, prefixed: bool) -> list[_Member]:
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(p.startswith(".") for p in path.parts[-1:]):
            continue
        rel = path.relative_to(folder).as_posix()
        name = f"{folder.name}/{rel}" if prefixed else rel
        found.append(_Member(name, path.stat().st_size, _file_opener(path)))
    return found


def _zip_members(archive: zipfile.ZipFile, path: Path, prefixed: bool) -> list[_Member]:
    infos = [
        info
        for info in archive.infolist()
        if not info.is_dir() and not info.filename.startswith(_JUNK_PREFIXES)
    ]
    # A zip made from a folder puts everything under that folder: strip it.
    tops = {info.filename.split("/", 1)[0] for info in infos}
    strip = ""
    if len(tops) == 1 and all("/" in info.filename for info in infos):
        strip = next(iter(tops)) + "/"
    found = []
    for info in infos:
        if info.file_size > BOMB_FLOOR and info.file_size > BOMB_RATIO * max(
            info.compress_size, 1
        ):
            raise ContentError(
                f"expected an export, got a member that unpacks to"
                f" {info.file_size:,} bytes from {info.compress_size:,}"
                f" ({info.filename!r}: a zip bomb?)",
                path=str(path),
            )
        rel = info.filename[len(strip) :]
        name = f"{path.name}/{rel}" if prefixed else rel
        found.append(_Member(name, info.file_size, _zip_opener(archive, info)))
    return found


def _file_opener(path: Path) -> Callable[[], IO[bytes]]:
    return lambda: open(path, "rb")


def _bytes_opener(data: bytes) -> Callable[[], IO[bytes]]:
    return lambda: io.BytesIO(data)


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    return lambda: archive.open(info)
