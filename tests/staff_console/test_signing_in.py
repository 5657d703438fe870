"""Signing in to the console: Cognito's authorization code flow with PKCE against the local
identity provider, the server-side session, its expiry and refresh, and signing out."""

from __future__ import annotations

from datetime import timedelta

from tests.staff_console.rig import Rig

from console.auth import SIGN_IN_COOKIE
from console.sessions import COOKIE


def test_a_visitor_is_sent_to_sign_in_and_comes_back_to_the_page_they_asked_for(
    rig: Rig,
) -> None:
    browser = rig.browser()
    first = browser.get("/console/accessibility", follow=False)
    assert first.status == 200  # the statement is public
    asked = browser.get("/console/", follow=False)
    assert asked.status == 303
    assert asked.location == "/console/sign-in?next=/console/"
    home = browser.sign_in("sam", ["service-manager"], "Sam Manager")
    assert home.status == 200
    assert home.title == "Home – Contact restrictions"
    assert "Signed in as <strong>Sam Manager</strong>, acting as Service Manager" in home.text
    assert COOKIE in browser.cookies
    assert SIGN_IN_COOKIE not in browser.cookies  # used once, then cleared


def test_the_session_cookie_is_host_only_secure_http_only_and_lax(rig: Rig) -> None:
    browser = rig.browser()
    browser.get("/console/sign-in", follow=False)
    start = browser.get("/console/sign-in", follow=False)
    location = rig.local_sign_in(start.location or "")
    callback = browser.request("GET", location)
    cookie = next(c for c in callback.set_cookies if c.startswith(COOKIE + "="))
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert "Domain" not in cookie


def test_a_callback_with_another_browsers_state_is_refused(rig: Rig) -> None:
    mine, theirs = rig.browser(), rig.browser()
    start = theirs.get("/console/sign-in", follow=False)
    location = rig.local_sign_in(start.location or "")
    mine.get("/console/sign-in", follow=False)  # mine has a sign-in cookie of its own
    refused = mine.request("GET", location)
    assert refused.status == 401
    assert "We could not sign you in" in refused.text
    assert COOKIE not in mine.cookies


def test_a_sign_in_that_took_too_long_is_refused(rig: Rig) -> None:
    browser = rig.browser()
    start = browser.get("/console/sign-in", follow=False)
    location = rig.local_sign_in(start.location or "")
    rig.fakes.clock.now += timedelta(minutes=11)
    assert browser.request("GET", location).status == 401


def test_an_account_without_a_staff_group_is_told_what_to_ask_for(rig: Rig) -> None:
    page = rig.browser().sign_in("visitor", ["tenants"])
    assert page.status == 403
    assert "Your account has no staff role" in page.text


def test_someone_with_two_roles_chooses_one_before_anything_else(rig: Rig) -> None:
    browser = rig.browser()
    chooser = browser.sign_in("hal", ["head-of-service", "executive-team"], "Hal Both")
    assert chooser.url.startswith("/console/role")
    assert "Choose the role you are acting in" in chooser.text
    refused = browser.submit(chooser, "/console/role", {"role": "call-handler"})
    assert refused.status == 400
    assert refused.title.startswith("Error: ")
    home = browser.submit(chooser, "/console/role", {"role": "executive-team", "next": "/console/"})
    assert "acting as Executive Team" in home.text


def test_the_session_is_refreshed_near_the_tokens_expiry_and_ends_after_its_hours(
    rig: Rig,
) -> None:
    browser = rig.browser()
    browser.sign_in("sam", ["service-manager"])
    rig.fakes.clock.now += timedelta(minutes=57)  # the ID token runs out at 60
    assert browser.get("/console/").status == 200
    (session,) = rig.sessions.items.values()
    assert session.token_expires_at == rig.fakes.clock.now + timedelta(minutes=60)
    rig.fakes.clock.now += timedelta(hours=8)
    again = browser.get("/console/", follow=False)
    assert again.status == 303
    assert (again.location or "").startswith("/console/sign-in")
    assert not rig.sessions.items  # the ended session is deleted


def test_signing_out_revokes_the_refresh_token_and_ends_the_session(rig: Rig) -> None:
    browser = rig.browser()
    home = browser.sign_in("sam", ["service-manager"])
    (session,) = rig.sessions.items.values()
    out = browser.submit(home, "/console/sign-out", {})
    assert out.title.startswith("You have signed out")
    assert not rig.sessions.items
    assert COOKIE not in browser.cookies
    assert session.refresh_token not in rig.login._refresh
    assert browser.get("/console/", follow=False).status == 303


def test_a_form_without_this_sessions_csrf_token_changes_nothing(rig: Rig) -> None:
    browser = rig.browser()
    browser.sign_in("sam", ["service-manager"])
    refused = browser.post("/console/sign-out", {"csrf_token": "forged"})
    assert refused.status == 403
    assert "This form has expired" in refused.text
    assert rig.sessions.items  # still signed in


def test_a_form_sent_from_another_site_is_refused(rig: Rig) -> None:
    browser = rig.browser()
    home = browser.sign_in("sam", ["service-manager"])
    browser.fetch_site = "cross-site"
    refused = browser.submit(home, "/console/sign-out", {})
    assert refused.status == 403
    assert "This request came from another site" in refused.text
    assert rig.sessions.items


def test_every_page_carries_a_strict_content_security_policy_with_a_fresh_nonce(
    rig: Rig,
) -> None:
    browser = rig.browser()
    one = browser.sign_in("sam", ["service-manager"])
    two = browser.get("/console/")
    policies = [page.headers["Content-Security-Policy"] for page in (one, two)]
    assert policies[0] != policies[1]
    for page, policy in zip((one, two), policies, strict=True):
        nonce = policy.split("'nonce-")[1].split("'")[0]
        assert f'nonce="{nonce}"' in page.text
        assert "default-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy


def test_a_crafted_link_cannot_put_words_in_the_success_banner(rig: Rig) -> None:
    browser = rig.browser()
    browser.sign_in("sam", ["service-manager"])
    crafted = browser.get("/console/?done=Call+0800+000+000+to+confirm+your+password")
    assert "0800" not in crafted.text
    assert "govuk-notification-banner--success" not in crafted.text
    sealed = rig.wiring.csrf.seal("Letter marked as sent")
    shown = browser.get(f"/console/?done={sealed}")
    assert "Letter marked as sent" in shown.text
