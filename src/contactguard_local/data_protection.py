"""docs/data-protection.md, generated: every store of personal data, what it holds, how long it
is kept and why, and who may read it. Written from the retention schedule
(contactguard.domain.retention.RULES), the template (infra/template.yaml: every table, bucket
and log group, the lifecycle rules and the parameters' defaults) and the role grants
(contactguard.domain.access.GRANTS), so it cannot drift from what is deployed.

python -m contactguard_local.data_protection           # rewrite it
python -m contactguard_local.data_protection --check   # exit 1 when it is stale (a test runs this)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contactguard.domain.access import GRANTS, Operation
from contactguard.domain.retention import CASE_RECORDS_SETTING, RULES, RecordKind
from contactguard_local.roles_table import ROLE_ORDER
from contactguard_local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "data-protection.md"


@dataclass(frozen=True)
class Lifecycle:
    """Kept as a bucket's lifecycle rule says (read from the template)."""

    rule: str


@dataclass(frozen=True)
class Store:
    """One kind of record or object, where it lives and under which rule."""

    resource: str  # the template's logical id
    where: str  # the key, prefix or name within it
    holds: str  # the personal data in it, in plain words
    kept: RecordKind | Lifecycle | str  # the retention rule, a lifecycle rule, or in words
    readers: tuple[Operation, ...]  # the operations that read it (their roles may)


T, RAW, LETTERS = "CasesTable", "RawMailBucket", "LettersBucket"
STORES: tuple[Store, ...] = (
    Store(
        T,
        "customer profile `CUSTOMER#{id}` `PROFILE`",
        "name, email addresses, postal address, letter format, designated officer",
        RecordKind.CONTACTS,
        (Operation.READ_CUSTOMER, Operation.LOOKUP, Operation.SUBJECT_ACCESS_EXPORT),
    ),
    Store(
        T,
        "customer search entries `FIND#...`",
        "words of the name, postcode",
        RecordKind.CONTACTS,
        (Operation.LOOKUP,),
    ),
    Store(
        T,
        "email address claims `EMAIL#{address}`",
        "an email address and whose it is",
        RecordKind.CONTACTS,
        (Operation.READ_CUSTOMER,),
    ),
    Store(
        T,
        "a customer's contacts `CUSTOMER#{id}` `CONTACT#...`, their key items and "
        "read-queue entries",
        "when and how they made contact, the subject and summary of an email, flags, the "
        "designated officer's read and note",
        RecordKind.CONTACTS,
        (
            Operation.READ_CONTACTS,
            Operation.READ_FILED_EMAIL,
            Operation.READ_QUEUE,
            Operation.SUBJECT_ACCESS_EXPORT,
        ),
    ),
    Store(
        T,
        "unmatched contacts `UNMATCHED#{address}`",
        "a sender's address, subject and summary",
        RecordKind.UNMATCHED_MAIL,
        (Operation.LINK_EMAIL,),
    ),
    Store(
        T,
        "quarantined contacts `QUARANTINE` (or under the address)",
        "a claimed sender's address, subject and summary",
        RecordKind.QUARANTINED_MAIL,
        (),
    ),
    Store(
        T,
        "case state and events `CASE#{id}`",
        "the decisions under the policy about a customer: behaviours, reasons, restrictions, "
        "appeals, who decided",
        RecordKind.CASE_RECORDS,
        (Operation.READ_CASE, Operation.SUBJECT_ACCESS_EXPORT),
    ),
    Store(
        T,
        "signals for judgement `SIGNAL#...`",
        "that a customer's contacts crossed a volume threshold or read as abusive",
        RecordKind.SIGNALS,
        (Operation.CONSIDER_SIGNAL,),
    ),
    Store(
        T,
        "audit records `AUDIT#...`",
        "which member of staff read or changed which customer's records, when",
        RecordKind.AUDIT,
        (Operation.READ_AUDIT,),
    ),
    Store(
        T,
        "auto-reply ledger `AUTOREPLY#{id}`",
        "when the customer was last sent an auto-reply",
        RecordKind.AUTO_REPLY_LEDGER,
        (),
    ),
    Store(
        T,
        "delivery ledger `DELIVERY#{message id}`",
        "the staff address a message was delivered to",
        RecordKind.DELIVERY_LEDGER,
        (),
    ),
    Store(
        T,
        "console sessions",
        "a member of staff's id, name and roles",
        "until the session ends (a working day), DynamoDB TTL",
        (),
    ),
    Store(
        RAW,
        "`inbound/{SES message id}`",
        "the whole email as received: addresses, body, attachments",
        "with its contact's record: quarantined, unmatched or the customer's "
        "(RetentionPurgeFunction, daily); with no record, the shorter of the quarantined and "
        "unmatched mail periods after it arrived",
        (Operation.READ_FILED_EMAIL, Operation.SUBJECT_ACCESS_EXPORT),
    ),
    Store(
        RAW,
        "`sent/{contact id}.eml`",
        "what we sent the customer or forwarded to staff: auto-replies, forwarded copies",
        "with its outbound contact's record, on the customer's record as their inbound mail "
        "(RetentionPurgeFunction, daily)",
        (Operation.READ_CONTACTS, Operation.SUBJECT_ACCESS_EXPORT),
    ),
    Store(
        RAW,
        "`attachments/`",
        "an attachment staged for a designated officer's download",
        Lifecycle("expire-staged-attachments"),
        (Operation.READ_FILED_EMAIL,),
    ),
    Store(
        LETTERS,
        "`letters/{case id}/`, every version",
        "letters to the customer (and their email versions): name, address, the decision "
        "and its reasons",
        RecordKind.CASE_RECORDS,
        (Operation.READ_LETTER, Operation.READ_REVIEW_PACK),
    ),
    Store(
        LETTERS,
        "`previews/`",
        "a template's preview with a sample case",
        Lifecycle("expire-previews"),
        (),
    ),
    Store(
        LETTERS,
        "`uploads/`",
        "the version of a letter a manager posted, before it is kept",
        Lifecycle("expire-unkept-uploads"),
        (Operation.DECIDE,),
    ),
    Store(
        "ExportsBucket",
        "`exports/{customer id}/{job id}.zip`",
        "a subject access export: everything held on one customer",
        Lifecycle("expire-exports"),
        (Operation.SUBJECT_ACCESS_EXPORT, Operation.RELEASE_SUBJECT_ACCESS_EXPORT),
    ),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _roles(operations: Sequence[Operation]) -> str:
    if not operations:
        return "no staff role: the functions, and operators with AWS access"
    roles = {role for operation in operations for role in GRANTS[operation].roles}
    named = ", ".join(f"`{r.value}`" for r in ROLE_ORDER if r in roles)
    return f"{named} (through {', '.join(f'`{o.value}`' for o in operations)})"


def _kept(
    kept: RecordKind | Lifecycle | str, bucket: dict[str, Any], parameters: dict[str, Any]
) -> str:
    if isinstance(kept, RecordKind):
        rule = RULES[kept]
        return f"{rule.default.words()} after {rule.counted_from} (`{kept.value}`)"
    if isinstance(kept, Lifecycle):
        rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        (found,) = [r for r in rules if r["Id"] == kept.rule]
        expiry = found["ExpirationInDays"]
        if isinstance(expiry, dict) and "Ref" in expiry:  # a parameter: its default, named
            name = expiry["Ref"]
            days = int(parameters[name]["Default"])
            return f"{days} days by default (`{name}`; lifecycle rule `{kept.rule}`)"
        days = int(expiry)
        return f"{days} day{'' if days == 1 else 's'} (lifecycle rule `{kept.rule}`)"
    return kept


def _resources(template: dict[str, Any], kinds: tuple[str, ...]) -> list[str]:
    return [name for name, r in template["Resources"].items() if r.get("Type") in kinds]


def document(template: dict[str, Any] | None = None) -> str:
    template = template if template is not None else load_template()
    stores = _resources(template, ("AWS::DynamoDB::Table", "AWS::S3::Bucket"))
    described = {store.resource for store in STORES}
    if set(stores) != described:
        raise RuntimeError(f"describe every store in STORES: {sorted(set(stores) ^ described)}")
    parameters = template["Parameters"]
    lines = [
        "# Data protection: what is held, for how long, and who may read it",
        "",
        "<!-- Generated by `python -m contactguard_local.data_protection` from the retention",
        "schedule (functions/contactguard/domain/retention.py), infra/template.yaml and the role",
        "grants (functions/contactguard/domain/access.py). Do not edit: change those. -->",
        "",
        "Under UK GDPR (storage limitation) the landlord keeps nothing longer than its retention",
        "schedule says. The schedule is data: one rule per kind of record, each with its default,",
        "the moment it counts from and why. Every item in the table is stamped with `expires_at`",
        "from it when written, and restamped when the fact that governs it changes (a customer",
        "gains a case, a case ends or reopens); DynamoDB's TTL deletes it after that time.",
        "S3 objects follow their records: a daily purge (`RetentionPurgeFunction`) deletes raw",
        "mail once its contact's retention has passed, and a case's letters (every version) with",
        "its records. A purge, not lifecycle rules: an object's period depends on other records (a",
        "customer's mail is kept while any case of theirs is, which no age-based rule can say),",
        "and it runs, and is tested, on the embedded stack, where lifecycle rules never run.",
        "",
        "## The retention schedule",
        "",
        f"Each deployment may change any period through the `RetentionSchedule` parameter "
        f"(`kind=period` pairs, days `d` or years `y`, e.g. `quarantined-mail=60d,contacts=3y`; "
        f"validated when a function starts), except case records', which is "
        f"`{CASE_RECORDS_SETTING}` (default "
        f"{parameters[CASE_RECORDS_SETTING]['Default']} years). Periods in years are calendar "
        "years in UTC (29 February becomes 28 February).",
        "",
        "| kind | default | counted from | least allowed | why |",
        "|---|---|---|---|---|",
    ]
    for kind, rule in RULES.items():
        lines.append(
            f"| `{kind.value}` | {rule.default.words()} | {_cell(rule.counted_from)} | "
            f"{rule.minimum.words()} | {_cell(rule.reason)} |"
        )
    lines += [
        "",
        "## Every store",
        "",
        "| store | record or object | personal data | kept | who may read it |",
        "|---|---|---|---|---|",
    ]
    for store in STORES:
        name = template["Resources"][store.resource]["Properties"].get(
            "TableName", template["Resources"][store.resource]["Properties"].get("BucketName")
        )
        label = f"`{store.resource}`" + (f" ({_cell(str(name['Fn::Sub']))})" if name else "")
        kept = _kept(
            store.kept, template["Resources"][store.resource], template.get("Parameters", {})
        )
        lines.append(
            f"| {label} | {_cell(store.where)} | {_cell(store.holds)} | "
            f"{_cell(kept)} | {_roles(store.readers)} |"
        )
    logs = _resources(template, ("AWS::Logs::LogGroup",))
    log_days = parameters["LogRetentionDays"]["Default"]
    noncurrent = parameters["RawMailRetentionDays"]["Default"]
    lines += [
        "",
        "## Beside the stores",
        "",
        f"- Logs ({len(logs)} log groups, one per function): no personal data (ids, counts and "
        f"kinds only; the test suite fails on any address, name or body text in a log line), "
        f"kept `LogRetentionDays` (default {log_days} days).",
        f"- Replaced versions in the letters bucket (a draft overwritten by a retry, a published "
        f"template replaced) are kept `RawMailRetentionDays` (default {noncurrent} days) unless "
        "their case's records go first (the purge deletes every version).",
        "- Point-in-time recovery keeps the table's continuous backups for 35 days (AWS's "
        "default window): an expired item is gone from them 35 days after DynamoDB deletes it.",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    args = parser.parse_args(argv)
    wanted = document()
    if args.check:
        current = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
        if current != wanted:
            print(f"{DOCUMENT.relative_to(ROOT)} is stale: run {__name__}", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(wanted, encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
