"""Digests of what a page is made from, equal in every process for equal values.

A rebuild skips a page only when the digest of everything its template was given
is the one recorded last time, so a digest must see a value's whole content: a
value it cannot see into (a generator, an object that only shows its address)
raises :class:`Unstable`, and the page is made again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
import dataclasses
import datetime as dt
import decimal
import enum
import functools
import hashlib
import operator
from pathlib import PurePath
import re
import types
from typing import Any

from markupsafe import Markup
from pelican.paginator import Page as ListingPage
from pelican.urlwrappers import URLWrapper
from pelican.utils import SafeDatetime

_SCALARS = frozenset({int, float, bool, type(None), complex})
_BY_REPR = (
    dt.date,
    dt.time,
    dt.timedelta,
    dt.tzinfo,
    decimal.Decimal,
    PurePath,
    re.Pattern,
    enum.Enum,
    range,
)
_NAMED = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.ModuleType,
    type,
)
_OPAQUE = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)
# Types whose repr() shows all of their value, the same in every process.
_PLAIN = frozenset(
    {str, Markup, int, float, bool, type(None), dt.datetime, dt.date} | {SafeDatetime}
)
_EMPTY = ()
_MISSING = object()
_INLINE = 8  # a longer list, or one holding objects, is digested once, by identity


class Unstable(Exception):
    """A value whose content a digest cannot see."""


class Digester:
    """Digest values for one build; shared objects are digested once.

    ``tokens`` names, by ``id()``, the live objects whose content is accounted
    for elsewhere (the posts and pages a build tracks, the settings): they are
    digested as their name. ``named`` values are frozen results of the build
    cache (a perspective parsed from its file), each digested as its key: what
    the key was computed from (the file's text, the settings) decides them.
    """

    def __init__(
        self, tokens: dict[int, str], named: dict[int, tuple[Any, str]] | None = None
    ) -> None:
        self._tokens = tokens
        # ``named``: id -> (value, the build cache key it is the result of); each
        # process digests its half of them, as it meets them.
        self._names = named or {}
        self._memo: dict[int, tuple[Any, bytes]] = {}
        self._scratch: dict[int, tuple[Any, bytes]] | None = None
        self._open: set[int] = set()
        self._layouts: dict[type, tuple[bool, tuple[str, ...], Any]] = {}
        self._shapes: dict[type, str] = {}

    def digest(self, value: Any) -> bytes:
        """Return the 16-byte digest of ``value``."""
        h = hashlib.blake2b(digest_size=16)
        self._feed(h, value)
        return h.digest()

    def passing_digest(self, value: Any, scratch: dict) -> bytes:
        """Return the digest of ``value``, remembering in ``scratch`` what is new.

        For values made for some pages: what they share with earlier digests is
        still digested once, and their own objects live only as long as
        ``scratch``.
        """
        self._scratch = scratch
        try:
            return self.digest(value)
        finally:
            self._scratch = None

    def state(
        self, obj: Any, as_read: tuple[bytes, dict[str, Any]] | None = None
    ) -> bytes:
        """Return the digest of ``obj``'s own attributes (even if it has a token).

        ``as_read`` is (a digest of ``obj`` as it was read, its attributes then):
        the attributes that still hold the same objects are digested as that
        digest and their names (see ``.keptposts``).
        """
        h = hashlib.blake2b(digest_size=16)
        _tagged(h, b"o", type(obj).__qualname__)
        self._open.add(id(obj))
        try:
            if as_read is None or self._layout(type(obj))[1]:
                self._attributes(h, obj)
            else:
                self._since_read(h, obj, *as_read)
        finally:
            self._open.discard(id(obj))
        return h.digest()

    def _since_read(
        self, h: Any, value: Any, digest: bytes, read: dict[str, Any]
    ) -> None:
        """Digest ``value`` as read, then what it holds that it did not then."""
        attributes = object.__getattribute__(value, "__dict__")
        names = sorted(attributes)
        same = [name for name in names if read.get(name, _MISSING) is attributes[name]]
        h.update(b"k" + digest)
        _tagged(h, b"K", "\0".join(same))
        kept = set(same)
        self._pairs(h, [(name, attributes[name]) for name in names if name not in kept])

    def _feed(self, h: Any, value: Any) -> None:
        kind = type(value)
        if kind is str:
            data = value.encode("utf-8", "surrogatepass")
            h.update(b"s%d:" % len(data))
            h.update(data)
            return
        if kind in _SCALARS:
            _tagged(h, b"v", repr(value))
            return
        token = self._tokens.get(id(value))
        if token is not None:
            _tagged(h, b"t", token)
        elif (kind is tuple or kind is list) and len(value) <= _INLINE:
            if all(type(item) in _PLAIN for item in value):
                _tagged(h, b"p", repr(value))
            else:
                self._inline(h, value)
        # type() and issubclass() only: isinstance() would ask a tracked post for
        # its __class__, and count as reading it.
        elif issubclass(kind, str):  # Markup and other str subclasses
            _tagged(h, b"c", kind.__qualname__)
            self._feed(h, str(value))
        elif issubclass(kind, _BY_REPR):
            _tagged(h, b"r", repr(value))
        elif kind is dict and (flat := self._flat(value)) is not None:
            _tagged(h, b"F", flat)
        else:
            h.update(self._compound(value))

    def _flat(self, mapping: dict) -> str | None:
        """Return a mapping with text keys as one text that says all it holds.

        What a page's template is given is such a mapping: text, numbers, dates,
        posts (by name), tags, listing pages, and values digested on their own.
        One repr of them all costs a fraction of a digest per value. None for a
        mapping with other keys.
        """
        parts = []
        tokens, shapes = self._tokens, self._shapes
        for name, item in mapping.items():
            if type(name) is not str:
                return None
            kind = type(item)
            if kind in _PLAIN:
                parts.append((name, item))
            elif (token := tokens.get(id(item))) is not None:
                parts.append((name, None, token))
            elif (shapes.get(kind) or shapes.setdefault(kind, _shape(kind))) == (
                "wrapper"  # a tag, category, author: however many came before
            ):
                parts.append((name, kind.__qualname__, item.name, item.slug))
            elif kind is ListingPage:  # as _inside digests one, inline
                paginator = self.digest(item.paginator)
                parts.append(
                    (name, item.full_name, item.base_url, item.number, paginator)
                )
            else:
                parts.append((name, self.digest(item)))
        parts.sort(key=_first)
        return repr(parts)

    def _inline(self, h: Any, value: list | tuple) -> None:
        """Digest a short list into ``h`` itself, without a digest of its own.

        Most are made for one page (what its template is given, a feed's inputs):
        a memo of them would never be asked again.
        """
        key = id(value)
        if key in self._names or key in self._memo:
            h.update(self._compound(value))
            return
        if key in self._open:
            h.update(b"@cycle")
            return
        self._open.add(key)
        try:
            _tagged(h, b"i", type(value).__qualname__)  # a tuple or a list
            self._items(h, value)
        finally:
            self._open.discard(key)

    def _items(self, h: Any, items: list | tuple) -> None:
        if all(type(item) in _PLAIN for item in items):
            _tagged(h, b"p", repr(items))
            return
        tokens = self._tokens
        names = [tokens.get(id(item)) for item in items]
        if None not in names:  # a list of posts, as most long lists are
            _tagged(h, b"T", "\0".join(names))
            return
        if self._named_items(h, items) or self._records(h, items):
            return
        h.update(b"l%d:" % len(items))
        for item in items:
            self._feed(h, item)

    def _named_items(self, h: Any, items: list | tuple) -> bool:
        """Digest a list of build cache results (a post's perspectives) by key."""
        names = self._names
        found = [names.get(id(item)) for item in items]
        if None in found or any(
            named[0] is not item for named, item in zip(found, items, strict=True)
        ):
            return False
        _tagged(h, b"N", "\0".join(named[1] for named in found))
        return True

    def _records(self, h: Any, items: list | tuple) -> bool:
        """Digest a list of records of one type holding only text, numbers, dates.

        One repr for the list (a post's footer links), not a digest per record.
        """
        kind = type(items[0])
        if any(type(item) is not kind for item in items):
            return False
        shape = self._shapes.get(kind)
        if shape is None:
            shape = self._shapes[kind] = _shape(kind)
        getter = self._layout(kind)[2] if shape == "object" else None
        if getter is None:
            return False
        rows = [getter(item) for item in items]
        if not all(type(v) in _PLAIN or v is _EMPTY for row in rows for v in row):
            return False
        _tagged(h, b"R", f"{kind.__module__}.{kind.__qualname__}{rows!r}")
        return True

    def _compound(self, value: Any) -> bytes:
        key = id(value)
        kept = self._memo.get(key)
        if kept is None:
            named = self._names.get(key)
            if named is not None and named[0] is value:
                kept = self._memo[key] = (value, _named(named[1]))
            elif self._scratch is not None:
                kept = self._scratch.get(key)
        if kept is not None and kept[0] is value:
            return kept[1]
        if key in self._open:
            return b"@cycle"
        self._open.add(key)
        try:
            h = hashlib.blake2b(digest_size=16)
            self._inside(h, value)
            found = h.digest()
        finally:
            self._open.discard(key)
        memo = self._memo if self._scratch is None else self._scratch
        memo[key] = (value, found)
        return found

    def _inside(self, h: Any, value: Any) -> None:  # noqa: PLR0912 (one per shape)
        kind = type(value)
        shape = self._shapes.get(kind)
        if shape is None:
            shape = self._shapes[kind] = _shape(kind)
        if shape == "own":
            named = kind.__build_digest__(value)
            if named is not None:
                _tagged(h, b"b", str(named))
                return
            shape = "object"
        if shape == "object":
            _tagged(h, b"o", kind.__qualname__)
            self._attributes(h, value)
        elif shape == "sequence":
            _tagged(h, b"c", kind.__qualname__)
            self._items(h, value)
        elif shape == "mapping":
            items = list(value.items())
            h.update(b"d%d:" % len(items))
            if all(type(k) is str for k, _ in items):
                items.sort(key=lambda pair: pair[0])
                self._pairs(h, items)  # text, numbers and dates in one repr
                return
            for name, item in items:
                self._feed(h, name)
                self._feed(h, item)
        elif shape == "set":
            h.update(b"e%d:" % len(value))
            h.update(b"".join(sorted(self.digest(item) for item in value)))
        elif shape == "wrapper":
            _tagged(h, b"c", kind.__qualname__)
            self._feed(h, (value.name, value.slug))
        elif shape == "page":
            # A listing's page holds its posts, the paginator's object_list cut at
            # its number; its other attributes are split from its name: what
            # makes the page is its name, URL, number and paginator.
            _tagged(h, b"c", kind.__qualname__)
            self._feed(h, (value.full_name, value.base_url, value.number))
            self._feed(h, value.paginator)
        elif shape == "partial":
            self._feed(h, (value.func, value.args, value.keywords))
        elif shape == "method":
            self._feed(h, (value.__func__, value.__self__))
        elif shape == "named":
            _tagged(h, b"n", f"{getattr(value, '__module__', '')}.{value.__qualname__}")
        else:
            raise Unstable(f"cannot see inside a {kind.__qualname__}")

    def _layout(self, kind: type) -> tuple[bool, tuple[str, ...], Any]:
        """Return (whether instances have a __dict__, other attributes, a getter).

        The getter reads all the other attributes at once, when every instance
        has them all (a dataclass); otherwise it is None.
        """
        if kind not in self._layouts:
            if dataclasses.is_dataclass(kind):
                names = tuple(field.name for field in dataclasses.fields(kind))
                getter = operator.attrgetter(*names) if len(names) > 1 else None
                self._layouts[kind] = (False, names, getter)
            else:
                slots: list[str] = []
                for cls in kind.__mro__:
                    found = cls.__dict__.get("__slots__", ())
                    slots.extend([found] if isinstance(found, str) else found)
                names = tuple(s for s in slots if not s.startswith("__"))
                self._layouts[kind] = (kind.__dictoffset__ != 0, names, None)
        return self._layouts[kind]

    def _attributes(self, h: Any, value: Any) -> None:
        kind = type(value)
        has_dict, names, getter = self._layouts.get(kind) or self._layout(kind)
        if getter is not None:
            values = getter(value)
            if all(type(v) in _PLAIN or v is _EMPTY for v in values):
                _tagged(h, b"P", repr(values))  # the usual frozen record: one repr
                return
            pairs = zip(names, values, strict=True)
        else:
            if has_dict:
                names = (*sorted(object.__getattribute__(value, "__dict__")), *names)
            if not names:
                text = repr(value)
                if " at 0x" in text:
                    raise Unstable(f"cannot see inside a {kind.__qualname__}")
                _tagged(h, b"r", text)
                return
            pairs = _present(value, names)
        self._pairs(h, pairs)

    def _pairs(self, h: Any, pairs: Iterable[tuple[str, Any]]) -> None:
        """Digest (name, value) pairs: text, numbers, dates and posts in one repr."""
        plain = []
        tokens = self._tokens
        for name, item in pairs:
            if type(item) in _PLAIN:
                plain.append((name, item))
            elif (token := tokens.get(id(item))) is not None:
                plain.append((name, None, token))  # a post, by its name
            else:
                self._feed(h, name)
                self._feed(h, item)
        _tagged(h, b"p", repr(plain))


def _first(pair: tuple) -> Any:
    return pair[0]


def _named(key: str) -> bytes:
    """Return the digest of a value known as the result of build cache ``key``."""
    return hashlib.blake2b(
        b"n" + key.encode("utf-8", "surrogatepass"), digest_size=16
    ).digest()


def _present(value: Any, names: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """Yield (name, value) of each attribute of ``value`` that is set."""
    get = object.__getattribute__
    for name in names:
        try:
            yield name, get(value, name)
        except AttributeError:
            continue  # an unset slot


def _shape(kind: type) -> str:
    """Return how values of ``kind`` are digested (decided once per type)."""
    if callable(getattr(kind, "__build_digest__", None)):
        return "own"
    if kind is ListingPage:  # not its subclasses: they may hold more
        return "page"
    for shape, kinds in (
        ("sequence", (list, tuple)),
        ("mapping", dict),
        ("set", (set, frozenset)),
        ("wrapper", URLWrapper),
        ("partial", functools.partial),
        ("method", types.MethodType),
        ("named", _NAMED),
        ("opaque", _OPAQUE),
    ):
        if issubclass(kind, kinds):
            return shape
    return "object"


def _tagged(h: Any, tag: bytes, text: str) -> None:
    """Feed ``text`` with its kind and length, so no two values run together."""
    data = text.encode("utf-8", "surrogatepass")
    h.update(tag + b"%d:" % len(data))
    h.update(data)
