"""Names from imports never write outside their folder, nor onto each other.

Case-only collisions are decided so: post slugs are lower-cased (Pelican's
slugify), so two posts whose slugs differ only in case become one slug and the
second is reported and skipped; a transcript slug keeps its case, and
``import-chat`` refuses one that differs only in case from an existing file, and
the build skips (with an error) a transcript whose slug differs only in case from
another's. Either way nothing is silently replaced on a case-insensitive disk.
"""

from __future__ import annotations

from collections import Counter
import logging
from pathlib import Path

import pytest

from plugins.cli import main as colloquy
from plugins.common.files import safe_filename

HOSTILE_SLUGS = [
    "../../evil", "/etc/passwd", "CON", "..", "Hello-World", "hello-world",
    "a/b\\c", "", "nul.txt", "aux", "COM1.md", "x\x00y", "~root", "%2e%2e%2fup",
]  # fmt: skip


NUL = "\x00"  # not XML: dropped before the export is written


def wxr(slugs: list[str]) -> str:
    items = "".join(
        f"""<item><title>Post {n}</title><link>https://old.example/{n}/</link>
<wp:post_id>{n + 1}</wp:post_id>
<wp:post_date_gmt>2015-05-02 18:{n:02d}:00</wp:post_date_gmt>
<wp:post_name>{slug.replace(NUL, "")}</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<content:encoded>Body {n}</content:encoded>
<wp:comment><wp:comment_id>../../c{n}</wp:comment_id>
<wp:comment_author>../{slug.replace(NUL, "")}</wp:comment_author>
<wp:comment_date_gmt>2015-05-02 19:00:00</wp:comment_date_gmt>
<wp:comment_content>hi {n}</wp:comment_content>
<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>
</wp:comment></item>"""
        for n, slug in enumerate(slugs)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Old</title>
<link>https://old.example</link><wp:wxr_version>1.2</wp:wxr_version>{items}
</channel></rss>"""


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def case_twins(root: Path) -> list[str]:
    folded = Counter(p.as_posix().lower() for p in root.rglob("*"))
    return sorted(name for name, count in folded.items() if count > 1)


def test_imported_slugs_and_ids_stay_in_their_folders(tmp_path, capsys):
    (tmp_path / "export.xml").write_text(wxr(HOSTILE_SLUGS), encoding="utf-8")
    content = tmp_path / "content"
    export = str(tmp_path / "export.xml")
    assert colloquy(["import-blog", export, "--content", str(content)]) == 0
    written = files_under(content)
    assert written
    assert files_under(tmp_path) == sorted([*written, tmp_path / "export.xml"])
    for path in written:
        rel = path.relative_to(content)
        assert rel.parts[0] in {"posts", "perspectives"}, rel
        assert all(part == safe_filename(part) for part in rel.parts), rel
        assert path.stem.split(".")[0].lower() not in {"con", "aux", "nul", "com1"}
    assert case_twins(content) == []
    # Hello-World and hello-world are one slug: the second is reported, not lost.
    assert "same file as post" in capsys.readouterr().out


CHAT = "02.05.24, 21:00 - Ann: hi\n02.05.24, 21:01 - Bo: hello\n"


def import_chat(tmp_path: Path, slug: str) -> int:
    (tmp_path / "chat.txt").write_text(CHAT, encoding="utf-8")
    return colloquy(
        ["import-chat", str(tmp_path / "chat.txt"), "--format", "whatsapp",
         "--timezone", "UTC", "--slug", slug, "--content", str(tmp_path / "content")]
    )  # fmt: skip


@pytest.mark.parametrize(
    "slug", ["../../evil", "/abs/x", "a/../../b", "..", "a b", "x\\y", "CON"]
)
def test_import_chat_refuses_a_slug_that_is_not_a_plain_name(tmp_path, slug, caplog):
    with caplog.at_level(logging.ERROR):
        assert import_chat(tmp_path, slug) == 1
    assert any("--slug: expected a slug" in r.getMessage() for r in caplog.records)
    assert [p for p in files_under(tmp_path) if p.suffix == ".chat"] == []


def test_import_chat_refuses_a_slug_differing_only_in_case(tmp_path, caplog):
    assert import_chat(tmp_path, "Launch") == 0
    with caplog.at_level(logging.ERROR):
        assert import_chat(tmp_path, "launch") == 1
    assert any("differs only in case" in r.getMessage() for r in caplog.records)
    assert [p.name for p in (tmp_path / "content" / "transcripts").iterdir()] == [
        "Launch.chat"
    ]


CHAT_FILE = """Title: {title}
Slug: {slug}
Date: 2024-05-02 20:00:00-04:00

--- 2024-05-02 -04:00 ---
[20:00:02 #m-1] <ann|Ann Reader> Hello from {title}
"""


def test_the_build_skips_a_transcript_slug_differing_only_in_case(build_site, caplog):
    files = {
        "transcripts/a-launch.chat": CHAT_FILE.format(title="First", slug="Launch"),
        "transcripts/b-launch.chat": CHAT_FILE.format(title="Second", slug="launch"),
    }
    with caplog.at_level(logging.ERROR):
        site = build_site(files)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(
        "transcripts/b-launch.chat: expected a slug no other transcript has" in e
        for e in errors
    ), errors
    pages = [p for p in site.pages() if p.lower().startswith("transcripts/launch/")]
    assert pages
    assert all(p.startswith("transcripts/Launch/") for p in pages)
    assert case_twins(site.output) == []
