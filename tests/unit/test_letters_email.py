"""A letter's email version (letters.email_version): which letters have one, to whom, and
what the manager's mail program opens (golden files: tests/fixtures/letters_golden/email-*)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import policy as email_policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from builders import POLICY, letters_only, restricted, single_point_of_contact
from test_letters_render import CUSTOMER, STORIES, letter_event

from contactguard.domain.case import LetterKind
from contactguard.domain.letter_kinds import LETTER_KINDS
from contactguard.organisation import shipped_organisation
from golden import Golden
from letters.content import LetterInputs, issue_date, prepare
from letters.docx_render import render_letter
from letters.email_version import email_address_for, email_version

FOLDER = Path(__file__).parents[1] / "fixtures" / "letters_golden"
EMAILED = CUSTOMER.model_copy(update={"emails": ("alex.tenant@example.org",)})
BY_EMAIL = [k for k in LetterKind if LETTER_KINDS[k].by_email]
NOW = datetime(2027, 2, 1, 10, tzinfo=UTC)


def test_the_policy_lets_step_1_and_appeal_letters_go_by_email_and_decisions_by_post() -> None:
    assert set(BY_EMAIL) == {
        LetterKind.CONCERN,
        LetterKind.CONCERN_CLOSED,
        LetterKind.APPEAL_ACKNOWLEDGEMENT,
        LetterKind.LATE_APPEAL_DECLINED,
        LetterKind.APPEAL_REVIEW_DELAYED,
        LetterKind.APPEAL_UPHELD,
        LetterKind.APPEAL_DISMISSED,
        LetterKind.APPEAL_VARIED,
    }
    assert not LETTER_KINDS[LetterKind.REVIEW_PACK].by_email  # internal: never sent at all


@pytest.mark.policy("s4-step1-letter-or-email")
def test_an_email_version_only_where_the_customers_email_is_open() -> None:
    concern = LetterKind.CONCERN
    assert email_address_for(concern, EMAILED, [], NOW) == "alex.tenant@example.org"
    assert email_address_for(concern, CUSTOMER, [], NOW) is None  # no address on record
    assert email_address_for(LetterKind.RESTRICTIONS, EMAILED, [], NOW) is None  # by post
    # Letters only (on any case of theirs), or email only through a named officer: never by
    # email from us, whatever the letter.
    for restriction in (letters_only(), single_point_of_contact()):
        case = restricted(restriction).current
        assert case.period is not None
        assert email_address_for(concern, EMAILED, [case], case.period.starts_at) is None
        before = case.period.starts_at - timedelta(seconds=1)
        assert email_address_for(concern, EMAILED, [case], before) == "alex.tenant@example.org"


@pytest.mark.parametrize("kind", BY_EMAIL, ids=lambda k: k.value)
def test_golden_email_version(kind: LetterKind, golden: Golden) -> None:
    story = STORIES[kind]()
    event = letter_event(story, kind)
    dated = issue_date(event, None, POLICY)
    inputs = LetterInputs(
        case=story.current, customer=EMAILED, event=event, policy=POLICY, dated=dated
    )
    rendered = render_letter(prepare(inputs))
    organisation = shipped_organisation()
    raw = email_version(
        kind=kind,
        case_id=story.current.case_id,
        to="alex.tenant@example.org",
        customer_name=EMAILED.name,
        organisation=organisation,
        letter_text=rendered.body_text,
        docx=rendered.docx,
        dated=dated,
        filename="case-0001-letter.docx",
    )
    message = BytesParser(policy=email_policy.default).parsebytes(raw)
    body = message.get_body(("plain",))
    assert body is not None
    (attached,) = list(message.iter_attachments())
    assert attached.get_content() == rendered.docx  # the letter itself, byte for byte
    seen = {
        "headers": [
            f"{name}: {message[name]}"
            for name in ("X-Unsent", "From", "To", "Reply-To", "Subject")
            if message[name] is not None
        ],
        "body": [line for line in body.get_content().splitlines() if line.strip()],
        "attachment": [attached.get_filename(), attached.get_content_type()],
    }
    golden.check(FOLDER / f"email-{kind.value}.json", seen)
