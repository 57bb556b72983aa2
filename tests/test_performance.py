"""Speed-ups must not change output: each fast path equals the plain one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
import nh3

from plugins.common.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    LINK_REL,
    URL_SCHEMES,
    sanitize_html,
    xml_safe,
)

PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<a href='https://ok.example/'>", "<a href=javascript:x>",
        "</a>", "<img src=https://i.example/x.png alt=x>", "<script>", "</script>",
        "<b onclick=evil()>", "</b>", "<!-- note -->", "&amp;", "&bogus;", "<",
        "<table><tr><td>", "</td></tr></table>", "<code>", "</code>", "\x00",
        "<blockquote cite='https://q.example/'>", "</blockquote>", "<br>",
    ]
)  # fmt: skip
HTML = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=25).map("".join)


def plain_clean(html: str, allow_images: bool) -> str:
    """The one-call nh3 form the prebuilt cleaner replaced."""
    tags = ALLOWED_TAGS | {"img"} if allow_images else ALLOWED_TAGS
    return nh3.clean(
        xml_safe(html),
        tags=set(tags),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items() if k in tags},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


@settings(max_examples=300)
@given(html=HTML, allow_images=st.booleans())
def test_the_prebuilt_cleaner_cleans_exactly_like_nh3_clean(html, allow_images):
    assert str(sanitize_html(html, allow_images=allow_images)) == plain_clean(
        html, allow_images
    )
