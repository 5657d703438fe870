"""The staff use cases: what a member of staff can do, whoever asks for it (the HTTP API
today; a CLI or a web console alike). One module per area; each is given its ports, a clock
and the audit trail, and takes a Request (who is asking) first.

Every use case checks the caller's role (contactguard.domain.access), writes one audit record
per customer touched before any data is returned or changed (no record: AuditUnavailable, and
nothing shown or changed), and raises typed errors (contactguard.usecases.errors, the domain's
errors) that an edge maps to its replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contactguard.domain.lifecycle import Policy
from contactguard.domain.retention import RetentionSchedule
from contactguard.ports import (
    AuditLog,
    CaseStore,
    Clock,
    ContactStore,
    CustomerFinder,
    CustomerStore,
    ExportFiles,
    ExportJobs,
    FiledMail,
    LetterDocuments,
    LetterUploads,
    Log,
    PersonalData,
    ReadQueue,
    SignalLog,
    StoredObjects,
    WorkList,
)
from contactguard.service import CaseService
from contactguard.usecases.audit import Auditor, AuditTrail
from contactguard.usecases.cases import Cases
from contactguard.usecases.contacts import Contacts
from contactguard.usecases.customers import Customers
from contactguard.usecases.dashboard import Dashboard
from contactguard.usecases.erasure import Erasure
from contactguard.usecases.export import SubjectAccess
from contactguard.usecases.export_jobs import SubjectAccessJobs
from contactguard.usecases.lookup import Lookup
from contactguard.usecases.read_queue import ReadQueueUseCases
from contactguard.usecases.request import Request
from contactguard.usecases.signals import Signals

__all__ = ["EARLIEST_DATE", "LATEST_DATE", "Request", "StaffUseCases", "staff_use_cases"]

# A date a member of staff gives (in the API, the console or the CLI): a year-1 or year-9999
# date is a typing mistake, and working days cannot be counted past the end of the calendar.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


@dataclass(frozen=True)
class StaffUseCases:
    customers: Customers
    contacts: Contacts
    cases: Cases
    lookup: Lookup
    read_queue: ReadQueueUseCases
    subject_access: SubjectAccess
    export_jobs: SubjectAccessJobs
    audit_trail: AuditTrail
    dashboard: Dashboard
    signals: Signals
    erasure: Erasure


def staff_use_cases(
    *,
    cases: CaseStore,
    customers: CustomerStore,
    contacts: ContactStore,
    read_queue: ReadQueue,
    work_list: WorkList,
    signal_log: SignalLog,
    finder: CustomerFinder,
    audit_log: AuditLog,
    documents: LetterDocuments,
    filed_mail: FiledMail | None = None,
    uploads: LetterUploads,
    personal_data: PersonalData,
    stored_objects: StoredObjects,
    retention: RetentionSchedule,
    export_jobs: ExportJobs,
    export_files: ExportFiles | None = None,
    policy: Policy,
    clock: Clock,
    log: Log,
    earliest: date,
    audit_unavailable: tuple[type[Exception], ...] = (),
) -> StaffUseCases:
    """Every staff use case over one set of ports (a composition root calls this once)."""
    audit = Auditor(trail=audit_log, clock=clock, log=log, unavailable=audit_unavailable)
    service = CaseService(cases=cases, customers=customers, policy=policy)
    return StaffUseCases(
        customers=Customers(
            customers=customers, contacts=contacts, cases=cases, audit=audit, clock=clock
        ),
        contacts=Contacts(
            customers=customers, contacts=contacts, audit=audit, clock=clock, earliest=earliest
        ),
        cases=Cases(
            service=service,
            cases=cases,
            documents=documents,
            uploads=uploads,
            audit=audit,
            clock=clock,
            log=log,
        ),
        lookup=Lookup(customers=customers, finder=finder, cases=cases, audit=audit, clock=clock),
        read_queue=ReadQueueUseCases(queue=read_queue, audit=audit, clock=clock, mail=filed_mail),
        subject_access=SubjectAccess(
            customers=customers, contacts=contacts, cases=cases, audit=audit, clock=clock
        ),
        export_jobs=SubjectAccessJobs(
            customers=customers, jobs=export_jobs, files=export_files, audit=audit, clock=clock
        ),
        audit_trail=AuditTrail(trail=audit_log, audit=audit, clock=clock),
        signals=Signals(log=signal_log, customers=customers, audit=audit, clock=clock),
        erasure=Erasure(
            customers=customers,
            contacts=contacts,
            cases=cases,
            data=personal_data,
            objects=stored_objects,
            audit=audit,
            clock=clock,
            log=log,
            retention=retention,
        ),
        dashboard=Dashboard(
            work=work_list,
            queue=read_queue,
            customers=customers,
            audit=audit,
            clock=clock,
            policy=policy,
        ),
    )
