"""A Pelican writer that leaves a file alone when its bytes would not change."""

from __future__ import annotations

from contextlib import nullcontext
import io
import logging
import os
from pathlib import Path
from types import TracebackType
from typing import Any

from pelican import signals
from pelican.utils import get_relative_path, path_to_url, sanitised_join
from pelican.writers import FileOverwriteFailedError

from plugins.common.buildcache import LEDGER_KEY
from plugins.outputguard.writer import GuardedWriter

from .ledger import OutputLedger
from .pagination import listing_pages, own_values, own_values_with, paginated_lists
from .tracking import reading

logger = logging.getLogger(__name__)


LISTINGS = "listings"  # the group of Pelican's listing pages


class UnchangedFileSkipper(io.StringIO):
    """Collect what a generator writes; on close, write it only if it differs.

    A rebuild with nothing changed then writes no file and keeps every mtime, so
    rsync, the browser's cache and ``make serve`` see only what really changed.
    """

    def __init__(
        self, path: str, encoding: str, ledger: OutputLedger | None = None
    ) -> None:
        super().__init__()
        self.path = path
        self.target_encoding = encoding
        self.ledger = ledger

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Write the collected text unless an error stopped the writer."""
        if kind is None:
            write_if_changed(self.path, self.getvalue().encode(self.target_encoding))
            if self.ledger is not None:
                self.ledger.written(os.path.abspath(self.path))
        super().__exit__(kind, error, traceback)


def write_if_changed(path: str | os.PathLike[str], payload: bytes) -> bool:
    """Write ``payload`` to ``path`` unless it already holds exactly that; say if."""
    target = Path(path)
    try:
        if target.stat().st_size == len(payload) and target.read_bytes() == payload:
            return False
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass  # nothing to compare with; open() below raises what Pelican's would
    with open(target, "wb") as handle:
        handle.write(payload)
    return True


def _lists_posts(kwargs: dict[str, Any]) -> bool:
    """Tell whether Pelican is writing a listing (given posts or dates to list)."""
    return "articles" in kwargs or "dates" in kwargs


class LedgerTemplate:
    """A template whose rendering the output ledger records.

    The writer makes one only for a page it must make (its own, not the twin's;
    not up to date), with the ``fingerprint`` it took of what the page is given
    (None: unknowable, the page is not recorded).
    """

    def __init__(
        self, template: Any, ledger: OutputLedger, fingerprint: bytes | None
    ) -> None:
        self.template = template
        self.ledger = ledger
        self.fingerprint = fingerprint

    def __getattr__(self, name: str) -> Any:
        return getattr(self.template, name)

    def render(self, localcontext: dict[str, Any]) -> str:
        """Render the page, noting what it reads and logs for the ledger."""
        ledger = self.ledger
        target = os.path.join(ledger.output_path, localcontext["output_file"])
        if localcontext.get("localsiteurl"):
            # Pelican points its posts' relative links at this page by setting
            # localsiteurl in the context it was given; for a listing given a copy
            # (period archives), the posts would keep the last page's: a page's
            # links must not depend on which page was made before it.
            ledger.shared_context["localsiteurl"] = localcontext["localsiteurl"]
        with reading() as read:
            html = self.template.render(localcontext)
        ledger.finished(os.path.abspath(target), self.fingerprint, read)
        return html


class IncrementalWriter(GuardedWriter):
    """The guarded writer, except that unchanged output files are not rewritten.

    With the output ledger on (``PERFORMANCE_SKIP_UNCHANGED``), a page whose
    inputs are those of the file already written is not even rendered.
    """

    def write_file(  # noqa: PLR0913, PLR0917 (Pelican's signature)
        self,
        name,
        template,
        context,
        relative_urls=False,
        paginated=None,
        template_name=None,
        override_output=False,
        url=None,
        **kwargs,
    ):
        """Render and write ``name``, unless the ledger knows it is up to date."""
        ledger = self.settings.get(LEDGER_KEY)
        # Listing pages show nearly every post's summary: one process makes them
        # all (see .claims), so each summary is rendered once.
        listing = isinstance(ledger, OutputLedger) and _lists_posts(kwargs)
        with ledger.together(LISTINGS) if listing else nullcontext():
            fingerprint = None
            if isinstance(ledger, OutputLedger) and name:
                if self._paginates(paginated, template_name, kwargs):
                    if self._allowed(name, {**context, **kwargs}):  # else said
                        listing_call = (name, template, context, relative_urls)
                        self._write_listing(
                            ledger,
                            listing_call,
                            (paginated, template_name, override_output, url),
                            kwargs,
                        )
                    return None
                target = os.path.join(ledger.output_path, name)
                if not ledger.mine(target):  # the twin process makes it (.split)
                    self._claim(os.path.abspath(target), override_output)
                    return None
                # One page: decide before Pelican copies the context, makes the
                # folder and checks the path, all for a page that may not change.
                fingerprint = ledger.known_fingerprint(target)
                if fingerprint is None:
                    own = self._own_values(context, name, relative_urls, kwargs, ledger)
                    fingerprint = ledger.fingerprint((template.name, own))
                if ledger.fresh(target, fingerprint):
                    self._claim(os.path.abspath(target), override_output)
                    return None
                template = LedgerTemplate(template, ledger, fingerprint)
            return super().write_file(
                name,
                template,
                context,
                relative_urls,
                paginated,
                template_name,
                override_output,
                url,
                **kwargs,
            )

    def _paginates(self, paginated, template_name, kwargs) -> bool:
        """Say whether Pelican's write_file makes several pages of this call."""
        if paginated is None:
            paginated = {k for k in kwargs if k in ("articles", "dates")}
        return bool(paginated) and template_name in self.settings.get(
            "PAGINATED_TEMPLATES", {}
        )

    def _write_listing(
        self,
        ledger: OutputLedger,
        call: tuple[str, Any, dict[str, Any], bool],
        pagination: tuple[Any, str | None, bool, str | None],
        kwargs: dict[str, Any],
    ) -> None:
        """Make the pages of a paginated listing that are not up to date.

        Page by page in Pelican's order, each given what Pelican's writer would
        give it (see .pagination), with the same side effects on ``context``; a
        page up to date (or the twin's) is only claimed as written. Pelican's own
        loop would build every page's context to hear "up to date" from the
        template: 0.2 s of a 5,000-post rebuild, 70 ms more after one post changed
        (its home page and author listings have 500 pages each). ``call`` and
        ``pagination`` are the arguments Pelican's ``write_file`` was given:
        (name, template, context, relative_urls) and (paginated, template_name,
        override_output, url).
        """
        name, template, context, relative_urls = call
        paginated, template_name, override_output, url = pagination
        per_page = (
            self.settings["PAGINATED_TEMPLATES"][template_name]
            or self.settings["DEFAULT_PAGINATION"]
        )
        pages = listing_pages(
            name,
            url,
            lists=paginated_lists(paginated, kwargs),
            settings=self.settings,
            per_page=per_page,
            context=context,
            relative_urls=relative_urls,
            kwargs=kwargs,
        )
        shared, scratch = ledger.shared_context, {}
        for save_as, added in pages:
            if added["localsiteurl"]:  # as Pelican's writer sets it for each page
                context["localsiteurl"] = added["localsiteurl"]
            target = os.path.join(ledger.output_path, save_as)
            if not ledger.mine(target):  # the twin makes it (see .split)
                self._claim(os.path.abspath(target), override_output)
                continue
            fingerprint = ledger.known_fingerprint(target)
            if fingerprint is None:
                own = own_values_with(context, added, shared)
                fingerprint = ledger.fingerprint((template.name, own), scratch)
            if ledger.fresh(target, fingerprint):
                self._claim(os.path.abspath(target), override_output)
                continue
            # What Pelican's writer does for one page of the listing.
            localcontext = {**context, **added}
            html = LedgerTemplate(template, ledger, fingerprint).render(localcontext)
            path = sanitised_join(self.output_path, save_as)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with self._open_w(path, "utf-8", override=override_output) as handle:
                handle.write(html)
            logger.info('Writing "%s"', path)
            signals.content_written.send(path, context=localcontext)

    @staticmethod
    def _own_values(context, name, relative_urls, kwargs, ledger) -> dict[str, Any]:
        """Return what the template of a page of its own is given beyond the site.

        That is what Pelican adds to the context for the page: its name, its
        variables, its relative site URL, and what a copied context changed.
        """
        shared = ledger.shared_context
        own = {} if context is shared else own_values(context, shared)
        own["localsiteurl"] = context.get("localsiteurl", None)
        if relative_urls:
            own["SITEURL"] = own["localsiteurl"] = path_to_url(get_relative_path(name))
        own["output_file"] = name
        own.update(kwargs)
        return own

    def _claim(self, filename: str, override: bool) -> bool:
        """Apply Pelican's overwrite rules to ``filename``; say if it may be written."""
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time '
                    "(was previously overwritten)"
                )
            logger.info('Skipping "%s", not overwriting', filename)
            return False
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already '
                "written to it previously (set `override=True` if intended)"
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return True

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        """Apply the guard and Pelican's overwrite rules; buffer, don't truncate."""
        if filename != os.devnull:
            self.guard.resolve(filename)  # the guard's last gate, as its own
        if not self._claim(filename, override):
            return open(os.devnull, "w", encoding=encoding)
        ledger = self.settings.get(LEDGER_KEY)
        if not isinstance(ledger, OutputLedger):
            ledger = None
        return UnchangedFileSkipper(filename, encoding, ledger)
