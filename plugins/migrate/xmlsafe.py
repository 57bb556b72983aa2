"""Read export XML without expanding entities or fetching anything."""

from __future__ import annotations

from collections.abc import Iterator
from html.entities import name2codepoint
import os
from pathlib import Path
import re
from typing import BinaryIO

from lxml import etree

from plugins.migrate.model import MigrationError

_HEAD_BYTES = 1 << 16
_DOCTYPE = re.compile(rb"<!DOCTYPE\b", re.IGNORECASE)
_DANGER = re.compile(rb"<!ENTITY\b|\bSYSTEM\b|\bPUBLIC\b", re.IGNORECASE)


def check_prolog(head: bytes, *, path: str) -> None:
    """Refuse XML whose DOCTYPE declares entities or points outside the file.

    Exports never need either; they are how billion-laughs and external-entity
    attacks are built, so we stop before a parser sees them.
    """
    found = _DOCTYPE.search(head)
    if not found:
        return
    start = found.start()
    end = head.find(b"]>", start)
    end = head.find(b">", start) if end < 0 else end
    doctype = head[start : end + 2] if end >= 0 else head[start:]
    if end < 0 or _DANGER.search(doctype):
        raise MigrationError(
            "expected an export without entity declarations or external references"
            " in its DOCTYPE, got one (refusing: this is how billion-laughs and"
            " external-entity attacks are built)",
            path=path,
            line=head[:start].count(b"\n") + 1,
        )


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


def parse_tree(path: Path, *, recover: bool = False) -> etree._Element:
    """Parse a whole (smallish) export safely, mending broken XML when asked."""
    data = path.read_bytes()
    check_prolog(data[:_HEAD_BYTES], path=str(path))
    if recover:
        data = mend_xml(data)
    try:
        root = etree.fromstring(data, _parser(recover=recover))
    except etree.XMLSyntaxError as err:
        raise MigrationError(
            f"expected well-formed XML, got {err.msg}", path=str(path), line=err.lineno
        ) from None
    if root is None:
        raise MigrationError(
            "expected an XML document, got nothing readable", path=str(path)
        )
    return root


def iter_elements(
    handle: BinaryIO, tags: tuple[str, ...], *, path: str
) -> Iterator[etree._Element]:
    """Yield each finished element named in ``tags``, freeing it after use.

    Memory stays bounded by the largest single record, not the file.
    """
    head = handle.read(_HEAD_BYTES)
    check_prolog(head, path=path)
    handle.seek(0, os.SEEK_SET)
    context = etree.iterparse(
        handle,
        events=("end",),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for _event, element in context:
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


def text_of(element: etree._Element | None) -> str:
    """Return the text inside ``element`` (CDATA included), or ""."""
    if element is None:
        return ""
    return "".join(element.itertext())
