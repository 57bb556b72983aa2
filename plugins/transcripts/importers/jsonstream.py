"""Read one big JSON object whose ``messages`` array may not fit in memory.

DiscordChatExporter, Telegram Desktop and Element all write a single object with a
few small header fields and one huge array. :func:`iter_object` decodes the small
fields whole and the big array one element at a time, so memory grows with the
largest message, not the file; errors carry the line where the element starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import json
import re
from typing import IO, Any

from plugins.common.errors import ContentError

_WS = re.compile(r"[ \t\n\r]*")
CHUNK = 1 << 20
MAX_ELEMENT = 64 << 20  # one message this large is a broken file, not a message


@dataclass(frozen=True, slots=True)
class Field:
    """A top-level field decoded whole."""

    key: str
    value: Any
    line: int


@dataclass(frozen=True, slots=True)
class Item:
    """One element of a streamed top-level array."""

    key: str
    index: int
    value: Any
    line: int


class _Reader:
    def __init__(self, handle: IO[str], path: str) -> None:
        self.handle, self.path = handle, path
        self.text, self.pos, self.eof = "", 0, False
        self.mark, self.mark_line = 0, 1  # line number at text[mark], counted once
        self.decoder = json.JSONDecoder()

    def line(self, pos: int | None = None) -> int:
        pos = self.pos if pos is None else pos
        if pos < self.mark:
            return self.mark_line - self.text.count("\n", pos, self.mark)
        self.mark_line += self.text.count("\n", self.mark, pos)
        self.mark = pos
        return self.mark_line

    def fill(self) -> bool:
        if self.pos:
            self.line(self.pos)
            self.text, self.mark, self.pos = self.text[self.pos :], 0, 0
        try:
            data = self.handle.read(CHUNK)
        except UnicodeDecodeError:
            raise ContentError(
                "expected UTF-8 JSON, got other bytes", path=self.path, line=self.line()
            ) from None
        if not data:
            self.eof = True
            return False
        self.text += data
        return True

    def peek(self) -> str:
        while True:
            self.pos = _WS.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""

    def fail(self, expected: str) -> ContentError:
        got = self.text[self.pos : self.pos + 30] or "the end of the file"
        return ContentError(
            f"expected {expected}, got {got!r}", path=self.path, line=self.line()
        )

    def take(self, char: str, expected: str) -> None:
        if self.peek() != char:
            raise self.fail(expected)
        self.pos += 1

    def value(self, where: str) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as err:
                if not self.eof and len(self.text) - self.pos < MAX_ELEMENT:
                    self.fill()
                    continue
                raise ContentError(
                    f"{where}: expected JSON, got {err.msg.lower()}",
                    path=self.path,
                    line=self.line(err.pos),
                ) from None
            if end == len(self.text) and not self.eof and self.fill():
                continue  # a number cut at the chunk edge: read on, decode again
            self.pos = end
            return value


def iter_object(
    handle: IO[str], *, path: str, streamed: tuple[str, ...] = ("messages",)
) -> Iterator[Field | Item]:
    """Yield the fields of a top-level object, streaming the arrays at ``streamed``.

    A streamed path may be dotted (``"chats.list"``): the objects on the way are
    walked field by field, and their other fields come out with dotted keys.
    """
    reader = _Reader(handle, path)
    reader.take("{", "a JSON object")
    yield from _walk(reader, "", frozenset(streamed))


def iter_document(
    handle: IO[str], *, path: str, streamed: tuple[str, ...], expected: str
) -> Iterator[Field | Item]:
    """Yield a top-level array's elements (key ``""``) or an object's fields.

    An object streams the arrays at ``streamed`` as :func:`iter_object` does,
    except that an empty one (or an empty object on the way) comes as a
    :class:`Field`, so that a caller knows the key is there; anything else at the
    top is a :class:`ContentError` saying ``expected``.
    """
    reader = _Reader(handle, path)
    char = reader.peek()
    reader.pos += 1
    if char == "[":
        yield from _items(reader, "")
    elif char == "{":
        yield from _walk(reader, "", frozenset(streamed), empty=True)
    else:
        reader.pos -= 1
        raise reader.fail(expected)


def _walk(
    reader: _Reader, prefix: str, streamed: frozenset[str], *, empty: bool = False
) -> Iterator:
    if reader.peek() == "}":
        reader.pos += 1
        return
    while True:
        line = reader.line()
        key = reader.value("a field name")
        if not isinstance(key, str):
            raise reader.fail("a field name in double quotes")
        reader.take(":", f"':' after {key!r}")
        full = prefix + key
        char = reader.peek()
        if full in streamed and char == "[":
            reader.pos += 1
            if empty and reader.peek() == "]":
                reader.pos += 1
                yield Field(full, [], line)
            else:
                yield from _items(reader, full)
        elif char == "{" and any(p.startswith(full + ".") for p in streamed):
            reader.pos += 1
            if empty and reader.peek() == "}":
                reader.pos += 1
                yield Field(full, {}, line)
            else:
                yield from _walk(reader, full + ".", streamed, empty=empty)
        else:
            yield Field(full, reader.value(full), line)
        char = reader.peek()
        reader.pos += 1
        if char == "}":
            return
        if char != ",":
            reader.pos -= 1
            raise reader.fail(f"',' or '}}' after {full!r}")


def _items(reader: _Reader, key: str) -> Iterator[Item]:
    index = 0
    if reader.peek() == "]":
        reader.pos += 1
        return
    while True:
        item_line = reader.line()
        value = reader.value(f"{key}[{index}]")  # key "": a top-level array
        yield Item(key, index, value, item_line)
        index += 1
        char = reader.peek()
        reader.pos += 1
        if char == "]":
            return
        if char != ",":
            reader.pos -= 1
            raise reader.fail(f"',' or ']' after {key}[{index - 1}]")
