"""The intake service: real server processes on 127.0.0.1, real HTTP, real queue."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import contextlib
import functools
import http.client
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
import json
import os
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import threading
import time
import unicodedata
from urllib.parse import urlencode, urlsplit

from bs4 import BeautifulSoup
from hypothesis import example, given
from hypothesis import strategies as st
import pytest

from plugins.common.errors import PluginConfigError
from plugins.intake.manifest import parse_manifest
from plugins.intake.process import IntakeProcess
from plugins.intake.ratelimit import RateLimiter
from plugins.intake.settings import IntakeConfig, IntakeSettings
from plugins.intake.tokens import check_token, issue_token
from plugins.intake.validate import (
    BodyError,
    Limits,
    check_fields,
    count_links,
    parse_body,
)
from plugins.perspectives.queue import Queue, Submission

SITE = "http://blog.example.test"
POSTS = {
    "posts/2024-05-01-reading.md": (
        "Title: Reading in public\nDate: 2024-05-01 10:32\nCategory: Essays\n\n"
        "Notes on reading a hard book alongside strangers.\n"
    ),
    "posts/2024-06-02-gardens.md": (
        "Title: Gardens & their keepers\nDate: 2024-06-02 19:45\n\nA second post.\n"
    ),
}
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


# -- helpers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build a tiny real site once; its manifest feeds every server here."""
    from pelican import Pelican  # noqa: PLC0415
    from pelican.settings import read_settings  # noqa: PLC0415

    from .support import ROOT, BuiltSite  # noqa: PLC0415

    root = tmp_path_factory.mktemp("site")
    for rel, text in POSTS.items():
        (root / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / rel).write_text(text, encoding="utf-8")
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(root / "content"),
            "OUTPUT_PATH": str(root / "output"),
            "THEME": str(ROOT / "theme"),
            "SITEURL": SITE,
        },
    )
    Pelican(settings).run()
    return BuiltSite(root / "output")


def start(tmp_path: Path, site, *flags: str, name: str = "server") -> IntakeProcess:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    return IntakeProcess(
        queue=tmp_path / "queue",
        manifest=site.output / "intake" / "manifest.json",
        site_url=SITE,
        log=folder / "log.txt",
        flags=flags,
    ).start()


@pytest.fixture
def open_server(tmp_path, site):
    """A server with the timing and rate defences loosened, as a load needs."""
    server = start(tmp_path, site, "--min-seconds", "0", "--rate-limit", "0")
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory, site):
    """A server where every token is too young: nothing can ever be queued."""
    tmp = tmp_path_factory.mktemp("strict")
    server = start(tmp, site, "--min-seconds", "3600", "--rate-limit", "0")
    yield server
    assert server.stop() == 0


def request(
    server: IntakeProcess,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def token(server: IntakeProcess, post: str = "reading") -> str:
    status, _, body = request(
        server, "GET", f"/perspectives/token?post={post}", headers={"Origin": SITE}
    )
    assert status == 200, body
    return json.loads(body)["token"]


def post_json(server, data: dict, **headers: str):
    status, head, body = request(
        server,
        "POST",
        "/perspectives",
        json.dumps(data).encode(),
        {"Content-Type": JSON, "Origin": SITE, **headers},
    )
    return status, head, json.loads(body)


def pending(queue_root: Path) -> list[Path]:
    folder = queue_root / "pending"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


GOOD = {
    "post": "reading",
    "name": "Ann Reader",
    "email": "ann@example.org",
    "url": "https://ann.example/",
    "text": "I read it on a train, which felt right.",
}


# -- the build's manifest -----------------------------------------------------------


def test_the_build_writes_a_manifest_of_open_posts(site):
    manifest = parse_manifest(
        site.text("intake/manifest.json"), path="intake/manifest.json"
    )
    assert sorted(manifest.posts) == ["gardens", "reading"]
    reading = manifest.posts["reading"]
    assert reading.path == "2024/05/reading/"
    assert reading.url == f"{SITE}/2024/05/reading/"
    assert manifest.posts["gardens"].title == "Gardens & their keepers"


def test_the_manifest_is_deterministic(build_site):
    first = build_site(POSTS).text("intake/manifest.json")
    second = build_site(POSTS).text("intake/manifest.json")
    assert first == second


@pytest.mark.parametrize("bad", ["/abs/manifest.json", "../up.json", "m.txt", 3])
def test_a_bad_manifest_setting_stops_the_build(bad):
    with pytest.raises(PluginConfigError, match="INTAKE_MANIFEST_SAVE_AS"):
        IntakeSettings.from_settings({"INTAKE_MANIFEST_SAVE_AS": bad})


def test_bad_serve_flags_are_all_reported_at_once(tmp_path):
    config = IntakeConfig(
        queue=tmp_path,
        manifest=tmp_path / "missing.json",
        site_url="ftp://x",
        secret=b"s" * 32,
        origins=("https://ok.example/path",),
        rate_limit=-1,
        max_body=10,
    )
    with pytest.raises(PluginConfigError) as caught:
        config.check()
    message = str(caught.value)
    for flag in ("--site-url", "--manifest", "--allow-origin", "--rate-limit"):
        assert flag in message
    assert "--max-body" in message


# -- pure parts: body parsing, field checks, tokens, the limiter ------------------


@given(
    st.dictionaries(
        st.sampled_from(["post", "name", "email", "url", "text", "in_reply_to"]),
        st.text(),
    )
)
def test_form_bodies_round_trip_through_the_parser(fields):
    body = urlencode(fields).encode("utf-8", "surrogatepass")
    try:
        parsed = parse_body(body, FORM)
    except BodyError as err:
        # only lone surrogates cannot be UTF-8
        assert any(0xD800 <= ord(c) <= 0xDFFF for v in fields.values() for c in v)
        assert err.status == 400
    else:
        assert parsed == fields


@given(st.dictionaries(st.text(), st.text()))
def test_field_checks_never_crash_and_never_pass_control_characters(raw):
    fields, errors = check_fields(
        raw, open_posts={"reading": object()}, limits=Limits()
    )
    assert (fields is None) == bool(errors)
    if fields is not None:
        assert "\r" not in fields.name and "\n" not in fields.name
        assert not fields.url or fields.url.startswith(("http://", "https://"))


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_names_that_pass_are_one_clean_line(name):
    fields, errors = check_fields(
        {**GOOD, "name": name}, open_posts={"reading": 1}, limits=Limits()
    )
    if fields is not None:
        assert fields.name == fields.name.strip() != ""
        assert not any(
            unicodedata.category(c) in {"Cc", "Zl", "Zp"} or c in "\u202e\u2066"
            for c in fields.name
        )
    else:
        assert set(errors) == {"name"}


def test_tokens_bind_the_post_and_the_time():
    secret = b"k" * 32
    issued = issue_token(secret, "reading", 1000.0)
    ok = {"min_age": 3, "max_age": 100}
    assert check_token(secret, issued, "reading", 1005.0, **ok).ok
    assert not check_token(secret, issued, "gardens", 1005.0, **ok).ok
    assert not check_token(b"x" * 32, issued, "reading", 1005.0, **ok).ok
    early = check_token(secret, issued, "reading", 1001.0, **ok)
    assert (early.ok, early.retry_after) == (False, 2)
    assert "wait 2 s" in early.reason
    assert not check_token(secret, issued, "reading", 1101.0, **ok).ok
    assert not check_token(secret, issued + "x", "reading", 1005.0, **ok).ok
    assert not check_token(secret, "", "reading", 1005.0, **ok).ok


@given(
    st.lists(
        st.text(max_size=20) | st.sampled_from(["v1", "9" * 5000, "١٢٣", "0", ""]),
        max_size=6,
    ).map(".".join)
)
@example(f"v1.{'9' * 5000}.a.b")
@example("v1.0.a.\x80")
def test_any_token_text_gets_a_verdict_never_an_exception(text):
    check = check_token(b"k" * 32, text, "reading", 1e9, min_age=3, max_age=86_400)
    assert not check.ok
    assert check.reason


def test_the_limiter_counts_per_client_in_a_sliding_window():
    limiter = RateLimiter(2, 10.0)
    assert [limiter.hit("a", t) for t in (0.0, 1.0)] == [0, 0]
    assert limiter.hit("a", 2.0) == 8  # the first hit leaves the window at 10
    assert limiter.hit("b", 2.0) == 0
    assert limiter.hit("a", 10.5) == 0


def test_links_are_counted_in_bare_and_markdown_forms():
    text = "see https://a.example and [b](http://b.example) and www.c.example"
    assert count_links(text) == 3


# -- the service over HTTP ---------------------------------------------------------


def test_health(open_server):
    status, headers, body = request(open_server, "GET", "/healthz")
    assert status == 200
    assert json.loads(body) == {"open_posts": 2, "status": "ok"}
    assert headers["Cache-Control"] == "no-store"


@pytest.fixture
def frozen_pending(tmp_path):
    """Make the queue's pending/ refuse writes, for root too (chattr +i) if need be."""
    pending = tmp_path / "queue" / "pending"
    pending.mkdir(parents=True)
    if os.geteuid() != 0:
        pending.chmod(0o500)
        yield pending
        pending.chmod(0o700)
        return
    if shutil.which("chattr") is None:
        pytest.skip("root ignores file modes, and chattr is not installed")
    done = subprocess.run(["chattr", "+i", str(pending)], check=False)
    if done.returncode:
        pytest.skip("root ignores file modes, and chattr +i is refused here")
    yield pending
    subprocess.run(["chattr", "-i", str(pending)], check=True)


def test_a_queue_that_refuses_writes_is_unhealthy_and_loses_nothing_silently(
    tmp_path, site, frozen_pending
):
    server = start(tmp_path, site, "--min-seconds", "0")
    try:
        status, _, body = request(server, "GET", "/healthz")
        assert (status, json.loads(body)["status"]) == (503, "queue not writable")
        got, _, answer = post_json(server, {**GOOD, "token": token(server)})
        assert (got, answer) == (
            503,
            {"errors": {"queue": "could not store it; please try later"}},
        )
        assert list(frozen_pending.iterdir()) == []
    finally:
        assert server.stop() == 0
    assert "intake: cannot write to the queue" in server.log.read_text("utf-8")


@pytest.fixture
def full_queue(tmp_path):
    """Put the queue on a tiny file system, filled up (needs root and mount)."""
    queue = tmp_path / "queue"
    queue.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("filling a file system needs root and mount")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(queue)],
        check=False,
        capture_output=True,
    )
    if mounted.returncode:
        pytest.skip(f"mount refused here: {mounted.stderr!r}")
    try:
        (queue / "pending").mkdir()
        (queue / ".intake-secret").write_text("s" * 32, encoding="utf-8")
        with (
            (queue / "filler").open("wb", buffering=0) as filler,
            contextlib.suppress(OSError),
        ):
            while True:
                filler.write(b"\0" * 4096)
        yield queue
    finally:
        subprocess.run(["umount", str(queue)], check=True)


def test_a_full_disk_is_unhealthy_and_every_refusal_says_so(tmp_path, site, full_queue):
    server = start(tmp_path, site, "--min-seconds", "0")
    try:
        status, _, body = request(server, "GET", "/healthz")
        assert (status, json.loads(body)["status"]) == (503, "queue not writable")
        got, _, answer = post_json(server, {**GOOD, "token": token(server)})
        assert (got, answer["errors"]) == (
            503,
            {"queue": "could not store it; please try later"},
        )
        assert list((full_queue / "pending").iterdir()) == []
    finally:
        assert server.stop() == 0
    assert "No space left on device" in server.log.read_text("utf-8")


def test_a_queue_folder_that_is_a_file_is_reported_not_taken_for_an_id_clash(
    tmp_path, site
):
    (tmp_path / "queue").mkdir()
    (tmp_path / "queue" / "pending").write_text("not a folder", encoding="utf-8")
    server = start(tmp_path, site, "--min-seconds", "0")
    try:
        got, _, answer = post_json(server, {**GOOD, "token": token(server)})
        assert (got, answer) == (
            503,
            {"errors": {"queue": "could not store it; please try later"}},
        )
    finally:
        assert server.stop() == 0
    assert "intake: cannot write to the queue: [Errno 17] File exists" in (
        server.log.read_text("utf-8")
    )


def test_a_script_submission_is_queued_whole_and_private_fields_stay_there(
    open_server,
):
    status, headers, data = post_json(
        open_server,
        {**GOOD, "token": token(open_server), "in_reply_to": "2024-05-02-1350-bo"},
    )
    assert status == 201, data
    assert headers["Access-Control-Allow-Origin"] == SITE
    assert data["location"] == (
        f"{SITE}/2024/05/reading/?submitted={data['id']}#perspective-submitted"
    )
    state, stored = Queue(open_server.queue).get(data["id"])
    assert state == "pending"
    assert (stored.post, stored.name, stored.email, stored.url) == (
        "reading",
        "Ann Reader",
        "ann@example.org",
        "https://ann.example/",
    )
    assert stored.text == GOOD["text"]
    assert stored.in_reply_to == "2024-05-02-1350-bo"
    assert stored.ip == "127.0.0.1"
    assert stored.received.tzinfo is not None


def test_a_no_script_form_goes_through_a_review_page_then_back_to_the_post(
    open_server,
):
    form = urlencode({**GOOD, "homepage": ""}).encode()
    status, headers, body = request(
        open_server,
        "POST",
        "/perspectives",
        form,
        {"Content-Type": FORM, "Origin": SITE},
    )
    assert status == 200
    assert pending(open_server.queue) == []  # nothing until the review is sent
    page = BeautifulSoup(body, "html.parser")
    review = page.select_one("form.intake-form")
    assert review.select_one("textarea[name=text]").text == GOOD["text"]
    fields = {tag["name"]: tag.get("value", "") for tag in review.select("input[name]")}
    fields["text"] = review.select_one("textarea[name=text]").text
    assert fields["token"] and fields["name"] == "Ann Reader"
    action = review["action"]
    assert action == "perspectives"
    status, headers, _ = request(
        open_server,
        "POST",
        "/perspectives",
        urlencode(fields).encode(),
        # the review page lives on the intake's own origin
        {"Content-Type": FORM, "Origin": open_server.url},
    )
    assert status == 303
    location = urlsplit(headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{SITE}/2024/05/reading/"
    )
    assert location.fragment == "perspective-submitted"
    submitted = location.query.removeprefix("submitted=")
    assert [p.stem for p in pending(open_server.queue)] == [submitted]


def test_cors_preflight_answers_the_site_and_no_one_else(open_server):
    asks = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    status, headers, _ = request(
        open_server, "OPTIONS", "/perspectives", headers={"Origin": SITE, **asks}
    )
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in headers["Access-Control-Allow-Methods"]
    status, headers, _ = request(
        open_server,
        "OPTIONS",
        "/perspectives",
        headers={"Origin": "https://evil.example", **asks},
    )
    assert status == 403
    assert "Access-Control-Allow-Origin" not in headers


# -- hostile input: the right status, the field named, nothing written --------------

HOSTILE = [
    # (case, content type, body, extra headers, status, field)
    ("javascript url", JSON, {**GOOD, "url": "javascript:alert(1)"}, {}, 422, "url"),
    ("data url", JSON, {**GOOD, "url": "data:text/html,<b>x</b>"}, {}, 422, "url"),
    ("hostless url", JSON, {**GOOD, "url": "http:///x"}, {}, 422, "url"),
    ("CRLF in name", JSON, {**GOOD, "name": "Ann\r\nBcc: x@y.example"}, {}, 422,
     "name"),
    ("LF in name (form)", FORM, {**GOOD, "name": "Ann\nSubject: hi"}, {}, 422,
     "name"),
    ("bidi override in name", JSON, {**GOOD, "name": "Ann\u202egnp.exe"}, {}, 422,
     "name"),
    ("unknown post", JSON, {**GOOD, "post": "no-such-post"}, {}, 422, "post"),
    ("missing post", JSON, {k: v for k, v in GOOD.items() if k != "post"}, {}, 422,
     "post"),
    ("missing name", JSON, {k: v for k, v in GOOD.items() if k != "name"}, {}, 422,
     "name"),
    ("missing text", FORM, {k: v for k, v in GOOD.items() if k != "text"}, {}, 422,
     "text"),
    ("blank text", JSON, {**GOOD, "text": " \n\t "}, {}, 422, "text"),
    ("bad email", JSON, {**GOOD, "email": "ann@@example"}, {}, 422, "email"),
    ("email with CRLF", JSON, {**GOOD, "email": "a@b.example\r\nBcc: c@d.example"},
     {}, 422, "email"),
    ("too many links", JSON,
     {**GOOD, "text": " ".join(f"https://s{i}.example" for i in range(4))}, {},
     422, "text"),
    ("NUL in text", JSON, {**GOOD, "text": "hi\x00there"}, {}, 422, "text"),
    ("lone surrogate", JSON, {**GOOD, "text": "\ud800"}, {}, 422, "text"),
    ("path in in_reply_to", JSON, {**GOOD, "in_reply_to": "../../etc/passwd"}, {},
     422, "in_reply_to"),
    ("honeypot filled", FORM, {**GOOD, "homepage": "http://spam.example"}, {}, 422,
     "homepage"),
    ("unknown field", JSON, {**GOOD, "website": "x"}, {}, 422, "website"),
    ("text too long", JSON, {**GOOD, "text": "x" * 20_001}, {}, 422, "text"),
    ("name too long", JSON, {**GOOD, "name": "x" * 101}, {}, 422, "name"),
    ("wrong origin", JSON, GOOD, {"Origin": "https://evil.example"}, 403, "origin"),
    ("null origin", JSON, GOOD, {"Origin": "null"}, 403, "origin"),
    ("wrong referer", FORM, GOOD,
     {"Origin": None, "Referer": "https://evil.example/page"}, 403, "origin"),
    ("too fast (script)", JSON, GOOD, {}, 429, "token"),
    ("too fast (form)", FORM, GOOD, {}, 429, "token"),
    ("forged token", JSON, {**GOOD, "token": "v1.1.abc.def"}, {}, 422, "token"),
    # int() refuses more than 4,300 digits: this was a 500.
    ("token with a huge time", JSON, {**GOOD, "token": f"v1.{'9' * 5000}.a.b"}, {},
     422, "token"),
    # hmac.compare_digest raises on a non-ASCII str: this was a 500 too.
    ("token with a non-ASCII signature", JSON, {**GOOD, "token": "v1.1.a.é"}, {},
     422, "token"),
    ("no token (script)", JSON, GOOD, {"no_token": "1"}, 422, "token"),
]  # fmt: skip


def encode(kind: str, data: dict) -> bytes:
    if kind == JSON:
        return json.dumps(data).encode("utf-8", "surrogatepass")
    return urlencode(data).encode()


@pytest.mark.parametrize(
    ("kind", "data", "extra", "status", "field"),
    [case[1:] for case in HOSTILE],
    ids=[case[0] for case in HOSTILE],
)
def test_hostile_submissions_are_refused_with_the_field_and_nothing_is_written(  # noqa: PLR0913, PLR0917
    strict_server, kind, data, extra, status, field
):
    data = dict(data)
    extra = dict(extra)
    if "token" not in data and not extra.pop("no_token", None):
        data["token"] = token(strict_server, "reading")
    headers = {"Content-Type": kind, "Origin": SITE, "Accept": "text/html"}
    if kind == JSON:
        headers["Accept"] = JSON
    headers.update(extra)
    headers = {k: v for k, v in headers.items() if v is not None}
    got, head, body = request(
        strict_server, "POST", "/perspectives", encode(kind, data), headers
    )
    assert got == status, body
    if kind == JSON:
        assert field in json.loads(body)["errors"], body
    else:
        page = BeautifulSoup(body, "html.parser")
        if status == 429:  # too soon: the review page keeps the text and says wait
            assert page.select_one("p.intake-note")
        else:
            fields = [li["data-field"] for li in page.select("li.intake-error")]
            assert field in fields
            assert page.select_one("a.intake-back")["href"].startswith(SITE)
    if status == 429:
        assert int(head["Retry-After"]) > 0
    assert pending(strict_server.queue) == []


BAD_BODIES = [
    ("invalid UTF-8 in form", FORM, b"post=reading&name=%FF%FE&text=hi", 400, "body"),
    ("raw invalid UTF-8 in form", FORM, b"post=reading&name=\xc3\x28&text=x", 400,
     "body"),
    ("latin-1 charset", f"{FORM}; charset=iso-8859-1", b"name=Ann", 415,
     "content_type"),
    ("shift_jis json", f"{JSON}; charset=shift_jis", b"{}", 415, "content_type"),
    ("invalid UTF-8 in JSON", JSON, b'{"name": "\xff"}', 400, "body"),
    ("UTF-16 JSON", JSON, json.dumps(GOOD).encode("utf-16"), 400, "body"),
    ("not JSON", JSON, b"{name: Ann", 400, "body"),
    ("JSON list", JSON, b'["reading"]', 400, "body"),
    ("JSON number field", JSON, b'{"post": "reading", "name": 7}', 400, "name"),
    ("duplicate field", FORM, b"post=reading&post=gardens", 400, "post"),
    # JSON takes the last of two keys; refused like the form's, not read silently.
    ("duplicate JSON key", JSON, b'{"post": "reading", "post": "gardens"}', 400,
     "post"),
    # A lone surrogate as a key: echoed back, it could not be encoded (a 500).
    ("surrogate JSON key", JSON, b'{"\\ud800": "x", "post": "reading"}', 400,
     "body"),
    ("multipart", "multipart/form-data; boundary=x", b"--x--", 415, "content_type"),
    ("no content type", "", b"post=reading", 415, "content_type"),
    ("over the body limit", FORM, b"text=" + b"x" * 262_200, 413, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "body", "status", "field"),
    [case[1:] for case in BAD_BODIES],
    ids=[case[0] for case in BAD_BODIES],
)
def test_unreadable_bodies_are_refused_and_nothing_is_written(
    strict_server, kind, body, status, field
):
    headers = {"Origin": SITE, "Accept": JSON}
    if kind:
        headers["Content-Type"] = kind
    got, _, answer = request(strict_server, "POST", "/perspectives", body, headers)
    assert got == status, answer
    if field:
        assert field in json.loads(answer)["errors"], answer
    assert pending(strict_server.queue) == []


def test_an_oversized_body_is_refused_before_it_is_sent(strict_server):
    with socket.create_connection(("127.0.0.1", strict_server.port), 30) as sock:
        sock.sendall(
            b"POST /perspectives HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 50000000\r\n\r\ntext=xxxx"
        )
        # 50 MB were announced and a few bytes sent: the answer comes anyway.
        reply = b""
        for _ in range(100):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert pending(strict_server.queue) == []


def test_wrong_paths_and_methods(strict_server):
    assert request(strict_server, "GET", "/perspectives")[0] == 405
    assert request(strict_server, "GET", "/wp-login.php")[0] == 404
    status, _, body = request(
        strict_server,
        "GET",
        "/perspectives/token?post=nope",
        headers={"Origin": SITE},
    )
    assert status == 422
    assert "post" in json.loads(body)["errors"]
    status, _, _ = request(
        strict_server,
        "GET",
        "/perspectives/token?post=reading",
        headers={"Origin": "https://evil.example"},
    )
    assert status == 403


def test_too_many_from_one_address(tmp_path, site):
    server = start(tmp_path, site, "--min-seconds", "0", "--rate-limit", "3")
    try:
        answers = [
            post_json(server, {**GOOD, "text": f"number {i}", "token": token(server)})
            for i in range(4)
        ]
        assert [a[0] for a in answers] == [201, 201, 201, 429]
        assert "rate" in answers[3][2]["errors"]
        assert 0 < int(answers[3][1]["Retry-After"]) <= 600
        assert len(pending(server.queue)) == 3
    finally:
        assert server.stop() == 0


# -- load, crash, shutdown ----------------------------------------------------------


def submit_many(server: IntakeProcess, client: int, count: int) -> list[str]:
    """One keep-alive client sending ``count`` JSON submissions; return the ids."""
    ids = []
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        conn.request(
            "GET", "/perspectives/token?post=reading", headers={"Origin": SITE}
        )
        response = conn.getresponse()
        issued = json.loads(response.read())["token"]
        for n in range(count):
            body = json.dumps(
                {**GOOD, "name": f"Client {client}", "text": f"c{client} n{n}",
                 "token": issued}
            )  # fmt: skip
            conn.request(
                "POST",
                "/perspectives",
                body=body,
                headers={"Content-Type": JSON, "Origin": SITE},
            )
            response = conn.getresponse()
            data = json.loads(response.read())
            assert response.status == 201, data
            ids.append(data["id"])
    except (OSError, http.client.HTTPException):
        pass  # the server was killed under us: keep what was acknowledged
    finally:
        conn.close()
    return ids


def assert_queue_whole(queue_root: Path) -> list[Submission]:
    """Every queue file parses; temporary files are never read as submissions."""
    for path in pending(queue_root):
        Submission.from_json(path.read_text(encoding="utf-8"))
    return Queue(queue_root).list("pending")


def test_load_every_accepted_submission_is_queued_exactly_once(open_server):
    clients, each = 50, 20
    with ThreadPoolExecutor(clients) as pool:
        results = list(
            pool.map(lambda c: submit_many(open_server, c, each), range(clients))
        )
    accepted = [i for ids in results for i in ids]
    assert len(accepted) == clients * each
    queued = assert_queue_whole(open_server.queue)
    assert sorted(s.id for s in queued) == sorted(accepted)
    texts = sorted(s.text for s in queued)
    assert texts == sorted(f"c{c} n{n}" for c in range(clients) for n in range(each))


def test_sigkill_in_the_middle_of_a_load_leaves_no_partial_file(tmp_path, site):
    server = start(tmp_path, site, "--min-seconds", "0", "--rate-limit", "0")
    with ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(submit_many, server, c, 200) for c in range(20)]
        for _ in range(2000):  # until some are in, at most ~100 s
            if len(pending(server.queue)) >= 100:
                break
            time.sleep(0.05)
        server.kill()
        acknowledged = [i for f in futures for i in f.result()]
    assert acknowledged  # the load was really under way
    queued = {s.id for s in assert_queue_whole(server.queue)}
    assert set(acknowledged) <= queued  # a 201 means it is on disk
    # A temporary file a crash left behind is never read, and a restart sweeps it.
    stale = server.queue / "pending" / ".20240101T000000-dead.json.x1.tmp"
    stale.write_text('{"id": "partial', encoding="utf-8")
    os.utime(stale, (1, 1))
    assert {s.id for s in Queue(server.queue).list()} == queued
    again = start(tmp_path, site, "--min-seconds", "0", name="again")
    try:
        assert not stale.exists()
        status, _, data = post_json(again, {**GOOD, "token": token(again)})
        assert status == 201, data
        assert len(pending(again.queue)) == len(queued) + 1
    finally:
        assert again.stop() == 0


def test_sigterm_under_load_finishes_what_it_answered_and_exits_cleanly(tmp_path, site):
    server = start(tmp_path, site, "--min-seconds", "0", "--rate-limit", "0")
    with ThreadPoolExecutor(10) as pool:
        futures = [pool.submit(submit_many, server, c, 100) for c in range(10)]
        for _ in range(2000):
            if len(pending(server.queue)) >= 50:
                break
            time.sleep(0.05)
        assert server.stop() == 0
        acknowledged = [i for f in futures for i in f.result()]
    queued = {s.id for s in assert_queue_whole(server.queue)}
    assert set(acknowledged) <= queued
    assert len(acknowledged) < 10 * 100  # it stopped taking new requests
    log = (tmp_path / "server" / "log.txt").read_text(encoding="utf-8")
    assert "intake: stopped" in log
    assert "Traceback" not in log


# -- end to end: the site's own form, the queue, moderation, the rebuilt post ------

ESSAY = {
    "posts/2024-05-01-essay.md": (
        "Title: On reading slowly\nDate: 2024-05-01 10:32\nCategory: Essays\n\n"
        "Notes on reading a hard book alongside strangers.\n"
    ),
    "posts/2024-06-01-shut.md": (
        "Title: A closed discussion\nDate: 2024-06-01 09:00\nDiscussion: closed\n\n"
        "Nothing more to say.\n"
    ),
}
ESSAY_PAGE = "2024/05/essay/index.html"


def form_fields(form) -> dict[str, str]:
    """Return what a browser would send for ``form`` as it stands."""
    fields = {
        tag["name"]: tag.get("value", "")
        for tag in form.select("input[name]")
        if tag.get("type") != "submit"
    }
    fields.update({tag["name"]: tag.text for tag in form.select("textarea[name]")})
    return fields


def post_form(url: str, fields: dict[str, str], origin: str):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(
            "POST",
            parts.path,
            body=urlencode(fields).encode(),
            headers={"Content-Type": FORM, "Origin": origin},
        )
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_the_sites_own_form_reaches_the_post_after_approval(tmp_path, build_site):
    site = build_site(ESSAY, SITEURL=SITE)
    manifest = site.output / "intake" / "manifest.json"
    assert sorted(json.loads(manifest.read_text())["posts"]) == ["essay"]
    server = start(tmp_path, site, "--min-seconds", "0")
    try:
        site = build_site(ESSAY, SITEURL=SITE, PERSPECTIVES_INTAKE_URL=server.url)
        page = site.html(ESSAY_PAGE)
        assert page.select_one("#perspective-submitted.perspective-submitted")
        form = page.select_one("#respond form.perspective-form")
        assert form["action"] == f"{server.url}/perspectives"
        fields = form_fields(form)
        fields.update(
            name="Priya Ramaswamy",
            email="priya@example.org",
            url="https://priya.example/",
            text="I read it *slowly*, as you said.\r\n\r\nSecond paragraph.",
        )
        assert fields["homepage"] == fields["token"] == ""  # no script ran
        status, _, body = post_form(form["action"], fields, SITE)
        assert status == 200  # the review step, with a token of its own
        review = BeautifulSoup(body, "html.parser").select_one("form.intake-form")
        status, headers, _ = post_form(
            f"{server.url}/{review['action']}", form_fields(review), server.url
        )
        assert status == 303
        location = urlsplit(headers["Location"])
        assert location.path == "/2024/05/essay/"
        assert location.fragment == "perspective-submitted"
        (submission,) = Queue(server.queue).list("pending")
        assert location.query == f"submitted={submission.id}"
        assert submission.email == "priya@example.org"

        # A post whose discussion is closed is not in the manifest: refused.
        status, _, body = post_form(form["action"], {**fields, "post": "shut"}, SITE)
        assert status == 422
        assert len(Queue(server.queue).list("pending")) == 1
    finally:
        assert server.stop() == 0

    from .support import ROOT  # noqa: PLC0415

    approve = subprocess.run(
        [sys.executable, "-m", "plugins.cli", "perspectives", "approve",
         submission.id, "--queue", str(server.queue),
         "--content", str(tmp_path / "content")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert approve.returncode == 0, approve.stderr
    rebuilt = build_site(ESSAY, SITEURL=SITE, PERSPECTIVES_INTAKE_URL=server.url)
    shown = rebuilt.html(ESSAY_PAGE).select("#perspectives .perspective")
    assert len(shown) == 1
    assert "Priya Ramaswamy" in shown[0].select_one(".perspective-author").text
    assert shown[0].select_one("em").text == "slowly"
    assert "priya@example.org" not in rebuilt.text(ESSAY_PAGE)
    assert "127.0.0.1" not in "".join(
        p.read_text(encoding="utf-8")
        for p in (tmp_path / "content" / "perspectives").rglob("*.md")
    )


class _QuietFiles(SimpleHTTPRequestHandler):
    """Serve the built site as a static host would, without logging to stderr."""

    def log_message(self, format, *args):
        pass


@pytest.mark.browser
def test_in_a_browser_the_script_sends_the_form_straight_through(tmp_path, build_site):
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.skip("needs chromium and chromedriver")
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    output = tmp_path / "output"
    output.mkdir()
    handler = functools.partial(_QuietFiles, directory=str(output))
    static = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=static.serve_forever, daemon=True)
    thread.start()
    site_url = f"http://127.0.0.1:{static.server_port}"
    server = driver = None
    try:
        build_site(ESSAY, SITEURL=site_url)
        server = IntakeProcess(
            queue=tmp_path / "queue",
            manifest=output / "intake" / "manifest.json",
            site_url=site_url,
            log=tmp_path / "intake.log",
            flags=("--min-seconds", "0"),
        ).start()
        build_site(ESSAY, SITEURL=site_url, PERSPECTIVES_INTAKE_URL=server.url)
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
            options.add_argument(flag)
        driver = webdriver.Chrome(
            options=options, service=webdriver.ChromeService(driver_path)
        )
        driver.get(f"{site_url}/2024/05/essay/")
        assert not driver.find_element(By.ID, "perspective-submitted").is_displayed()
        form = driver.find_element(By.CSS_SELECTOR, "#respond form.perspective-form")
        form.find_element(By.NAME, "name").send_keys("June Okafor")
        form.find_element(By.NAME, "email").send_keys("june@example.org")
        form.find_element(By.NAME, "text").send_keys("Read it twice. Worth it.")
        token_field = form.find_element(By.NAME, "token")
        WebDriverWait(driver, 30).until(lambda _: token_field.get_attribute("value"))
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, 30).until(
            lambda d: d.current_url.endswith("#perspective-submitted")
        )
        assert driver.current_url.startswith(f"{site_url}/2024/05/essay/?submitted=")
        assert driver.find_element(By.ID, "perspective-submitted").is_displayed()
        (queued,) = Queue(server.queue).list("pending")
        assert (queued.name, queued.text) == ("June Okafor", "Read it twice. Worth it.")
    finally:
        if driver is not None:
            driver.quit()
        if server is not None:
            assert server.stop() == 0
        static.shutdown()
        static.server_close()


def test_the_benchmark_runs_against_a_real_server(tmp_path):
    from plugins.intake.bench import run  # noqa: PLC0415

    result = run(clients=3, submissions=4, threads=2, workdir=tmp_path)
    assert (result.accepted, result.failed) == (12, 0)
    assert len(result.latencies) == 12
    assert "submissions/s" in result.report()
    assert len(Queue(tmp_path / "queue").list()) == 12


# -- deployment: proxies, rebuilt manifests, several instances on one queue ---------


@given(
    st.dictionaries(
        st.sampled_from(["post", "name", "text", "url"]),
        st.text(alphabet=st.characters(codec="utf-8")),
    )
)
def test_json_bodies_round_trip_through_the_parser(fields):
    assert parse_body(json.dumps(fields).encode(), f"{JSON}; charset=UTF-8") == fields


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://ann.example/", True),
        ("HTTP://ANN.EXAMPLE/path?q=1#f", True),
        ("https://bücher.example/", True),
        ("http://[2001:db8::1]:8080/", True),
        ("https://user:pass@ann.example/", False),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("vbscript:x", False),
        ("//ann.example/", False),
        ('https://ann.example/"onmouseover=x', False),
    ],
)
def test_only_http_and_https_urls_pass(url, ok):
    fields, errors = check_fields(
        {**GOOD, "url": url}, open_posts={"reading": 1}, limits=Limits()
    )
    assert (fields is not None) == ok, errors


def test_behind_a_trusted_proxy_the_readers_address_is_kept(tmp_path, site):
    server = start(
        tmp_path, site, "--min-seconds", "0", "--rate-limit", "2",
        "--trusted-proxy", "127.0.0.1",
    )  # fmt: skip
    try:
        for reader in ("203.0.113.7", "198.51.100.9"):
            status, _, data = post_json(
                server,
                {**GOOD, "text": reader, "token": token(server)},
                **{"X-Forwarded-For": reader, "X-Forwarded-Proto": "https"},
            )
            assert status == 201, data
            assert Queue(server.queue).get(data["id"])[1].ip == reader
        # the limit counts each reader, not the proxy
        again = {**GOOD, "token": token(server)}
        forwarded = {"X-Forwarded-For": "203.0.113.7"}
        assert post_json(server, again, **forwarded)[0] == 201
        assert post_json(server, again, **forwarded)[0] == 429
        assert post_json(server, again, **{"X-Forwarded-For": "192.0.2.1"})[0] == 201
    finally:
        assert server.stop() == 0


def test_an_untrusted_forwarded_for_is_ignored(open_server):
    status, _, data = post_json(
        open_server,
        {**GOOD, "token": token(open_server)},
        **{"X-Forwarded-For": "203.0.113.7"},
    )
    assert status == 201
    assert Queue(open_server.queue).get(data["id"])[1].ip == "127.0.0.1"


def test_a_rebuilt_manifest_is_picked_up_without_a_restart(tmp_path, build_site):
    first = {"posts/2024-05-01-reading.md": POSTS["posts/2024-05-01-reading.md"]}
    built = build_site(first, SITEURL=SITE)
    server = start(tmp_path, built, "--min-seconds", "0")
    try:
        status, _, _ = request(
            server, "GET", "/perspectives/token?post=gardens", headers={"Origin": SITE}
        )
        assert status == 422
        build_site(POSTS, SITEURL=SITE)  # a new post is published
        status, _, data = post_json(
            server, {**GOOD, "post": "gardens", "token": token(server, "gardens")}
        )
        assert status == 201, data
        assert data["location"].startswith(f"{SITE}/2024/06/gardens/?submitted=")
    finally:
        assert server.stop() == 0


def test_two_instances_share_one_queue_and_one_secret(tmp_path, site):
    flags = ("--min-seconds", "0", "--rate-limit", "0")
    one = start(tmp_path, site, *flags, name="one")
    two = start(tmp_path, site, *flags, name="two")
    try:
        # a token from one instance is good at the other: the secret is the queue's
        status, _, data = post_json(two, {**GOOD, "token": token(one)})
        assert status == 201, data
        with ThreadPoolExecutor(20) as pool:
            results = list(
                pool.map(lambda c: submit_many(one if c % 2 else two, c, 25), range(20))
            )
        accepted = [data["id"], *(i for ids in results for i in ids)]
        assert len(accepted) == 1 + 20 * 25
        queued = assert_queue_whole(tmp_path / "queue")
        assert sorted(s.id for s in queued) == sorted(accepted)
    finally:
        assert one.stop() == 0
        assert two.stop() == 0


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("not json", "expected JSON"),
        ('{"version": 2, "posts": {}}', "expected an intake manifest of version 1"),
        ('{"version": 1, "site_url": "", "posts": {"a": {}}}', "'title'"),
    ],
)
def test_serve_refuses_a_bad_manifest_with_a_message(tmp_path, manifest, message):
    from .support import ROOT  # noqa: PLC0415

    path = tmp_path / "manifest.json"
    path.write_text(manifest, encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, "-m", "plugins.cli", "intake", "serve",
         "--queue", str(tmp_path / "q"), "--manifest", str(path),
         "--site-url", SITE, "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 1
    assert f"{path}: " in ran.stderr
    assert message in ran.stderr


def test_a_null_origin_is_refused_with_the_cause_and_the_operator_told(open_server):
    # Chrome sends "Origin: null" for a form POST from a page whose
    # Referrer-Policy is no-referrer: every reader would be refused, silently.
    status, _, answer = post_json(
        open_server, {**GOOD, "token": token(open_server)}, Origin="null"
    )
    assert status == 403
    assert "Referrer-Policy" in answer["errors"]["origin"]
    assert pending(open_server.queue) == []
    assert "WARNING intake: refused expected a request from" in (
        open_server.log.read_text("utf-8")
    )


def post_html_form(server, fields: dict[str, str]) -> tuple[int, BeautifulSoup]:
    status, _, body = request(
        server,
        "POST",
        "/perspectives",
        urlencode(fields).encode(),
        {"Content-Type": FORM, "Origin": SITE, "Accept": "text/html"},
    )
    return status, BeautifulSoup(body, "html.parser")


def test_a_refused_form_shows_the_readers_words_back(tmp_path, site):
    words = "A long perspective,\nwritten with care <and> kept."
    server = start(tmp_path, site, "--min-seconds", "0", "--rate-limit", "1")
    try:
        # A discussion closed (or a post gone) while the reader was writing.
        status, page = post_html_form(
            server, {**GOOD, "post": "closed-meanwhile", "text": words}
        )
        assert status == 422
        assert page.select_one("textarea.intake-kept").get_text() == words
        # Too many from one address: the form comes back, filled in, to send later.
        status, page = post_html_form(
            server, {**GOOD, "text": words, "token": token(server)}
        )
        assert status == 429
        form = page.select_one("form.intake-form")
        assert form.select_one("textarea[name=text]").get_text() == words
        assert form.select_one("input[name=name]")["value"] == GOOD["name"]
        assert form.select_one("input[name=token]")["value"]
    finally:
        assert server.stop() == 0
    assert pending(server.queue) == []


def test_every_reply_form_the_site_shows_is_one_the_intake_takes(tmp_path, build_site):
    # Perspective ids are file names: written by hand or by an importer they may
    # be in any script, and long; the reply form carries them in a hidden field.
    files = {
        **ESSAY,
        "perspectives/essay/zoë-ωmega-李.md": (
            "Author: Zoë\nDate: 2024-05-01 11:00\n\nA perspective.\n"
        ),
        "perspectives/essay/2024-05-01-1200-anonymous-" + "7" * 110 + ".md": (
            "Author: Blogger\nDate: 2024-05-01 12:00\n\nAn imported comment.\n"
        ),
    }
    site = build_site(files, SITEURL=SITE)
    server = start(tmp_path, site, "--min-seconds", "0", "--rate-limit", "0")
    try:
        site = build_site(files, SITEURL=SITE, PERSPECTIVES_INTAKE_URL=server.url)
        forms = site.html(ESSAY_PAGE).select(".perspective-reply form")
        assert len(forms) == 2
        for form in forms:
            fields = {**form_fields(form), **GOOD, "post": "essay"}
            fields["token"] = token(server, "essay")
            status, _, body = post_form(form["action"], fields, SITE)
            assert status == 303, body
        replies = {s.in_reply_to for s in Queue(server.queue).list("pending")}
        assert replies == {form_fields(form)["in_reply_to"] for form in forms}
    finally:
        assert server.stop() == 0


def test_the_longest_text_the_form_allows_arrives_in_any_script(open_server):
    # The form allows 20,000 characters; a browser sends "中" as "%E4%B8%AD",
    # 9 bytes: 180 kB for a text the form took (the limit was 32 kB, answered
    # with waitress's bare 413 page and the words gone).
    text = ("中文的看法。" * 4000)[:19_990] + "\r\n" + "末尾"
    fields = {**GOOD, "text": text, "token": token(open_server)}
    status, _, body = request(
        open_server,
        "POST",
        "/perspectives",
        urlencode(fields).encode(),
        {"Content-Type": FORM, "Origin": SITE},
    )
    assert status == 303, body[:300]
    [stored] = Queue(open_server.queue).list("pending")
    assert len(stored.text) == 19_993
    assert stored.text.endswith("\n末尾")
