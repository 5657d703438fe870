"""Signals for judgement on the dashboard: the managers who judge see each one waiting,
open it and record that they considered it (post/redirect/get); others never see them."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.staff_console import people
from tests.staff_console.rig import Browser, Rig

from contactguard.domain.model import Channel, RaisedSignal

SIGNAL = "/console/signals/cust-0001/k1/volume-day"


def raised(rig: Rig) -> None:
    people.customer(rig)
    rig.fakes.store.record_signal(
        RaisedSignal(
            customer_id="cust-0001",
            contact_id="k1",
            signal="volume-day",
            at=datetime(2026, 11, 30, 9, 30, tzinfo=UTC),
            channel=Channel.PHONE,
        )
    )


def manager(rig: Rig) -> Browser:
    browser = rig.browser()
    browser.sign_in("sam", ["service-manager"], "Sam Manager")
    return browser


def test_a_manager_sees_a_signal_waiting_and_records_their_judgement(rig: Rig) -> None:
    raised(rig)
    browser = manager(rig)

    home = browser.get("/console/")
    section = home.text[home.text.index('id="signals"') :]
    assert "Ada Tenant" in section
    assert "30 November 2026, 9:30am" in section
    assert "More contacts in 24 hours than the daily threshold" in section
    assert f'href="{SIGNAL}"' in section

    opened = browser.get(SIGNAL)
    assert opened.title == "A signal for your judgement – Contact restrictions"
    assert "it never changes a case" in opened.text
    done = browser.submit(opened, SIGNAL, {"note": "a genuine leak: no action"})

    assert done.url.startswith("/console/?done=")
    assert "Considered: more contacts in 24 hours than the daily threshold" in done.text
    assert "No signals are waiting for your judgement." in done.text
    considered = rig.fakes.store.get_signal("cust-0001", "k1", "volume-day")
    assert considered is not None
    assert considered.considered is not None
    assert considered.considered.note == "a genuine leak: no action"
    again = browser.get(SIGNAL)
    assert "Already considered" in again.text
    assert "a genuine leak: no action" in again.text
    late = browser.submit(opened, SIGNAL, {"note": ""})  # the old form sent again
    assert "This signal had already been considered" in late.text


def test_a_note_too_long_is_shown_beside_its_field(rig: Rig) -> None:
    raised(rig)
    browser = manager(rig)
    opened = browser.get(SIGNAL)

    refused = browser.submit(opened, SIGNAL, {"note": "x" * 2001})

    assert refused.status == 400
    assert refused.title.startswith("Error: A signal for your judgement")
    assert '<a href="#note">The note must be 2,000 characters or fewer</a>' in refused.text


def test_a_call_handler_sees_no_signals(rig: Rig) -> None:
    raised(rig)
    browser = rig.browser()
    home = browser.sign_in("cal", ["call-handler"], "Cal Handler")
    assert 'id="signals"' not in home.text
    assert browser.get(SIGNAL).status == 403
    assert not any("signal" in record.detail for record in rig.fakes.store.audit)
