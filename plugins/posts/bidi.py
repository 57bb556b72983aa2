"""Close the direction overrides a header value leaves open, so they stay inside it.

An unclosed RIGHT-TO-LEFT OVERRIDE in a title or category runs on past its
element to the end of the paragraph: the footer line "in News | Permalink |
Reblog" after such a category would read backwards.
"""

from __future__ import annotations

import re

PDF, PDI = "\u202c", "\u2069"  # pop directional formatting / isolate
_OPENERS = {
    "\u202a": PDF,  # left-to-right embedding
    "\u202b": PDF,  # right-to-left embedding
    "\u202d": PDF,  # left-to-right override
    "\u202e": PDF,  # right-to-left override
    "\u2066": PDI,  # left-to-right isolate
    "\u2067": PDI,  # right-to-left isolate
    "\u2068": PDI,  # first strong isolate
}
_ANY_OPENER = re.compile("[\u202a\u202b\u202d\u202e\u2066-\u2068]")
_ITEM = re.compile(r"[^,;]+")


def balance_bidi(text: str) -> str:
    """Return ``text`` with a closer appended for each override it leaves open."""
    if not _ANY_OPENER.search(text):
        return text
    open_closers: list[str] = []
    for char in text:
        if char in _OPENERS:
            open_closers.append(_OPENERS[char])
        elif char == PDF and open_closers and open_closers[-1] == PDF:
            open_closers.pop()
        elif char == PDI and PDI in open_closers:
            # An isolate's end also ends the embeddings opened inside it.
            while open_closers.pop() != PDI:
                pass
    return text + "".join(reversed(open_closers))


def balance_bidi_items(text: str) -> str:
    """Return a comma- or semicolon-separated list with each item balanced."""
    if not _ANY_OPENER.search(text):
        return text
    return _ITEM.sub(lambda match: balance_bidi(match[0]), text)
