"""Digest every post and page once per build, on two cores when there are two.

The output ledger compares each post's digest with the last build's to know what
changed; taking them costs about 0.3 ms a post. A post whose text links to other
content (``{filename}``, ``{static}``, ``{tag}``...: Pelican's intrasite links) shows
those targets' URLs once its links are resolved, perhaps before any page of the
build was made: its digest also covers every link target's URL (``links``, taken
only when some post has such a link: ~0.1 s at 5,000 posts).

With two processes allowed, a forked helper digests the second half of the posts
while the build digests the first; it sends its digests back through a pipe and
ends with ``os._exit``. If it fails or sends nothing, the build does the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import contextlib
from functools import partial
import hashlib
import os
import pickle
from typing import Any

from .digest import Digester
from .forking import fork_with_pipe

_MISSING = object()
HALVES_FROM = 400  # fewer posts than this: not worth a fork
TWO = 2


def link_targets(context: dict[str, Any]) -> bytes:
    """Return a digest of where every linkable file of the site is published."""
    h = hashlib.blake2b(digest_size=16)
    for kind in ("generated_content", "static_content"):
        for path, target in sorted((context.get(kind) or {}).items()):
            url = getattr(target, "url", "")
            save_as = getattr(target, "save_as", "")
            h.update(f"{kind}\0{path}\0{url}\0{save_as}\n".encode())
    return h.digest()


def links_elsewhere(content: Any) -> bool:
    """Tell whether a post's text or summary holds an intrasite link."""
    pattern = content._get_intrasite_link_regex()
    metadata = getattr(content, "metadata", {}) or {}
    texts = (getattr(content, "_content", ""), metadata.get("summary", ""))
    return any(pattern.search(str(text or "")) for text in texts)


def _links_elsewhere(content: Any, read: Any) -> bool:
    """Tell whether a post links elsewhere, as read if its text is as it was read."""
    if read is not None:
        values = object.__getattribute__(content, "__dict__")
        if all(
            values.get(name, _MISSING) is read.values.get(name, _MISSING)
            for name in ("_content", "metadata")
        ):
            return read.links_elsewhere
    return links_elsewhere(content)


def digest_states(
    contents: Sequence[Any],
    new_digester: Callable[[], Digester],
    *,
    processes: int = 1,
    links: Callable[[], bytes] | None = None,
    as_read: dict[int, Any] | None = None,
) -> dict[str, bytes]:
    """Return the digest of each post and page, by source path.

    Each process digests with a digester of its own from ``new_digester``;
    ``as_read`` gives, by ``id()``, what a post was when read (a
    ``.keptposts.AsRead``; see ``Digester.state``).
    """
    digest = partial(
        _digest, new_digester=new_digester, links=links, as_read=as_read or {}
    )
    if processes < TWO or len(contents) < HALVES_FROM or not hasattr(os, "fork"):
        return digest(contents)
    middle = len(contents) // 2
    forked = fork_with_pipe()
    if forked is None:
        return digest(contents)
    pid, fd = forked
    if pid == 0:
        try:
            theirs = digest(contents[middle:])
            data = pickle.dumps(list(theirs.values()))
            with os.fdopen(fd, "wb") as pipe:
                pipe.write(data)
        finally:
            os._exit(0)
    found = digest(contents[:middle])
    theirs = _receive(fd, pid)
    rest = contents[middle:]
    if theirs is None or len(theirs) != len(rest):
        found.update(digest(rest))
    else:
        found.update(zip((c.source_path for c in rest), theirs, strict=True))
    return found


def _digest(
    contents: Sequence[Any],
    *,
    new_digester: Callable[[], Digester],
    links: Callable[[], bytes] | None,
    as_read: dict[int, Any],
) -> dict[str, bytes]:
    # A digester of their own, dropped after: no memo of the posts' perspectives and
    # threads is kept alive for the rest of the build.
    digester = new_digester()
    found = {}
    for content in contents:
        read = as_read.get(id(content))
        state = digester.state(content, None if read is None else read[:2])
        if links is not None and _links_elsewhere(content, read):
            state = hashlib.blake2b(state + links(), digest_size=16).digest()
        found[content.source_path] = state
    return found


def _receive(fd: int, pid: int) -> list[bytes] | None:
    """Read the helper's digests and reap it; None if it sent nothing usable."""
    with os.fdopen(fd, "rb") as pipe:
        data = pipe.read()
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    try:
        found = pickle.loads(data)
    except (pickle.UnpicklingError, EOFError, ValueError):
        return None
    return found if isinstance(found, list) else None
