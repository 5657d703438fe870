"""Text from a hostile message made safe to store, encode and put on one line.

Shared by MIME parsing (`mime`), HTML to text (`html_text`) and the RFC 3834 reply
(`auto_reply`), all in `contactguard.mail`. Pure: no AWS, no environment, no clock. Nothing
here logs.
"""

from __future__ import annotations

import re

MAX_SUBJECT_CHARS = 2000  # a subject read, or written in a reply, is cut to this

SURROGATES = re.compile("[\ud800-\udfff]")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
WS = re.compile(r"\s+")
MSGID = re.compile(r"<([^<>\s]{1,996})>")


def clean(text: str) -> str:
    """Make text safe to store and encode: no lone surrogates (raw 8-bit bytes the parser
    escaped are re-read as UTF-8, else replaced), no NULs."""
    if SURROGATES.search(text):
        try:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:
            text = SURROGATES.sub("\ufffd", text)
    return text.replace("\x00", "")


def one_line(text: str, limit: int) -> str:
    text = CONTROL.sub(" ", clean(text))
    return WS.sub(" ", text).strip()[:limit]
