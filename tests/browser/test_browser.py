"""End-to-end scenarios in Chromium against the site served by gunicorn."""
from __future__ import annotations

from playwright.sync_api import expect

from ..helpers.live import browser_login
from ..helpers.web import ADMIN_EMAIL, ADMIN_PASSWORD


def test_login_reaches_the_dashboard_and_logout_leaves(page):
    browser_login(page)
    expect(page.get_by_role("heading", name="Admin")).to_be_visible()
    page.get_by_role("button", name="Log out", exact=True).click()
    page.goto("/admin/")
    assert "/login" in page.url


def test_keep_me_logged_in_then_log_out_everywhere_ends_both_browsers(page, browser, live_site):
    from playwright.sync_api import expect

    from ..helpers.live import keep_offline

    page.goto("/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_label("Keep me logged in").check()
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Admin")).to_be_visible()
    other = browser.new_context(base_url=live_site.url)
    elsewhere = keep_offline(other)
    try:
        second = other.new_page()
        browser_login(second)
        second.get_by_role("button", name="Log out everywhere").click()
        expect(second.get_by_text("You are logged out on every device.")).to_be_visible()
    finally:
        other.close()
    assert elsewhere == []
    page.goto("/admin/")
    expect(page.get_by_label("Password")).to_be_visible()
    assert "/login" in page.url, "the remembered login ended too"


def test_wrong_password_shows_an_error(page):
    page.goto("/login")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
def test_pages_load_without_console_errors_under_the_csp(page):
    """The CSP forbids inline script: a violation would show as a console error."""
    for url in ("/", "/login"):
        page.goto(url)
    browser_login(page)
    assert page.console_errors == []


def test_phone_viewport_has_no_horizontal_scroll(browser, live_site):
    context = browser.new_context(base_url=live_site.url, viewport={"width": 375, "height": 740},
                                  is_mobile=True, has_touch=True)
    tab = context.new_page()
    try:
        for url in ("/", "/login"):
            tab.goto(url)
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"
        browser_login(tab)
        for url in ("/admin/", "/admin/shows/new", "/admin/posts/new", "/admin/books/new", "/admin/import"):
            tab.goto(url)
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"
    finally:
        context.close()


def test_keyboard_alone_logs_in(page):
    """Skip link first on a page, the email field focused on the login form, Tab to the password, Enter submits."""
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    page.goto("/login")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type("owner@example.com")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/")
