"""Read export XML without expanding entities or fetching anything."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from html.entities import name2codepoint
import io
import logging
import os
from pathlib import Path
import re
from typing import BinaryIO

from lxml import etree

from plugins.migrate.model import MigrationError

logger = logging.getLogger(__name__)

_HEAD_BYTES = 1 << 16
_MAX_PROLOG = 1 << 24  # 16 MB of comments before the first element is not an export
_DOCTYPE = re.compile(rb"<!DOCTYPE\b", re.IGNORECASE)
_DANGER = re.compile(rb"<!ENTITY\b|\bSYSTEM\b|\bPUBLIC\b", re.IGNORECASE)
_SPACE = b" \t\r\n"
_REFUSAL = (
    "expected an export without entity declarations or external references"
    " in its DOCTYPE, got one (refusing: this is how billion-laughs and"
    " external-entity attacks are built)"
)


def _doctype(read: Callable[[int], bytes]) -> tuple[bytes, int] | None:
    """Return the DOCTYPE of a document (and its line), reading only its prolog.

    The prolog is what comes before the first element: the XML declaration,
    processing instructions, comments and at most one DOCTYPE. A ``<!DOCTYPE`` in
    a post's text further on is not one.
    """
    buffer, pos = b"", 0

    def need(marker: bytes, start: int) -> int:
        nonlocal buffer
        while (found := buffer.find(marker, start)) < 0:
            chunk = read(_HEAD_BYTES)
            if not chunk or len(buffer) > _MAX_PROLOG:
                return -1
            buffer += chunk
        return found

    while True:
        while len(buffer) < pos + 10:
            chunk = read(_HEAD_BYTES)
            if not chunk:
                break
            buffer += chunk
        if pos == 0 and buffer.startswith(b"\xef\xbb\xbf"):
            pos = 3
        while pos < len(buffer) and buffer[pos] in _SPACE:
            pos += 1
        if buffer.startswith(b"<?", pos):
            end = need(b"?>", pos)
            pos = end + 2
        elif buffer.startswith(b"<!--", pos):
            end = need(b"-->", pos + 4)
            pos = end + 3
        elif _DOCTYPE.match(buffer, pos):
            end = need(b">", pos)
            if end >= 0 and b"[" in buffer[pos:end]:
                end = need(b"]", pos)
                end = need(b">", end) if end >= 0 else end
            line = buffer[:pos].count(b"\n") + 1
            return (buffer[pos:] if end < 0 else buffer[pos : end + 1]), line
        else:
            return None
        if end < 0:
            return None  # an unfinished comment: the parser will say so


def check_prolog(read: Callable[[int], bytes], *, path: str) -> None:
    """Refuse XML whose DOCTYPE declares entities or points outside the file.

    Exports never need either; they are how billion-laughs and external-entity
    attacks are built, so we stop before a parser sees them.
    """
    found = _doctype(read)
    if found is None:
        return
    doctype, line = found
    if not doctype.endswith(b">") or _DANGER.search(doctype):
        raise MigrationError(_REFUSAL, path=path, line=line)


def check_doctype(tree: etree._ElementTree, *, path: str) -> None:
    """Refuse a parsed document whose DOCTYPE declares entities or external ids.

    The check of the first bytes catches these before parsing; this one catches a
    DOCTYPE hidden behind a long comment (the entities were never expanded).
    """
    info = tree.docinfo
    dtd = info.internalDTD
    if (
        info.system_url
        or info.public_id
        or (dtd is not None and any(dtd.iterentities()))
    ):
        raise MigrationError(_REFUSAL, path=path)


def _parser(*, recover: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_blank_text=False,
    )


def read_head(path: Path) -> bytes:
    """Return the first bytes of a file, enough to find its DOCTYPE and root."""
    with path.open("rb") as handle:
        return handle.read(_HEAD_BYTES)


_XML_ENTITIES = frozenset({b"lt", b"gt", b"amp", b"quot", b"apos"})
_REFERENCE = re.compile(
    rb"&(#[0-9]{1,7};|#x[0-9A-Fa-f]{1,6};|([A-Za-z][A-Za-z0-9]{0,31});)?"
)


def mend_xml(data: bytes) -> bytes:
    """Repair what hand-made exports get wrong before a parser sees it.

    A bare ``&`` becomes ``&amp;`` and an HTML entity such as ``&nbsp;`` its
    character reference. (libxml2's recover mode drops every entity after the
    first error, which would eat every ``&lt;`` of the escaped HTML that follows.)
    """

    def fix(match: re.Match[bytes]) -> bytes:
        if match.group(1) is None:
            return b"&amp;"
        name = match.group(2)
        if name is None or name in _XML_ENTITIES:
            return match.group(0)
        code = name2codepoint.get(name.decode("ascii"))
        return f"&#{code};".encode("ascii") if code else b"&amp;" + name + b";"

    return _REFERENCE.sub(fix, data)


# C0 controls XML 1.0 forbids even as references. Old databases hold them (a
# vertical tab pasted from Word, an escape from a terminal) and exports copy them
# verbatim, so one would stop the parser and every record after it would be lost.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Bytes that are not UTF-8, as the decoder's surrogateescape handler leaves them.
_NOT_UTF8 = re.compile(r"[\udc80-\udcff]")
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([\w.:-]+)["']""")


def is_utf8_document(head: bytes) -> bool:
    """Tell from its first bytes whether an XML document says it is UTF-8."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    if head.startswith(_UTF16_STARTS):
        return False
    declared = _ENCODING.match(head)
    return declared is None or declared[1].lower() in {b"utf-8", b"utf8"}


def _mend_text(text: str, path: str) -> str:
    """Read stray non-UTF-8 bytes as Windows-1252 and drop forbidden controls."""
    if _NOT_UTF8.search(text):
        logger.warning(
            "%s: not UTF-8 in places; those bytes are read as Windows-1252",
            path,
            extra={"limit_msg": "%s: more bytes read as Windows-1252"},
        )
    text = _NOT_UTF8.sub(
        lambda m: bytes([ord(m[0]) - 0xDC00]).decode("cp1252", "replace"), text
    )
    return _CONTROLS.sub("", text)


def mend_utf8(data: bytes, *, path: str) -> bytes:
    """Return a UTF-8 export the parser can read to its end.

    Old blogs' databases mix in Windows-1252 text (an é saved as one byte) and
    control characters; a strict parser stops at the first, losing the rest.
    Documents in another declared encoding are returned as they are.
    """
    if not is_utf8_document(data[:200]):
        return data
    text = data.decode("utf-8", "surrogateescape")
    return _mend_text(text, path).encode("utf-8")


class MendedFile:
    """A binary file read through :func:`mend_utf8`, piece by piece."""

    def __init__(self, handle: BinaryIO, path: str) -> None:
        self.handle, self.path = handle, path
        self.decoder: codecs.IncrementalDecoder | None = None
        self.utf8: bool | None = None  # decided by the first bytes

    def read(self, size: int = -1) -> bytes:
        """Read about ``size`` bytes, mended."""
        while True:
            data = self.handle.read(size)
            if self.utf8 is None:
                self.utf8 = is_utf8_document(data[:200])
                self.decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
            if not self.utf8 or self.decoder is None:
                return data
            text = self.decoder.decode(data, final=not data)
            if text or not data:
                return _mend_text(text, self.path).encode("utf-8")


def parse_tree(path: Path, *, recover: bool = False) -> etree._Element:
    """Parse a whole (smallish) export safely, mending broken XML when asked."""
    data = mend_utf8(path.read_bytes(), path=str(path))
    check_prolog(io.BytesIO(data).read, path=str(path))
    if recover:
        data = mend_xml(data)
    try:
        root = etree.fromstring(data, _parser(recover=recover))
    except etree.XMLSyntaxError as err:
        raise MigrationError(
            f"expected well-formed XML, got {err.msg}", path=str(path), line=err.lineno
        ) from None
    if root is not None:
        check_doctype(root.getroottree(), path=str(path))
    if root is None:
        raise MigrationError(
            "expected an XML document, got nothing readable", path=str(path)
        )
    return root


def check_root(root: etree._Element, expected: str, *, what: str, path: str) -> None:
    """Refuse a document whose root element is not ``expected`` (a wrong --format)."""
    if root.tag != expected:
        # The tag's text, not lxml's QName: a document read in recover mode may
        # have a root no name check accepts (<http:>, an unbound <feed:x>).
        name = root.tag.rpartition("}")[2] if isinstance(root.tag, str) else "?"
        raise MigrationError(
            f"expected {what}, got a document whose root is <{name}>",
            path=path,
            line=root.sourceline,
        )


def iter_elements(
    handle: BinaryIO,
    tags: tuple[str, ...],
    *,
    path: str,
    root: str = "",
    what: str = "",
) -> Iterator[etree._Element]:
    """Yield each finished element named in ``tags``, freeing it after use.

    Memory stays bounded by the largest single record, not the file. A ``root``
    tag, when given, is checked once the document is read.
    """
    check_prolog(handle.read, path=path)
    handle.seek(0, os.SEEK_SET)
    context = etree.iterparse(
        MendedFile(handle, path),
        events=("end",),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    checked = False
    try:
        for _event, element in context:
            if not checked:
                check_doctype(element.getroottree(), path=path)
                checked = True
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as err:
        raise MigrationError(
            f"expected well-formed XML, got {err.msg}", path=path, line=err.lineno
        ) from None
    if root and context.root is not None:
        check_root(context.root, root, what=what or f"<{root}>", path=path)


def text_of(element: etree._Element | None) -> str:
    """Return the text inside ``element`` (CDATA included), or ""."""
    if element is None:
        return ""
    return "".join(element.itertext())
