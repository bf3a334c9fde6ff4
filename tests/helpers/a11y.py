"""Accessibility audits with axe-core (the copy bundled with axe-playwright-python: no network)."""
from __future__ import annotations

#: The impacts that fail a page; "minor" and "moderate" findings are left to review.
FAILING_IMPACTS = frozenset({"serious", "critical"})


def assert_accessible(page) -> None:
    """Run axe-core on the page as it stands and fail on any serious or critical violation.

    The message lists each violation: its rule, impact, help text and the first few elements.
    """
    from axe_playwright_python.sync_playwright import Axe

    violations = [violation for violation in Axe().run(page).response["violations"]
                  if violation.get("impact") in FAILING_IMPACTS]
    report = "\n".join(
        f"- {violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {', '.join(' '.join(node['target']) for node in violation['nodes'][:3])}"
        for violation in violations
    )
    assert not violations, f"{page.url} has accessibility violations:\n{report}"
