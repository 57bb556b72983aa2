"""The intake service as a plain WSGI application."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import logging
import os
from pathlib import Path
import tempfile
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from plugins.intake.manifest import ManifestFile, OpenPost
from plugins.intake.ratelimit import RateLimiter
from plugins.intake.settings import IntakeConfig, origin_of
from plugins.intake.tokens import TokenCheck, check_token, issue_token
from plugins.intake.validate import (
    FIELDS,
    TOKEN,
    BodyError,
    Fields,
    check_fields,
    media_type,
    parse_body,
)
from plugins.perspectives.queue import (
    AlreadyQueued,
    Queue,
    Submission,
    new_submission_id,
)

logger = logging.getLogger(__name__)

THANKS_FRAGMENT = "perspective-submitted"
LABELS = {
    "post": "Post",
    "name": "Name",
    "email": "Email",
    "url": "Website",
    "text": "Your perspective",
    "in_reply_to": "In reply to",
    "homepage": "Leave-empty field",
    "token": "Form",
    "origin": "Origin",
    "body": "Request",
    "content_type": "Request",
    "rate": "Too many",
    "queue": "Server",
}
REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 303: "See Other",
    400: "Bad Request", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 411: "Length Required", 413: "Content Too Large",
    415: "Unsupported Media Type", 422: "Unprocessable Content",
    429: "Too Many Requests", 500: "Internal Server Error",
    503: "Service Unavailable",
}  # fmt: skip
HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(slots=True)
class Response:
    """A status, headers and a body, ready for ``start_response``."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, data: dict[str, Any], **headers: str) -> Response:
        """Return a JSON response."""
        body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode() + b"\n"
        return cls(
            status,
            body,
            [("Content-Type", "application/json; charset=utf-8"), *headers.items()],
        )


class IntakeApp:
    """Take perspectives into the moderation queue, refusing what is not one."""

    def __init__(
        self, config: IntakeConfig, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config
        self.queue = Queue(config.queue)
        self.manifest = ManifestFile(config.manifest)
        self.limiter = RateLimiter(config.rate_limit, config.rate_window)
        self.clock = clock
        self.templates = Environment(
            loader=FileSystemLoader(Path(__file__).parent / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer one request."""
        try:
            response = self.route(environ)
        except Exception:
            logger.exception("intake: failed on %s", environ.get("PATH_INFO"))
            response = Response.json(500, {"errors": {"server": "internal error"}})
        response.headers += [
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("Content-Length", str(len(response.body))),
        ]
        response.headers += self.cors_headers(environ)
        reason = REASONS.get(response.status, "Unknown")
        start_response(f"{response.status} {reason}", response.headers)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else response.body]

    def route(self, environ: dict[str, Any]) -> Response:
        """Dispatch on path and method."""
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        routes = {
            "/healthz": ("GET", "HEAD"),
            "/perspectives/token": ("GET", "OPTIONS"),
            "/perspectives": ("POST", "OPTIONS"),
        }
        if path not in routes:
            return Response.json(404, {"errors": {"path": f"no such page {path!r}"}})
        if method not in routes[path]:
            allowed = ", ".join(routes[path])
            return Response.json(
                405,
                {"errors": {"method": f"expected {allowed}, got {method}"}},
                Allow=allowed,
            )
        if method == "OPTIONS":
            return self.preflight(environ)
        if path == "/healthz":
            return self.health()
        if path == "/perspectives/token":
            return self.token(environ)
        return self.submit(environ)

    def queue_cleanup(self) -> int:
        """Remove temporary files a killed writer left in the queue; return how many."""
        cutoff = time.time() - self.config.stale_temp_seconds
        removed = 0
        for temp in self.queue.root.glob("*/.*.tmp"):
            try:
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    # -- origins ---------------------------------------------------------------

    def allowed_origins(self) -> tuple[str, ...]:
        """Return the browser origins allowed to call the service cross-site."""
        return (self.config.site_origin, *self.config.origins)

    def cors_headers(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        """Return CORS headers for an allowed Origin, none for others."""
        origin = environ.get("HTTP_ORIGIN", "")
        if origin not in self.allowed_origins():
            return [("Vary", "Origin")]
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]

    def origin_problem(self, environ: dict[str, Any]) -> str:
        """Return why the request's Origin (or Referer) is refused, or ''."""
        own = origin_of(
            f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        )
        allowed = (*self.allowed_origins(), own)
        origin = environ.get("HTTP_ORIGIN")
        if origin is None and environ.get("HTTP_REFERER"):
            origin = origin_of(environ["HTTP_REFERER"]) or environ["HTTP_REFERER"]
        if origin is None or origin in allowed:
            return ""  # no browser involved (curl, a script on a server)
        problem = (
            f"expected a request from {self.config.site_origin}, got {origin[:100]!r}"
        )
        if origin == "null":
            # Browsers send "null" for a form on a page whose Referrer-Policy is
            # no-referrer (or same-origin, posting to another origin): then every
            # reader is refused, so say why, and tell the operator too.
            problem += (
                ": the page hid where it is (its Referrer-Policy);"
                " the site should send strict-origin-when-cross-origin"
            )
            logger.warning("intake: refused %s", problem)
        return problem

    def preflight(self, environ: dict[str, Any]) -> Response:
        """Answer a CORS preflight from the site; refuse one from elsewhere."""
        origin = environ.get("HTTP_ORIGIN", "")
        if origin not in self.allowed_origins():
            return Response.json(
                403, {"errors": {"origin": self.origin_problem(environ) or "missing"}}
            )
        return Response(
            204,
            headers=[
                ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                ("Access-Control-Allow-Headers", "Content-Type, Accept"),
                ("Access-Control-Max-Age", "600"),
            ],
        )

    # -- endpoints -------------------------------------------------------------

    def health(self) -> Response:
        """Report whether the manifest is loaded and the queue is writable."""
        pending = self.queue.root / "pending"
        # Write, as a submission would: mode bits say nothing of another owner, a
        # read-only mount, an immutable folder or a full disk, where every
        # submission gets 503. The probe's name is one readers skip and
        # queue_cleanup removes; it is as large as a typical submission.
        probe = ""
        try:
            pending.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=pending, prefix=".healthz-", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(b"\n" * 2048)
                handle.flush()
            writable = True
        except OSError:
            writable = False
        finally:
            if probe:
                Path(probe).unlink(missing_ok=True)
        data = {
            "status": "ok" if writable else "queue not writable",
            "open_posts": len(self.manifest.current().posts),
        }
        return Response.json(200 if writable else 503, data)

    def token(self, environ: dict[str, Any]) -> Response:
        """Hand the site's script a fresh token for one post."""
        problem = self.origin_problem(environ)
        if problem:
            return Response.json(403, {"errors": {"origin": problem}})
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        slug = query.get("post", "")
        if slug not in self.manifest.current().posts:
            reason = f"expected a post open for discussion, got {slug[:80]!r}"
            return Response.json(422, {"errors": {"post": reason}})
        token = issue_token(self.config.secret, slug, self.clock())
        return Response.json(
            200, {"token": token, "min_seconds": self.config.min_seconds}
        )

    def gate(
        self, environ: dict[str, Any], now: float, refuse: Callable[..., Response]
    ) -> dict[str, str] | Response:
        """Check origin, rate and body; return the raw fields or the refusal."""
        problem = self.origin_problem(environ)
        if problem:
            return refuse(403, {"origin": problem})
        wait = self.limiter.hit(environ.get("REMOTE_ADDR", ""), now)
        if wait:
            try:  # a reader's words are shown back, to send later, not lost
                raw = parse_body(
                    self.read_body(environ), environ.get("CONTENT_TYPE", "")
                )
            except BodyError:
                raw = {}
            return refuse(
                429,
                {"rate": f"expected at most {self.config.rate_limit} submissions"
                 f" in {self.config.rate_window:.0f} s; try again in {wait} s"},
                retry_after=wait,
                raw=raw,
            )  # fmt: skip
        try:
            return parse_body(self.read_body(environ), environ.get("CONTENT_TYPE", ""))
        except BodyError as err:
            return refuse(err.status, {err.field: err.reason})

    def submit(self, environ: dict[str, Any]) -> Response:
        """Check one submission and queue it, or say exactly what is wrong."""
        wants_json = self.wants_json(environ)
        now = self.clock()
        raw = self.gate(
            environ, now, self.refuse_json if wants_json else self.refuse_html
        )
        if isinstance(raw, Response):
            return raw
        posts = self.manifest.current().posts
        fields, errors = check_fields(raw, open_posts=posts, limits=self.config.limits)
        if fields is None:
            if wants_json:
                return self.refuse_json(422, errors)
            return self.review(422, raw, posts.get(raw.get("post", "")), errors=errors)
        post = posts[fields.post]
        check = check_token(
            self.config.secret,
            raw.get(TOKEN, ""),
            fields.post,
            now,
            min_age=self.config.min_seconds,
            max_age=self.config.token_max_age,
        )
        if not check.ok:
            return self.token_refusal(check, raw, post, wants_json=wants_json)
        return self.accept(environ, fields, post, now, wants_json=wants_json)

    def token_refusal(
        self,
        check: TokenCheck,
        raw: dict[str, str],
        post: OpenPost,
        *,
        wants_json: bool,
    ) -> Response:
        """Refuse a script's bad token; show a form its review page to send again.

        A form without a valid token (no script ran, or it sat open too long) gets
        the review page with a fresh token; one sent too soon keeps its token and
        is told how long to wait.
        """
        if wants_json:
            status = 429 if check.retry_after else 422
            return self.refuse_json(
                status, {TOKEN: check.reason}, retry_after=check.retry_after
            )
        if check.retry_after:
            return self.review(
                429,
                raw,
                post,
                token=raw[TOKEN],
                note=f"That was quick: please wait {check.retry_after} seconds"
                " more, check your words, and send again.",
                retry_after=check.retry_after,
            )
        note = (
            ""
            if not raw.get(TOKEN)
            else "The form had expired; please check and send again."
        )
        return self.review(200, raw, post, note=note)

    def accept(
        self,
        environ: dict[str, Any],
        fields: Fields,
        post: OpenPost,
        now: float,
        *,
        wants_json: bool,
    ) -> Response:
        """Write the submission into the queue and answer 303 (form) or 201."""
        received = datetime.fromtimestamp(now, UTC)
        agent = environ.get("HTTP_USER_AGENT", "")
        agent = "".join(ch for ch in agent if ch.isprintable())[:300]
        for _ in range(5):  # ids carry 48 random bits; a clash is all but impossible
            submission = Submission(
                id=new_submission_id(received),
                received=received,
                post=fields.post,
                name=fields.name,
                email=fields.email,
                text=fields.text,
                url=fields.url,
                in_reply_to=fields.in_reply_to,
                ip=environ.get("REMOTE_ADDR", ""),
                user_agent=agent,
            )
            try:
                self.queue.add(submission)
                break
            except AlreadyQueued:
                continue
            except OSError as err:
                logger.error("intake: cannot write to the queue: %s", err)
                refuse = self.refuse_json if wants_json else self.refuse_html
                return refuse(503, {"queue": "could not store it; please try later"})
        else:
            return Response.json(503, {"errors": {"queue": "no free id; try again"}})
        logger.info("intake: queued %s for %s", submission.id, fields.post)
        location = self.post_url(post) + "?" + urlencode({"submitted": submission.id})
        location += f"#{THANKS_FRAGMENT}"
        if wants_json:
            return Response.json(
                201,
                {"id": submission.id, "post": fields.post, "status": "pending",
                 "location": location},
            )  # fmt: skip
        return Response(
            303,
            b"",
            [("Location", location), ("Content-Type", "text/plain; charset=utf-8")],
        )

    # -- helpers ---------------------------------------------------------------

    @staticmethod
    def wants_json(environ: dict[str, Any]) -> bool:
        """Say whether the client sent JSON or asked for it."""
        kind, _ = media_type(environ.get("CONTENT_TYPE", ""))
        accept = environ.get("HTTP_ACCEPT", "")
        return kind == "application/json" or (
            "application/json" in accept and "text/html" not in accept
        )

    def read_body(self, environ: dict[str, Any]) -> bytes:
        """Read the body, refusing (413) one larger than the limit before reading it."""
        limit = self.config.max_body
        declared = environ.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit():
            raise BodyError(400, "body", f"expected a Content-Length, got {declared!r}")
        if int(declared) > limit:
            raise BodyError(
                413, "body", f"expected at most {limit} bytes, got {declared}"
            )
        body = environ["wsgi.input"].read(int(declared))
        if len(body) > limit:
            raise BodyError(413, "body", f"expected at most {limit} bytes")
        return body

    def post_url(self, post: OpenPost) -> str:
        """Return the post's absolute URL on the site."""
        return f"{self.config.site_url.rstrip('/')}/{post.path.lstrip('/')}"

    @staticmethod
    def refuse_json(
        status: int,
        errors: dict[str, str],
        *,
        retry_after: int = 0,
        raw: dict[str, str] | None = None,
    ) -> Response:
        """Return ``{"errors": {field: reason}}`` (a script keeps its own ``raw``)."""
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return Response.json(status, {"errors": errors}, **headers)

    def refuse_html(
        self,
        status: int,
        errors: dict[str, str],
        *,
        retry_after: int = 0,
        raw: dict[str, str] | None = None,
    ) -> Response:
        """Return an HTML page listing what is wrong, with ``raw`` shown back."""
        raw = raw or {}
        post = self.manifest.current().posts.get(raw.get("post", ""))
        return self.review(status, raw, post, errors=errors, retry_after=retry_after)

    def review(  # noqa: PLR0913 (keyword-only: what the page shows)
        self,
        status: int,
        raw: dict[str, str],
        post: OpenPost | None,
        *,
        errors: dict[str, str] | None = None,
        token: str = "",
        note: str = "",
        retry_after: int = 0,
    ) -> Response:
        """Show the submission back, editable, with a fresh token and any problems."""
        if post is not None and not token:
            token = issue_token(self.config.secret, post.slug, self.clock())
        if errors:
            heading = "Your perspective was not sent"
        else:
            heading = "Check and send your perspective"
        html = self.templates.get_template("review.html").render(
            heading=heading,
            errors=errors or {},
            note=note,
            labels=LABELS,
            post=post,
            post_url=self.post_url(post) if post else "",
            site_url=self.config.site_url,
            action="perspectives",
            token=token,
            values={key: raw.get(key, "") for key in FIELDS},
            limits=self.config.limits,
        )
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy", HTML_POLICY),
        ]
        if retry_after:
            headers.append(("Retry-After", str(retry_after)))
        return Response(status, html.encode("utf-8"), headers)
