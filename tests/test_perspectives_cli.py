"""``colloquy perspectives``: moderation, mail import, and the privacy promise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
import email.utils
import json
import mailbox
from pathlib import Path
import sys

from hypothesis import example, given, settings
from hypothesis import strategies as st
import pytest

from plugins.cli import main
from plugins.common.ids import salted_hash
from plugins.perspectives.contact import Contact, mail_body, mail_subject
from plugins.perspectives.fileformat import parse_perspective
from plugins.perspectives.mailimport import MailSkip, submission_from_mail
from plugins.perspectives.queue import Queue, Submission

from .support import files_containing

EST = timezone(timedelta(hours=-5))
POST = "Title: An essay\nDate: 2024-05-01 09:00\nCategory: Essays\n\nThe post.\n"


def import_mbox(run, queue, path, mails) -> int:
    """Put ``mails`` in an mbox at ``path``; run ``import-mail`` on it."""
    box = mailbox.mbox(path)
    for raw in mails:
        box.add(raw)
    box.close()
    return run("perspectives", "import-mail", str(path), "--queue", str(queue.root))


def submission(ident: str, **fields) -> Submission:
    values = {
        "id": ident,
        "received": datetime(2024, 5, 2, 14, 3, tzinfo=EST),
        "post": "essay",
        "name": "Ann Reader",
        "email": "ann.reader@mail.example",
        "text": "I liked this.",
        "url": "https://ann.example/",
        "ip": "203.0.113.77",
        "user_agent": "Browser/1.0",
        **fields,
    }
    return Submission(**values)


@pytest.fixture
def queue(tmp_path) -> Queue:
    return Queue(tmp_path / "queue")


def run(*argv: str) -> int:
    return main(list(argv))


def test_approve_writes_a_perspective_without_email_or_ip(queue, tmp_path, capsys):
    queue.add(submission("s1"))
    content = tmp_path / "content"
    assert run("perspectives", "approve", "s1", "--queue", str(queue.root),
               "--content", str(content)) == 0  # fmt: skip
    [written] = (content / "perspectives/essay").iterdir()
    assert written.name == "2024-05-02-1403-ann-reader.md"
    assert capsys.readouterr().out.strip() == str(written)
    text = written.read_text(encoding="utf-8")
    assert "ann.reader@mail.example" not in text
    assert "203.0.113.77" not in text
    p = parse_perspective(text, path="x/2024-05-02-1403-ann-reader.md", post="essay")
    assert (p.author, p.url, p.date) == (
        "Ann Reader",
        "https://ann.example/",
        datetime(2024, 5, 2, 14, 3, tzinfo=EST),
    )
    salt = (queue.root / "avatar-salt").read_text(encoding="utf-8").strip()
    assert len(salt) == 64
    assert p.avatar_hash == salted_hash("ann.reader@mail.example", salt)
    state, moved = queue.get("s1")
    assert state == "approved"
    assert "approved as perspectives/essay/2024-05-02-1403-ann-reader.md" in moved.note
    assert not (queue.root / "pending/s1.json").exists()


def test_approve_dates_a_web_submission_in_the_sites_timezone(
    queue, tmp_path, build_site
):
    # The intake stamps arrivals in UTC, to the microsecond; the page shows a
    # perspective's time in its own zone, so it read "6:03 PM" under a post of a
    # New York site for a reader who wrote at 2:03 PM there.
    arrived = datetime(2024, 5, 2, 18, 3, 7, 123456, tzinfo=UTC)
    queue.add(submission("s1", received=arrived))
    (tmp_path / "pelicanconf.py").write_text('TIMEZONE = "America/New_York"\n')
    content = tmp_path / "content"
    assert run("perspectives", "approve", "s1", "--queue", str(queue.root),
               "--content", str(content)) == 0  # fmt: skip
    [written] = (content / "perspectives/essay").iterdir()
    assert written.name == "2024-05-02-1403-ann-reader.md"
    assert "\nDate: 2024-05-02 14:03:07-04:00\n" in written.read_text("utf-8")
    site = build_site(
        {
            "posts/2024-05-01-essay.md": POST,
            "perspectives/essay/" + written.name: written.read_text("utf-8"),
        }
    )
    shown = site.html("2024/05/essay/index.html").select_one(
        "#perspective-2024-05-02-1403-ann-reader time.dt-published"
    )
    assert shown.get_text() == "May 2, 2024 at 2:03 PM"


def test_approve_never_overwrites_an_existing_perspective(queue, tmp_path):
    content = tmp_path / "content"
    queue.add(submission("s1", text="First."))
    queue.add(
        submission("s2", text="Second.", in_reply_to="2024-05-02-1403-ann-reader")
    )
    for ident in ("s1", "s2"):
        assert run("perspectives", "approve", ident, "--queue", str(queue.root),
                   "--content", str(content)) == 0  # fmt: skip
    folder = content / "perspectives/essay"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2024-05-02-1403-ann-reader-2.md",
        "2024-05-02-1403-ann-reader.md",
    ]
    assert "First." in (folder / "2024-05-02-1403-ann-reader.md").read_text()
    second = (folder / "2024-05-02-1403-ann-reader-2.md").read_text()
    assert "In-Reply-To: 2024-05-02-1403-ann-reader" in second
    assert run("perspectives", "approve", "s1", "--queue", str(queue.root),
               "--content", str(content)) == 1  # fmt: skip


def test_approve_scrubs_the_address_a_reader_typed_into_name_or_text(queue, tmp_path):
    queue.add(
        submission(
            "s1",
            name="ann.reader@mail.example",
            text="Write to me at ANN.READER@mail.example, or 203.0.113.77.",
        )
    )
    run("perspectives", "approve", "s1", "--queue", str(queue.root),
        "--content", str(tmp_path / "content"))  # fmt: skip
    [written] = (tmp_path / "content/perspectives/essay").iterdir()
    text = written.read_text()
    assert "mail.example" not in text.lower()
    assert "203.0.113.77" not in text
    assert "[address removed]" in text


def test_approve_refuses_a_post_slug_that_climbs_out(queue, tmp_path, caplog):
    queue.add(submission("s1", post="../../etc"))
    assert run("perspectives", "approve", "s1", "--queue", str(queue.root),
               "--content", str(tmp_path / "content")) == 1  # fmt: skip
    assert "expected a post slug" in caplog.text
    assert not (tmp_path / "content").exists()


@pytest.mark.parametrize(
    "variable", ["PERSPECTIVES_EMAIL_SALT", "PERSPECTIVES_AVATAR_SALT"]
)
def test_salt_comes_from_the_environment_when_set(
    queue, tmp_path, monkeypatch, caplog, variable
):
    monkeypatch.setenv(variable, "pepper")
    queue.add(submission("s1"))
    run("perspectives", "approve", "s1", "--queue", str(queue.root),
        "--content", str(tmp_path / "content"))  # fmt: skip
    [written] = (tmp_path / "content/perspectives/essay").iterdir()
    assert f"Avatar-Hash: {salted_hash('ann.reader@mail.example', 'pepper')}" in (
        written.read_text()
    )
    assert not (queue.root / "avatar-salt").exists()
    # The old name is the identicon setting's too: it is read, and named.
    renamed = "rename it $PERSPECTIVES_EMAIL_SALT" in caplog.text
    assert renamed == (variable == "PERSPECTIVES_AVATAR_SALT")


@pytest.mark.parametrize(
    ("action", "state"), [("reject", "rejected"), ("spam", "spam")]
)
def test_reject_and_spam_keep_a_record_in_the_queue_only(
    queue, tmp_path, action, state
):
    queue.add(submission("s1"))
    assert run("perspectives", action, "s1", "--queue", str(queue.root),
               "--note", "off topic") == 0  # fmt: skip
    found, kept = queue.get("s1")
    assert found == state
    assert kept.note == "off topic"
    assert kept.email == "ann.reader@mail.example"
    assert not (tmp_path / "content").exists()


def test_list_and_show(queue, capsys):
    queue.add(submission("s1"))
    queue.add(submission("s2", name="Bo", post="other"))
    run("perspectives", "reject", "s2", "--queue", str(queue.root))
    capsys.readouterr()
    run("perspectives", "list", "--queue", str(queue.root))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].split()[:3] == ["s1", "pending", "essay"]
    run("perspectives", "list", "--queue", str(queue.root), "--state", "all")
    assert len(capsys.readouterr().out.splitlines()) == 2
    run("perspectives", "show", "s1", "--queue", str(queue.root))
    shown = capsys.readouterr().out
    assert "Email: ann.reader@mail.example" in shown
    assert shown.rstrip().endswith("I liked this.")
    queue.add(submission("s3", text="evil \x1b]0;pwned\x07 title"))
    run("perspectives", "show", "s3", "--queue", str(queue.root))
    assert "\x1b" not in capsys.readouterr().out
    queue.add(submission("s4", name="Ann\u202egpj.exe", text="x\u2067y"))
    run("perspectives", "list", "--queue", str(queue.root))
    listed = capsys.readouterr().out
    assert "Ann\ufffdgpj.exe" in listed
    assert not {"\u202e", "\u2067"} & set(listed)
    assert run("perspectives", "show", "nope", "--queue", str(queue.root)) == 1


def test_a_damaged_queue_file_hides_no_other_submission(queue, capsys, caplog):
    queue.add(submission("s1"))
    (queue.root / "pending" / "s0.json").write_text("{half a file", encoding="utf-8")
    assert run("perspectives", "list", "--queue", str(queue.root)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["s1"]
    assert "s0.json: expected a submission as the intake writes it" in caplog.text
    assert run("perspectives", "approve", "s0", "--queue", str(queue.root)) == 1
    assert "s0.json: expected a submission" in caplog.text.splitlines()[-1]


def test_a_hand_made_copy_of_a_queue_file_is_refused_not_published_twice(
    queue, tmp_path, capsys, caplog
):
    original = queue.add(submission("s1", text="What Ann wrote."))
    # A moderator copies the file to try an edit: the copy keeps the id "s1".
    copy = queue.root / "pending" / "s1-edit.json"
    copy.write_text(
        original.read_text(encoding="utf-8").replace("What Ann", "What I"),
        encoding="utf-8",
    )
    content = tmp_path / "content"
    assert run("perspectives", "list", "--queue", str(queue.root)) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["s1"]
    assert "s1-edit.json: expected the id 's1-edit' (the file's name), got 's1'" in (
        caplog.text
    )
    for _ in range(2):
        assert run("perspectives", "approve", "s1-edit", "--queue", str(queue.root),
                   "--content", str(content)) == 1  # fmt: skip
    assert not content.exists()
    # The original is untouched, still pending, and approves once.
    assert queue.get("s1") == ("pending", submission("s1", text="What Ann wrote."))
    assert run("perspectives", "approve", "s1", "--queue", str(queue.root),
               "--content", str(content)) == 0  # fmt: skip
    assert len(list(content.rglob("*.md"))) == 1


def test_edit_with_flags(queue):
    queue.add(submission("s1"))
    assert run("perspectives", "edit", "s1", "--queue", str(queue.root),
               "--name", "Ann R.", "--text", "Shorter.") == 0  # fmt: skip
    state, edited = queue.get("s1")
    assert (state, edited.name, edited.text, edited.url) == (
        "pending",
        "Ann R.",
        "Shorter.",
        "https://ann.example/",
    )
    assert edited.note == "edited: name, text"


def test_edit_in_the_editor(queue, tmp_path, monkeypatch):
    queue.add(submission("s1"))
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "t = p.read_text().replace('I liked this.', 'I liked this a lot.')\n"
        "p.write_text(t.replace('Url: https://ann.example/', 'Url: '))\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    assert run("perspectives", "edit", "s1", "--queue", str(queue.root)) == 0
    _, edited = queue.get("s1")
    assert (edited.text, edited.url) == ("I liked this a lot.", "")
    assert not list(queue.root.glob(".edit-*"))


@pytest.mark.parametrize("editor", ["false", "no-such-editor-anywhere"])
def test_an_abandoned_or_missing_editor_changes_nothing(
    queue, monkeypatch, caplog, editor
):
    queue.add(submission("s1"))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor)
    assert run("perspectives", "edit", "s1", "--queue", str(queue.root)) == 1
    assert "nothing changed" in caplog.text
    assert queue.get("s1") == ("pending", submission("s1"))
    assert not list(queue.root.glob(".edit-*"))


# --- import-mail --------------------------------------------------------------------


def mail(frm: str, subject: str, body: str, *, when: datetime, ident: str) -> bytes:
    message = EmailMessage()
    message["From"] = frm
    message["To"] = "perspectives@site.example"
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(when)
    message["Message-ID"] = f"<{ident}@mail.example>"
    message.set_content(body)
    return bytes(message)


def filled_in(post: str, name: str, text: str, reply: str = "") -> str:
    body = mail_body(post, reply).replace("Author: ", f"Author: {name}")
    return body.replace("\n\n", f"\n\n{text}\n\n", 1)


WHEN = datetime(2024, 5, 3, 9, 30, tzinfo=UTC)
MAILS = [
    mail(
        "Cy Reader <cy@reader.example>",
        mail_subject("An essay", "essay"),
        filled_in("essay", "Cy", "A filled-in perspective.", "2024-05-02-1403-ann"),
        when=WHEN,
        ident="one",
    ),
    mail(
        "Dee <dee@reader.example>",
        "Re: " + mail_subject("An essay", "essay"),
        "Just a plain reply, thanks!\n\nOn Fri, May 3, Site wrote:\n> quoted\n"
        "> more quoted\n\n-- \nDee's signature with dee@reader.example\n",
        when=WHEN + timedelta(hours=1),
        ident="two",
    ),
    mail(
        "Eli <eli@reader.example>",
        "about your essay",
        "Your post https://site.example/2024/05/essay/ made me think.\n",
        when=WHEN + timedelta(hours=1, minutes=30),
        ident="link",
    ),
    mail(
        "spam@spam.example",
        "Cheap watches",
        "Buy now.",
        when=WHEN + timedelta(hours=2),
        ident="three",
    ),
]


def check_imported(queue: Queue) -> None:
    pending = queue.list("pending")
    assert [(s.post, s.name, s.email) for s in pending] == [
        ("essay", "Cy", "cy@reader.example"),
        ("essay", "Dee", "dee@reader.example"),
        ("essay", "Eli", "eli@reader.example"),
    ]
    cy, dee, _ = pending
    assert cy.text == "A filled-in perspective."
    assert cy.in_reply_to == "2024-05-02-1403-ann"
    assert cy.received == WHEN
    assert dee.text == "Just a plain reply, thanks!"


def test_import_mail_from_an_mbox(queue, tmp_path, caplog, capsys):
    assert import_mbox(run, queue, tmp_path / "replies.mbox", MAILS) == 0
    check_imported(queue)
    assert "replies.mbox#3: expected a 'Post:' line" in caplog.text
    assert capsys.readouterr().out.strip() == "queued 3, already queued 0, skipped 1"
    run("perspectives", "import-mail", str(tmp_path / "replies.mbox"),
        "--queue", str(queue.root))  # fmt: skip
    assert capsys.readouterr().out.strip() == "queued 0, already queued 3, skipped 1"
    assert len(queue.list("pending")) == 3


def test_import_mail_from_a_maildir(queue, tmp_path, capsys):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for raw in MAILS:
        box.add(raw)
    box.close()
    assert run("perspectives", "import-mail", str(tmp_path / "Maildir"),
               "--queue", str(queue.root)) == 0  # fmt: skip
    check_imported(queue)


def test_import_mail_refuses_what_is_not_a_mailbox(queue, tmp_path):
    (tmp_path / "folder").mkdir()
    assert run("perspectives", "import-mail", str(tmp_path / "folder"),
               "--queue", str(queue.root)) == 1  # fmt: skip
    assert run("perspectives", "import-mail", str(tmp_path / "missing"),
               "--queue", str(queue.root)) == 1  # fmt: skip


# --- privacy ------------------------------------------------------------------------

SECRETS = [
    "ann.reader@mail.example",
    "bo@private.example",
    "cy@reader.example",
    "203.0.113.77",
    "198.51.100.23",
    "2001:db8::42",
]


def test_no_email_or_ip_reaches_content_or_output(queue, tmp_path, build_site):
    content = tmp_path / "content"
    queue.add(submission("s1"))
    queue.add(
        submission(
            "s2",
            name="Bo <bo@private.example>",
            email="bo@private.example",
            ip="198.51.100.23",
            url="mailto:bo@private.example",
            text="Reply to Ann. Mail me: bo@private.example (from 198.51.100.23)",
            in_reply_to="2024-05-02-1403-ann-reader",
            received=datetime(2024, 5, 2, 15, 0, tzinfo=EST),
        )
    )
    queue.add(
        submission(
            "s3",
            name="Ann Reader",
            ip="2001:db8::42",
            received=datetime(2024, 5, 2, 16, 0, tzinfo=EST),
        )
    )
    box = mailbox.mbox(tmp_path / "in.mbox")
    box.add(MAILS[0])
    box.close()
    run("perspectives", "import-mail", str(tmp_path / "in.mbox"),
        "--queue", str(queue.root))  # fmt: skip
    for item in queue.list("pending"):
        assert run("perspectives", "approve", item.id, "--queue", str(queue.root),
                   "--content", str(content)) == 0  # fmt: skip
    assert len(list((content / "perspectives/essay").iterdir())) == 4
    site = build_site({"posts/2024-05-01-essay.md": POST})
    page = site.html("2024/05/essay/index.html")
    assert len(page.select("#perspectives .perspective")) == 4
    assert page.select_one("#perspectives h2").get_text() == "Perspectives (4)"
    assert files_containing(content, SECRETS) == []
    assert files_containing(site.output, SECRETS) == []
    # The queue, outside content/, is where they are kept.
    assert files_containing(queue.root, SECRETS[:1])


def test_mailto_fallback_address_is_the_sites_not_a_readers():
    contact = Contact(post="essay", title="T", email="perspectives@site.example")
    assert contact.mailto().startswith("mailto:perspectives@site.example?")
    assert Contact(post="essay", title="T").mailto() == ""


def test_files_containing_finds_encoded_addresses(tmp_path):
    (tmp_path / "a.html").write_text("x bo%40private.example y", encoding="utf-8")
    (tmp_path / "b.html").write_text("clean", encoding="utf-8")
    assert files_containing(tmp_path, ["bo@private.example"]) == [
        "a.html: bo@private.example"
    ]
    assert Path(tmp_path / "b.html").exists()


def test_import_mail_handles_the_ugly_ones(queue, tmp_path, caplog, capsys):
    undated = EmailMessage()
    undated["From"] = "Fay <fay@reader.example>"
    undated["Subject"] = mail_subject("An essay", "essay")
    undated.set_content("No date header.")
    html_only = EmailMessage()
    html_only["From"] = "Gus <gus@reader.example>"
    html_only["Subject"] = mail_subject("An essay", "essay")
    html_only["Date"] = email.utils.format_datetime(WHEN)
    html_only.set_content("<p>Only HTML</p>", subtype="html")
    latin = (
        b"From: =?iso-8859-1?q?H=E9l=E8ne?= <helene@reader.example>\n"
        b"Subject: Re: Perspective on An essay [perspective:essay]\n"
        b"Date: Fri, 03 May 2024 12:00:00 +0200\n"
        b"Message-ID: <latin@mail.example>\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: 8bit\n\n"
        b"Tr\xe8s bien \xe9crit.\n"
    )
    mails = (bytes(undated), bytes(html_only), latin)
    assert import_mbox(run, queue, tmp_path / "ugly.mbox", mails) == 0
    assert capsys.readouterr().out.strip() == "queued 1, already queued 0, skipped 2"
    assert "ugly.mbox#0: expected a Date header" in caplog.text
    assert "ugly.mbox#1: expected a text/plain part" in caplog.text
    [only] = queue.list("pending")
    assert (only.name, only.text) == ("Hélène", "Très bien écrit.")
    assert only.received == datetime(2024, 5, 3, 10, 0, tzinfo=UTC)


def test_approve_refuses_a_time_without_a_zone(queue, tmp_path, caplog):
    queue.add(submission("s1", received=datetime(2024, 5, 2, 14, 3)))
    assert run("perspectives", "approve", "s1", "--queue", str(queue.root),
               "--content", str(tmp_path / "content")) == 1  # fmt: skip
    assert "s1: expected a received time with a zone" in caplog.text
    assert queue.get("s1")[0] == "pending"


def test_one_broken_mail_never_stops_the_import(queue, tmp_path, caplog, capsys):
    head = (
        b"From: Ida <ida@reader.example>\n"
        b"Subject: Perspective on An essay [perspective:essay]\n"
        b"Date: Fri, 03 May 2024 12:00:00 +0000\n"
    )
    mails = [
        # A From that the email package cannot parse (it raised IndexError).
        (
            b'From: "\nDate: Fri, 03 May 2024 12:00:00 +0000\n'
            b"Subject: [perspective:essay]\nMessage-ID: <q@mail.example>\n\nhi\n"
        ),
        # An encoded CR LF inside the From address (it raised ValueError).
        (
            b"From: =?utf-8?q?Ann=0D=0AEmail=3A_x?= <r@mail.example>\n"
            b"Date: Fri, 03 May 2024 12:00:00 +0000\n"
            b"Subject: [perspective:essay]\nMessage-ID: <crlf@mail.example>\n\nhi\n"
        ),
        # A charset Python does not know (it raised LookupError).
        head
        + (
            b"Message-ID: <unknown@mail.example>\n"
            b"Content-Type: text/plain; charset=unknown-8bit\n"
            b"Content-Transfer-Encoding: 8bit\n\nCaf\xc3\xa9 au lait.\n"
        ),
        # 8-bit text with no charset at all: not ASCII, not U+FFFD.
        head.replace(b"Ida", b"Jo")
        + (
            b"Message-ID: <nocharset@mail.example>\n"
            b"Content-Transfer-Encoding: 8bit\n\nTr\xe8s bien.\n"
        ),
        # A Message-ID the parser chokes on: the mail is still queued.
        head.replace(b"Ida", b"Kim") + b"Message-ID: <[@]\n\nKept.\n",
    ]
    assert import_mbox(run, queue, tmp_path / "broken.mbox", mails) == 0
    assert capsys.readouterr().out.strip() == "queued 3, already queued 0, skipped 2"
    assert "broken.mbox#0: expected a readable From header" in caplog.text
    assert "broken.mbox#1: expected a readable From header" in caplog.text
    texts = sorted((s.name, s.text) for s in queue.list("pending"))
    assert texts == [
        ("Ida", "Café au lait."),
        ("Jo", "Très bien."),
        ("Kim", "Kept."),
    ]


def test_forwarded_mail_is_the_readers_and_keeps_their_address_private(
    queue, tmp_path, capsys
):
    gmail = mail(
        "Site Author <author@site.example>",
        "Fwd: " + mail_subject("An essay", "essay"),
        "FYI, this came to my own address.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Lee Reader <lee@reader.example>\n"
        "Date: Thu, May 2, 2024 at 2:03 PM\n"
        "Subject: Perspective on An essay [perspective:essay]\n"
        "To: <author@site.example>\n\n"
        + filled_in("essay", "Lee", "A forwarded perspective."),
        when=WHEN,
        ident="gmail-fwd",
    )
    outlook = mail(
        "Site Author <author@site.example>",
        "FW: about your essay",
        "\n________________________________\n"
        "From: Mo Reader [mailto:mo@reader.example]\n"
        "Sent: Thursday, May 2, 2024 3:00 PM\n"
        "To: Site Author\n"
        "Subject: about your essay [perspective:essay]\n\n"
        "Mo's words, from Outlook.\n",
        when=WHEN + timedelta(minutes=1),
        ident="outlook-fw",
    )
    answer = mail(
        "Ned <ned@reader.example>",
        "RE: " + mail_subject("An essay", "essay"),
        "Ned's answer.\n\n-----Original Message-----\n"
        "From: Site Author <author@site.example>\nSent: Friday\n\nThe quoted mail.\n",
        when=WHEN + timedelta(minutes=2),
        ident="outlook-re",
    )
    assert import_mbox(run, queue, tmp_path / "fwd.mbox", (gmail, outlook, answer)) == 0
    assert capsys.readouterr().out.strip() == "queued 3, already queued 0, skipped 0"
    got = [(s.post, s.name, s.email, s.text) for s in queue.list("pending")]
    assert got == [
        ("essay", "Lee", "lee@reader.example", "A forwarded perspective."),
        ("essay", "Mo Reader", "mo@reader.example", "Mo's words, from Outlook."),
        ("essay", "Ned", "ned@reader.example", "Ned's answer."),
    ]
    content = tmp_path / "content"
    for item in queue.list("pending"):
        assert run("perspectives", "approve", item.id, "--queue", str(queue.root),
                   "--content", str(content)) == 0  # fmt: skip
    secrets = ["lee@reader.example", "mo@reader.example", "author@site.example"]
    assert files_containing(content, secrets) == []


HEADER_NAMES = ["From", "Date", "Subject", "Message-ID", "Content-Type",
                "Content-Transfer-Encoding", "MIME-Version"]  # fmt: skip


# Pieces real headers are made of, so the fuzzer reaches the parsers behind them.
FRAGMENTS = [b"Ann", b" ", b'"', b"<", b">", b"@", b"ann@reader.example", b",",
             b"(", b")", b"[", b"]", b":", b";", b"\\", b"=?utf-8?q?", b"=?x?b?",
             b"?=", b"=0D=0A", b"=C3=A9", b"text/plain", b"multipart/mixed",
             b"charset=", b"unknown-8bit", b"boundary=", b"base64",
             b"quoted-printable", b"Fri, 03 May 2024 12:00:00 +0000", b"+9999",
             b"[perspective:essay]", b"\xe9", b"\xff"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@example(headers=[("From", b":;Ann")], body=b"")  # a group: AttributeError
@example(headers=[("From", b'"')], body=b"")  # IndexError
@example(headers=[("From", b"a@b.example"), ("Message-ID", b"<[@]")], body=b"")
@given(
    headers=st.lists(
        st.tuples(
            st.sampled_from(HEADER_NAMES),
            st.lists(st.sampled_from(FRAGMENTS) | st.binary(max_size=6), max_size=8)
            .map(b"".join)
            .map(lambda b: b.replace(b"\n", b" ").replace(b"\r", b" ")),
        ),
        max_size=8,
    ),
    body=st.binary(max_size=200),
)
def test_any_mail_is_a_submission_or_a_skip_never_a_crash(headers, body):
    raw = b"".join(name.encode() + b": " + value + b"\n" for name, value in headers)
    try:
        submission = submission_from_mail(raw + b"\n" + body, origin="fuzz")
    except MailSkip:
        return
    assert submission.email and "@" in submission.email
    assert submission.received.tzinfo is not None


def test_approve_never_writes_a_file_the_build_would_refuse(queue, tmp_path, caplog):
    content = tmp_path / "content"
    queue.add(submission("s1"))
    assert run("perspectives", "edit", "s1", "--queue", str(queue.root),
               "--text", "  \n ") == 1  # fmt: skip
    assert "s1: expected the perspective's text, got nothing" in caplog.text
    assert queue.get("s1") == ("pending", submission("s1"))
    # A queue file emptied by hand: approving it is refused, and it stays pending.
    queue.move(submission("s2", text="\n\n"), "pending")
    assert run("perspectives", "approve", "s2", "--queue", str(queue.root),
               "--content", str(content)) == 1  # fmt: skip
    assert "s2: 2024-05-02-1403-ann-reader.md:1: expected a body" in caplog.text
    assert not content.exists()
    assert queue.get("s2")[0] == "pending"


FIELD_NAMES = ["id", "received", "post", "name", "email", "text", "url",
               "in_reply_to", "ip", "user_agent", "note", "extra"]  # fmt: skip
JSON_VALUES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=12)
    | st.lists(st.integers(), max_size=2)
    | st.sampled_from(["2024-05-02T14:03:00-05:00", "2024-05-02", "essay", ""])
)


@settings(max_examples=60, deadline=None)
@given(
    changes=st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES, max_size=4),
    dropped=st.sets(st.sampled_from(FIELD_NAMES), max_size=2),
)
def test_a_queue_file_edited_by_hand_is_listed_approved_or_refused_never_a_crash(
    tmp_path_factory, changes, dropped
):
    root = tmp_path_factory.mktemp("hand")
    queue = Queue(root / "queue")
    queue.add(submission("good"))
    data = json.loads(submission("s1").to_json())
    data.update(changes)
    data["id"] = "s1"  # a file whose id is not its name is refused before all else
    for key in dropped - {"id"}:
        data.pop(key, None)
    (root / "queue" / "pending" / "s1.json").write_text(
        json.dumps(data), encoding="utf-8"
    )
    assert "good" in [item.id for item in queue.list()]
    status = run("perspectives", "approve", "s1", "--queue", str(queue.root),
                 "--content", str(root / "content"))  # fmt: skip
    assert status in (0, 1)
    assert run("perspectives", "list", "--queue", str(queue.root),
               "--state", "all") == 0  # fmt: skip


def test_words_written_above_the_ready_made_fields_are_read_as_a_reply(queue, tmp_path):
    # Mail clients open a mailto: link with the cursor at the top of the body:
    # many readers write there, above "Post:", and never scroll to the fields.
    contact = Contact(post="essay", title="An essay", email="p@site.example")
    body = mail_body("essay", "2024-05-02-1403-ann").replace("Author: ", "Author: Oz")
    raw = mail(
        "Oz Reader <oz@reader.example>",
        mail_subject(contact.title, contact.post),
        "Written at the top, where the cursor was.\n\n" + body,
        when=WHEN,
        ident="top",
    )
    box = mailbox.mbox(tmp_path / "top.mbox")
    box.add(raw)
    box.close()
    assert run("perspectives", "import-mail", str(tmp_path / "top.mbox"),
               "--queue", str(queue.root)) == 0  # fmt: skip
    [item] = queue.list("pending")
    assert (item.name, item.in_reply_to, item.text) == (
        "Oz",
        "2024-05-02-1403-ann",
        "Written at the top, where the cursor was.",
    )
