"""The console's pages in Chromium: signing in and out, each page free of axe-core
violations, the same with JavaScript off and by keyboard alone."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from tests.browser.conftest import Console, axe, shoot


def test_a_manager_signs_in_sees_home_and_signs_out(console: Console, page: Page) -> None:
    page.goto(f"{console.url}/console/")
    expect(page).to_have_title("Sign in (local) – Contact restrictions")
    axe(page)
    shoot(page, "sign-in")
    console.sign_in(page, "sam", ["service-manager"], "Sam Manager")
    expect(page).to_have_title("Home – Contact restrictions")
    expect(page.locator(".cg-signed-in__who")).to_contain_text("acting as Service Manager")
    axe(page)
    shoot(page, "home-service-manager")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title("You have signed out – Contact restrictions")
    axe(page)
    page.goto(f"{console.url}/console/")
    expect(page).to_have_title("Sign in (local) – Contact restrictions")


def test_the_accessibility_statement_is_open_to_everyone(console: Console, page: Page) -> None:
    page.goto(f"{console.url}/console/accessibility")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accessibility statement")
    axe(page)
    shoot(page, "accessibility")


def test_someone_in_two_roles_chooses_one(console: Console, page: Page) -> None:
    console.sign_in(page, "hal", ["head-of-service", "executive-team"], "Hal Both")
    expect(page).to_have_title("Choose the role you are acting in – Contact restrictions")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Error: Choose the role you are acting in – Contact restrictions")
    axe(page)
    shoot(page, "choose-role-error")
    page.get_by_label("Head of Service").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".cg-signed-in__who")).to_contain_text("acting as Head of Service")


def test_signing_in_works_without_javascript(console: Console, no_js_page: Page) -> None:
    console.sign_in(no_js_page, "cal", ["call-handler"], "Cal Handler")
    expect(no_js_page).to_have_title("Home – Contact restrictions")
    no_js_page.get_by_role("button", name="Sign out").click()
    expect(no_js_page).to_have_title("You have signed out – Contact restrictions")


def test_signing_in_and_out_by_keyboard_alone(console: Console, page: Page) -> None:
    page.goto(f"{console.url}/console/")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    page.get_by_label("Staff id").focus()
    page.keyboard.type("kim")
    page.keyboard.press("Tab")
    page.keyboard.type("Kim Keys")
    page.locator("input[name=roles][value=safeguarding-lead]").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator(".cg-signed-in__who")).to_contain_text("acting as Safeguarding Lead")
