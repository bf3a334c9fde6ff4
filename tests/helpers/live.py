"""A real site for browser and HTTP tests: gunicorn on 127.0.0.1 with a throwaway database and media folder."""
from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("PODCASTER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
    # The browser's own traffic (autofill, safe browsing, translation, metrics) must
    # not even try a name lookup: every host but the test server's resolves to nothing.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    ("--disable-features=AutofillServerCommunication,MediaRouter,OptimizationHints,Translate,"
     "InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater"),
    "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--no-pings",
    "--disable-breakpad", "--disable-default-apps", "--metrics-recording-only",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
#: Hosts the demo content names (video thumbnails and players): refused, as every other host, but expected.
YOUTUBE_HOSTS = ("i.ytimg.com", "www.youtube-nocookie.com")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _is_elsewhere(url: str) -> bool:
    return urlsplit(url).hostname not in LOCAL_HOSTS


def keep_offline(context, expected_hosts=()) -> list[str]:
    """Abort every request a page makes for a host other than the test server.

    Args:
        context: a Playwright browser context.
        expected_hosts: hosts the page is meant to name (YouTube thumbnails);
            their requests are aborted too, but not reported.

    Returns:
        The list, filled as the pages load, of the URLs of other hosts that a
        page asked for: a test fails when it is not empty.
    """
    unexpected: list[str] = []

    def refuse(route) -> None:
        if urlsplit(route.request.url).hostname not in expected_hosts:
            unexpected.append(route.request.url)
        route.abort("internetdisconnected")

    context.route(_is_elsewhere, refuse)
    return unexpected


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveSite:
    """gunicorn serving the app from ``folder``; ``url`` is its base URL (no trailing slash).

    With ``run=True`` the site is started the way the README says, ``podcaster run`` (gunicorn with the
    job worker it starts beside the site), instead of gunicorn alone.
    """

    def __init__(self, folder: Path, workers: int = 2, extra_env: dict[str, str] | None = None,
                 run: bool = False) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.media_root = folder / "media"
        self.env = {
            **os.environ,
            "PODCASTER_DATABASE_URL": f"sqlite:///{folder / 'site.sqlite'}",
            "PODCASTER_MEDIA_ROOT": str(self.media_root),
            "PODCASTER_SECRET_KEY": "live-test-secret",
            "PODCASTER_SITE_URL": self.url,
            "PODCASTER_QUEUE_URL": f"sqlite:///{folder / 'queue.sqlite'}",
            "PODCASTER_FEED_FILES_DIR": str(folder / "feeds"),
            "PODCASTER_PODCASTINDEX_PUBNOTIFY_URL": "off",
            "PODCASTER_INSTANCE_PATH": str(folder / "instance"),
            **(extra_env or {}),
        }
        self.workers = workers
        self.run = run
        self.process: subprocess.Popen | None = None

    def command(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """Run ``podcaster ARGS`` against this site's database and media."""
        return subprocess.run(
            [sys.executable, "-m", "podcaster", *args], env=self.env, input=input,
            capture_output=True, text=True, timeout=180, check=True,
        )

    def python(self, script: str) -> str:
        """Run a Python script with this site's settings; returns its last line of output."""
        done = subprocess.run([sys.executable, "-c", script], env=self.env, capture_output=True, text=True,
                              check=True, timeout=120)
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def start(self) -> LiveSite:
        self.command("init")
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        self.log = open(self.folder / "gunicorn.log", "w")
        if self.run:
            command = [sys.executable, "-m", "podcaster", "run", "--host", "127.0.0.1", "--port", str(self.port),
                       "--workers", str(self.workers)]
        else:
            command = [gunicorn, "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                       "--timeout", "120", "podcaster:create_app()"]
        self.process = subprocess.Popen(command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        # `podcaster run` first upgrades the schema; on a machine busy with other work that takes a while.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(self.folder / 'gunicorn.log').read_text()}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start within 90 s: {(self.folder / 'gunicorn.log').read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        if getattr(self, "log", None):
            self.log.close()


def make_show(site: LiveSite, title: str = "Crash Test", slug: str = "crash-test") -> int:
    """Add a show straight to the site's database; returns its id."""
    return int(site.python(
        "from podcaster import create_app\n"
        "from podcaster.extensions import db\n"
        "from podcaster.models import Show\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    show = Show(title={title!r}, slug={slug!r})\n"
        "    db.session.add(show); db.session.commit(); print(show.id)\n"))


class HttpSession:
    """Just enough of a browser for a live site: one cookie jar over http.client, no redirects followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """Returns ``(status, text)``; ``self.headers`` then holds the answer's headers."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        self.headers = dict(response.getheaders())
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, data.decode("utf-8", "replace")

    def token(self, path: str) -> str:
        from .web import csrf_in

        status, html = self.request("GET", path)
        assert status == 200, (path, status)
        return csrf_in(html)

    def login(self, email: str | None = None, password: str | None = None) -> None:
        """Log in through the login form (asserts the redirect of a success)."""
        from .web import ADMIN_EMAIL, ADMIN_PASSWORD

        token = self.token("/login")
        status, _ = self.request(
            "POST", "/login", urllib.parse.urlencode(
                {"email": email or ADMIN_EMAIL, "password": password or ADMIN_PASSWORD,
                 "csrf_token": token}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, status

    def post_form(self, path: str, fields: dict, files: dict[str, tuple[str, bytes, str]] | None = None):
        """POST a multipart form with the CSRF token of the form page at ``path``; returns ``(status, text)``.

        Args:
            path: the form's address (GET for its token, POST to save).
            fields: the text fields.
            files: field name -> (file name, bytes, content type).
        """
        from urllib3 import encode_multipart_formdata

        body, content_type = encode_multipart_formdata(
            {**fields, "csrf_token": self.token(path), **(files or {})})
        return self.request("POST", path, body, {"Content-Type": content_type})


def browser_login(tab, email: str | None = None, password: str | None = None) -> None:
    """Log in through the login page in a Playwright tab and wait for the dashboard."""
    from .web import ADMIN_EMAIL, ADMIN_PASSWORD

    tab.goto("/login")
    tab.get_by_label("Email").fill(email or ADMIN_EMAIL)
    tab.get_by_label("Password").fill(password or ADMIN_PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/admin/")


def open_tab(browser, site, viewport: dict | None = None, phone: bool = False, timeout_ms: int = 15_000,
             **context_options):
    """A tab on ``site`` that stays offline and records its console errors and uncaught exceptions.

    Args:
        browser: the Playwright browser (the ``browser`` fixture).
        site: a started ``LiveSite``.
        viewport: the window size (``DESKTOP``, ``PHONE``...); Playwright's default when None.
        phone: also act as a touch phone (``is_mobile``, ``has_touch``).
        timeout_ms: the tab's default timeout for actions and waits.
        **context_options: more ``browser.new_context`` options (permissions...).

    Returns:
        ``(context, tab)``: close the context when done. ``tab.errors`` fills with ``(text, url)`` pairs as
        pages load; ``tab.elsewhere`` with the URLs of unexpected hosts asked for (see ``keep_offline``).
    """
    if viewport is not None:
        context_options["viewport"] = viewport
    if phone:
        context_options.update(is_mobile=True, has_touch=True)
    context = browser.new_context(base_url=site.url, **context_options)
    elsewhere = keep_offline(context, expected_hosts=YOUTUBE_HOSTS)
    tab = context.new_page()
    tab.set_default_timeout(timeout_ms)
    tab.elsewhere = elsewhere
    tab.errors = []
    tab.on("console", lambda message: tab.errors.append((message.text, message.location.get("url", "")))
           if message.type == "error" else None)
    tab.on("pageerror", lambda error: tab.errors.append((f"uncaught: {error}", "")))
    return context, tab


def unexpected_errors(tab, allowed_statuses=(), refused_path: str = "") -> list[tuple[str, str]]:
    """The console errors of a tab from ``open_tab``, less the ones a test expects.

    Args:
        tab: a tab from ``open_tab``.
        allowed_statuses: HTTP statuses of failed loads the test asked for (a refused form's 400).
        refused_path: when given, those statuses are allowed only for URLs ending with it.

    Returns:
        ``(text, url)`` pairs; YouTube's refused loads are never among them.
    """
    def expected(text: str, url: str) -> bool:
        if not text.startswith("Failed to load resource"):
            return False
        if urlsplit(url).hostname in YOUTUBE_HOSTS:
            return True
        refused = any(f"status of {status}" in text for status in allowed_statuses)
        return refused and url.endswith(refused_path)

    return [(text, url) for text, url in tab.errors if not expected(text, url)]
