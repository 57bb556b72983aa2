"""Pickle frozen slotted dataclasses as the tuple of their values.

The build cache and the prefetch worker's pipe carry every perspective and chat
message of a site, tens of thousands a build. The pickling ``dataclass(slots=True)``
provides calls ``dataclasses.fields`` for every object, both ways; with
:func:`pickled_by_values` the fields are looked up once per class. The objects that
come back are equal to the ones pickled, and as frozen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T", bound=type)

_ASSIGNERS: dict[type, tuple[Callable[[Any, Any], None], ...]] = {}


def pickled_by_values(cls: T) -> T:
    """Make ``cls`` (a frozen dataclass with slots) pickle as its field values.

    Put it above ``@dataclass``: it needs the class the dataclass decorator made.
    """
    names = tuple(field.name for field in fields(cls))
    if len(names) == 1:
        only = names[0]

        def values(obj: Any) -> tuple[Any, ...]:
            return (getattr(obj, only),)

    else:
        values = attrgetter(*names)
    _ASSIGNERS[cls] = tuple(cls.__dict__[name].__set__ for name in names)

    def __reduce__(self: Any) -> tuple[Any, ...]:
        return _restore, (cls, values(self))

    cls.__reduce__ = __reduce__
    return cls


def _restore(cls: type, values: tuple[Any, ...]) -> Any:
    """Return a new ``cls`` holding ``values`` (as :func:`pickled_by_values` gave)."""
    obj = object.__new__(cls)
    for assign, value in zip(_ASSIGNERS[cls], values, strict=True):
        assign(obj, value)
    return obj
