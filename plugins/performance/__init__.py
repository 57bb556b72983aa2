"""Build speed: rewrite only changed files, compute URLs once, reuse conversions.

On two cores, a forked worker converts posts and parses perspectives ahead of the
build (see prefetch.py).
"""

import atexit
import gc
from typing import Any

from pelican import signals
from pelican.generators import ArticlesGenerator

from plugins.common.buildcache import LEDGER_KEY
from plugins.posts.reader import PostReader

from .collection import freeze_what_lives
from .collection import install as release_after_each_build
from .dates import install as format_dates_directly
from .keptposts import WORKER_AFTER, keep_posts_whole, kept_posts_of, watch_warnings
from .ledger import OutputLedger
from .listings import quicken
from .paths import install as remember_relative_paths
from .prefetch import can_fork, start_for, usable_cores
from .readcache import (
    SETTINGS_KEY,
    CachingPostReader,
    ConversionCache,
    pelicans_cache_on,
)
from .slugs import install as remember_slugs
from .split import split
from .static import PerformanceSettings, ThemeStaticGenerator
from .survey import Survey
from .templates import CODE_JOB, keep_compiled, share_compiled_templates
from .translations import install as group_translations_quickly
from .urls import fix_urls
from .writer import IncrementalWriter


def check_settings(pelican):
    """Refuse unusable PERFORMANCE_* settings; give this build its own cache.

    Without the reader cache, a build with a prefetch worker still gets one, kept
    in memory only, to receive the worker's results.
    """
    options = PerformanceSettings.from_settings(pelican.settings)
    pelican.settings.pop(SETTINGS_KEY, None)
    pelican.settings.pop(LEDGER_KEY, None)
    if options.reader_cache or options.worker(usable_cores(), can_fork=can_fork()):
        pelican.settings[SETTINGS_KEY] = ConversionCache(
            pelican.settings, persistent=options.reader_cache
        )


def start_reading(generator):
    """Take unchanged posts whole; fork the worker that converts the others.

    When the last build kept posts whole, most posts are probably unchanged: the
    worker (a fork of a large process, which then reads every post and perspective
    file) would cost more than it spares (0.3 s of a 5,000-post rebuild with
    nothing to convert), so it starts only once ``WORKER_AFTER`` posts had to be
    read in this build.
    """
    cache = generator.settings.get(SETTINGS_KEY)
    if isinstance(cache, ConversionCache) and cache.worker is not None:
        cache.worker.stop()  # left by a run that failed
        cache.worker = None
    options = PerformanceSettings.from_settings(generator.settings)
    two = options.worker(usable_cores(), can_fork=can_fork())
    if isinstance(cache, ConversionCache):
        if cache.survey is not None:
            cache.survey.stop()
        # First, while the process is small to fork: the stamps asked for later,
        # in a rebuild (a first build reads everything: the worker has the core).
        rebuild = cache.persistent and cache.file().exists()
        cache.survey = Survey.start(generator) if two and rebuild else None
    kept = keep_posts_whole(generator)
    if not isinstance(cache, ConversionCache) or not two:
        return
    cache.open()  # so the worker skips what the file already holds

    def start() -> None:
        cache.worker = start_for(generator, cache.knows)

    if kept is not None and cache.kept_posts() >= WORKER_AFTER:
        kept.when_reading(WORKER_AFTER, start)
    else:
        start()


def use_caching_reader(readers):
    """Read posts with the reader that reuses unchanged posts' conversions."""
    if isinstance(readers.settings.get(SETTINGS_KEY), ConversionCache):
        for ext, reader_class in list(readers.reader_classes.items()):
            if reader_class is PostReader:
                readers.reader_classes[ext] = CachingPostReader


def save_conversions(generators):
    """Stop the worker and write the conversion cache: all content has been read.

    The templates the worker compiled meanwhile are kept for the pages to load.
    """
    for generator in generators:
        cache = generator.settings.get(SETTINGS_KEY)
        if isinstance(cache, ConversionCache):
            if cache.worker is not None:
                keep_compiled(generators, cache.worker.take_all(CODE_JOB))
                cache.worker.stop()
            if cache.survey is not None:
                cache.survey.stop()
                cache.survey = None
            cache.save()
            return


def use_incremental_writer(pelican):
    """Give Pelican the writer that skips unchanged files."""
    return IncrementalWriter


def add_generator(pelican):
    """Give Pelican the generator that copies the theme's static files."""
    return ThemeStaticGenerator


def stop_taking_posts(generator):
    """Every post is read: stop watching what reading them logs."""
    kept = kept_posts_of(generator)
    if kept is not None:
        kept.stop()


def keep_urls(generators):
    """Compute each post's URL once, now that every generator has read its content."""
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            fix_urls(generator.articles)


def keep_urls_early(generator):
    """Compute each post's URL once from here on: its slug, date, category are set.

    Pelican has read every post and sorted translations; what follows (taxonomy,
    perspectives, reblog metadata) reads URLs, about three times a post.
    """
    fix_urls(generator.articles)


def quick_listings(generator):
    """Find the posts of tag, category, author and period listings in one pass."""
    quicken(generator)


def load_templates_once(generator):
    """Let Jinja trust the templates it loaded in this build.

    With ``auto_reload`` on (Jinja's default), every ``get_template`` (each
    extends, include and import of every page) stats the template file again:
    17,000 stats at N=1,000. Each generator has its own environment, made anew
    on every build (and every ``--autoreload`` round), so nothing goes stale.
    With the build cache on, the environments share their compiled templates.
    """
    generator.env.auto_reload = False
    if PerformanceSettings.from_settings(generator.settings).reader_cache:
        share_compiled_templates(generator.env, generator.settings)


def open_ledger(generators):
    """Start this build's output ledger, now that every post has its final state."""
    if not generators:
        return
    settings = generators[0].settings
    options = PerformanceSettings.from_settings(settings)
    two = options.worker(usable_cores(), can_fork=can_fork())
    ledger = None
    if options.skip_unchanged:
        ledger = OutputLedger(settings, generators, processes=2 if two else 1)
        settings[LEDGER_KEY] = ledger
        for generator in generators:
            if getattr(generator, "outputs_follow_placement", lambda: False)():
                generator.generate_output = _following(ledger, generator)
    # What the ledger needed of the posts as read, and of the cache's results,
    # is in its digests now: not held while pages are written (the peak).
    for generator in generators:
        if (kept := kept_posts_of(generator)) is not None:
            kept.states.clear()
    if isinstance(cache := settings.get(SETTINGS_KEY), ConversionCache):
        cache.names.clear()
    # After a small change too: checking 18,000 files that stay as they are is
    # most of a 5,000-post rebuild's output step, and the twin takes half of it.
    if ledger is not None and two:
        split(ledger, generators)


def _following(ledger: OutputLedger, generator: Any) -> Any:
    """Return ``generator``'s output step, its pages marked as following placement."""
    method = generator.generate_output

    def run(writer: Any) -> None:
        with ledger.following_placement():
            method(writer)

    return run


def keep_renders(generator, writer):
    """Keep what the listings rendered for posts, now that they are written.

    In the process that made them (the build or its twin): what it holds of
    them is freed before the feeds and reblog pages are made (memory).
    """
    ledger = generator.settings.get(LEDGER_KEY)
    if isinstance(ledger, OutputLedger):
        ledger.renders.save()


def close_ledger(pelican):
    """Keep the ledger's records for the next build; say how much it spared."""
    ledger = pelican.settings.pop(LEDGER_KEY, None)
    if isinstance(ledger, OutputLedger):
        pelican.colloquy_output_ledger = ledger.save()


def skip_idle_stamps(generator):
    """Stop Pelican from checking files' dates for a content cache that is off.

    A generator and its readers each check a post's modification time twice
    (looking it up, then storing it) even when nothing is cached or loaded:
    four stat calls a post, 0.2 s at 5,000 posts. With both off, looking up
    always gives the default and storing does nothing, so both are skipped.
    """
    for cacher in (generator, getattr(generator, "readers", None)):
        if pelicans_cache_on(cacher):
            continue
        cacher.get_cached_data = _nothing_cached
        cacher.cache_data = _keep_nothing


def _nothing_cached(filename, default=None):
    return default


def _keep_nothing(filename, data):
    return None


def skip_the_last_collection():
    """Spare the interpreter its last full garbage collection when it exits.

    Python scans every live object once more before the process ends: 0.07 s
    after a 1,000-post rebuild, for a heap the end of the process frees anyway.
    Frozen, the objects are left out of it. Only at exit: a process that builds
    again (``pelican --autoreload``) keeps collecting as before.
    """
    gc.freeze()


def register():
    """Connect the plugin to Pelican's signals."""
    atexit.unregister(skip_the_last_collection)  # once, however many builds
    atexit.register(skip_the_last_collection)
    group_translations_quickly()
    remember_slugs()
    remember_relative_paths()
    format_dates_directly()
    release_after_each_build()
    watch_warnings()
    for done in (
        signals.article_generator_pretaxonomy,
        signals.article_generator_finalized,
        signals.page_generator_finalized,
        signals.all_generators_finalized,
    ):
        done.connect(freeze_what_lives)
    signals.article_generator_init.connect(skip_idle_stamps)
    signals.page_generator_init.connect(skip_idle_stamps)
    signals.initialized.connect(check_settings)
    signals.generator_init.connect(load_templates_once)
    signals.readers_init.connect(use_caching_reader)
    signals.article_generator_init.connect(start_reading)
    signals.article_generator_init.connect(quick_listings)
    signals.article_generator_pretaxonomy.connect(stop_taking_posts)
    signals.all_generators_finalized.connect(save_conversions)
    signals.get_writer.connect(use_incremental_writer)
    signals.get_generators.connect(add_generator)
    signals.article_generator_pretaxonomy.connect(keep_urls_early)
    signals.all_generators_finalized.connect(keep_urls)
    signals.all_generators_finalized.connect(open_ledger)
    signals.article_writer_finalized.connect(keep_renders)
    signals.finalized.connect(close_ledger)
