"""Who sent an email, read strictly: one unambiguous, bounded From mailbox, or a reason why not.

Identity is the most dangerous thing ingest decides: a contact attributed to a customer is
evidence on their record. So the From header counts only when a strict reading leaves no
doubt about the one mailbox it names. Anything else is a short reason code (safe to log, never
an address) and ingest quarantines the mail for staff review:

- ``no-sender``: no From field, or an empty one;
- ``from-header-malformed``: more than one From field (RFC 5322 §3.6 allows one), a bare CR
  or LF, NUL or another control character, any defect the standard library's header registry
  notes (trailing text after an address, such as ``pat@example.net <evil@x.com>``,
  ``<pat@example.net> evil@x.com`` or ``pat@example.net;evil@x.com``; obsolete route syntax;
  a missing ``@``), or group syntax;
- ``multiple-from-addresses``: a well-formed list of more than one mailbox;
- ``sender-address-too-long``: more than RFC 5321's 64 octets of local part or 254 octets in
  all (checked before the address becomes a key anywhere: DynamoDB refuses partition keys over
  2,048 bytes, and a refused quarantine record once let the mail through);
- ``sender-address-invalid``: a local part that is not a dot-atom (quoted strings with spaces,
  say) or a domain that is not a dotted ASCII host name (``localhost``, a U-label).

The parser is ``email.headerregistry`` (what ``email.policy.default`` uses), with every defect
treated as fatal, the strictness ``email.policy.strict`` asks for. Pure: no I/O, no logging.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import AddressHeader, HeaderRegistry
from email.utils import getaddresses
from enum import StrEnum

from contactguard.domain.model import MAX_ADDRESS_LENGTH, MAX_LOCAL_PART_LENGTH, normalise_email

__all__ = [
    "MAX_ADDRESS_OCTETS",
    "MAX_LOCAL_OCTETS",
    "Sender",
    "SenderProblem",
    "bounded_address",
    "strict_sender",
]

# The domain's limits (RFC 5321 §4.5.3.1), counted here in octets as SMTP counts them.
MAX_LOCAL_OCTETS = MAX_LOCAL_PART_LENGTH
MAX_ADDRESS_OCTETS = MAX_ADDRESS_LENGTH
# Past this a header value is not read at all (the registry's parser is super-linear on some
# inputs); a From this long cannot be one bounded mailbox with a sane display name anyway.
MAX_VALUE_CHARS = 4096


class SenderProblem(StrEnum):
    NO_SENDER = "no-sender"
    MALFORMED = "from-header-malformed"
    MULTIPLE = "multiple-from-addresses"
    TOO_LONG = "sender-address-too-long"
    INVALID = "sender-address-invalid"
    MISMATCH = "from-header-mismatch"


@dataclass(frozen=True, slots=True)
class Sender:
    """The one From address (lower-cased addr-spec), or the problem that means there is none."""

    address: str | None = None
    problem: SenderProblem | None = None


_REGISTRY = HeaderRegistry()
# Folding whitespace (CRLF then a space or tab) is allowed; any other CR, LF or control
# character (tab aside), and any lone surrogate (undecodable bytes), is not.
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]"
_LOCAL = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
# Host names in ASCII (an internationalised domain arrives as its A-label, xn--...): a
# U-label such as ``exämple.net`` is quarantined rather than trusted to normalise one way.
# Label lengths (63 at most) are the domain's check, which every sender passes last.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")


def strict_sender(values: Sequence[str]) -> Sender:
    """The sender named by the From field values ``values`` (one per From field), strictly.

    SES's ``commonHeaders.from`` is one field split into a list: join it with ``", "`` first.
    """
    if not values:
        return Sender(problem=SenderProblem.NO_SENDER)
    if len(values) > 1:
        return Sender(problem=SenderProblem.MALFORMED)
    value = _FOLD.sub("", values[0])
    if len(value) > MAX_VALUE_CHARS or _FORBIDDEN.search(value):
        return Sender(problem=SenderProblem.MALFORMED)
    if not value.strip():
        return Sender(problem=SenderProblem.NO_SENDER)
    try:
        header = _REGISTRY("from", value)
    except Exception:  # noqa: BLE001 - a parser failure is a malformed header, nothing more
        return Sender(problem=SenderProblem.MALFORMED)
    if not isinstance(header, AddressHeader):  # pragma: no cover - the registry's From is one
        return Sender(problem=SenderProblem.MALFORMED)
    defects, groups = header.defects, header.groups
    if defects or any(group.display_name is not None for group in groups):
        return Sender(problem=SenderProblem.MALFORMED)
    addresses = [address for group in groups for address in group.addresses]
    if not addresses:
        return Sender(problem=SenderProblem.MALFORMED)
    if len(addresses) > 1:
        return Sender(problem=SenderProblem.MULTIPLE)
    local, domain = str(addresses[0].username), str(addresses[0].domain)
    if not _second_reading_agrees(value, local, domain):
        return Sender(problem=SenderProblem.MALFORMED)
    return bounded_address(local, domain)


def _second_reading_agrees(value: str, local: str, domain: str) -> bool:
    """``email.utils.getaddresses(strict=True)`` (a separate parser, hardened against
    CVE-2023-27043) must read the same one mailbox, up to quoting and case. It refuses some
    valid headers (a comma inside a comment): those are quarantined, which errs the safe way.
    Python releases without ``strict`` (3.11 before 3.11.10) skip this second reading."""
    try:
        pairs = getaddresses([value], strict=True)
    except TypeError:  # pragma: no cover - no strict mode in this Python
        return True
    if len(pairs) != 1:
        return False
    return _unquoted(pairs[0][1]) == f"{local}@{domain}".lower()


def _unquoted(addr_spec: str) -> str:
    """``"pat"@example.net`` as ``pat@example.net``: the same mailbox (RFC 5321 §4.1.2)."""
    local, _, domain = addr_spec.rpartition("@")
    if len(local) >= 2 and local[0] == local[-1] == '"':
        local = re.sub(r"\\(.)", r"\1", local[1:-1])
    return f"{local}@{domain}".lower()


def bounded_address(local: str, domain: str) -> Sender:
    """``local@domain`` lower-cased, when it is within RFC 5321's limits and plainly formed."""
    local, domain = local.lower(), domain.lower()
    address = f"{local}@{domain}"
    if _FORBIDDEN.search(address):
        return Sender(problem=SenderProblem.MALFORMED)
    if len(local.encode()) > MAX_LOCAL_OCTETS or len(address.encode()) > MAX_ADDRESS_OCTETS:
        return Sender(problem=SenderProblem.TOO_LONG)
    if not (_LOCAL.fullmatch(local) and _DOMAIN.fullmatch(domain)):
        return Sender(problem=SenderProblem.INVALID)
    if not all(c.isprintable() for c in address) or "\ufffd" in address:
        return Sender(problem=SenderProblem.INVALID)
    try:  # and the one the domain stores (its EmailAddress type): e.g. labels of 63 at most
        if normalise_email(address) != address:
            return Sender(problem=SenderProblem.INVALID)
    except ValueError:
        return Sender(problem=SenderProblem.INVALID)
    return Sender(address=address)
