"""Digests of what a page is made from, equal in every process for equal values.

A rebuild skips a page only when the digest of everything its template was given
is the one recorded last time, so a digest must see a value's whole content: a
value it cannot see into (a generator, an object that only shows its address)
raises :class:`Unstable`, and the page is made again.
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
import datetime as dt
import decimal
import enum
import functools
import hashlib
from pathlib import PurePath
import re
import types
from typing import Any

from markupsafe import Markup
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
_INLINE = 8  # a longer list, or one holding objects, is digested once, by identity


class Unstable(Exception):
    """A value whose content a digest cannot see."""


class Digester:
    """Digest values for one build; shared objects are digested once.

    ``token`` names the objects whose content is accounted for elsewhere (the
    posts and pages a build tracks, the settings): it returns a short text for
    them, or None for everything else.
    """

    def __init__(self, token: Callable[[Any], str | None]) -> None:
        self._token = token
        self._memo: dict[int, tuple[Any, bytes]] = {}
        self._open: set[int] = set()
        self._layouts: dict[type, tuple[bool, tuple[str, ...]]] = {}

    def digest(self, value: Any) -> bytes:
        """Return the 16-byte digest of ``value``."""
        h = hashlib.blake2b(digest_size=16)
        self._feed(h, value)
        return h.digest()

    def state(self, obj: Any) -> bytes:
        """Return the digest of ``obj``'s own attributes (even if it has a token)."""
        h = hashlib.blake2b(digest_size=16)
        _tagged(h, b"o", type(obj).__qualname__)
        self._open.add(id(obj))
        try:
            self._attributes(h, obj)
        finally:
            self._open.discard(id(obj))
        return h.digest()

    def _feed(self, h: Any, value: Any) -> None:
        kind = type(value)
        if kind is str:
            _tagged(h, b"s", value)
        elif kind in _SCALARS:
            _tagged(h, b"v", repr(value))
        elif (
            (kind is tuple or kind is list)
            and len(value) <= _INLINE
            and all(type(item) in _PLAIN for item in value)
        ):
            _tagged(h, b"p", repr(value))
        else:
            # type() and issubclass() only: isinstance() would ask a tracked post
            # for its __class__, and count as reading it.
            token = self._token(value)
            if token is not None:
                _tagged(h, b"t", token)
            elif issubclass(kind, str):  # Markup and other str subclasses
                _tagged(h, b"c", kind.__qualname__)
                self._feed(h, str(value))
            elif issubclass(kind, _BY_REPR):
                _tagged(h, b"r", repr(value))
            else:
                h.update(self._compound(value))

    def _items(self, h: Any, items: list | tuple) -> None:
        if all(type(item) in _PLAIN for item in items):
            _tagged(h, b"p", repr(items))
            return
        h.update(b"l%d:" % len(items))
        for item in items:
            self._feed(h, item)

    def _compound(self, value: Any) -> bytes:
        key = id(value)
        kept = self._memo.get(key)
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
        self._memo[key] = (value, found)
        return found

    def _inside(self, h: Any, value: Any) -> None:
        kind = type(value)
        own = getattr(kind, "__build_digest__", None)
        named = own(value) if callable(own) else None
        if named is not None:
            _tagged(h, b"b", str(named))
        elif issubclass(kind, list | tuple):
            _tagged(h, b"c", kind.__qualname__)
            self._items(h, value)
        elif issubclass(kind, dict):
            items = list(value.items())
            if all(type(k) is str for k, _ in items):
                items.sort(key=lambda pair: pair[0])
            h.update(b"d%d:" % len(items))
            for name, item in items:
                self._feed(h, name)
                self._feed(h, item)
        elif issubclass(kind, set | frozenset):
            h.update(b"e%d:" % len(value))
            h.update(b"".join(sorted(self.digest(item) for item in value)))
        elif issubclass(kind, URLWrapper):
            _tagged(h, b"c", kind.__qualname__)
            self._feed(h, (value.name, value.slug))
        elif issubclass(kind, functools.partial):
            self._feed(h, (value.func, value.args, value.keywords))
        elif issubclass(kind, types.MethodType):
            self._feed(h, (value.__func__, value.__self__))
        elif issubclass(kind, _NAMED):
            _tagged(h, b"n", f"{getattr(value, '__module__', '')}.{value.__qualname__}")
        elif issubclass(kind, _OPAQUE):
            raise Unstable(f"cannot see inside a {kind.__qualname__}")
        else:
            _tagged(h, b"o", kind.__qualname__)
            self._attributes(h, value)

    def _layout(self, kind: type) -> tuple[bool, tuple[str, ...]]:
        """Return (whether instances have a __dict__, the other attribute names)."""
        if kind not in self._layouts:
            if dataclasses.is_dataclass(kind):
                names = tuple(field.name for field in dataclasses.fields(kind))
                self._layouts[kind] = (False, names)
            else:
                slots: list[str] = []
                for cls in kind.__mro__:
                    found = cls.__dict__.get("__slots__", ())
                    slots.extend([found] if isinstance(found, str) else found)
                names = tuple(s for s in slots if not s.startswith("__"))
                self._layouts[kind] = (kind.__dictoffset__ != 0, names)
        return self._layouts[kind]

    def _attributes(self, h: Any, value: Any) -> None:
        kind = type(value)
        has_dict, names = self._layout(kind)
        if has_dict:
            names = (*sorted(object.__getattribute__(value, "__dict__")), *names)
        if not names:
            text = repr(value)
            if " at 0x" in text:
                raise Unstable(f"cannot see inside a {kind.__qualname__}")
            _tagged(h, b"r", text)
            return
        get = object.__getattribute__
        plain = []  # (name, value) of text, numbers, dates: one repr for them all
        for name in names:
            try:
                item = get(value, name)
            except AttributeError:
                continue  # an unset slot
            if type(item) in _PLAIN:
                plain.append((name, item))
            else:
                self._feed(h, name)
                self._feed(h, item)
        _tagged(h, b"p", repr(plain))


def _tagged(h: Any, tag: bytes, text: str) -> None:
    """Feed ``text`` with its kind and length, so no two values run together."""
    data = text.encode("utf-8", "surrogatepass")
    h.update(tag + b"%d:" % len(data))
    h.update(data)
