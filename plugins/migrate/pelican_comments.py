"""pelican-comment-system folders (comments/<slug>/<id>.md) to perspectives."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
import re

from plugins.migrate.model import CommentsFor, ImportedComment, Options, Record, Skipped
from plugins.migrate.values import email_hash, local_date

_FIELD = re.compile(r"^(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
MARKDOWN = (".md", ".markdown", ".mdown", ".mkd")


def parse_comment_file(text: str) -> tuple[dict[str, str], str]:
    """Split a comment file into its lowercased header fields and its body."""
    fields: dict[str, str] = {}
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        match = _FIELD.match(line)
        if not line.strip() or not match:
            return fields, "\n".join(lines[index:]).strip() + "\n"
        fields.setdefault(match["key"].lower(), match["value"].strip())
    return fields, ""


def _stem(name: str) -> str:
    for suffix in (*MARKDOWN, ".rst"):
        name = name.removesuffix(suffix)
    return name


def parse_comment_folders(root: Path, *, options: Options) -> Iterator[Record]:
    """Yield each post folder's comments; unreadable files are skipped by name."""
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        comments = []
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            record = f"comment {folder.name}/{path.name}"
            if path.suffix not in MARKDOWN:
                yield Skipped(
                    record=record, reason=f"not Markdown ({path.suffix or 'no suffix'})"
                )
                continue
            fields, body = parse_comment_file(path.read_text("utf-8", "replace"))
            if not fields.get("date"):
                yield Skipped(record=record, reason="no date")
                continue
            try:
                date = local_date(fields["date"], options.timezone)
            except (ValueError, OverflowError) as err:
                yield Skipped(record=record, reason=f"bad date: {err}")
                continue
            comments.append(
                ImportedComment(
                    source_id=_stem(path.name),
                    author=fields.get("author", "") or "Anonymous",
                    date=date,
                    body=body,
                    url=fields.get("website", "") or fields.get("url", ""),
                    parent_id=fields.get("replyto", "").strip(),
                    email_hash=email_hash(fields.get("email", ""), options.salt),
                    private=(fields.get("email", ""),),
                )
            )
        if comments:
            # replyto names the parent's stem, its file name, or (later versions)
            # its slug: the file name without the dot ("1md").
            names = {}
            for path in folder.iterdir():
                stem = _stem(path.name)
                names.update(
                    {stem: stem, path.name: stem, path.name.replace(".", ""): stem}
                )
            comments = [
                replace(c, parent_id=names.get(c.parent_id, c.parent_id))
                for c in comments
            ]
            comments.sort(key=lambda c: (c.date, c.source_id))
            yield CommentsFor(
                post_slug=folder.name, comments=tuple(comments), keep_ids=True
            )


def looks_like_comment_folders(path: Path) -> bool:
    """Tell a pelican-comment-system folder: sub-folders holding Markdown files."""
    return path.is_dir() and any(
        child.suffix in MARKDOWN for child in path.glob("*/*") if child.is_file()
    )
