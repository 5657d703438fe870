"""Attachment bodies passed over (contactguard.mail.passover): the standard library's parser
is never given them, and nothing that parse_message or read_attachment returns changes."""

from __future__ import annotations

import base64
import random
from email.feedparser import BytesFeedParser
from email.message import EmailMessage, Message
from typing import Any

import pytest

from contactguard.mail import mime, passover
from contactguard.mail.mime import AttachmentInfo, parse_message, read_attachment
from contactguard.mail.passover import Passed


def feed_everything(parser: Any, data: bytes, start: int, fresh: Any) -> Passed:
    """The parse as it was: every body to the parser."""
    parser.feed(data[start:])
    return Passed()


def both_ways(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """What parse_message and read_attachment give, passing over and reading in full."""

    def read(raw: bytes) -> tuple[dict[str, Any], list[Any]]:
        parsed = parse_message(raw).as_dict()
        return parsed, [read_attachment(raw, i) for i in range(len(parsed["attachments"]))]

    passing_over = read(raw)
    with monkeypatch.context() as patch:
        patch.setattr(mime, "feed_body", feed_everything)
        in_full = read(raw)
    return passing_over, in_full


class CountingParser(BytesFeedParser):
    fed = 0

    def feed(self, data: bytes) -> None:  # type: ignore[override]
        CountingParser.fed += len(data)
        super().feed(data)


def evidence(size: int) -> tuple[bytes, bytes]:
    content = bytes(range(256)) * (size // 256)
    message = EmailMessage()
    message["From"] = "Alex Tenant <alex.tenant@example.org>"
    message["Subject"] = "Big scan"
    message.set_content("Scan attached.")
    message.add_attachment(content, "application", "pdf", filename="scan.pdf")
    message.add_attachment(b"\x89PNG" + bytes(999), "image", "png", filename="photo.png")
    return message.as_bytes(), content


@pytest.mark.slow
def test_attachment_bodies_never_reach_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, content = evidence(10 * 1024 * 1024)
    monkeypatch.setattr(mime, "BytesFeedParser", CountingParser)
    CountingParser.fed = 0
    parsed = parse_message(raw)
    assert parsed.attachments == [
        AttachmentInfo("scan.pdf", "application/pdf", len(content)),
        AttachmentInfo("photo.png", "image/png", 1003),
    ]
    assert parsed.text == "Scan attached."
    assert parsed.size_bytes == len(raw)
    assert parsed.defects == []
    assert CountingParser.fed < 4096  # the headers, the text and two lines standing in
    CountingParser.fed = 0
    found = read_attachment(raw, 0)
    assert found is not None
    assert found[1] == content  # decoded from where it lies, when asked for
    assert CountingParser.fed < 4096


def test_a_stream_is_read_once_and_passed_over_like_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    raw, content = evidence(300_000)
    assert parse_message(io.BytesIO(raw)) == parse_message(raw)
    assert read_attachment(io.BytesIO(raw), 0) == read_attachment(raw, 0)


def test_when_the_parser_reads_a_part_otherwise_the_message_is_read_in_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw, _ = evidence(300_000)
    expected = both_ways(raw, monkeypatch)[1]
    calls: list[bool] = []

    def never(self: Passed, root: Message) -> bool:
        calls.append(bool(self.parts))
        return not self.parts

    monkeypatch.setattr(Passed, "consistent", never)
    assert both_ways(raw, monkeypatch)[0] == expected
    assert True in calls  # it did pass over, found it wanting, and read it all


PLAIN_OR_NOT = [
    "",
    "QQ==",
    "QUI=",
    "QUJD",
    "QUJD\r\nRA==\r\n",
    "QUJD \t\r\n RA==  \r\n",
    "QUJDRA",  # not a whole number of quanta
    "QUJD\r\nRA=\r\n=",  # padding in two places
    "QQ==QQ==",  # the alphabet after padding
    "QU.J",  # outside the alphabet
    "Q===",  # three padding characters
    "=QUJ",
    "QUJ\x00",
    "QUJ\u00e9",
]


@pytest.mark.parametrize("chunk", [3, 5, 1024 * 1024])
@pytest.mark.parametrize("text", PLAIN_OR_NOT)
def test_base64_is_counted_where_it_lies_as_the_parsed_payload_is(
    text: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same count as mime's of a parsed payload, or None, however it falls in chunks
    (padding that a chunk edge splits is left to the parser: None, never a wrong size)."""
    monkeypatch.setattr(passover, "_CHUNK", chunk)
    data = b"xx" + text.encode("utf-8") + b"\r\n--b"
    counted = passover.base64_size(data, 2, len(data) - 3)
    part = Message()
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(text)
    parsed = mime._base64_size(part)
    assert counted == parsed or (counted is None and chunk < 1024)


# --- random structures: the same answer both ways ---------------------------------------------


def _base64_body(rnd: random.Random, newline: bytes) -> bytes:
    text = base64.b64encode(rnd.randbytes(rnd.choice([0, 1, 2, 3, 57, 58, 400])))
    choice = rnd.random()
    if choice < 0.1:
        text = text.rstrip(b"=")
    elif choice < 0.15:
        text += b"="
    elif choice < 0.2:
        text = text.replace(b"A", b"!", 1)
    elif choice < 0.25:
        text += b"  \t"
    lines = [text[i : i + 76] for i in range(0, len(text), 76)] or [b""]
    if rnd.random() < 0.1:
        lines.insert(rnd.randrange(len(lines) + 1), b"--" + rnd.choice([b"a0", b"b:c1", b"x"]))
    return newline.join(lines)


def _part(rnd: random.Random, depth: int, newline: bytes, outer: list[bytes]) -> bytes:
    headers: list[bytes] = []
    kind = rnd.random()
    if depth < 3 and kind < 0.3:
        boundary = rnd.choice([b"a", b"b:c", b"=_x"]) + str(rnd.randrange(3)).encode()
        if outer and rnd.random() < 0.2:
            boundary = rnd.choice(outer)  # the same boundary nested: the parser's to sort out
        subtype = rnd.choice([b"mixed", b"alternative", b"related", b"digest"])
        headers.append(b"Content-Type: multipart/" + subtype + b'; boundary="' + boundary + b'"')
        lines = [b"preamble --" + boundary] if rnd.random() < 0.3 else []
        for _ in range(rnd.randrange(4)):
            lines += [b"--" + boundary + rnd.choice([b"", b" ", b"\t "])]
            lines += [_part(rnd, depth + 1, newline, [*outer, boundary])]
        if rnd.random() < 0.85:
            lines.append(b"--" + boundary + b"--")
        body = newline.join(lines)
    elif kind < 0.4:
        headers.append(b"Content-Type: text/plain; charset=utf-8")
        body = "Zoë wrote".encode()
    elif kind < 0.45:
        headers.append(b"Content-Type: message/rfc822")
        body = newline.join([b"From: x@example.org", b"", b"inner"])
    else:
        ctype = rnd.choice([b"application/pdf", b"image/png", b"text/csv", b"image/"])
        headers.append(b"Content-Type: " + ctype + rnd.choice([b"", b'; name="f.pdf"']))
        if rnd.random() < 0.5:
            headers.append(b'Content-Disposition: attachment; filename="x.bin"')
        encoding = rnd.choice([b"base64", b"base64", b"Base64 ", b"quoted-printable", b"7bit"])
        headers.append(b"Content-Transfer-Encoding: " + encoding)
        body = _base64_body(rnd, newline)
    if rnd.random() < 0.1:
        headers.append(b" folded")
    if rnd.random() < 0.05:
        headers.insert(0, b"not a header")
    blank = b"X" if rnd.random() < 0.05 else b""
    return newline.join([*headers, blank, body])


@pytest.mark.parametrize("seed", range(4))
def test_random_structures_read_the_same_passing_over_or_in_full(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = random.Random(seed)
    passed = 0
    original = passover.feed_body

    def counting(*args: Any) -> Passed:
        nonlocal passed
        found = original(*args)
        passed += len(found.parts)
        return found

    monkeypatch.setattr(mime, "feed_body", counting)
    for _ in range(150):
        newline = rnd.choice([b"\r\n", b"\n", b"\r"] if rnd.random() < 0.2 else [b"\r\n", b"\n"])
        raw = newline.join([b"From: a@example.org", b"Subject: s", b""])
        raw += _part(rnd, 0, newline, [])
        passing_over, in_full = both_ways(raw, monkeypatch)
        assert passing_over == in_full, raw
    assert passed > 10  # the structures do reach the parts it passes over


def _corpus() -> list[Any]:
    import sysconfig
    from pathlib import Path

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    cpython = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    paths = sorted(fixtures.glob("**/*.eml")) + sorted(cpython.glob("msg_*.txt"))
    return [pytest.param(path, id=f"{path.parent.name}/{path.name}") for path in paths]


@pytest.mark.parametrize("path", _corpus())
def test_every_stored_message_reads_the_same_passing_over_or_in_full(
    path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The golden files and CPython's email corpus, as they are and with CRLF endings."""
    raw = path.read_bytes()
    for message in (raw, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")):
        passing_over, in_full = both_ways(message, monkeypatch)
        assert passing_over == in_full


def test_separators_that_begin_no_line_cannot_make_passing_over_costly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hostile mail full of "--boundary" inside lines: past a bounded number of them the
    parser reads the rest itself, and the answer is the one the full parse gives."""
    spam = b"x--a0 " * 20_000
    raw = (
        b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=a0\r\n\r\n"
        b"--a0\r\nContent-Type: text/plain\r\n\r\n" + spam + b"\r\n"
        b"--a0\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"QUJD\r\n--a0--\r\n"
    )
    misses: list[int] = []
    original = passover.feed_body

    def counting(*args: Any) -> Passed:
        found = original(*args)
        misses.append(found.misses)
        return found

    monkeypatch.setattr(mime, "feed_body", counting)
    passing_over, in_full = both_ways(raw, monkeypatch)
    assert passing_over == in_full
    assert passing_over[0]["attachments"][0]["size_bytes"] == 3
    assert misses
    assert max(misses) <= passover._MAX_MISSES + 1
