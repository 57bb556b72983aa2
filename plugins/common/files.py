"""Writing into content/ safely: atomic, inside its folder, never clobbering."""

from __future__ import annotations

from collections.abc import Iterable
import filecmp
import logging
import os
from pathlib import Path
import re
import secrets
import stat
import time

_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"com{i}" for i in range(1, 10)]
    + [f"lpt{i}" for i in range(1, 10)]
    + [f"{port}{digit}" for port in ("com", "lpt") for digit in "\u00b9\u00b2\u00b3"]
)
_UNSAFE_NAME = re.compile(r"[^\w.-]+", re.UNICODE)


logger = logging.getLogger(__name__)


class UnsafePathError(ValueError):
    """A name taken from input would write outside its folder."""


def safe_filename(name: str, *, fallback: str = "untitled") -> str:
    """Return ``name`` as a single portable file-name component.

    Separators, dots at either end, control characters and names Windows reserves
    are removed, so the result can never climb out of the folder it is joined to.
    """
    cleaned = _UNSAFE_NAME.sub("-", name.replace("/", "-").replace("\\", "-"))
    # Stripped again after the cut: Windows drops a trailing dot ("a…a." is "a…a").
    cleaned = cleaned.strip(".-_ ")[:120].rstrip(".-_ ") or fallback
    if cleaned.split(".")[0].lower() in _WINDOWS_RESERVED:
        cleaned = f"_{cleaned}"
    return cleaned


def inside(root: str | os.PathLike[str], *parts: str) -> Path:
    """Join ``parts`` to ``root`` and refuse a result that is not below ``root``."""
    # Strings, not Path objects: os.path.realpath is what Path.resolve runs, and
    # comparing prefixes is ~10x cheaper than Path.parents (thousands of calls a build).
    base = os.path.realpath(os.path.abspath(root))
    target = os.path.realpath(os.path.join(base, *parts))
    prefix = base if base.endswith(os.sep) else base + os.sep
    if target != base and not target.startswith(prefix):
        raise UnsafePathError(f"expected a path inside {base!r}, got {target!r}")
    return Path(target)


class FolderGuard:
    """:func:`inside` for the many files of one build under one root, cheaper.

    The root is resolved once, and each folder below it once: a folder is
    remembered only after ``lstat`` showed a real directory (never a symlink),
    and a file's own name is checked with ``lstat`` on every call, so a symlink
    planted anywhere in the output before the build, or as a file during it, is
    resolved and refused exactly as ``inside`` refuses it. One guard belongs to
    one writer, so what it remembers lives as long as one build.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.realpath(os.path.abspath(root))
        self._prefix = self.root if self.root.endswith(os.sep) else self.root + os.sep
        self._folders: dict[str, str] = {self.root: self.root}

    def resolve(self, *parts: str) -> str:
        """Return ``realpath(root/parts)``, refusing one that is not below the root."""
        target = self.realpath(os.path.join(self.root, *parts))
        if target != self.root and not target.startswith(self._prefix):
            raise UnsafePathError(
                f"expected a path inside {self.root!r}, got {target!r}"
            )
        return target

    def realpath(self, path: str) -> str:
        """Return ``os.path.realpath(path)`` for an absolute ``path``, unchecked."""
        folder, leaf = os.path.split(path)
        if leaf in ("", os.curdir, os.pardir) or os.sep * 2 in path:
            return os.path.realpath(path)  # what realpath() does with these, as is
        real = self._real_folder(folder)
        if real is None or os.path.islink(target := os.path.join(real, leaf)):
            return os.path.realpath(path)  # a symlink on the way: realpath() decides
        return target

    def _real_folder(self, folder: str) -> str | None:
        # realpath()'s own walk, one name at a time below the resolved parent;
        # None (leave it to realpath()) at a symlink, "." or "..". Only chains of
        # plain names that lstat() showed to be real folders are remembered.
        known = self._folders.get(folder)
        if known is not None:
            return known
        parent, leaf = os.path.split(folder)
        if parent == folder:
            return os.path.realpath(folder)  # the file system's root
        above = (
            None if leaf in ("", os.curdir, os.pardir) else self._real_folder(parent)
        )
        if above is None:
            return None
        real = os.path.join(above, leaf)
        try:
            mode = os.lstat(real).st_mode
        except OSError:
            return real  # missing: realpath() keeps the name as it is
        if stat.S_ISLNK(mode):
            return None
        if stat.S_ISDIR(mode):
            # Usually the same text: keep one string, not two (thousands a build).
            self._folders[folder] = folder if real == folder else real
        return real


def write_atomic(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    overwrite: bool = False,
    durable: bool = True,
    mode: int = 0o666,
) -> bool:
    """Write ``data`` to ``path`` all at once: readers see the old file or the new one.

    Returns False, writing nothing, when the file exists and ``overwrite`` is off,
    and also when it already holds exactly ``data`` (so re-imports touch nothing).
    ``durable=False`` skips the fsyncs (still atomic); a bulk writer that does so
    calls ``os.sync()`` once when it is done. The file gets ``mode`` less the
    umask, as ``open()`` gives (0o600 for private files such as the queue's).
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if target.exists() and (not overwrite or target.read_bytes() == payload):
        return False
    return _replace_with(
        target, [payload], overwrite=overwrite, durable=durable, mode=mode
    )


def write_atomic_stream(
    path: str | os.PathLike[str],
    chunks: Iterable[str | bytes],
    *,
    overwrite: bool = False,
    durable: bool = True,
    mode: int = 0o666,
) -> bool:
    """Write ``chunks`` to ``path`` as :func:`write_atomic` writes one string.

    The chunks go to a temporary file beside ``path`` as they come, so memory
    stays bounded whatever the length; the file then replaces ``path`` in one
    step. Returns False, leaving ``path`` as it was, when it exists and
    ``overwrite`` is off, or when it already holds exactly the same bytes. An
    exception raised while the chunks are produced leaves ``path`` untouched.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        return False
    encoded = (c.encode("utf-8") if isinstance(c, str) else c for c in chunks)
    return _replace_with(
        target, encoded, overwrite=overwrite, durable=durable, mode=mode, skip_same=True
    )


def _replace_with(  # noqa: PLR0913
    target: Path,
    chunks: Iterable[bytes],
    *,
    overwrite: bool,
    durable: bool,
    mode: int,
    skip_same: bool = False,
) -> bool:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _open_temporary(target, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            same = (
                skip_same
                and target.exists()
                and filecmp.cmp(tmp, target, shallow=False)
            )
            if durable and not same:
                os.fsync(handle.fileno())
        if same:
            os.unlink(tmp)
            return False
        if overwrite:
            os.replace(tmp, target)
        else:
            # link() fails if another writer got there first: never clobber.
            try:
                os.link(tmp, target)
            except FileExistsError:
                return False
            finally:
                os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_dir(target.parent)
    return True


def _open_temporary(target: Path, mode: int) -> tuple[int, str]:
    """Create a new file beside ``target`` with ``mode`` less the umask.

    ``tempfile.mkstemp`` always makes 0o600 files, and a rename keeps that mode:
    feeds and stylesheets in output/ were unreadable to a web server's user.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = str(target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {str(target)!r}")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


REPLACEMENT = "\ufffd"  # what read_text puts in place of each bad byte

# A file changed this recently may change again within the same tick of its
# timestamps (coarse clocks, FAT's two seconds), and its stamp would not show it.
SETTLED_NS = 2_000_000_000


def settled_stamp(source_path: str) -> str | None:
    """Return a stamp that changes whenever the file's content does, or None.

    The stamp is the file's size, modification and change times and inode; any
    write gives it a new change time, which nothing can set back. None for a file
    changed in the last two seconds (too fresh to tell a later write by its
    stamp) or that cannot be stat'ed, and on Windows, where Python's "change
    time" is the creation time. (FAT has no change time either: there a rewrite
    of the same size whose modification time is set back goes unseen.)
    """
    if os.name == "nt":
        return None
    try:
        found = os.stat(source_path)
    except OSError:
        return None
    newest = max(found.st_mtime_ns, found.st_ctime_ns)
    if time.time_ns() - newest < SETTLED_NS:
        return None
    return f"{found.st_size}:{found.st_mtime_ns}:{found.st_ctime_ns}:{found.st_ino}"


def read_text(source_path: str, path: str, *, warn: bool = True) -> str:
    """Return a source file's text (UTF-8, or UTF-16 with a BOM); bad bytes warn.

    Posts, perspectives and transcripts all read their files through this, so a
    stray Latin-1 byte costs one character, never the file.
    """
    # open(), not pathlib: 6 us a file instead of 20, 12,000 times a build.
    with open(source_path, "rb") as handle:
        data = handle.read()
    # Notepad's "Unicode" and PowerShell 5's `>` write UTF-16 with a byte-order mark.
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    # A UTF-8 byte-order mark is dropped by hand: the "utf-8-sig" codec is
    # Python code, plain "utf-8" is not (30,000 files a build at 5,000 posts).
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    encoding = "utf-16" if utf16 else "utf-8"
    body = data[skip:] if skip else data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as err:
        if not warn:  # read again (for a line number): warned the first time
            return _lines(body.decode(encoding, errors="replace"))
        start = err.start + skip
        logger.warning(
            "%s:%d: expected %s text, got byte 0x%02x at offset %d; "
            "read with replacement characters",
            path,
            data.count(b"\n", 0, start) + 1,
            "UTF-16" if utf16 else "UTF-8",
            data[start],
            start,
        )
        text = body.decode(encoding, errors="replace")
    return _lines(text)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
