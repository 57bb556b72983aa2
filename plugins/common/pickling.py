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

_RESTORERS: dict[type, Callable[[tuple[Any, ...]], Any]] = {}


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
    _RESTORERS[cls] = _restorer(cls, names)

    def __reduce__(self: Any) -> tuple[Any, ...]:
        return _restore, (cls, values(self))

    cls.__reduce__ = __reduce__
    return cls


def _restore(cls: type, values: tuple[Any, ...]) -> Any:
    """Return a new ``cls`` holding ``values`` (as :func:`pickled_by_values` gave)."""
    return _RESTORERS[cls](values)


def _restorer(cls: type, names: tuple[str, ...]) -> Callable[[tuple[Any, ...]], Any]:
    """Return a function making a ``cls`` of its values, one statement per field.

    Written out rather than looped over (as dataclasses write ``__init__``): a
    rebuild restores some 25,000 of these at 1,000 posts, and the loop was 40 %
    of it. Each field is set through its slot, past the frozen ``__setattr__``.
    """
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = [
        "def restore(values):",
        f"    if len(values) != {len(names)}:",
        f"        raise TypeError('expected {len(names)} values for ' + cls.__name__)",
        "    made = new(cls)",
    ]
    for index, name in enumerate(names):
        scope[f"set_{index}"] = cls.__dict__[name].__set__
        lines.append(f"    set_{index}(made, values[{index}])")
    lines.append("    return made")
    exec("\n".join(lines), scope)  # only indices and a count go into the code
    return scope["restore"]
