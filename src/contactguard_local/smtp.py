"""A local SMTP gateway standing in for SES receiving (aiosmtpd on a loopback port).

Mail sent to it with any SMTP client takes the same path as in AWS: the raw message goes to
the raw-mail bucket, ingest gets an SES-shaped RequestResponse event, and its disposition is
honoured, and the delivery function forwards accepted mail with SES raw sending as it does
in AWS. Whatever SES is asked to send lands in a local maildir: the staff mailbox's for mail
to the template's StaffMailbox, and `<staff maildir>/../mail-to/<address>` for anyone else
(the named officer, a customer's auto-reply). Filed and quarantined mail lands nowhere.
Local mail has no SPF, DKIM or DMARC results; the gateway reports them as PASS (or as
configured), since the point is to exercise what follows.
"""

from __future__ import annotations

import mailbox
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from contactguard_local.stack import EmbeddedStack, post_to_maildirs


@dataclass
class Delivery:
    sender: str
    recipients: list[str]
    disposition: str


@dataclass
class GatewayHandler:
    stack: EmbeddedStack
    maildir: Path  # the staff mailbox; everyone else's beside it, in mail-to/<address>
    verdicts: dict[str, str] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    posted: int = 0  # how many of the stack's sent messages are in maildirs already

    def folder_for(self, address: str) -> Path:
        if address == self.stack.staff_mailbox.lower():
            return self.maildir
        return self.maildir.parent / "mail-to" / address

    def post(self) -> None:
        """Put what SES was asked to send since the last call into its recipients' maildirs."""
        post_to_maildirs(self.stack.log.sent[self.posted :], self.folder_for)
        self.posted = len(self.stack.log.sent)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw: bytes = envelope.original_content or envelope.content
        parsed = message_from_bytes(raw, policy=default_policy)
        from_header = getaddresses([str(parsed.get("From", ""))])
        sender = from_header[0][1] if from_header and from_header[0][1] else envelope.mail_from
        subject = str(parsed.get("Subject", ""))
        with self.lock:  # one message at a time through the embedded stack
            disposition = self.stack.deliver_email(
                raw, sender, subject, verdicts=self.verdicts or None
            )
            self.post()
            self.deliveries.append(Delivery(sender, list(envelope.rcpt_tos), disposition))
        return "250 Message accepted for delivery"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class SmtpGateway:
    """Start with `with SmtpGateway(stack, maildir_path) as gateway:`; port 0 picks a free one."""

    def __init__(
        self,
        stack: EmbeddedStack,
        maildir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        verdicts: dict[str, str] | None = None,
    ) -> None:
        maildir.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(maildir)  # made now, so an empty staff mailbox exists to look at
        self.handler = GatewayHandler(stack, maildir, verdicts or {})
        self.host, self.port = host, port or _free_port(host)
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def __enter__(self) -> SmtpGateway:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
