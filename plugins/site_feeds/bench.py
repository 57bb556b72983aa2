"""Time writing one 1,000-entry full-content feed: site_feeds against Pelican's writer.

Run with ``make bench-feeds`` (or ``python -m plugins.site_feeds.bench``). Both
sides start from the same Pelican articles, read once, and write an Atom and an
RSS feed to disk; the rounds are interleaved and the medians compared.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import logging
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any

from pelican import Pelican
from pelican.generators import ArticlesGenerator
from pelican.settings import read_settings
from pelican.writers import Writer

from plugins.common.files import write_atomic

from .entries import newest, post_item
from .model import Feed, FeedItem
from .settings import FeedsSettings
from .writer import render_atom, render_rss

ROOT = Path(__file__).resolve().parents[2]
SITEURL = "https://bench.example"

BODY = """\
Paragraph {n} opens with a [link to an earlier post](/2020/01/post-{prev}/) and
an image ![figure {n}](/images/figure-{n}.png "Figure {n}") placed inline.

> A quotation with *emphasis*, `code`, and an ampersand & a less-than < sign.

{filler}

- one item linking [out](https://example.org/{n})
- another with a relative [link](../post-{prev}/)
"""


def write_posts(content: Path, count: int) -> None:
    """Write ``count`` posts of about 2 KB each into ``content/posts``."""
    posts = content / "posts"
    posts.mkdir(parents=True)
    filler = " ".join(["Words fill a long paragraph of an essay."] * 25)
    for n in range(count):
        day = f"20{10 + n // 365:02d}-{1 + n // 31 % 12:02d}-{1 + n % 28:02d}"
        text = (
            f"Title: Post {n} & friends\nDate: {day} 10:{n % 60:02d}\n"
            f"Category: C{n % 7}\nTags: t{n % 11}, t{n % 13}\n\n"
            + BODY.format(n=n, prev=max(n - 1, 0), filler=filler)
        )
        (posts / f"{day}-post-{n}.md").write_text(text, encoding="utf-8")


def read_articles(root: Path, count: int) -> tuple[list[Any], dict[str, Any]]:
    """Read the posts with Pelican, once, as a build would."""
    content, output = root / "content", root / "output"
    write_posts(content, count)
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(content),
            "OUTPUT_PATH": str(output),
            "THEME": str(ROOT / "theme"),
            "SITEURL": SITEURL,
            "PLUGINS": ["plugins.posts"],
            "FEED_MAX_ITEMS": None,
            "FEED_DOMAIN": SITEURL,
        },
    )
    Pelican(settings)  # registers the post reader
    context = {
        **settings,
        "generated_content": {},
        "static_links": set(),
        "static_content": {},
        "localsiteurl": SITEURL,
    }
    generator = ArticlesGenerator(
        context=context,
        settings=settings,
        path=settings["PATH"],
        theme=settings["THEME"],
        output_path=str(output),
    )
    generator.generate_context()
    return list(context["articles"]), context


def entries(articles: list[Any], context: dict[str, Any]) -> tuple[FeedItem, ...]:
    """Turn the posts into clean entries (absolute links, XML-safe text)."""
    settings = FeedsSettings.from_settings(context)
    return newest(
        (post_item(a, settings, path=a.source_path, full=True) for a in articles), None
    )


def ours(articles: list[Any], context: dict[str, Any], output: Path) -> None:
    """Write the site feed in Atom and RSS the way site_feeds does."""
    settings = FeedsSettings.from_settings(context)
    items = entries(articles, context)
    for name, render in (("atom.xml", render_atom), ("rss.xml", render_rss)):
        feed = Feed(
            kind="site_atom",
            path=name,
            url=settings.url(name),
            title="Bench",
            page_url=f"{SITEURL}/",
            updated=max(item.updated for item in items),
            items=items,
        )
        write_atomic(output / f"ours-{name}", render(feed), overwrite=True)


def pelicans(articles: list[Any], context: dict[str, Any], output: Path) -> None:
    """Write the same feeds with Pelican's own writer (feedgenerator)."""
    writer = Writer(str(output), settings=context)
    writer.write_feed(articles, context, "pelican-atom.xml", feed_type="atom")
    writer.write_feed(articles, context, "pelican-rss.xml", feed_type="rss")


def timed(function: Callable[..., None], *args: Any) -> float:
    """Return how long one call took, in seconds."""
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print one line per side and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="colloquy-feeds-bench-") as tmp:
        root = Path(tmp)
        articles, context = read_articles(root, args.entries)
        output = root / "feeds"
        output.mkdir()
        samples: dict[str, list[float]] = {"site_feeds": [], "pelican": [], "e": []}
        for _ in range(args.rounds):
            samples["site_feeds"].append(timed(ours, articles, context, output))
            samples["pelican"].append(timed(pelicans, articles, context, output))
            samples["e"].append(timed(entries, articles, context))
        sizes = {p.name: p.stat().st_size for p in sorted(output.iterdir())}
    mine = statistics.median(samples["site_feeds"])
    theirs = statistics.median(samples["pelican"])
    out = sys.stdout
    rounds = f"median of {args.rounds} interleaved rounds"
    out.write(f"{len(articles)} full-content entries, Atom + RSS, {rounds}\n")
    out.write(f"site_feeds (feedgen): {mine * 1000:8.1f} ms\n")
    cleaning = statistics.median(samples["e"])
    out.write(
        f"  of which entries:   {cleaning * 1000:8.1f} ms (links made absolute)\n"
    )
    out.write(f"Pelican write_feed:   {theirs * 1000:8.1f} ms\n")
    out.write(f"ratio site_feeds / Pelican: {mine / theirs:.2f}\n")
    out.write(f"bytes: {sizes}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
