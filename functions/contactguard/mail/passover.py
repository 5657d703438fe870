"""Feed a message's body to the standard library's parser, passing over attachment bodies.

The standard library's ``FeedParser`` reads a body line by line in Python, and keeps every
part's content as text: a 30 MB attachment costs ~400,000 lines, a decoded copy of the whole
message and a joined copy of the part. Ingest and the read queue only list attachments (their
names, types and sizes), so their bodies need never reach the parser.

How: the message is one buffer (the bytes held once). The parser is fed up to the blank line
that ends each MIME part's headers; when the part it has just opened is a base64 leaf that is
plainly an attachment (its type is not text, multipart or message), and every enclosing part is
a multipart, its body runs to the first line that matches an enclosing boundary, exactly as the
parser finds it (the same boundaries, read from the parser's own open parts, and the same line
rule). That body is measured where it lies (the base64 text counted with C-speed byte
operations, never decoded) and the parser is given one line instead: a token with a secret
nonce, which the walk of the parsed tree recognises as the part's payload. Its content, when a
caller asks for it (``read_attachment``), is decoded from the buffer.

Anything unexpected (a header block the parser reads differently, a boundary not found, base64
that is not plain) leaves the part to the parser as before; after the parse, every token must
stand alone as exactly one part's payload, or the caller parses the message again in full
(``Passed.consistent``). So what is listed is what the full parse lists.

Reads private attributes of ``email.feedparser.FeedParser`` (``_cur``, ``_msgstack``), stable
from Python 3.3 to 3.14; without them nothing is passed over. Pure: no I/O, no logging.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from email.feedparser import BytesFeedParser
from email.message import EmailMessage, Message
from email.policy import EmailPolicy

__all__ = ["Passed", "PassedPart", "feed_body"]

_CHUNK = 1024 * 1024
# The base64 alphabet and the whitespace a body may hold; what is left after deleting them
# must be whitespace, then at most two "=" at the very end.
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_WHITESPACE = b"\r\n \t"
# Past these the parser is left to read the rest as it is: real mail nests a few parts deep
# and has a few dozen boundaries; hostile mail must not make this loop costly.
_MAX_DEPTH = 8
_MAX_STEPS = 1000
_MAX_MISSES = 10_000
_PASSABLE_MAINTYPES = frozenset({"text", "multipart", "message"})  # never passed over
_NEWLINE = re.compile(rb"\r\n|\r|\n")
# email.feedparser's headerRE, on bytes: a line the parser reads as a header (or its
# continuation, or an envelope "From " line).
_HEADER_LINE = re.compile(rb"(From |[\041-\071\073-\176]*:|[\t ])")


@dataclass(frozen=True, slots=True)
class PassedPart:
    """A part whose body was not given to the parser: where it lies and its decoded size."""

    start: int
    end: int
    size_bytes: int


@dataclass(slots=True)
class Passed:
    """The parts passed over in one parse, by the token that stands for each."""

    source: bytes = b""
    nonce: str = ""
    parts: dict[str, PassedPart] = field(default_factory=dict)
    misses: int = 0  # separators met that begin no line

    def part(self, payload: object) -> PassedPart | None:
        return self.parts.get(payload) if isinstance(payload, str) else None

    def content(self, passed: PassedPart) -> bytes:
        """The part's decoded content, as the standard library decodes plain base64."""
        import base64

        return base64.b64decode(self.source[passed.start : passed.end])

    def consistent(self, root: Message) -> bool:
        """Every token is exactly one leaf's whole payload, and no payload holds one else."""
        if not self.parts:
            return True
        found: list[str] = []
        for part in root.walk():
            payload = part.get_payload()
            if isinstance(payload, str) and self.nonce in payload:
                if payload not in self.parts:
                    return False
                found.append(payload)
        return sorted(found) == sorted(self.parts)


def base64_size(data: bytes, start: int, end: int) -> int | None:
    """The decoded size of plain base64 text at data[start:end], counted a megabyte at a time
    and never decoded; None unless it is plain (the alphabet and whitespace, then one or two
    "=" and whitespace only, a whole number of quanta): ``contactguard.mail.mime``'s rule for
    a parsed payload, whose last line ending (here still included) is whitespace too."""
    whitespace = padding = 0
    for at in range(start, end, _CHUNK):
        chunk = data[at : min(end, at + _CHUNK)]
        others = chunk.translate(None, _ALPHABET)
        marks = others.translate(None, _WHITESPACE)
        whitespace += len(others) - len(marks)
        if padding and len(others) != len(chunk):
            return None  # the alphabet after the padding
        if not marks:
            continue
        first = chunk.find(b"=")
        tail = chunk[first:]
        if padding or marks.strip(b"=") or len(marks) > 2:
            return None  # not "=" alone, "=" in two places, or more than two
        if tail.lstrip(b"=").translate(None, _WHITESPACE):
            return None  # anything but whitespace after the padding
        padding = len(marks)
    chars = end - start - whitespace
    if chars % 4:
        return None
    return chars // 4 * 3 - padding


def _line_end(data: bytes, start: int) -> int:
    """Where the line starting at `start` ends (past its CR, LF or CRLF), or len(data)."""
    found = _NEWLINE.search(data, start)
    return found.end() if found is not None else len(data)


class _Boundaries:
    """Lines that the parser takes for one of these boundaries (its rule: the separator,
    perhaps "--", spaces or tabs, then the line's end), found with bytes.find."""

    def __init__(self, boundaries: list[bytes]) -> None:
        self.separators = [b"--" + b for b in boundaries]
        either = b"|".join(re.escape(s) for s in self.separators)
        self.line = re.compile(rb"(?:" + either + rb")(?:--)?[ \t]*(?:\r\n|\r|\n|\Z)")

    def next(self, data: bytes, start: int, passed: Passed) -> tuple[int, int]:
        """The first boundary line at or after `start` (a line start): (start, end); (-1, -1)
        when there is none, or once the parse has met too many separators that begin no line
        (hostile input: the parser reads the rest itself, as it did everything before)."""
        ahead = {s: data.find(s, start) for s in self.separators}
        while passed.misses <= _MAX_MISSES:
            found = [at for at in ahead.values() if at >= 0]
            if not found:
                break
            at = min(found)
            if at == start or data[at - 1 : at] in (b"\n", b"\r"):
                match = self.line.match(data, at)
                if match is not None:
                    return at, match.end()
            passed.misses += 1
            for separator, where in ahead.items():
                if where == at:  # each separator is looked for again only once passed
                    ahead[separator] = data.find(separator, at + 1)
        return -1, -1


def _boundaries(stack: list[Message]) -> list[bytes] | None:
    """The boundaries the parser is watching for in the open parts `stack` (each a multipart
    with a boundary), as bytes; None when any is not, or cannot be matched as bytes."""
    found: list[bytes] = []
    for part in stack:
        if part.get_content_maintype() != "multipart":
            return None
        boundary = part.get_boundary()
        if boundary is None:
            return None
        try:
            found.append(boundary.encode("ascii", "surrogateescape"))
        except UnicodeEncodeError:
            return None
    return found


def _passable(part: Message, fresh: Callable[[], EmailPolicy]) -> bool:
    """A base64 leaf that the walk lists as an attachment whatever its disposition. Read
    with a policy of its own, so that the parse's notes and memo are untouched."""
    copy = EmailMessage(policy=fresh())
    for name, value in part.raw_items():
        copy.set_raw(name, value)
    try:
        if "content-type" not in copy or copy.get_content_maintype() in _PASSABLE_MAINTYPES:
            return False
        # As Message.get_payload(decode=True) reads it (not stripped), so that the content
        # read_attachment gives is the one it would decode; mime's count strips it too.
        return str(copy.get("Content-Transfer-Encoding", "")).lower() == "base64"
    except Exception:  # noqa: BLE001 - unreadable: the parser decides
        return False


def _header_block_end(data: bytes, start: int, boundaries: _Boundaries) -> int:
    """Past the blank line that ends the part's headers at `start`, when every line before
    it is a header line for the parser (and none a boundary) and it ends with LF; else -1."""
    pos = start
    while pos < len(data):
        end = _line_end(data, pos)
        line = data[pos:end]
        if line in (b"\n", b"\r\n"):
            return end
        if boundaries.line.match(data, pos) or not _HEADER_LINE.match(line):
            return -1
        pos = end
    return -1


def _feed(parser: BytesFeedParser, data: bytes, start: int, end: int) -> None:
    view = memoryview(data)
    for at in range(start, end, _CHUNK):
        parser.feed(bytes(view[at : min(end, at + _CHUNK)]))


def feed_body(
    parser: BytesFeedParser,
    data: bytes,
    start: int,
    fresh: Callable[[], EmailPolicy],
) -> Passed:
    """Feed data[start:] (the body, after the top-level headers already fed) to `parser`,
    passing over the attachment bodies it can. `fresh` makes a policy like the parse's."""
    passed = Passed(source=data, nonce=f"contactguard-passed-{secrets.token_hex(16)}")
    known: dict[tuple[bytes, ...], _Boundaries] = {}
    pos = start
    for _ in range(_MAX_STEPS):
        stack = getattr(parser, "_msgstack", None)
        if not isinstance(stack, list) or not stack or len(stack) > _MAX_DEPTH:
            break
        watched = _boundaries([m for m in stack if m.get_content_maintype() == "multipart"])
        if not watched:
            break
        boundaries = known.setdefault(tuple(watched), _Boundaries(watched))
        at, line_end = boundaries.next(data, pos, passed)
        if at < 0:
            break
        blank_end = _header_block_end(data, line_end, boundaries)
        if blank_end < 0:
            _feed(parser, data, pos, line_end)
            pos = line_end
            continue
        _feed(parser, data, pos, blank_end)
        pos = blank_end
        token = f"{passed.nonce}-{len(passed.parts)}"
        if _pass_over(parser, data, pos, fresh, token, passed):
            parser.feed(token.encode("ascii") + b"\n")
            pos = passed.parts[token].end  # the line of the boundary that closes it
    _feed(parser, data, pos, len(data))
    return passed


def _pass_over(
    parser: BytesFeedParser,
    data: bytes,
    body: int,
    fresh: Callable[[], EmailPolicy],
    token: str,
    passed: Passed,
) -> bool:
    """When the part the parser has just opened can be passed over, record it under `token`
    (its body: data[body:end], up to the line of the boundary that closes it)."""
    stack = getattr(parser, "_msgstack", None)
    current = getattr(parser, "_cur", None)
    if not isinstance(stack, list) or len(stack) < 2 or current is not stack[-1]:
        return False
    if current.get_payload() is not None or not _passable(current, fresh):
        return False
    enclosing = _boundaries(stack[:-1])
    if not enclosing:
        return False
    end, _ = _Boundaries(enclosing).next(data, body, passed)
    size = base64_size(data, body, end) if end > body else None
    if size is None:
        return False
    passed.parts[token] = PassedPart(body, end, size)
    return True
