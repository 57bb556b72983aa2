"""How a reader sends a perspective: the intake form, or a ready-made email."""

from __future__ import annotations

from dataclasses import dataclass
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

    def mailto(self, in_reply_to: str = "") -> str:
        """Return a mailto: URL whose body is a perspective file to fill in."""
        if not self.email:
            return ""
        subject = quote(mail_subject(self.title, self.post), safe="")
        body = quote(mail_body(self.post, in_reply_to).replace("\n", "\r\n"), safe="")
        return f"mailto:{quote(self.email, safe='@')}?subject={subject}&body={body}"
