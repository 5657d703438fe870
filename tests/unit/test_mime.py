"""Raw MIME parsing, RFC 3834 auto-reply eligibility and the auto-reply itself.

Golden files: tests/fixtures/eml/<name>.eml and <name>.expected.json. The parser must never
raise: CPython's own email test corpus, hostile structures and Hypothesis-generated input.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import sysconfig
import time
import tracemalloc
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactguard.mail.auto_reply import AutoReplyReason, build_auto_reply, may_auto_reply
from contactguard.mail.mime import AttachmentInfo, ParsedMessage, parse_message, read_attachment

EML_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "eml"
EML_FILES = sorted(EML_DIR.glob("*.eml"))
EML_IDS = [path.stem for path in EML_FILES]
REASONS = {str(reason) for reason in AutoReplyReason}
OUR_ADDRESS = "noreply@housing.example"

enforcement = pytest.mark.policy("design-email-enforcement")

FIXTURE_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def expected_for(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
    return data


def assert_sane(parsed: ParsedMessage) -> None:
    """What holds for any input: storable, encodable, one-line subject, lower-case senders."""
    assert isinstance(parsed, ParsedMessage)
    json.dumps(parsed.as_dict(), ensure_ascii=False).encode("utf-8")
    assert "\x00" not in parsed.text
    assert "\n" not in parsed.subject
    assert "\r" not in parsed.subject
    for address in parsed.from_addresses + parsed.reply_to:
        assert address == address.lower()
        assert "@" in address
    assert len(set(parsed.from_addresses)) == len(parsed.from_addresses)
    allowed, reason = may_auto_reply(parsed, authenticated=True)
    assert reason in REASONS
    assert allowed == (reason == AutoReplyReason.OK)


# --- golden files ----------------------------------------------------------------------------


def test_the_golden_set_covers_what_ingest_meets() -> None:
    wanted = {
        "plain_text",
        "multipart_alternative",
        "html_only",
        "base64_utf8",
        "latin1_subject",
        "attachment_pdf",
        "forwarded_rfc822",
        "dsn_bounce",
        "out_of_office",
        "uppercase_sender",
        "two_from",
        "no_from",
        "mailing_list",
        "precedence_bulk",
    }
    assert wanted <= set(EML_IDS)
    for path in EML_FILES:
        assert path.with_suffix(".expected.json").is_file(), path.name


@pytest.mark.parametrize("path", EML_FILES, ids=EML_IDS)
def test_golden_message_parses_as_expected(path: Path) -> None:
    raw = path.read_bytes()
    expected = expected_for(path)
    parsed = parse_message(raw)
    actual = parsed.as_dict()
    for key, value in expected.items():
        if key in {"defects_include", "may_auto_reply_when_authenticated"}:
            continue
        assert actual[key] == value, key
    assert set(expected["defects_include"]) <= set(parsed.defects)
    assert parsed.size_bytes == len(raw)
    assert_sane(parsed)


@enforcement
@pytest.mark.parametrize("path", EML_FILES, ids=EML_IDS)
def test_golden_message_auto_reply_eligibility(path: Path) -> None:
    expected = expected_for(path)["may_auto_reply_when_authenticated"]
    parsed = parse_message(path.read_bytes())
    assert may_auto_reply(parsed, authenticated=True) == (expected["allowed"], expected["reason"])
    allowed, reason = may_auto_reply(parsed, authenticated=False)
    assert not allowed
    if expected["allowed"]:
        assert reason == AutoReplyReason.UNAUTHENTICATED
    else:
        assert reason == expected["reason"]


@pytest.mark.parametrize("path", EML_FILES, ids=EML_IDS)
def test_a_stream_parses_like_bytes(path: Path) -> None:
    raw = path.read_bytes()
    from_bytes = parse_message(raw).as_dict()
    with path.open("rb") as stream:
        assert parse_message(stream).as_dict() == from_bytes
    assert parse_message(bytearray(raw)).as_dict() == from_bytes
    assert parse_message(memoryview(raw)).as_dict() == from_bytes


def test_crlf_and_lf_line_endings_give_the_same_result() -> None:
    raw = (EML_DIR / "plain_text.eml").read_bytes()
    assert b"\r\n" in raw
    crlf = parse_message(raw).as_dict()
    lf = parse_message(raw.replace(b"\r\n", b"\n")).as_dict()
    crlf.pop("size_bytes")
    lf.pop("size_bytes")
    assert crlf == lf


# --- details of the fields -------------------------------------------------------------------


def msg(headers: str, body: str = "Body text.\n") -> bytes:
    return (headers.strip("\n") + "\n\n" + body).encode("utf-8")


def test_return_path_distinguishes_absent_from_empty() -> None:
    assert parse_message(msg("From: a@example.org")).return_path is None
    empty = parse_message(msg("Return-Path: <>\nFrom: a@example.org"))
    assert empty.return_path == ""
    assert empty.is_bounce
    spaced = parse_message(msg("Return-Path: < >\nFrom: a@example.org"))
    assert spaced.return_path == ""
    normal = parse_message(msg("Return-Path: <Bounce+X@Example.ORG>\nFrom: a@example.org"))
    assert normal.return_path == "bounce+x@example.org"
    assert not normal.is_bounce


def test_from_addresses_are_normalised_and_deduplicated() -> None:
    parsed = parse_message(
        msg('From: "Smith, J" <J.Smith@Example.ORG>, j.smith@example.org, Other <o@EXAMPLE.net>')
    )
    assert parsed.from_addresses == ["j.smith@example.org", "o@example.net"]
    assert parsed.from_address is None
    single = parse_message(msg("From: J <J@Example.org>"))
    assert single.from_address == "j@example.org"


def test_from_headers_repeated_are_all_read() -> None:
    parsed = parse_message(msg("From: a@example.org\nFrom: b@example.net"))
    assert parsed.from_addresses == ["a@example.org", "b@example.net"]
    assert may_auto_reply(parsed, True) == (False, AutoReplyReason.AMBIGUOUS_SENDER)


def test_an_address_without_a_domain_is_not_a_sender() -> None:
    parsed = parse_message(msg("From: MAILER-DAEMON"))
    assert parsed.from_addresses == []
    assert parsed.is_bounce
    assert "address-incomplete:from" in parsed.defects


def test_reply_to_is_parsed() -> None:
    parsed = parse_message(msg("From: a@example.org\nReply-To: Desk <Desk@Example.org>"))
    assert parsed.reply_to == ["desk@example.org"]


def test_subject_with_encoded_line_breaks_stays_on_one_line() -> None:
    parsed = parse_message(msg("From: a@example.org\nSubject: =?utf-8?q?one=0D=0ABcc:_x@y.z?="))
    assert parsed.subject == "one Bcc: x@y.z"


def test_subject_in_an_unknown_charset_falls_back_safely() -> None:
    parsed = parse_message(msg("From: a@example.org\nSubject: =?x-unknown?q?caf=E9?= ok"))
    assert parsed.subject.startswith("caf")
    assert parsed.subject.endswith("ok")


def test_message_id_is_normalised_or_dropped() -> None:
    assert parse_message(msg("Message-ID: <a.b@c>")).message_id == "<a.b@c>"
    assert parse_message(msg("Message-ID: a.b@c")).message_id == "<a.b@c>"
    assert parse_message(msg("Message-ID: not an id")).message_id is None
    assert parse_message(msg("From: a@example.org")).message_id is None


def test_dates_parse_or_are_none() -> None:
    parsed = parse_message(msg("Date: Tue, 3 Mar 2026 18:02:11 +0000"))
    assert parsed.date is not None
    assert parsed.date.isoformat() == "2026-03-03T18:02:11+00:00"
    assert parse_message(msg("Date: yesterday-ish")).date is None


def test_body_charset_fallbacks() -> None:
    def body(charset: str, payload: bytes) -> ParsedMessage:
        head = f"From: a@example.org\nContent-Type: text/plain; charset={charset}\n"
        return parse_message(head.encode() + b"\n" + payload)

    assert body("utf-8", "café".encode()).text == "café"
    assert body("iso-8859-1", "café".encode("latin-1")).text == "café"
    mislabelled = body("us-ascii", "café".encode())  # UTF-8 labelled ASCII
    assert mislabelled.text == "café"
    assert "charset-mismatch" in mislabelled.defects
    windows = body("x-bogus", "it\u2019s".encode("cp1252"))
    assert windows.text == "it\u2019s"
    assert "charset-unknown" in windows.defects
    latin = body("x-bogus", b"\x81\x8d\x8f")  # undefined in cp1252: latin-1 takes anything
    assert len(latin.text) == 3
    # Codecs that are not character sets are refused, not run.
    escape = body("unicode_escape", b"\\u0041")
    assert escape.text == "\\u0041"


def test_control_characters_and_nuls_are_removed_from_text() -> None:
    parsed = parse_message(b"From: a@example.org\n\nbad\x00 \x07bell\x1b[31m\r\nnext\rline\n")
    assert parsed.text == "bad bell[31m\nnext\nline"


def test_html_only_mail_loses_scripts_styles_comments_and_tags() -> None:
    html = (
        "<html><head><style>.x{}</style><script>if (a<b) alert('x')</script></head>"
        "<body><p>First &amp; <i>second</i></p><!-- hidden --><table><tr><td>cell</td></tr>"
        "</table>a &lt; b<br/>end</body></html>"
    )
    parsed = parse_message(
        b"From: a@example.org\nContent-Type: text/html; charset=utf-8\n\n" + html.encode()
    )
    assert parsed.text == "First & second\n\ncell\n\na < b\nend"


def test_an_unclosed_head_does_not_swallow_the_body() -> None:
    parsed = parse_message(
        b"From: a@example.org\nContent-Type: text/html\n\n<html><head><body>Visible</body>"
    )
    assert parsed.text == "Visible"


def test_plain_text_is_preferred_to_html_anywhere_in_the_message() -> None:
    raw = b"""From: a@example.org
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/html

<p>HTML version</p>
--inner
Content-Type: text/plain

Plain version
--inner--
--outer
Content-Type: text/plain

Second plain part
--outer--
"""
    assert parse_message(raw).text == "Plain version\n\nSecond plain part"


def test_attachments_are_described_never_kept() -> None:
    names = {f.name for f in dataclasses.fields(AttachmentInfo)}
    assert names == {"filename", "content_type", "size_bytes"}
    raw = b"""From: a@example.org
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

See attachments.
--b
Content-Type: image/png
Content-Disposition: inline; filename="photo.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b
Content-Type: text/plain; name="notes.txt"
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.txt

some notes
--b
Content-Type: application/octet-stream
Content-Transfer-Encoding: x-made-up

abcdef
--b--
"""
    parsed = parse_message(raw)
    assert parsed.text == "See attachments."
    assert parsed.attachments == [
        AttachmentInfo("photo.png", "image/png", 8),
        AttachmentInfo("résumé.txt", "text/plain", len(b"some notes")),
        AttachmentInfo(None, "application/octet-stream", len(b"abcdef")),
    ]


MIXED = b"""From: a@example.org
Subject: Evidence
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

See attachments.
--b
Content-Type: image/png
Content-Disposition: inline; filename="photo.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b
Content-Type: message/rfc822

From: b@example.org
Subject: forwarded

The earlier message.
--b
Content-Type: application/octet-stream
Content-Transfer-Encoding: x-made-up

abcdef
--b--
"""


def test_an_attachment_is_read_by_its_place_in_the_list() -> None:
    listed = parse_message(MIXED).attachments
    read = [read_attachment(MIXED, i) for i in range(len(listed))]
    assert [r[0] for r in read if r] == listed
    photo, forwarded, unknown = (r[1] for r in read if r)
    assert photo == base64.b64decode("iVBORw0KGgo=")
    assert forwarded.startswith(b"From: b@example.org")  # an .eml of its own
    assert forwarded.endswith(b"The earlier message.")
    assert unknown.rstrip() == b"abcdef"  # undecodable: as sent


@pytest.mark.parametrize("index", [-1, 3, 99])
def test_no_attachment_there_is_none(index: int) -> None:
    assert read_attachment(MIXED, index) is None


def test_a_message_past_the_part_limit_gives_no_attachment() -> None:
    assert read_attachment(MIXED, 0, max_parts=2) is None
    assert read_attachment(b"\x00\xff not a message", 0) is None


@pytest.mark.slow
def test_a_10_mb_attachment_is_measured_from_a_stream(tmp_path: Path) -> None:
    size = 10 * 1024 * 1024
    message = EmailMessage()
    message["From"] = "Alex Tenant <alex.tenant@example.org>"
    message["Subject"] = "Big scan"
    message.set_content("Scan attached.")
    message.add_attachment(
        bytes(range(256)) * (size // 256),
        maintype="application",
        subtype="pdf",
        filename="scan.pdf",
    )
    path = tmp_path / "big.eml"
    path.write_bytes(message.as_bytes())
    del message
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            parsed = parse_message(stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parsed.attachments == [AttachmentInfo("scan.pdf", "application/pdf", size)]
    assert parsed.text == "Scan attached."
    assert parsed.from_addresses == ["alex.tenant@example.org"]
    assert parsed.size_bytes == path.stat().st_size
    assert parsed.defects == []
    # The stdlib parser holds the encoded body as lines and then as one string; anything that
    # also kept decoded payloads or extra copies of the message would blow through this.
    assert peak < 8 * path.stat().st_size


def test_a_large_text_body_is_capped() -> None:
    raw = b"From: a@example.org\n\n" + b"word " * 50_000
    parsed = parse_message(raw, max_text_chars=1000)
    assert len(parsed.text) == 1000
    assert parsed.text_truncated
    assert "text-truncated" in parsed.defects


# --- oversized and hostile input -------------------------------------------------------------


def big_header_block(kilobytes: int) -> bytes:
    received = b"".join(
        b"Received: from relay%d.example.net by mx.example.org with ESMTP id %d;\n"
        b" Mon, 2 Mar 2026 09:15:00 +0000\n" % (i, i)
        for i in range(kilobytes * 1024 // 100 + 1)
    )
    return received


def test_headers_over_10_kb_parse_in_full() -> None:
    raw = (
        big_header_block(12)
        + b"From: Alex <alex@example.org>\nSubject: Still here\n"
        + b"Content-Type: text/plain; charset=utf-8\n\nBody survives.\n"
    )
    parsed = parse_message(raw)
    assert not parsed.headers_truncated
    assert parsed.from_addresses == ["alex@example.org"]
    assert parsed.text == "Body survives."


@pytest.mark.parametrize("stream", [False, True], ids=["bytes", "stream"])
def test_an_oversized_header_block_keeps_what_matters(stream: bool) -> None:
    raw = (
        big_header_block(100)
        + b"From: Alex <alex@example.org>\nSubject: Still here\nList-Id: <x.example.org>\n"
        + b"Content-Type: multipart/mixed; boundary=zz\n\n"
        + b"--zz\nContent-Type: text/plain\n\nBody survives.\n--zz--\n"
    )
    parsed = parse_message(io.BytesIO(raw) if stream else raw, max_header_bytes=8 * 1024)
    assert parsed.headers_truncated
    assert "headers-truncated" in parsed.defects
    assert parsed.from_addresses == ["alex@example.org"]
    assert parsed.subject == "Still here"
    assert parsed.is_mailing_list
    assert parsed.text == "Body survives."
    assert parsed.size_bytes == len(raw)


def test_a_message_that_is_all_header_is_cut_down() -> None:
    raw = big_header_block(100) + b"From: a@example.org\n"
    parsed = parse_message(raw, max_header_bytes=4096)
    assert parsed.headers_truncated
    assert parsed.from_addresses == ["a@example.org"]


def test_nested_comments_in_headers_do_not_recurse_to_death() -> None:
    raw = b"From: " + b"(" * 900 + b"\nContent-Type: text/plain; " + b"(" * 900 + b"\n\nhi\n"
    parsed = parse_message(raw)
    assert parsed.from_addresses == []
    assert parsed.text == "hi"
    assert any(d.startswith("header-unparseable") for d in parsed.defects)


def test_deeply_nested_multiparts_fall_back_to_headers() -> None:
    nest = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(3000)
    )
    parsed = parse_message(b"From: a@example.org\nSubject: deep\n" + nest + b"x\n")
    assert parsed.from_addresses == ["a@example.org"]
    assert parsed.subject == "deep"
    assert parsed.defects[0] in {"too-many-parts", "structure-unparseable"}


def test_too_many_parts_keeps_the_headers() -> None:
    parts = b"".join(b"--b\nContent-Type: text/plain\n\npart %d\n" % i for i in range(60))
    raw = b"From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n" + parts + b"--b--\n"
    parsed = parse_message(raw, max_parts=50)
    assert parsed.defects[0] == "too-many-parts"
    assert parsed.from_addresses == ["a@example.org"]
    assert parsed.text == ""
    assert parse_message(raw).text.startswith("part 0")
    with io.BytesIO(raw) as stream:  # a stream cannot be read twice: nothing but the defect
        assert parse_message(stream, max_parts=50).defects == ["too-many-parts"]


def test_hostile_mime_parameters_stay_cheap() -> None:
    """Thousands of quotes or semicolons in per-part headers are super-linear for the stdlib's
    structured parser; value caps and a budget keep a 500-part message to a few seconds."""
    parts = []
    for i in range(499):
        crafted = b'a <b@c> "' * 500
        parts.append(
            b"--zz\nContent-Type: text/plain; x%d" % i
            + crafted
            + b"\nContent-Disposition: attachment; x%d" % i
            + crafted
            + b"\n\nhello\n"
        )
    raw = b"From: a@example.org\nContent-Type: multipart/mixed; boundary=zz\n\n"
    raw += b"".join(parts) + b"--zz--\n"
    started = time.perf_counter()
    parsed = parse_message(raw)
    assert time.perf_counter() - started < 15
    assert len(parsed.attachments) == 499
    assert "header-value-truncated:content-type" in parsed.defects


@pytest.mark.parametrize("pattern", ["<a ", "<a b='", "<!--", "</", "<a <b> c"])
def test_pathological_html_is_linear(pattern: str) -> None:
    html = pattern * (400_000 // len(pattern))
    raw = b"From: a@example.org\nContent-Type: text/html\n\n" + html.encode()
    started = time.perf_counter()
    parse_message(raw)
    assert time.perf_counter() - started < 10


def test_nothing_at_all() -> None:
    for raw in (b"", b"\n", b"\r\n\r\n", b"\x00" * 100):
        assert_sane(parse_message(raw))
    assert parse_message(io.BytesIO(b"")).size_bytes == 0


def test_defects_carry_no_message_content() -> None:
    raw = (EML_DIR / "bad_charset_nul.eml").read_bytes()
    parsed = parse_message(raw.replace(b"Date: not a date at all", b"Date: secret-word"))
    for defect in parsed.defects:
        assert "secret" not in defect
        assert "@" not in defect


# --- CPython's email test corpus -------------------------------------------------------------


def cpython_corpus() -> list[Any]:
    data = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    files = sorted(data.glob("msg_*.txt"))
    if not files:
        reason = f"CPython's email test corpus is not installed ({data} has no msg_*.txt)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="absent")]
    return [pytest.param(path, id=path.name) for path in files]


@pytest.mark.parametrize("path", cpython_corpus())
def test_cpython_email_corpus_parses_without_error(path: Path) -> None:
    raw = path.read_bytes()
    parsed = parse_message(raw)
    assert_sane(parsed)
    assert parsed.size_bytes == len(raw)
    with path.open("rb") as stream:
        assert parse_message(stream).as_dict() == parsed.as_dict()


# --- Hypothesis: never raise -----------------------------------------------------------------

GOLDEN_RAW = [path.read_bytes() for path in EML_FILES]
HEADER_NAMES = [
    "From",
    "Reply-To",
    "Return-Path",
    "Subject",
    "Date",
    "Message-ID",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "Auto-Submitted",
    "Precedence",
    "List-Id",
    "X-Autoreply",
    "MIME-Version",
    "Received",
]
header_value = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"multipart/mixed; boundary=zz",
            b'multipart/alternative; boundary=""',
            b'text/plain; charset="\xff\xfe"',
            b"text/html; charset=unicode_escape",
            b"message/rfc822",
            b"multipart/report; report-type=delivery-status; boundary=zz",
            b"=?utf-8?b?////?=",
            b"=?x-klingon?q?=FF=00?=",
            b"<>",
            b"base64",
            b"quoted-printable",
            b"x-uuencode",
            b"auto-replied",
            b'"unterminated',
            b"((((((((((",
            b"a@b, c@d, <e@f>",
        ]
    ),
)
header_line = st.tuples(st.sampled_from(HEADER_NAMES), header_value).map(
    lambda pair: pair[0].encode() + b": " + pair[1].replace(b"\n", b" ")
)
body_bytes = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from(
        [
            b"--zz\nContent-Type: text/plain\n\nhello\n--zz--\n",
            b"--zz\nContent-Type: text/html\n\n<p>x<script>y\n--zz\n",
            b"--zz\n\n--zz--\n--zz--\n",
            b"=E9=\n=ZZ\n",
            b"////====\n",
            b"begin 644 x\nM\nend\n",
        ]
    ),
)


@FIXTURE_SETTINGS
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    assert_sane(parse_message(raw))


@FIXTURE_SETTINGS
@given(st.lists(header_line, max_size=12), st.sampled_from([b"\n", b"\r\n"]), body_bytes)
def test_random_header_blobs_never_raise(headers: list[bytes], newline: bytes, body: bytes) -> None:
    raw = newline.join(headers) + newline + newline + body
    parsed = parse_message(raw)
    assert_sane(parsed)
    assert parse_message(io.BytesIO(raw)).as_dict() == parsed.as_dict()


@st.composite
def mutated_fixture(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(GOLDEN_RAW)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        kind = draw(
            st.sampled_from(
                ["insert", "nul", "delete", "charset", "boundary", "truncate", "header"]
            )
        )
        at = draw(st.integers(min_value=0, max_value=len(raw)))
        if kind == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "nul":
            raw[at:at] = b"\x00" * draw(st.integers(min_value=1, max_value=5))
        elif kind == "delete":
            del raw[at : at + draw(st.integers(min_value=1, max_value=60))]
        elif kind == "charset":
            new = draw(st.sampled_from([b"x-klingon", b"", b'"', b"utf-7", b"idna", b"zlib"]))
            raw = bytearray(bytes(raw).replace(b"charset=", b"charset=" + new + b"x", 1))
        elif kind == "boundary":
            junk = draw(st.binary(min_size=0, max_size=10)).replace(b"\n", b"")
            raw = bytearray(bytes(raw).replace(b"boundary=", b"boundary=" + junk, 1))
        elif kind == "truncate":
            del raw[at:]
        else:
            raw[0:0] = draw(header_line) + b"\n"
    return bytes(raw)


@FIXTURE_SETTINGS
@given(mutated_fixture())
def test_mutated_golden_messages_never_raise(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert_sane(parsed)
    if parsed.from_address is not None:
        reply = build_auto_reply(parsed, parsed.from_address, OUR_ADDRESS, "Please write to us.")
        out = reply.as_bytes()
        assert out.count(b"\nSubject:") == 1
        assert_sane(parse_message(out))


# --- RFC 3834 eligibility and loop guards ----------------------------------------------------


@enforcement
@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-replied", AutoReplyReason.AUTO_SUBMITTED),
        ("Auto-Submitted: auto-generated", AutoReplyReason.AUTO_SUBMITTED),
        ("Auto-Submitted: Auto-Notified (bot)", AutoReplyReason.AUTO_SUBMITTED),
        ("Auto-Submitted:", AutoReplyReason.AUTO_SUBMITTED),
        ("Return-Path: <>", AutoReplyReason.BOUNCE),
        ("X-Failed-Recipients: gone@example.net", AutoReplyReason.BOUNCE),
        (
            "Content-Type: multipart/report; report-type=delivery-status; boundary=x",
            AutoReplyReason.BOUNCE,
        ),
        (
            "Content-Type: multipart/report; report-type=disposition-notification; boundary=x",
            AutoReplyReason.AUTO_REPLY,
        ),
        ("X-Autoreply: yes", AutoReplyReason.AUTO_REPLY),
        ("X-Autorespond: yes", AutoReplyReason.AUTO_REPLY),
        ("Subject: Out of Office: back Monday", AutoReplyReason.AUTO_REPLY),
        ("Subject: Automatic reply: Your letter", AutoReplyReason.AUTO_REPLY),
        ("Subject: Auto: Your email", AutoReplyReason.AUTO_REPLY),
        ("Precedence: bulk", AutoReplyReason.PRECEDENCE_BULK),
        ("Precedence: LIST", AutoReplyReason.PRECEDENCE_BULK),
        ("Precedence: junk", AutoReplyReason.PRECEDENCE_BULK),
        ("List-Id: <residents.example.org>", AutoReplyReason.MAILING_LIST),
        ("List-Unsubscribe: <mailto:leave@example.org>", AutoReplyReason.MAILING_LIST),
        ("List-Post: <mailto:list@example.org>", AutoReplyReason.MAILING_LIST),
    ],
)
def test_no_auto_reply_to_machines_or_lists(headers: str, reason: AutoReplyReason) -> None:
    parsed = parse_message(msg("From: Alex <alex@example.org>\n" + headers))
    assert may_auto_reply(parsed, authenticated=True) == (False, reason)


@enforcement
@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.net", "postmaster@example.org"])
def test_no_auto_reply_to_mail_system_senders(sender: str) -> None:
    parsed = parse_message(msg(f"From: {sender}"))
    assert may_auto_reply(parsed, authenticated=True) == (False, AutoReplyReason.BOUNCE)


@enforcement
def test_auto_submitted_no_is_a_person() -> None:
    parsed = parse_message(msg("From: alex@example.org\nAuto-Submitted: no"))
    assert not parsed.is_auto_submitted
    assert may_auto_reply(parsed, authenticated=True) == (True, AutoReplyReason.OK)
    assert may_auto_reply(parsed, authenticated=False) == (False, AutoReplyReason.UNAUTHENTICATED)


@enforcement
def test_senders_must_be_exactly_one() -> None:
    assert may_auto_reply(parse_message(msg("To: x@example.org")), True) == (
        False,
        AutoReplyReason.NO_SENDER,
    )
    two = parse_message(msg("From: a@example.org, b@example.org"))
    assert may_auto_reply(two, True) == (False, AutoReplyReason.AMBIGUOUS_SENDER)


def original_message(**changes: Any) -> ParsedMessage:
    fields: dict[str, Any] = {
        "from_addresses": ["alex@example.org"],
        "subject": "Leaking tap",
        "message_id": "<20260302.1234@mail.example.org>",
    }
    fields.update(changes)
    return ParsedMessage(**fields)


@enforcement
def test_the_auto_reply_is_marked_and_threaded() -> None:
    reply = build_auto_reply(
        original_message(), "alex@example.org", OUR_ADDRESS, "We do not accept email."
    )
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["X-Auto-Response-Suppress"] == "All"
    assert reply["In-Reply-To"] == "<20260302.1234@mail.example.org>"
    assert reply["References"] == "<20260302.1234@mail.example.org>"
    assert reply["Subject"] == "Auto: Leaking tap"
    assert reply["To"] == "alex@example.org"
    assert reply["From"] == OUR_ADDRESS
    assert reply["Date"] is None  # no clock here: the caller may pass one
    assert reply.get_content().strip() == "We do not accept email."


@enforcement
def test_our_own_auto_reply_is_never_answered() -> None:
    reply = build_auto_reply(original_message(), "alex@example.org", OUR_ADDRESS, "Text.")
    parsed = parse_message(reply.as_bytes())
    assert parsed.is_auto_submitted
    assert parsed.is_auto_reply
    assert may_auto_reply(parsed, authenticated=True) == (False, AutoReplyReason.AUTO_SUBMITTED)


@enforcement
def test_the_auto_reply_subject_cannot_inject_headers() -> None:
    hostile = original_message(subject="Hi\r\nBcc: victim@example.net\nX-Evil: 1")
    reply = build_auto_reply(hostile, "alex@example.org", OUR_ADDRESS, "Text.")
    out = reply.as_bytes()
    assert out.count(b"\nBcc:") == 0
    assert out.count(b"\nX-Evil:") == 0
    assert reply["Subject"] == "Auto: Hi Bcc: victim@example.net X-Evil: 1"
    parsed_back = message_from_bytes(out, policy=email_policy.default)
    assert parsed_back["Bcc"] is None


def test_the_auto_reply_handles_missing_subject_and_message_id() -> None:
    reply = build_auto_reply(
        original_message(subject="", message_id=None), "alex@example.org", OUR_ADDRESS, "Text."
    )
    assert reply["Subject"] == "Auto:"
    assert reply["In-Reply-To"] is None
    assert reply["References"] is None


def test_the_auto_reply_takes_date_and_message_id_from_the_caller() -> None:
    from datetime import UTC, datetime

    when = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    reply = build_auto_reply(
        original_message(),
        "alex@example.org",
        OUR_ADDRESS,
        "Text.",
        date=when,
        message_id="<reply-1@housing.example>",
    )
    assert reply["Date"].datetime == when
    assert reply["Message-ID"] == "<reply-1@housing.example>"
    with pytest.raises(ValueError, match="Message-ID"):
        build_auto_reply(
            original_message(), "alex@example.org", OUR_ADDRESS, "T", message_id="no\r\nX: y"
        )


def test_the_auto_reply_keeps_non_ascii_subjects() -> None:
    reply = build_auto_reply(
        original_message(subject="Chauffage à réparer"), "alex@example.org", OUR_ADDRESS, "Text."
    )
    parsed = parse_message(reply.as_bytes())
    assert parsed.subject == "Auto: Chauffage à réparer"


@enforcement
@pytest.mark.parametrize(
    ("to", "sender", "match"),
    [
        ("someone.else@example.org", OUR_ADDRESS, "not the original sender"),
        ("alex@example.org\r\nBcc: x@example.net", OUR_ADDRESS, "invalid recipient"),
        ("not an address", OUR_ADDRESS, "invalid recipient"),
        ("alex@example.org", "bad\nsender@example.org", "invalid sender"),
        ("alex@example.org", "alex@example.org", "own address"),
    ],
)
def test_the_auto_reply_goes_only_to_the_original_sender(to: str, sender: str, match: str) -> None:
    with pytest.raises(ValueError, match=match) as raised:
        build_auto_reply(original_message(), to, sender, "Text.")
    assert "@" not in str(raised.value)


def test_recipient_case_does_not_matter() -> None:
    reply = build_auto_reply(original_message(), "Alex@Example.org", OUR_ADDRESS, "Text.")
    assert reply["To"] == "Alex@Example.org"


def test_the_reply_body_is_text_with_unix_newlines_removed_of_surrogates() -> None:
    reply = build_auto_reply(original_message(), "alex@example.org", OUR_ADDRESS, "a\r\nb\udcff")
    assert reply.get_content() == "a\nb\ufffd\n"


def test_a_base64_body_decodes() -> None:
    body = base64.b64encode("Zoë — £5".encode()).decode()
    raw = (
        "From: z@example.org\nContent-Type: text/plain; charset=utf-8\n"
        f"Content-Transfer-Encoding: base64\n\n{body}\n"
    ).encode()
    assert parse_message(raw).text == "Zoë — £5"


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 57, 58, 1000, 100_001])
def test_an_attachments_size_is_exact_without_decoding_it(size: int) -> None:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg.set_content("see attached")
    msg.add_attachment(bytes(size), maintype="application", subtype="pdf", filename="a.pdf")
    (attachment,) = parse_message(msg.as_bytes()).attachments
    assert attachment.size_bytes == size


def test_a_broken_base64_attachment_is_sized_by_the_decoder() -> None:
    raw = (
        b"From: a@example.org\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"QUJD\r\nRA\r\n--b--\r\n"  # 6 characters: not a whole number of base64 quanta
    )
    (attachment,) = parse_message(raw).attachments
    assert attachment.size_bytes == len(base64.b64decode("QUJDRA=="))


@pytest.mark.parametrize("text", ["QU.J", "QQ==QQ==", "QUJDRA=\r\n="])
def test_base64_outside_the_alphabet_or_with_inner_padding_is_not_counted(text: str) -> None:
    from email.message import Message

    from contactguard.mail.mime import _base64_size

    part = Message()
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(text)
    assert _base64_size(part) is None  # the decoder sizes it instead
