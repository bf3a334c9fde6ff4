"""A row editor in Chromium at 390 px: rows added and moved by admin.js are saved in the order shown."""
from __future__ import annotations

from playwright.sync_api import expect

from ..helpers.a11y import assert_accessible
from ..helpers.live import browser_login

PHONE = {"width": 390, "height": 844}


def test_author_links_rows_add_reorder_and_save(browser, live_site):
    context = browser.new_context(base_url=live_site.url, viewport=PHONE, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    errors = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    try:
        browser_login(tab)
        tab.goto("/admin/authors/new")
        tab.get_by_label("Name", exact=True).fill("Row Tester")
        links = tab.get_by_role("group", name="Other links")
        for number, (label, url) in enumerate([("Alpha", "https://a.example"), ("Beta", "https://b.example")], 1):
            links.get_by_label(f"Label {number}", exact=True).fill(label)
            links.get_by_label(f"Address {number}", exact=True).fill(url)
        links.get_by_role("button", name="Add a row").click()
        links.get_by_label("Label 3", exact=True).fill("Gamma")
        links.get_by_label("Address 3", exact=True).fill("https://c.example")
        links.get_by_role("button", name="Move row 3 up").click()
        expect(links.get_by_label("Label 2", exact=True)).to_have_value("Gamma")
        assert tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        assert_accessible(tab, "the author form's row editor at 390 px")
        tab.get_by_role("button", name="Save").click()
        tab.wait_for_url("**/admin/authors/")
        tab.get_by_role("link", name="Row Tester").first.click()
        saved = tab.get_by_role("group", name="Other links")
        assert [saved.get_by_label(f"Label {n}", exact=True).input_value() for n in (1, 2, 3)] == \
            ["Alpha", "Gamma", "Beta"]
        assert errors == []
    finally:
        context.close()
