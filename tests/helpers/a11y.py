"""The accessibility audit: axe-core, run in the page by axe-playwright-python (axe ships inside the package)."""
from __future__ import annotations

#: Impacts that fail a test; "moderate" and "minor" findings are reported by axe but not enforced.
FAILING_IMPACTS = frozenset({"serious", "critical"})


def assert_accessible(page, context: str = "") -> None:
    """Run axe-core on the page as it is now and fail on any serious or critical violation.

    Args:
        page: a Playwright page, loaded.
        context: what the page is, for the failure message (default: its URL).

    Raises:
        AssertionError: listing each failing rule, its impact, and the first offending elements.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    failing = [v for v in results.response["violations"] if v.get("impact") in FAILING_IMPACTS]
    lines = [f"{v['id']} ({v['impact']}): {v['help']} — "
             + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3]) for v in failing]
    assert not failing, f"axe found on {context or page.url}:\n" + "\n".join(lines)
