"""The staff API's request and response bodies: the schemas of functions/api/openapi.json.

Requests reuse the domain's commands, so the API cannot drift from what `decide` accepts: a
command request is the domain command plus `expected_version` (the case version the member of
staff was looking at). The few places where an HTTP caller needs a tighter shape than the
domain (ids that must fit in a URL path, dates typed by a person, channels staff may log) are
narrowed here, never loosened. Responses wrap the domain's own models.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)

from contactguard.domain.audit import AuditRecord
from contactguard.domain.case import (
    AcceptLateAppeal,
    AppealReviewOverdue,
    AppealReviewReminder,
    Case,
    CaseEvent,
    CaseStatus,
    CloseAppealWindow,
    CloseCase,
    CloseConcern,
    Command,
    CommandKind,
    ConcernFollowUpDue,
    DecideAppeal,
    DecideReview,
    DeclineLateAppeal,
    DelayAppealReview,
    ImposeRestrictions,
    LapseRestrictions,
    Letter,
    LogAppeal,
    MarkLetterSent,
    RaiseConcern,
    RecalculateDeadlines,
    RecordLetterDrafted,
    RecordLetterFailed,
    RedraftLetter,
    RemindUnsentLetter,
    ReviewPackDue,
    VaryRestrictions,
)
from contactguard.domain.deadlines import DeadlineKind
from contactguard.domain.enforcement import EmailAction
from contactguard.domain.model import (
    AwareDatetime,
    Channel,
    Contact,
    Customer,
    Direction,
    Disposition,
    EmailAddress,
    LetterFormat,
    NonBlank,
    PostalAddress,
    ReadOutcome,
)
from contactguard.domain.restrictions import (
    Restriction,
)
from contactguard.domain.search import SearchBy, name_tokens, normalise_postcode, search_word
from contactguard.domain.subject_access import ExportStatus, Marked, Withheld
from contactguard.usecases import EARLIEST_DATE, LATEST_DATE

StaffDate = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]

# Ids the API creates or accepts for new records appear in URL paths: no slashes or spaces.
NewId = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$",
        description="1-64 characters: letters, digits and . _ : - (it appears in URLs)",
    ),
]
# RFC 5321 caps an address at 254 characters; the bound also keeps keys within DynamoDB's.
ApiEmail = Annotated[EmailAddress, Field(max_length=254)]


class Reply(BaseModel):
    """The API's other models: their schemas are built when first used (a request reads or
    writes a few of them), not at a cold start."""

    model_config = ConfigDict(defer_build=True)


class Body(BaseModel):
    """A request body: unknown fields are mistakes, reported rather than ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# Errors -------------------------------------------------------------------------------------


class FieldProblem(Reply):
    field: str = Field(description="where: body.<field>, query.<name>, header.<name> or path")
    reason: str


class ApiError(Reply):
    """Every refusal: which rule refused it (when a rule did) and, for bad input, each field."""

    status: int
    error: Literal[
        "bad-request",
        "not-authenticated",
        "not-permitted",
        "not-found",
        "conflict",
        "payload-too-large",
        "unsupported-media-type",
        "internal-error",
        "audit-unavailable",
    ]
    rule: str | None = None
    message: str
    fields: list[FieldProblem] = Field(default_factory=list)


# Customers ----------------------------------------------------------------------------------


class NewCustomer(Body):
    customer_id: NewId | None = Field(
        default=None, description="your reference for the customer; one is made up if omitted"
    )
    name: NonBlank
    emails: Annotated[list[ApiEmail], Field(max_length=20)] = Field(default_factory=list)
    address: PostalAddress | None = None
    designated_officer_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    letter_format: LetterFormat = Field(
        default=LetterFormat.STANDARD,
        description="large-print: every letter is drafted in large print (an adjustment)",
    )


class CaseSummary(Reply):
    case_id: str
    status: CaseStatus
    version: int
    opened_at: datetime


class CustomerView(Reply):
    customer: Customer
    cases: list[CaseSummary]


class LinkEmail(Body):
    address: ApiEmail


class SetLetterFormat(Body):
    letter_format: LetterFormat = Field(
        description="large-print (16 point or more, a reasonable adjustment) or standard"
    )


class LetterFormatSet(Reply):
    customer_id: str
    letter_format: LetterFormat


class EmailLinked(Reply):
    customer_id: str
    address: str
    already_linked: bool = Field(description="the address was already this customer's")
    attributed: int = Field(description="earlier unmatched contacts now attributed")


class CorrectCustomer(Body):
    """A correction (UK GDPR Art. 16): any of these; the values replaced are kept in the
    audit record of the change only."""

    name: NonBlank | None = None
    address: PostalAddress | None = Field(
        default=None, description="the whole address, as corrected"
    )
    wrong_email: ApiEmail | None = Field(
        default=None, description="an address the customer holds that is wrong (with right_email)"
    )
    right_email: ApiEmail | None = Field(
        default=None,
        description="the address that takes its place: mail from it is matched to the customer "
        "from now on, and earlier unmatched mail from it is attributed",
    )


class CustomerCorrected(Reply):
    customer: Customer
    corrected: list[str] = Field(description="which were corrected: name, address, email")
    attributed: int = Field(description="earlier unmatched contacts from right_email attributed")


class EraseSender(Body):
    address: ApiEmail = Field(description="the sender whose unattributed mail is erased")


def _not_email(channel: Channel) -> Channel:
    if channel is Channel.EMAIL:
        raise ValueError(
            "email is logged by itself as it arrives; staff log phone, letter, visit or "
            "social-media contacts"
        )
    return channel


StaffChannel = Annotated[
    Channel,
    AfterValidator(_not_email),
    WithJsonSchema(
        {"type": "string", "enum": [c.value for c in Channel if c is not Channel.EMAIL]}
    ),
]


class NewContact(Body):
    """A phone call, letter, visit or social-media contact logged by a member of staff."""

    channel: StaffChannel
    direction: Direction = Direction.INBOUND
    at: AwareDatetime | None = Field(
        default=None, description="timezone-aware; when omitted, now. Never in the future"
    )
    summary: Annotated[str, Field(max_length=4000)] = ""
    disposition: Literal[Disposition.ACCEPTED, Disposition.REFUSED] = Field(
        default=Disposition.ACCEPTED,
        description="refused: e.g. a call declined under a restriction",
    )
    reason: Annotated[str, Field(max_length=1000)] = ""
    idempotency_key: NewId | None = Field(
        default=None,
        description="the same key again logs nothing new (the contact id is staff-<key>)",
    )


class ContactRecorded(Reply):
    recorded: bool = Field(description="false: a contact with this id was already logged")
    contact: Contact


class ContactList(Reply):
    customer_id: str
    from_date: date
    to_date: date
    contacts: list[Contact]
    withheld: list[str] = Field(
        default_factory=list,
        description="contact ids of filed email whose words (summary, flags, the designated "
        "officer's read and note) are withheld from the caller's role: the contact's date, "
        "channel and disposition show that it exists",
    )


# Cases --------------------------------------------------------------------------------------


class OpenConcern(RaiseConcern):
    """Step 1 (policy s.4): a Service Manager records a concern, opening the case."""

    case_id: NewId


class OpenImmediateRestrictions(ImposeRestrictions):
    """Step 2 without Step 1 (policy s.4): immediate restrictions by the Head of Service."""

    case_id: NewId
    customer_id: Annotated[str, Field(min_length=1, max_length=64)]


OpenCaseRequest = OpenConcern | OpenImmediateRestrictions


class Versioned(Reply):
    expected_version: int | None = Field(
        default=None,
        ge=1,
        description="the case version you acted on (or send it as If-Match); one is required",
    )


class RaiseConcernRequest(RaiseConcern, Versioned):
    pass


class CloseConcernRequest(CloseConcern, Versioned):
    pass


class ImposeRestrictionsRequest(ImposeRestrictions, Versioned):
    pass


class VaryRestrictionsRequest(VaryRestrictions, Versioned):
    pass


class RecordLetterDraftedRequest(RecordLetterDrafted, Versioned):
    pass


class RecordLetterFailedRequest(RecordLetterFailed, Versioned):
    pass


class MarkLetterSentRequest(MarkLetterSent, Versioned):
    sent_on: StaffDate


class RedraftLetterRequest(RedraftLetter, Versioned):
    pass


class LogAppealRequest(LogAppeal, Versioned):
    received_on: StaffDate


class AcceptLateAppealRequest(AcceptLateAppeal, Versioned):
    pass


class DeclineLateAppealRequest(DeclineLateAppeal, Versioned):
    pass


class DelayAppealReviewRequest(DelayAppealReview, Versioned):
    review_due_on: StaffDate


class DecideAppealRequest(DecideAppeal, Versioned):
    pass


class DecideReviewRequest(DecideReview, Versioned):
    pass


class CloseCaseRequest(CloseCase, Versioned):
    pass


# The system's commands are accepted in the body so that the domain, not the API, refuses them
# to people (403 naming the rule), exactly as it would refuse any other role.
class ConcernFollowUpDueRequest(ConcernFollowUpDue, Versioned):
    pass


class CloseAppealWindowRequest(CloseAppealWindow, Versioned):
    pass


class AppealReviewReminderRequest(AppealReviewReminder, Versioned):
    pass


class AppealReviewOverdueRequest(AppealReviewOverdue, Versioned):
    pass


class ReviewPackDueRequest(ReviewPackDue, Versioned):
    pass


class LapseRestrictionsRequest(LapseRestrictions, Versioned):
    pass


class RecalculateDeadlinesRequest(RecalculateDeadlines, Versioned):
    pass


class RemindUnsentLetterRequest(RemindUnsentLetter, Versioned):
    pass


CaseCommandRequest = (
    RaiseConcernRequest
    | CloseConcernRequest
    | ImposeRestrictionsRequest
    | VaryRestrictionsRequest
    | RecordLetterDraftedRequest
    | RecordLetterFailedRequest
    | MarkLetterSentRequest
    | RedraftLetterRequest
    | LogAppealRequest
    | AcceptLateAppealRequest
    | DeclineLateAppealRequest
    | DelayAppealReviewRequest
    | DecideAppealRequest
    | DecideReviewRequest
    | CloseCaseRequest
    | ConcernFollowUpDueRequest
    | CloseAppealWindowRequest
    | AppealReviewReminderRequest
    | AppealReviewOverdueRequest
    | ReviewPackDueRequest
    | LapseRestrictionsRequest
    | RecalculateDeadlinesRequest
    | RemindUnsentLetterRequest
)


@lru_cache(maxsize=1)
def _command() -> TypeAdapter[Command]:
    """Built on the first command a container validates (every command's schema at once),
    not at its cold start: most requests read."""
    return TypeAdapter(Command)


def domain_command(request: BaseModel) -> Command:
    """The domain command a request carries, validated by the domain's own model."""
    return _command().validate_python(request.model_dump(exclude={"expected_version"}))


def _check_every_command_has_a_request() -> None:
    requests: tuple[type[BaseModel], ...] = CaseCommandRequest.__args__
    kinds = {r.model_fields["kind"].default for r in requests}
    if kinds != set(CommandKind):
        raise AssertionError(f"commands without a request body: {set(CommandKind) - kinds}")


_check_every_command_has_a_request()


class CaseView(Reply):
    case_id: str
    version: int
    case: Case


class CommandResult(Reply):
    """What a command did: `decided` with the events it recorded, or `nothing-to-do`."""

    outcome: Literal["decided", "nothing-to-do"]
    case_id: str
    version: int
    case: Case
    events: list[CaseEvent] = Field(default_factory=list)
    rule: str | None = Field(default=None, description="for nothing-to-do: the rule that said so")
    note: str | None = None


class UploadFormReply(Reply):
    """A presigned POST that uploads the version of a letter its sender posted straight to the
    letters bucket: send `fields` as multipart/form-data, then a `Content-Type` field (one of
    `content_types`), then the file last as `file`, to `url`, before `expires_in_seconds`
    pass. S3 answers 204; the file's key is `fields.key` with `${filename}` replaced by the
    file's name: give it as `final_key` when marking the letter sent."""

    url: str
    fields: dict[str, str]
    content_types: list[str]
    max_bytes: int
    expires_in_seconds: int


class EventEntry(Reply):
    entry: Literal["event"] = "event"
    at: datetime
    event: CaseEvent


class LetterEntry(Reply):
    entry: Literal["letter"] = "letter"
    at: datetime = Field(description="when the decision called for the letter")
    letter: Letter


class DeadlineEntry(Reply):
    entry: Literal["deadline"] = "deadline"
    at: datetime = Field(description="when the deadline fires (Europe/London)")
    deadline: DeadlineKind
    command: CommandKind


TimelineEntry = Annotated[EventEntry | LetterEntry | DeadlineEntry, Field(discriminator="entry")]


class Timeline(Reply):
    case_id: str
    status: CaseStatus
    version: int
    entries: list[TimelineEntry]


# Call handlers, the designated officer, subject access --------------------------------------


class CaseRestrictions(Reply):
    case_id: str
    status: CaseStatus
    until: datetime | None = Field(description="when these restrictions stop applying")
    restrictions: list[Restriction]


class ChannelAdvice(Reply):
    channel: Channel
    allowed: bool
    conditions: list[str]


class EmailHandling(Reply):
    action: EmailAction
    reason: str
    write_to: str | None = None
    officer_email: str | None = None


class LookupResult(Reply):
    customer_id: str
    name: str
    at: datetime
    restricted: bool
    in_force: list[CaseRestrictions]
    channels: list[ChannelAdvice]
    permitted_channels: list[Channel]
    email: EmailHandling


def _full_postcode(value: str) -> str:
    return normalise_postcode(value)


def _whole_words(value: str) -> str:
    search_word(name_tokens(value))
    return value


class FindCaller(Body):
    """Exactly one of name or postcode (in a body, so a caller's name is never in a URL)."""

    name: (
        Annotated[str, Field(min_length=1, max_length=254), AfterValidator(_whole_words)] | None
    ) = Field(
        default=None,
        description="every word of it in the customer's name, in any order; case, accents and "
        "a title before the name do not matter; a single letter is an initial",
    )
    postcode: (
        Annotated[str, Field(min_length=1, max_length=16), AfterValidator(_full_postcode)] | None
    ) = Field(default=None, description="a full UK postcode, e.g. DE1 1AA (any case or spacing)")

    @model_validator(mode="after")
    def _exactly_one(self) -> FindCaller:
        if (self.name is None) == (self.postcode is None):
            raise ValueError("give exactly one of name or postcode")
        return self


class CallerMatch(Reply):
    customer_id: str
    name: str
    postcode: str | None
    restricted: bool = Field(description="restrictions are in force now on one of their cases")


class CallersFound(Reply):
    by: SearchBy
    searched: str = Field(description="the postcode in its written form, or the name as given")
    matches: list[CallerMatch] = Field(description="in name order, at most `limit`")
    more: bool = Field(description="more than `limit` customers match: narrow the search")
    limit: int


class QueuedEmail(Reply):
    customer_id: str
    contact_id: str
    contact: Contact | None = Field(description="null when the contact is no longer held")


class ReadQueue(Reply):
    items: list[QueuedEmail]


class MarkRead(Body):
    outcome: ReadOutcome = Field(
        description="nothing-new, new-information (to act on through the permitted route) "
        "or safeguarding (referred on)"
    )
    note: str = Field(default="", max_length=2000, description="what was found; no quotes")


class EmailReadRecorded(Reply):
    contact_id: str
    customer_id: str | None
    contact: Contact


class CaseRecord(Reply):
    case: Case
    events: list[CaseEvent]


class AuditTrail(Reply):
    customer_id: str | None = Field(
        description="whose data was touched (null with actor_id: anyone's)"
    )
    actor_id: str | None = Field(description="by whom (null with customer_id: anyone)")
    from_date: date
    to_date: date
    records: list[AuditRecord]
    complete: bool = Field(
        description="false: the window holds more records than one reply (1,000); these are "
        "its oldest, so narrow the dates (from, to) to read the rest"
    )


class WithheldFile(Body):
    path: str = Field(
        min_length=1,
        max_length=500,
        description="a file of the draft zip (as its listing names it) to leave out",
        examples=["contacts/emails/email-0101abc.eml"],
    )
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="why, in words the customer will read in WITHHELD.txt",
        examples=["It is another person's email and holds their personal data."],
    )


class ReleaseExport(Body):
    note: str = Field(
        default="",
        max_length=2000,
        description="what the redaction review decided (codes or plain words; no personal data)",
    )
    withheld: list[WithheldFile] = Field(
        default_factory=list,
        max_length=500,
        description="files left out of the released zip after the review, each with the reason "
        "(listed for the customer in WITHHELD.txt); none by default",
    )


class ExportJobReply(Reply):
    """A subject access export job: its progress, what it marks for the officer's redaction
    review, and once released a short-lived presigned link to the zip."""

    job_id: str
    customer_id: str
    status: ExportStatus = Field(
        description="building, draft (awaiting the officer's review and release), released, "
        "or failed (start another)"
    )
    requested_by: str
    requested_at: datetime
    done: int = Field(description="items gathered so far")
    total: int = Field(description="items to gather (0 until counted)")
    files: int = Field(description="files in the zip, once built")
    marked: list[Marked] = Field(
        description="each item marked for the officer's redaction review, and why"
    )
    built_at: datetime | None = None
    released_by: str | None = None
    released_at: datetime | None = None
    withheld: list[Withheld] = Field(
        default_factory=list, description="released only: the files left out, and why"
    )
    download_url: str | None = Field(
        default=None,
        description="released only: a presigned link to the zip, valid five minutes (none "
        "where no browser reaches the bucket: GET .../zip)",
    )


class SubjectAccessExport(Reply):
    exported_at: datetime
    customer: Customer
    contacts: list[Contact]
    unattributed_contacts: list[Contact] = Field(
        description="held under the customer's addresses but never attributed (e.g. quarantined)"
    )
    cases: list[CaseRecord]
    not_included: list[str]
