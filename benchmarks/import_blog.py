"""Measure ``colloquy import-blog`` throughput on a generated WordPress export.

Not a test: run it by hand, e.g. ``.venv/bin/python benchmarks/import_blog.py 2000 10``
(2,000 posts with 10 comments each). It prints records per second and the peak
memory of the process, so a second run at ten times the size shows whether memory
stays bounded by the largest post rather than growing with the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import resource
import sys
import tempfile
import time
from xml.sax.saxutils import escape

from plugins.migrate.commands import run_import
from plugins.migrate.model import Options

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench</title><wp:wxr_version>1.2</wp:wxr_version>
"""
BODY = (
    "A paragraph of an old post with <em>some</em> markup & a "
    '<a href="https://example.org/">link</a>.\n'
    "A second line.\n\n"
) * 8


def write_export(path: Path, posts: int, comments: int) -> None:
    """Write a WXR file with ``posts`` posts of ``comments`` threaded comments each."""
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for n in range(1, posts + 1):
            day = f"2010-{1 + n % 12:02d}-{1 + n % 28:02d}"
            out.write(
                f"<item><title>Post number {n}</title>"
                f"<link>https://old.example/?p={n}</link><dc:creator>admin</dc:creator>"
                f"<content:encoded><![CDATA[{BODY}]]></content:encoded>"
                f"<wp:post_id>{n}</wp:post_id>"
                f"<wp:post_date>{day} 10:00:00</wp:post_date>"
                f"<wp:post_date_gmt>{day} 15:00:00</wp:post_date_gmt>"
                f"<wp:post_name>post-{n}</wp:post_name><wp:status>publish</wp:status>"
                "<wp:post_type>post</wp:post_type>"
                '<category domain="category" nicename="c"><![CDATA[Notes]]></category>'
            )
            for c in range(1, comments + 1):
                cid = n * 1000 + c
                parent = cid - 1 if c % 3 == 0 else 0
                out.write(
                    f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
                    f"<wp:comment_author>Reader {c}</wp:comment_author>"
                    f"<wp:comment_author_email>r{c}@mail.example</wp:comment_author_email>"
                    f"<wp:comment_date>{day} 11:{c % 60:02d}:00</wp:comment_date>"
                    f"<wp:comment_date_gmt>{day} 16:{c % 60:02d}:00"
                    "</wp:comment_date_gmt>"
                    f"<wp:comment_content>{escape('I agree & disagree.')}"
                    "</wp:comment_content>"
                    "<wp:comment_approved>1</wp:comment_approved>"
                    f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
                )
            out.write("</item>\n")
        out.write("</channel></rss>\n")


def main() -> None:
    """Generate an export, import it into a temporary folder, print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("posts", type=int, nargs="?", default=1000)
    parser.add_argument("comments", type=int, nargs="?", default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export.xml"
        write_export(export, args.posts, args.comments)
        size = export.stat().st_size / 1e6
        start = time.perf_counter()
        summary = run_import(export, content=Path(tmp) / "content", options=Options())
        elapsed = time.perf_counter() - start
    records = summary.written["posts"] + summary.written["perspectives"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = (
        f"{args.posts} posts x {args.comments} comments ({size:.1f} MB): "
        f"{records} files in {elapsed:.1f} s = {records / elapsed:.0f} records/s, "
        f"peak RSS {peak:.0f} MB\n"
    )
    sys.stdout.write(line)


if __name__ == "__main__":
    main()
