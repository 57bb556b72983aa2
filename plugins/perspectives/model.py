"""What a reader's perspective is, once read from its file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup

from plugins.common.pickling import pickled_by_values

KINDS = ("comment", "quote", "mention", "reblog")
FORMATS = ("markdown", "html")


@pickled_by_values
@dataclass(frozen=True, slots=True, kw_only=True)
class Perspective:
    """One reader's perspective on a post; never carries an email or an IP."""

    id: str  # the file stem, stable across builds
    post: str  # slug of the folder it was read from
    author: str
    date: datetime  # timezone-aware
    html: Markup  # the body, already sanitised
    source_path: str  # relative to PATH, for messages
    url: str = ""  # "" or a safe http(s) URL: the author's site, or the source
    kind: str = "comment"
    in_reply_to: str | None = None
    title: str = ""  # the source's title, for mentions and reblogs
    message: str = ""  # for quotes: the transcript message it quotes (site URL)
    avatar_hash: str = ""  # salted hash of the author's email, for the identicon
    source: str = ""  # provenance, e.g. "wordpress comment 4411"
    extra: tuple[tuple[str, str], ...] = field(default=())  # other header fields
    reply_line: int = 0  # line of In-Reply-To, for warnings about it
    message_line: int = 0  # line of Message, for warnings about it

    @property
    def anchor(self) -> str:
        """Return the HTML id of this perspective on its post's page."""
        return f"perspective-{self.id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadNode:
    """A perspective in its place in the discussion, with its shown replies."""

    perspective: Perspective
    depth: int  # 1 for a top-level perspective
    children: tuple[ThreadNode, ...] = ()
    replying_to: Perspective | None = None  # set when flattened below its parent
    note: str = ""  # why it is shown where it is (orphan, broken cycle)
    avatar: Markup = field(default_factory=Markup)


class Threads(tuple):
    """A post's perspectives in threads, top-level nodes first (``ThreadNode``).

    Only as a post's ``perspective_threads``, next to the ``perspectives`` they
    are made from: a page's fingerprint sees them through those (see below).
    """

    __slots__ = ()

    def __build_digest__(self) -> str:
        """Stand for the threads in a page's fingerprint (plugins.performance).

        They are made from the post's perspectives and the settings alone, which
        the fingerprint covers already: digesting every node again cost a quarter
        of the time a rebuild spends digesting posts.
        """
        return "threads of the post's perspectives"
