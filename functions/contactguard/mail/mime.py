"""Parse inbound raw MIME safely.

``parse_message`` never raises on bad input: whatever is malformed is recorded in
``ParsedMessage.defects`` (stdlib defect class names and short codes of ours, never header or
body content). Parsing uses the standard library parser with ``email.policy.default``
semantics, plus four guards against hostile input:

- header values that the parser itself re-parses for every MIME part (Content-Type,
  Content-Disposition, Content-Transfer-Encoding) and the few top-level headers read here are
  capped in length before parsing, because the policy's structured header parser is
  super-linear on some inputs (thousands of quotes or semicolons) and recurses on nested
  comments; a header that still cannot be parsed is read as if it were empty;
- the number of MIME parts is capped (``max_parts``): past it the body is not interpreted and
  only the top-level headers are read;
- the top-level header block is bounded (``max_header_bytes``): when it is larger, only the
  fields this module reads (and the MIME structure needs) are kept, and ``headers_truncated``
  is set.
- HTML is reduced to bare tags in one linear pass before ``html.parser`` sees it
  (``contactguard.mail.html_text``).

Memory and time: the message is held once, as bytes (a binary stream, e.g. an S3
``StreamingBody``, is read once, whole). The parser is given the headers and the text parts;
the body of a plain base64 attachment never reaches it: its size is counted where it lies and
its content is decoded only when ``read_attachment`` asks for it
(``contactguard.mail.passover``), so a 30 MB attachment costs a pass over its bytes, not
~400,000 lines read in Python. Other attachments are sized by decoding one payload at a time
and dropping it; no attachment content is kept; text is capped at ``max_text_chars``.

The RFC 3834 markers (auto-submitted, bounce, auto-reply, list) are read with the rules of
``contactguard.mail.auto_reply``, which also decides whether a message may be answered and
writes the reply; its names are re-exported here for callers that import them from this module.

Pure: no AWS, no environment, no clock. Nothing here logs.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesFeedParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any, Protocol

from contactguard.mail.auto_reply import (
    AutoReplyReason,
    build_auto_reply,
    is_auto_reply,
    is_auto_submitted,
    is_bounce,
    is_mailing_list,
    may_auto_reply,
)
from contactguard.mail.html_text import html_to_text
from contactguard.mail.passover import Passed, feed_body
from contactguard.mail.sanitise import CONTROL, MAX_SUBJECT_CHARS, MSGID, clean, one_line
from contactguard.mail.sender import Sender, SenderProblem, strict_sender

__all__ = [
    "DEFAULT_MAX_HEADER_BYTES",
    "DEFAULT_MAX_PARTS",
    "DEFAULT_MAX_TEXT_CHARS",
    "AttachmentInfo",
    "AutoReplyReason",  # contactguard.mail.auto_reply's
    "ParsedMessage",
    "build_auto_reply",  # contactguard.mail.auto_reply's
    "may_auto_reply",  # contactguard.mail.auto_reply's
    "parse_message",
    "read_attachment",
]

DEFAULT_MAX_HEADER_BYTES = 64 * 1024
DEFAULT_MAX_PARTS = 500
DEFAULT_MAX_TEXT_CHARS = 1_000_000

_CHUNK = 1024 * 1024
_MAX_DEPTH = 40
_MAX_DEFECTS = 100
_MAX_FILENAME_CHARS = 255
_MAX_ID_CHARS = 998

# Length caps (characters) for header values that get structured parsing.
_VALUE_LIMITS = {
    "content-type": 1024,
    "content-disposition": 1024,
    "content-transfer-encoding": 256,
    "from": 2048,
    "reply-to": 2048,
    "sender": 2048,
    "return-path": 1024,
    "date": 256,
    "message-id": 1024,
    "subject": 4096,
    "auto-submitted": 256,
    "precedence": 256,
}

# Once a message's structured header values add up to this many characters, each further one
# is cut to _REDUCED_LIMIT: ordinary mail never gets there, and hostile mail with hundreds of
# parts with crafted parameters stays cheap to parse.
_STRUCTURED_BUDGET = 64 * 1024
_REDUCED_LIMIT = 128

# Fields kept when an oversized top-level header block is cut down.
_ESSENTIAL_HEADERS = frozenset(
    {
        b"from",
        b"sender",
        b"reply-to",
        b"return-path",
        b"to",
        b"cc",
        b"subject",
        b"date",
        b"message-id",
        b"in-reply-to",
        b"references",
        b"mime-version",
        b"content-type",
        b"content-transfer-encoding",
        b"content-disposition",
        b"auto-submitted",
        b"precedence",
        b"x-autoreply",
        b"x-autorespond",
        b"x-autoresponder",
        b"x-failed-recipients",
    }
)

_UNKNOWN_CHARSETS = frozenset(
    {"unknown-8bit", "x-unknown", "unknown", "8bit", "default", "x-user-defined", "charset"}
)
_REFUSED_CODECS = frozenset({"unicode_escape", "raw_unicode_escape", "undefined"})


class _Readable(Protocol):
    """A binary stream: a file opened "rb", ``io.BytesIO``, an S3 ``StreamingBody``."""

    def read(self, size: int = -1, /) -> bytes: ...


# --- result types ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    """What is known about an attachment: never its content.

    ``size_bytes`` is the decoded size; for ``message/*`` parts (forwarded messages, delivery
    status) it is the encoded size of their content, and when decoding fails, the encoded size.
    """

    filename: str | None
    content_type: str
    size_bytes: int


@dataclass(slots=True, kw_only=True)
class ParsedMessage:
    from_addresses: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    return_path: str | None = None  # None: no header; "": the null reverse-path <>
    subject: str = ""
    message_id: str | None = None  # "<id@host>"
    date: datetime | None = None
    text: str = ""
    text_truncated: bool = False
    attachments: list[AttachmentInfo] = field(default_factory=list)
    is_auto_submitted: bool = False
    precedence: str | None = None
    is_mailing_list: bool = False
    is_bounce: bool = False
    is_auto_reply: bool = False
    size_bytes: int = 0
    headers_truncated: bool = False
    defects: list[str] = field(default_factory=list)
    # The From header read strictly (mail.sender): the one address identity may rest on,
    # or the reason code that there is none. Never one without the other being None.
    sender: str | None = None
    sender_problem: str | None = SenderProblem.NO_SENDER.value

    @property
    def from_address(self) -> str | None:
        """The sender, when the message names exactly one From address."""
        return self.from_addresses[0] if len(self.from_addresses) == 1 else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-compatible view (dates in ISO 8601)."""
        return {
            "from_addresses": list(self.from_addresses),
            "reply_to": list(self.reply_to),
            "return_path": self.return_path,
            "subject": self.subject,
            "message_id": self.message_id,
            "date": self.date.isoformat() if self.date is not None else None,
            "text": self.text,
            "text_truncated": self.text_truncated,
            "attachments": [
                {"filename": a.filename, "content_type": a.content_type, "size_bytes": a.size_bytes}
                for a in self.attachments
            ],
            "is_auto_submitted": self.is_auto_submitted,
            "precedence": self.precedence,
            "is_mailing_list": self.is_mailing_list,
            "is_bounce": self.is_bounce,
            "is_auto_reply": self.is_auto_reply,
            "size_bytes": self.size_bytes,
            "headers_truncated": self.headers_truncated,
            "defects": list(self.defects),
            "sender": self.sender,
            "sender_problem": self.sender_problem,
        }


# --- the guarded policy ----------------------------------------------------------------------


class _GuardedPolicy(EmailPolicy):
    """``email.policy.default`` with capped header values (tighter once a budget is spent), a
    per-parse memo of parsed headers (the parser and this module read Content-Type several
    times per part) and a fallback for headers the structured parser cannot handle. One
    instance per parse."""

    _memo: dict[tuple[str, str], Any]
    _notes: list[str]
    _spent: list[int]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        object.__setattr__(self, "_memo", {})
        object.__setattr__(self, "_notes", [])
        object.__setattr__(self, "_spent", [0])

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        lname = name.strip().lower()
        limit = _VALUE_LIMITS.get(lname)
        if limit is None:
            return name, value
        if lname == "from" and any(_BARE_CR.search(line) for line in sourcelines):
            # RFC 5322 allows CR only before LF; the parser ends a line at a bare CR, where
            # another reader (SES's) may not: two readings of who sent it.
            self._notes.append("header-bare-cr:from")
        if self._spent[0] > _STRUCTURED_BUDGET:
            limit = min(limit, _REDUCED_LIMIT)
        if len(value) > limit:
            self._notes.append(f"header-value-truncated:{lname}")
            value = value[:limit]
        self._spent[0] += len(value)
        return name, value

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name"):
            return value
        key = (name.lower(), value)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        try:
            header = super().header_fetch_parse(name, value)
        except Exception:  # noqa: BLE001 - incl. RecursionError on nested comments
            lname = name.strip().lower()
            label = lname if lname in _VALUE_LIMITS else "other"
            self._notes.append(f"header-unparseable:{label}")
            header = super().header_fetch_parse(name, "")
        if len(value) <= 4096 and len(self._memo) < 2048:
            self._memo[key] = header
        return header


class _TooManyParts(Exception):
    pass


# --- small safe helpers ----------------------------------------------------------------------


def _raw_values(msg: Message, name: str) -> list[str]:
    lname = name.lower()
    values = []
    for key, value in msg.raw_items():
        if key.strip().lower() == lname:
            values.append(value if isinstance(value, str) else str(value))
    return values


def _has_header(msg: Message, name: str) -> bool:
    lname = name.lower()
    return any(key.strip().lower() == lname for key in msg)


def _header_defects(msg: Message, names: tuple[str, ...]) -> list[str]:
    """Class names of the defects the structured parser found in the named headers."""
    found: list[str] = []
    for name in names:
        try:
            for header in msg.get_all(name) or []:
                found.extend(type(d).__name__ for d in getattr(header, "defects", ()))
        except Exception:  # noqa: BLE001, S112
            continue
    return found


def _first_token(value: str) -> str:
    value = re.sub(r"\([^)]*\)", " ", clean(value)).strip().lower()
    return value.split(None, 1)[0].rstrip(";") if value else ""


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "text/plain"


def _content_charset(part: Message) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        return None
    return charset if isinstance(charset, str) else None


def _disposition(part: Message) -> str | None:
    try:
        value = part.get_content_disposition()
    except Exception:  # noqa: BLE001
        return None
    return value if isinstance(value, str) else None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        return None
    if not isinstance(name, str):
        return None
    name = one_line(name, _MAX_FILENAME_CHARS)
    return name or None


def _decoded(part: Message) -> bytes | None:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        return None
    return payload if isinstance(payload, bytes) else None


# The base64 alphabet, whitespace anywhere, and padding only at the very end, together.
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/\r\n \t]*(?:={1,2})?[\r\n \t]*")


def _base64_size(part: Message) -> int | None:
    """A base64 attachment's decoded size, counted from its text without decoding it (an
    attachment is only listed, never read); None when the part is not plain base64."""
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() != "base64":
        return None
    try:
        payload = part.get_payload()
    except Exception:  # noqa: BLE001
        return None
    if not isinstance(payload, str):
        return None
    chars = len(payload) - sum(payload.count(c) for c in "\r\n \t")
    padding = len(payload.rstrip()) - len(payload.rstrip().rstrip("="))
    if chars % 4 or padding > 2 or not _BASE64_TEXT.fullmatch(payload):
        return None  # not well formed: let the decoder judge it
    return chars // 4 * 3 - padding


def _encoded_size(part: Message, depth: int = 0) -> int:
    """Approximate size of a part's content as transmitted, without decoding or serialising:
    payload lengths plus, for embedded messages, their header lines."""
    try:
        payload = part.get_payload()
    except Exception:  # noqa: BLE001
        return 0
    if isinstance(payload, str | bytes):
        return len(payload)
    if not isinstance(payload, list) or depth >= _MAX_DEPTH:
        return 0
    size = 0
    for child in payload:
        if isinstance(child, Message):
            size += sum(len(k) + len(v) + 4 for k, v in child.raw_items() if isinstance(v, str))
            size += 2 + _encoded_size(child, depth + 1)
    return size


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    charset = charset.strip().strip("\"'").lower()
    if not charset or charset in _UNKNOWN_CHARSETS:
        return None
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError, TypeError):
        return None
    if info.name.replace("-", "_") in _REFUSED_CODECS or not getattr(
        info, "_is_text_encoding", True
    ):
        return None
    return info.name


def _decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode with the declared charset; else UTF-8; else Windows-1252 (what mislabelled
    Western European mail usually is); else Latin-1, which cannot fail. Returns the text and a
    defect code when a fallback was used."""
    codec = _codec(charset)
    note: str | None
    if codec is not None:
        try:
            return data.decode(codec), None
        except Exception:  # noqa: BLE001, S110 - fall through to the fallbacks
            pass
        note = "charset-mismatch"
    else:
        note = "charset-unknown" if charset else None
    try:
        return data.decode("utf-8"), note
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), note or "charset-fallback"
    except UnicodeDecodeError:
        return data.decode("latin-1"), note or "charset-fallback"


def _normalise_text(text: str) -> str:
    text = clean(text).replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL.sub("", text)


# --- parsing ---------------------------------------------------------------------------------


def _buffer(raw: bytes | bytearray | memoryview | _Readable) -> bytes:
    """The message as one bytes object, held once (a stream is read once, whole)."""
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, bytearray | memoryview):
        return bytes(raw)
    data = raw.read()
    return data if isinstance(data, bytes) else bytes(data)


def _header_end(buffer: bytes, start: int = 0) -> tuple[int, int]:
    """Where the header block ends: (index of the last header's newline, index just past the
    blank line), or (-1, -1) when the blank line has not been seen."""
    if buffer[:1] == b"\n":
        return 0, 1
    if buffer[:2] == b"\r\n":
        return 0, 2
    lf = buffer.find(b"\n\n", start)
    # The CRLF form is looked for only before the first LF form (not through a whole body).
    crlf = buffer.find(b"\n\r\n", start, len(buffer) if lf < 0 else lf + 1)
    if lf < 0 and crlf < 0:
        return -1, -1
    i = lf if crlf < 0 else crlf
    return i, i + (2 if buffer[i : i + 2] == b"\n\n" else 3)


def _trim_header_block(block: bytes, budget: int) -> bytes:
    """Keep the essential fields of an oversized header block, in order, within budget."""
    fields: list[bytes] = []
    for line in re.split(rb"(?<=\n)", block):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    kept: list[bytes] = []
    used = 0
    for item in fields:
        name = item.split(b":", 1)[0].strip().lower() if b":" in item else b""
        if (name in _ESSENTIAL_HEADERS or name.startswith(b"list-")) and used + len(item) <= budget:
            kept.append(item if item.endswith(b"\n") else item + b"\r\n")
            used += len(item)
    return b"".join(kept)


def _feed(
    parser: BytesFeedParser,
    data: bytes,
    max_header_bytes: int,
    headers_only: bool,
    pass_over: bool,
) -> tuple[bool, Passed]:
    """Feed the message to the parser, cutting down an oversized top-level header block and,
    with `pass_over`, passing over attachment bodies (``contactguard.mail.passover``).
    Returns whether the header block was cut down, and what was passed over."""
    last_newline, body_start = _header_end(data)
    block = data if body_start < 0 else data[:body_start]
    trimmed = len(block) > max_header_bytes
    if trimmed:
        fields = block[: last_newline + 1] if body_start >= 0 else block
        block = _trim_header_block(fields, max_header_bytes)
        if body_start >= 0:
            block += b"\r\n"
    parser.feed(block)
    del block
    if headers_only or body_start < 0:
        return trimmed, Passed()
    if pass_over:
        return trimmed, feed_body(parser, data, body_start, _GuardedPolicy)
    view = memoryview(data)
    for start in range(body_start, len(data), _CHUNK):
        parser.feed(bytes(view[start : start + _CHUNK]))
    return trimmed, Passed()


def _parse(
    data: bytes,
    max_header_bytes: int,
    max_parts: int,
    headers_only: bool,
    pass_over: bool = True,
) -> tuple[EmailMessage, _GuardedPolicy, Passed, bool]:
    policy = _GuardedPolicy()
    count = 0

    def factory(policy: Any = policy) -> EmailMessage:
        nonlocal count
        count += 1
        if count > max_parts:
            raise _TooManyParts
        return EmailMessage(policy=policy)

    parser = BytesFeedParser(_factory=factory, policy=policy)
    count = 0  # the parser calls the factory once to probe its signature
    trimmed, passed = _feed(parser, data, max_header_bytes, headers_only, pass_over)
    msg = parser.close()
    assert isinstance(msg, EmailMessage)
    if not passed.consistent(msg):  # the parser read a part otherwise: read it all in full
        return _parse(data, max_header_bytes, max_parts, headers_only, pass_over=False)
    return msg, policy, passed, trimmed


_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*")


def _addr_spec(local: str, domain: str) -> str | None:
    """A normalised addr-spec, or None unless it is one that round-trips through
    ``email.headerregistry.Address`` (so that a reply can be addressed to it)."""
    local = clean(local).strip().lower()
    domain = clean(domain).strip().rstrip(".").lower()
    if not local or not domain or not _DOMAIN.fullmatch(domain):
        return None
    if CONTROL.search(local) or "\ufffd" in local or any(c.isspace() for c in local):
        return None
    try:
        spec = Address(username=local, domain=domain).addr_spec
        if Address(addr_spec=spec).addr_spec != spec:
            return None
    except Exception:  # noqa: BLE001
        return None
    return spec


def _addresses(msg: Message, name: str, defects: list[str]) -> tuple[list[str], list[str]]:
    """Normalised addr-specs in the named headers, and every local part seen (for bounce
    detection, including domain-less ones such as ``MAILER-DAEMON``)."""
    pairs: list[tuple[str, str]] = []
    try:
        for header in msg.get_all(name) or []:
            for address in getattr(header, "addresses", ()):
                pairs.append((str(address.username), str(address.domain)))
    except Exception:  # noqa: BLE001
        defects.append(f"address-unparseable:{name}")
        pairs = [
            (addr.rpartition("@")[0], addr.rpartition("@")[2]) if "@" in addr else (addr, "")
            for _, addr in getaddresses(_raw_values(msg, name))
        ]
    addresses: list[str] = []
    locals_seen: list[str] = []
    for local, domain in pairs:
        if local.strip():
            locals_seen.append(clean(local).strip().lower())
        spec = _addr_spec(local, domain)
        if spec is None:
            if local.strip() or domain.strip():
                defects.append(f"address-incomplete:{name}")
        elif spec not in addresses:
            addresses.append(spec)
    return addresses, locals_seen


def _return_path(msg: Message) -> str | None:
    values = _raw_values(msg, "return-path")
    if not values:
        return None
    value = one_line(values[0], 1024)
    match = re.search(r"<([^<>]*)>", value)
    inner = (match.group(1) if match else value).strip()
    return "".join(inner.split()).lower()


def _subject(msg: Message, defects: list[str]) -> str:
    try:
        header = msg.get("subject")
        value = "" if header is None else str(header)
    except Exception:  # noqa: BLE001
        defects.append("subject-unparseable")
        raw = _raw_values(msg, "subject")
        value = raw[0] if raw else ""
    return one_line(value, MAX_SUBJECT_CHARS)


def _message_id(msg: Message) -> str | None:
    values = _raw_values(msg, "message-id")
    if not values:
        return None
    value = clean(values[0])
    match = MSGID.search(value)
    if match:
        return f"<{match.group(1)}>"
    token = value.strip()
    if token and "@" in token and not any(c.isspace() or c in "<>" for c in token):
        return f"<{token[: _MAX_ID_CHARS - 2]}>"
    return None


def _date(msg: Message) -> datetime | None:
    try:
        header = msg.get("date")
        value = getattr(header, "datetime", None)
        if isinstance(value, datetime):
            return value
    except Exception:  # noqa: BLE001, S110
        pass
    raw = _raw_values(msg, "date")
    if raw:
        try:
            return parsedate_to_datetime(clean(raw[0]))
        except Exception:  # noqa: BLE001
            return None
    return None


class _Walker:
    def __init__(
        self, max_text_chars: int, keep: int | None = None, passed: Passed | None = None
    ) -> None:
        self.keep = keep  # the index of the one attachment whose content is kept, if any
        self.passed = passed or Passed()  # the bodies the parser was not given
        self.kept: bytes | None = None
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[AttachmentInfo] = []
        self.defects: list[str] = []
        self.budget = max_text_chars
        self.truncated = False

    def _text_of(self, part: Message) -> str:
        data = _decoded(part)
        if data is None:
            return ""
        # Keep at most what could fill the budget (4 bytes a character at worst).
        limit = self.budget * 4 + 4
        if len(data) > limit:
            data = data[:limit]
            self.truncated = True
        text, note = _decode_bytes(data, _content_charset(part))
        del data
        if note:
            self.defects.append(note)
        return _normalise_text(text)

    def _attachment(self, part: Message, ctype: str) -> None:
        over = self.passed.part(part.get_payload()) if self.passed.parts else None
        if over is not None:  # measured where it lies: the same count as _base64_size's
            size: int | None = over.size_bytes
        else:
            size = _encoded_size(part) if ctype.startswith("message/") else None
        if size is None:
            size = _base64_size(part)
        if size is None:
            data = _decoded(part)
            size = len(data) if data is not None else _encoded_size(part)
            del data
        if len(self.attachments) == self.keep:
            self.kept = self.passed.content(over) if over is not None else _content(part, ctype)
        self.attachments.append(AttachmentInfo(_filename(part), ctype, size))

    def walk(self, part: Message, depth: int, plain: list[str], html: list[str]) -> None:
        self.defects.extend(type(d).__name__ for d in getattr(part, "defects", ()))
        if depth > _MAX_DEPTH:
            self.defects.append("nesting-too-deep")
            return
        ctype = _content_type(part)
        maintype = ctype.partition("/")[0]
        if maintype == "message":
            self._attachment(part, ctype)
            return
        if part.is_multipart():
            children = list(_children(part))
            if ctype == "multipart/alternative":
                best_plain: list[str] = []
                best_html: list[str] = []
                for child in children:
                    child_plain: list[str] = []
                    child_html: list[str] = []
                    self.walk(child, depth + 1, child_plain, child_html)
                    if child_plain and not best_plain:
                        best_plain = child_plain
                    if child_html and not best_html:
                        best_html = child_html
                if best_plain:
                    plain.extend(best_plain)
                else:
                    html.extend(best_html)
            else:
                for child in children:
                    self.walk(child, depth + 1, plain, html)
            return
        disposition = _disposition(part)
        filename = _filename(part)
        if disposition == "attachment" or filename is not None:
            self._attachment(part, ctype)
        elif ctype == "text/plain" or maintype == "multipart":
            # A multipart whose boundary never appeared is left as raw text by the parser.
            text = self._text_of(part)
            if text.strip():
                plain.append(text)
        elif ctype == "text/html":
            text = self._text_of(part)
            if text.strip():
                html.append(text)
        else:
            self._attachment(part, ctype)


def _content(part: Message, ctype: str) -> bytes:
    """An attachment's content: decoded; an embedded message as its own bytes (an .eml);
    what the part holds as transmitted when it cannot be decoded."""
    if ctype.startswith("message/"):
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            try:
                return inner.as_bytes()
            except Exception:  # noqa: BLE001 - fall back to the part as transmitted
                pass
    data = _decoded(part)
    if data is not None:
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _children(part: Message) -> Iterator[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        for child in payload:
            if isinstance(child, Message):
                yield child


def _dedupe(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
        if len(seen) >= _MAX_DEFECTS:
            break
    return seen


_UNREAD = SenderProblem.MALFORMED.value  # the headers could not be read: no sender either


def parse_message(
    raw: bytes | bytearray | memoryview | _Readable,
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
    *,
    max_parts: int = DEFAULT_MAX_PARTS,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> ParsedMessage:
    """Parse a raw RFC 5322 / MIME message. Never raises on bad input.

    ``raw`` is the message bytes or a binary stream read in chunks (a stream is read once:
    when the body cannot be interpreted, only what was already parsed is used).
    """
    defects: list[str] = []
    body_ok = True
    data = b""
    try:
        data = _buffer(raw)
        msg, policy, passed, trimmed = _parse(data, max_header_bytes, max_parts, False)
    except _TooManyParts:
        defects.append("too-many-parts")
        body_ok = False
    except Exception:  # noqa: BLE001 - RecursionError on absurd nesting, anything else
        defects.append("structure-unparseable")
        body_ok = False
    if not body_ok:
        if not isinstance(raw, bytes | bytearray | memoryview):
            return ParsedMessage(defects=defects, sender_problem=_UNREAD)
        try:
            msg, policy, passed, trimmed = _parse(data, max_header_bytes, max_parts, True)
        except Exception:  # noqa: BLE001
            return ParsedMessage(
                size_bytes=len(data),
                defects=[*defects, "headers-unparseable"],
                sender_problem=_UNREAD,
            )
    size = len(data)
    try:
        return _interpret(msg, policy, size, trimmed, body_ok, max_text_chars, defects, passed)
    except Exception:  # noqa: BLE001 - a last resort: never raise
        return ParsedMessage(
            size_bytes=size, defects=[*defects, "interpretation-failed"], sender_problem=_UNREAD
        )


def read_attachment(
    raw: bytes | bytearray | memoryview | _Readable,
    index: int,
    *,
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
    max_parts: int = DEFAULT_MAX_PARTS,
) -> tuple[AttachmentInfo, bytes] | None:
    """The attachment at `index` in ``parse_message(raw).attachments`` (the same walk, so
    the same order and the same limits), with its content; None when the message has no
    such attachment or its body cannot be read. Never raises on bad input."""
    if index < 0:
        return None
    try:
        msg, _, passed, _ = _parse(_buffer(raw), max_header_bytes, max_parts, False)
        walker = _Walker(max_text_chars=0, keep=index, passed=passed)
        walker.walk(msg, 0, [], [])
    except Exception:  # noqa: BLE001 - too many parts, absurd nesting: no attachment to give
        return None
    if walker.kept is None or index >= len(walker.attachments):
        return None
    return walker.attachments[index], walker.kept


def _interpret(
    msg: EmailMessage,
    policy: _GuardedPolicy,
    size: int,
    trimmed: bool,
    body_ok: bool,
    max_text_chars: int,
    defects: list[str],
    passed: Passed,
) -> ParsedMessage:
    if trimmed:
        defects.append("headers-truncated")
    from_addresses, from_locals = _addresses(msg, "from", defects)
    reply_to, _ = _addresses(msg, "reply-to", defects)
    return_path = _return_path(msg)
    subject = _subject(msg, defects)
    ctype = _content_type(msg)

    walker = _Walker(max_text_chars, passed=passed)
    if body_ok:
        walker.walk(msg, 0, walker.plain, walker.html)
        chunks = walker.plain or [html_to_text(h[: max_text_chars * 2]) for h in walker.html]
        text = "\n\n".join(c.strip("\n") for c in chunks if c.strip())
    else:
        walker.defects.extend(type(d).__name__ for d in msg.defects)
        text = ""
    if len(text) > max_text_chars:
        text = text[:max_text_chars]
        walker.truncated = True
    if walker.truncated:
        walker.defects.append("text-truncated")

    auto_submitted_values = _raw_values(msg, "auto-submitted")
    auto_submitted = _first_token(auto_submitted_values[0]) if auto_submitted_values else None
    precedence_values = _raw_values(msg, "precedence")
    precedence = _first_token(precedence_values[0])[:32] if precedence_values else None

    report_type = ""
    if ctype == "multipart/report":
        try:
            report_type = str(msg.get_param("report-type", "") or "").strip().lower()
        except Exception:  # noqa: BLE001
            report_type = ""

    def has_header(name: str) -> bool:
        return _has_header(msg, name)

    bounce = is_bounce(
        ctype=ctype,
        report_type=report_type,
        return_path=return_path,
        from_locals=from_locals,
        has_header=has_header,
    )
    automatic = is_auto_reply(
        auto_submitted=auto_submitted,
        subject=subject,
        ctype=ctype,
        report_type=report_type,
        has_header=has_header,
    )
    header_defects = _header_defects(msg, ("from", "reply-to", "subject", "date"))
    all_defects = [*defects, *header_defects, *walker.defects, *policy._notes]
    sender = _strict_sender(msg, [*defects, *policy._notes])
    return ParsedMessage(
        from_addresses=from_addresses,
        reply_to=reply_to,
        return_path=return_path,
        subject=subject,
        message_id=_message_id(msg),
        date=_date(msg),
        text=text,
        text_truncated=walker.truncated,
        attachments=walker.attachments,
        is_auto_submitted=is_auto_submitted(auto_submitted),
        precedence=precedence or None,
        is_mailing_list=is_mailing_list(has_header),
        is_bounce=bounce,
        is_auto_reply=automatic,
        size_bytes=size,
        headers_truncated=trimmed,
        defects=_dedupe(all_defects),
        sender=sender.address,
        sender_problem=sender.problem.value if sender.problem is not None else None,
    )


_BARE_CR = re.compile(r"\r(?!\n)")
_FROM_NOTES = frozenset(
    {
        "header-bare-cr:from",
        "address-unparseable:from",
        "address-incomplete:from",
        "header-value-truncated:from",
        "header-unparseable:from",
    }
)


def _utf8(value: str) -> str:
    """Raw 8-bit header bytes (escaped by the parser) re-read as UTF-8 (RFC 6532), else left
    escaped for the strict reading to refuse. Nothing removed: a NUL must stay visible."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return value


def _strict_sender(msg: Message, notes: list[str]) -> Sender:
    """The From field(s) as received, read strictly; anything this module already noted about
    them (cut short, unparseable, an incomplete address) makes the header malformed."""
    sender = strict_sender([_utf8(value) for value in _raw_values(msg, "from")])
    if sender.address is not None and _FROM_NOTES.intersection(notes):
        return Sender(problem=SenderProblem.MALFORMED)
    return sender
