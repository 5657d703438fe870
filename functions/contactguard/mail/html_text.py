"""HTML mail bodies to plain text, safely: the markup reduced to bare tags in one linear pass
before `html.parser` sees it (CPython's HTMLParser is quadratic on unclosed tags before
3.13.5), script, style and the like dropped, block elements as line breaks. Never raises.

Pure: no AWS, no environment, no clock. Nothing here logs.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from contactguard.mail.sanitise import WS

__all__ = ["html_to_text"]

# Elements whose content is never text. (Not "head": mail with an unclosed <head> would lose
# its whole body.)
_SKIP_TAGS = frozenset({"script", "style", "title", "template"})
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "ul",
        "ol",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "address",
    }
)


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.pieces.append(data)


_TAG_NAME = re.compile(r"(/?)([A-Za-z][A-Za-z0-9:-]{0,31})")


def _simplify_html(html: str) -> str:
    """One linear pass that leaves HTMLParser nothing to backtrack over: comments,
    declarations and processing instructions go, every tag is reduced to its bare name
    (attributes are never text) and a ``<`` that starts no tag becomes ``&lt;``. CPython's
    HTMLParser is quadratic on some unclosed-tag input (``"<a " * n``) before 3.13.5."""
    out: list[str] = []
    n = len(html)
    i = 0
    next_gt = -2  # cached position of the next ">" (-1: there is none)
    while i < n:
        lt = html.find("<", i)
        if lt < 0:
            out.append(html[i:])
            break
        out.append(html[i:lt])
        if html.startswith("<!--", lt):
            end = html.find("-->", lt + 4)
            i = n if end < 0 else end + 3
            continue
        if next_gt != -1 and next_gt <= lt:
            next_gt = html.find(">", lt + 1)
        following = html.find("<", lt + 1)
        if next_gt < 0 or 0 <= following < next_gt:
            out.append("&lt;")
            i = lt + 1
            continue
        inner = html[lt + 1 : next_gt]
        if inner[:1] in ("!", "?"):
            i = next_gt + 1  # <!DOCTYPE ...>, <![CDATA[...]]>, <?xml ...?>
            continue
        match = _TAG_NAME.match(inner)
        if match is None:
            out.append("&lt;")
            i = lt + 1
            continue
        out.append(f"<{match.group(1)}{match.group(2).lower()}>")
        i = next_gt + 1
    return "".join(out)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(_simplify_html(html))
        parser.close()
    except Exception:  # noqa: BLE001, S110 - keep what was extracted
        pass
    lines = (WS.sub(" ", line).strip() for line in "".join(parser.pieces).split("\n"))
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
