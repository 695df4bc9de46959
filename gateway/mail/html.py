"""HTML bodies: clean text for reading (inscriptis), sanitised markup for display (nh3).

Quoted history in HTML (Gmail's gmail_quote, Outlook's divRplyFwdMsg, <blockquote>) is marked with
`QUOTE_MARK` in the text so that quoting.split_quoted() can cut there.
"""

from __future__ import annotations

import html as html_lib
import re

import lxml.html
import nh3
from inscriptis import get_text
from lxml import etree

QUOTE_MARK = "\u2063[quoted]\u2063"

_QUOTE_XPATH = (
    "//blockquote | //div[contains(concat(' ', @class, ' '), ' gmail_quote ')]"
    " | //*[@id='divRplyFwdMsg'] | //*[@id='appendonsend'] | //*[contains(@class, 'yahoo_quoted')]"
    " | //*[@id='mail-editor-reference-message-container'] | //*[@class='moz-cite-prefix']"
)
_TAG = re.compile(r"<[^>]*>")
_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_DISPLAY_TAGS = (nh3.ALLOWED_TAGS - {"img", "map", "area"}) | {"font"}
_DISPLAY_ATTRS = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"},
                  "font": {"color"}, "*": {"dir", "lang"}}


def _strip_tags(markup: str) -> str:
    """Fallback when the HTML cannot be parsed at all: drop tags, unescape entities."""
    no_blocks = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", markup)
    text = html_lib.unescape(_TAG.sub(" ", re.sub(r"<[^>]*$", "", no_blocks)))
    return re.sub(r"[ \t]+", " ", text)


def _mark_quote(markup: str) -> str:
    """The markup with QUOTE_MARK inserted before the first quoted block (unchanged if there is none)."""
    try:
        root = lxml.html.fromstring(markup)
    except (etree.ParserError, ValueError):
        return markup
    found = root.xpath(_QUOTE_XPATH)
    if not found:
        return markup
    first = found[0]
    marker = lxml.html.Element("p")
    marker.text = QUOTE_MARK
    parent = first.getparent()
    if parent is None:
        return markup
    parent.insert(parent.index(first), marker)
    return lxml.html.tostring(root, encoding="unicode")


def html_to_text(markup: str, max_chars: int) -> tuple[str, str | None]:
    """Readable text of an HTML body (QUOTE_MARK where quoted history starts) and a warning if degraded."""
    markup = markup[: max_chars * 5]
    warning = None
    try:
        text = get_text(_mark_quote(markup))
    except (RecursionError, ValueError, etree.LxmlError) as exc:
        text = _strip_tags(markup)
        warning = f"HTML could not be converted ({type(exc).__name__}): tags stripped instead"
    if not text.strip():
        stripped = _strip_tags(markup)
        if stripped.strip():  # libxml2 gives up on very deep trees and returns nothing
            text, warning = stripped, "HTML gave no text when converted (too deep or malformed): tags stripped instead"
    text = _BLANKS.sub("\n\n", text.replace("\r", "")).strip()
    return text[:max_chars], warning


def sanitize_html(markup: str, max_chars: int) -> str:
    """Markup safe to show on the dashboard: no scripts, styles, event handlers, images or unsafe links."""
    return nh3.clean(
        markup[: max_chars * 5],
        tags=_DISPLAY_TAGS,
        attributes=_DISPLAY_ATTRS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
