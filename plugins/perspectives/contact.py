"""How a reader sends a perspective: the intake form, or a ready-made email."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

PLACEHOLDER = (
    "(Write your perspective here, in Markdown, and fill in your name above."
    " Your email address is never published.)"
)


def mail_body(post: str, in_reply_to: str = "") -> str:
    """Return the perspective file a reader fills in and mails back."""
    lines = [f"Post: {post}", "Author: ", "Url: "]
    if in_reply_to:
        lines.append(f"In-Reply-To: {in_reply_to}")
    return "\n".join(lines) + "\n\n" + PLACEHOLDER + "\n"


def mail_subject(title: str, post: str) -> str:
    """Return the subject line ``import-mail`` finds the post by."""
    return f"Perspective on {' '.join(title.split())} [perspective:{post}]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """Where the "Share your perspective" form of one post sends readers."""

    post: str  # the post's slug, the form's hidden ``post`` field
    title: str  # the post's title, plain text
    action: str = ""  # the intake endpoint's URL, when there is one
    email: str = ""  # the mailto: fallback's address

    # The quoted parts every mailto: link of this post shares, made once, when its
    # page is made (not for every post of every build): a post page links one per
    # perspective. quote() maps each character on its own, so quoting the pieces
    # and joining them equals quoting the whole.
    _head: str = field(init=False, repr=False, compare=False, default="")
    _tail: str = field(init=False, repr=False, compare=False, default="")

    def mailto(self, in_reply_to: str = "") -> str:
        """Return a mailto: URL whose body is a perspective file to fill in."""
        if not self.email:
            return ""
        if not self._head:
            self._quote_parts()
        if not in_reply_to:
            return self._head + self._tail
        reply = quote(_crlf(f"In-Reply-To: {in_reply_to}\n"), safe="")
        return self._head + reply + self._tail

    def __build_digest__(self) -> str:
        """Name the contact by its fields (plugins.performance).

        The quoted parts are made from them, and only once a page needs them.
        """
        return repr((self.post, self.title, self.action, self.email))

    def _quote_parts(self) -> None:
        """Quote the address, subject and the body around In-Reply-To."""
        body = _crlf(mail_body(self.post))
        split = len(body) - len(_crlf(f"\n{PLACEHOLDER}\n"))  # In-Reply-To goes here
        subject = quote(mail_subject(self.title, self.post), safe="")
        head = f"mailto:{quote(self.email, safe='@')}?subject={subject}&body="
        object.__setattr__(self, "_head", head + quote(body[:split], safe=""))
        object.__setattr__(self, "_tail", quote(body[split:], safe=""))


def _crlf(text: str) -> str:
    """Return ``text`` with the line ends email wants."""
    return text.replace("\n", "\r\n")
