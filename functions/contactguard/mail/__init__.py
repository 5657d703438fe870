"""Inbound mail, read safely: the hardened MIME parser, the proven sender, the RFC 3834 rules
and the auto-reply. Shared core: ingest decides with it when mail arrives, and the staff
console reads a filed email's text and attachments with it later. Pure: no AWS, no
environment, no clock, no logging."""
