"""The admin account, CSRF tokens and form posts for the Flask test client."""
from __future__ import annotations

import re

ADMIN_EMAIL = "owner@example.com"
ADMIN_PASSWORD = "correct horse battery"

_CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_in(html: str) -> str | None:
    """The CSRF token of the first form in ``html``, if any."""
    match = _CSRF_RE.search(html)
    return match and match.group(1)


def csrf_token(client, url: str) -> str:
    """Fetch ``url`` and return the CSRF token of its first form."""
    page = client.get(url)
    token = csrf_in(page.get_data(as_text=True))
    assert token, f"no CSRF token on {url} (status {page.status_code})"
    return token


def post_form(client, url: str, data: dict, form_url: str | None = None, **kwargs):
    """POST ``data`` to ``url`` with a valid CSRF token taken from ``form_url`` (default ``url``)."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def page_text(response) -> str:
    return response.get_data(as_text=True)


class AuthActions:
    """Log the test client in and out through the real forms."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD):
        token = csrf_token(self._client, "/login")
        return self._client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        token = csrf_token(self._client, "/admin/")
        return self._client.post("/logout", data={"csrf_token": token})


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_locations(client, site_url: str = "http://podcaster.test") -> list[str]:
    """Every page address the sitemap lists: ``/sitemap.xml`` is an index, each of its files is read."""
    from lxml import etree

    def xml(url: str):
        response = client.get(url.removeprefix(site_url))
        assert response.status_code == 200, url
        assert response.mimetype == "application/xml", url
        return etree.fromstring(response.data)

    files = xml("/sitemap.xml").xpath("/s:sitemapindex/s:sitemap/s:loc/text()", namespaces=SITEMAP_NS)
    assert files, "the sitemap index lists no sitemap"
    return [loc for url in files for loc in xml(url).xpath("/s:urlset/s:url/s:loc/text()", namespaces=SITEMAP_NS)]


LINK_COLUMNS = ("label", "url")
PERSON_COLUMNS = ("name", "role", "url")
CREDIT_COLUMNS = ("name", "role")


def row_fields(name: str, rows: list[tuple[str, ...]], columns: tuple[str, ...] = LINK_COLUMNS) -> dict[str, str]:
    """The form fields a row editor posts: ``row_fields("funding", [("Patreon", "https://…")])``.

    Args:
        name: the editor's field name (``funding``, ``guests``...).
        rows: one tuple per row, values in ``columns`` order (shorter tuples leave the rest empty).
        columns: the row's inputs (``LINK_COLUMNS``, ``PERSON_COLUMNS`` for guests, ``CREDIT_COLUMNS``).
    """
    return {f"{name}-{index}-{column}": (row[position] if position < len(row) else "")
            for index, row in enumerate(rows) for position, column in enumerate(columns)}
