"""The pages a paginated listing call makes, known before Pelican makes them.

Pelican's ``Writer.write_file`` turns one call for a tag, category, author or the
home page into one page per ``DEFAULT_PAGINATION`` posts, building for each a
copy of the whole template context and three paginator pages per paginated list.
To tell whether every page of a listing is up to date, the writer needs only
what each page's template would be given beyond the shared context: this module
works that out as Pelican 4.12 does (same paginators, same pages, same keys),
each paginator page made once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pelican.paginator import Paginator
from pelican.utils import get_relative_path, path_to_url

_MISSING = object()


def paginated_lists(
    paginated: dict[str, Any] | None, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """Return the lists Pelican paginates for a call (its own default if None)."""
    if paginated is None:
        return {key: val for key, val in kwargs.items() if key in {"articles", "dates"}}
    return paginated


def listing_pages(  # noqa: PLR0913 (Pelican's write_file arguments)
    name: str,
    url: str | None,
    *,
    lists: dict[str, Any],
    settings: dict[str, Any],
    per_page: int,
    context: dict[str, Any],
    relative_urls: bool,
    kwargs: dict[str, Any],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (output path, what the page adds to ``context``) for each page.

    What a page adds is what Pelican sets in its copy of the context: the local
    site URL, the output file, the call's variables and the paginator's pages.
    """
    paginators = {
        key: Paginator(name, url, val, settings, per_page) for key, val in lists.items()
    }
    made: dict[tuple[str, int], Any] = {}

    def page(key: str, number: int) -> Any:
        found = made.get((key, number))
        if found is None:
            found = made[key, number] = paginators[key].page(number)
        return found

    for page_num in range(next(iter(paginators.values())).num_pages):
        values = kwargs.copy()
        for key, paginator in paginators.items():
            this = page(key, page_num + 1)
            values.update(
                {
                    f"{key}_paginator": paginator,
                    f"{key}_page": this,
                    f"{key}_previous_page": page(key, page_num) if page_num else None,
                    f"{key}_next_page": page(key, page_num + 2)
                    if page_num + 1 < paginator.num_pages
                    else None,
                }
            )
        added = {"localsiteurl": context.get("localsiteurl")}
        if relative_urls:
            added["SITEURL"] = added["localsiteurl"] = path_to_url(
                get_relative_path(this.save_as)
            )
        added["output_file"] = this.save_as
        added.update(values)
        yield this.save_as, added


def own_values(context: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """Return what a page's template is given beyond the shared context."""
    return {
        name: value
        for name, value in context.items()
        if shared.get(name, _MISSING) is not value
    }


def own_values_with(
    context: dict[str, Any], added: dict[str, Any], shared: dict[str, Any]
) -> dict[str, Any]:
    """Return ``own_values`` of ``context`` updated with ``added``, without a copy."""
    own = {} if context is shared else own_values(context, shared)
    for name, value in added.items():
        if shared.get(name, _MISSING) is value:
            own.pop(name, None)
        else:
            own[name] = value
    return own
