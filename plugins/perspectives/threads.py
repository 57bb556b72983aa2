"""Arrange a post's perspectives into threads: replies under what they answer."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from markupsafe import Markup

from .model import Perspective, ThreadNode

NOTE_ORPHAN = "a reply to a perspective that is not here"
NOTE_CYCLE = "part of a reply loop, shown on its own"


def _key(perspective: Perspective) -> tuple:
    return (perspective.date, perspective.id)


def _some(ids: list[str], shown: int = 10) -> str:
    """Return up to ``shown`` ids and how many more (a 10,000-long loop: one line)."""
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def _parents(
    perspectives: list[Perspective], warnings: list[str]
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Return each perspective's shown parent, and notes for the ones moved up."""
    by_id = {p.id: p for p in perspectives}
    parent: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    for p in perspectives:
        target = p.in_reply_to
        if target is not None and target not in by_id:
            warnings.append(
                f"{p.source_path}:{p.reply_line}: expected In-Reply-To to name a"
                f" perspective on {p.post!r}, got {target!r}; shown at top level"
            )
            notes[p.id] = NOTE_ORPHAN
            target = None
        parent[p.id] = target
    rooted: set[str] = set()
    for p in perspectives:
        chain: list[str] = []
        on_chain: set[str] = set()
        current: str | None = p.id
        while current is not None and current not in rooted:
            if current in on_chain:
                loop = chain[chain.index(current) :]
                breaker = min((by_id[i] for i in loop), key=_key)
                parent[breaker.id] = None
                notes[breaker.id] = NOTE_CYCLE
                warnings.append(
                    f"{breaker.source_path}:{breaker.reply_line}: expected replies"
                    f" to end at a first perspective, got a loop through"
                    f" {_some(sorted(loop))}; shown {breaker.id!r} at top level"
                )
                chain, on_chain, current = [], set(), p.id
                continue
            chain.append(current)
            on_chain.add(current)
            current = parent[current]
        rooted.update(chain)
    return parent, notes


def thread_perspectives(
    perspectives: Iterable[Perspective],
    *,
    max_depth: int = 3,
    order: str = "oldest-first",
    avatar: Callable[[Perspective], Markup] = lambda _: Markup(""),
) -> tuple[tuple[ThreadNode, ...], list[str]]:
    """Return the top-level threads of a post and warnings about broken replies.

    Replies nest up to ``max_depth`` levels; deeper ones are shown, in date order,
    alongside the perspective at the last level, each naming what it replies to.
    Replies to a missing id, and one member of every reply loop, go to the top
    level with a note. Every perspective appears exactly once.
    """
    ordered = sorted(perspectives, key=_key)
    by_id = {p.id: p for p in ordered}
    warnings: list[str] = []
    parent, notes = _parents(ordered, warnings)
    children: dict[str, list[Perspective]] = {p.id: [] for p in ordered}
    roots = []
    for p in ordered:
        up = parent[p.id]
        if up is None:
            roots.append(p)
        else:
            children[up].append(p)

    def descendants(p: Perspective) -> list[Perspective]:
        found, stack = [], list(children[p.id])
        while stack:
            item = stack.pop()
            found.append(item)
            stack.extend(children[item.id])
        return sorted(found, key=_key)

    def node(
        p: Perspective,
        depth: int,
        replying_to: Perspective | None = None,
        replies: tuple[ThreadNode, ...] = (),
    ) -> ThreadNode:
        return ThreadNode(
            perspective=p,
            depth=depth,
            children=replies,
            replying_to=replying_to,
            note=notes.get(p.id, ""),
            avatar=avatar(p),
        )

    def build(p: Perspective, depth: int) -> list[ThreadNode]:
        if depth >= max_depth:
            flat = [node(d, depth, by_id[parent[d.id] or ""]) for d in descendants(p)]
            return [node(p, depth), *flat]
        kids = tuple(n for child in children[p.id] for n in build(child, depth + 1))
        return [node(p, depth, replies=kids)]

    if order == "newest-first":
        roots.reverse()
    tops = tuple(n for root in roots for n in build(root, 1))
    return tops, warnings
