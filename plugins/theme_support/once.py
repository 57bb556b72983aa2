"""Render a macro once per post for all of a generator's listing pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context, Macro
from markupsafe import Markup

from plugins.common.buildcache import output_ledger


def render_once(settings: dict[str, Any] | None = None) -> Callable[..., Markup]:
    """Return a template global ``once(macro, *args)`` with a memory of its own.

    A post's summary is the same on the index, its tag, category, author and
    period pages: ``once`` renders it the first time and hands out that markup
    after. The result is keyed on the macro's name, the identity of each
    argument (kept alive, so no id is reused) and the page's ``SITEURL`` and
    ``localsiteurl`` (which differ by page depth with RELATIVE_URLS), so it
    suits macros whose output depends on their arguments and those two names
    only, and that read no post or page but their arguments. A repeat still
    reads each argument once, as rendering it would: a build that notes what
    each page reads (plugins.performance's output ledger) then sees every page
    that shows a post depend on it. One ``once`` belongs to one generator's
    template environment, which lives for one build; every post is complete
    before the first page is written.

    With ``settings`` holding an output ledger that keeps renderings across
    builds (``kept_render``), a rendering for posts as they were when an earlier
    build rendered it is taken from there.
    """
    made: dict[tuple[Any, ...], tuple[tuple[Any, ...], Markup]] = {}

    @pass_context
    def once(context: Context, macro: Macro, *args: Any) -> Markup:
        scope = (context.get("SITEURL"), context.get("localsiteurl"))
        key = (macro.name, *scope, *map(id, args))
        found = made.get(key)
        if found is None:
            found = made[key] = (args, _render(settings, macro, scope, args))
        for arg in args:
            getattr(arg, "__class__", None)  # read it, as rendering it would
        return found[1]

    return once


def _render(
    settings: dict[str, Any] | None, macro: Macro, scope: tuple, args: tuple
) -> Markup:
    """Render ``macro`` for ``args``, or take what an earlier build rendered."""
    ledger = output_ledger(settings) if settings is not None else None
    kept = getattr(ledger, "kept_render", None)
    if kept is None:
        return macro(*args)
    found = kept(macro.name, scope, args, lambda: macro(*args))
    return found if isinstance(found, Markup) else Markup(found)
