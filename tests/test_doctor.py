"""The feed doctor: a clean verdict on a good feed, and each of many broken variants caught with its rule."""
from __future__ import annotations

import copy
import re
import functools
import http.server
import threading
from pathlib import Path

import pytest
from lxml import etree

from podcaster import create_app
from podcaster.cli import upgrade_schema
from podcaster.content.feeds import doctor
from podcaster.content.http import FetchPolicy
from podcaster.extensions import db
from podcaster.models import Show

from .conftest import post_form
from .feed_helpers import NOW, NS, image_bytes, make_show, set_clock

SITE = "https://podcaster.test"


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A valid demo-like feed of our own (https site), its media folder and a URL-to-file resolver."""
    folder = tmp_path_factory.mktemp("doctor")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}",
                      "MEDIA_ROOT": str(folder / "media"), "SITE_URL": SITE,
                      "FETCH_ALLOW_PRIVATE": True})  # the test servers are on 127.0.0.1
    with app.app_context():
        upgrade_schema()
    set_clock(app, NOW)
    make_show(app, episodes=3, category="Religion & Spirituality", subcategory="Religion")
    media = Path(app.config["MEDIA_ROOT"])
    (media / "images/cover.gif").write_bytes(image_bytes(1400, "GIF", "P"))
    (media / "images/wide.jpg").write_bytes(_wide_jpeg())
    (media / "images/cmyk.jpg").write_bytes(image_bytes(1400, "JPEG", "CMYK"))
    (media / "images/huge.png").write_bytes(image_bytes(3200, "PNG"))
    with app.app_context():
        from podcaster.web.feeds import check_show, current_show_feed, media_file_resolver

        show = db.session.execute(db.select(Show)).scalar_one()
        with app.test_request_context():
            report = check_show(show)
            body = current_show_feed(show.id).body
            resolver = media_file_resolver()
    yield {"app": app, "body": body, "report": report, "resolve": resolver, "media": media}
    with app.app_context():
        db.engine.dispose()


def _wide_jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1400, 1600), "#345").save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_valid_demo_like_feed_is_clean(good):
    assert good["report"].problems == []
    assert good["report"].ok


def test_religion_subcategory_is_accepted(good):
    root = etree.fromstring(good["body"])
    assert root.xpath("/rss/channel/itunes:category/itunes:category/@text", namespaces=NS) == ["Religion"]
    assert not {rule for rule in good["report"].rules() if "category" in rule}


# --- broken variants ------------------------------------------------------------------------------

def _find(root, path):
    found = root.xpath(path, namespaces=NS)
    assert found, path
    return found[0]


def remove(path):
    def mutate(root):
        for element in root.xpath(path, namespaces=NS):
            element.getparent().remove(element)
    return mutate


def set_text(path, text):
    def mutate(root):
        _find(root, path).text = text
    return mutate


def set_attr(path, name, value):
    def mutate(root):
        _find(root, path).set(name, value)
    return mutate


def image(name):
    return set_attr("/rss/channel/itunes:image", "href", f"{SITE}/media/images/{name}")


def duplicate_guid(root):
    _find(root, "/rss/channel/item[2]/guid").text = _find(root, "/rss/channel/item[1]/guid").text


def wav_enclosure(root):
    enclosure = _find(root, "/rss/channel/item[1]/enclosure")
    enclosure.set("url", "https://cdn.example.com/episode.wav")
    enclosure.set("type", "audio/wav")


def serial_without_numbers(root):
    _find(root, "/rss/channel/itunes:type").text = "serial"
    remove("/rss/channel/item[1]/itunes:episode")(root)


CH = "/rss/channel"
IT = "/rss/channel/item[1]"
BROKEN = [
    ("no title", remove(f"{CH}/title"), "rss.title.missing"),
    ("no link", remove(f"{CH}/link"), "rss.link.missing"),
    ("relative link", set_text(f"{CH}/link", "/podcasts/x"), "rss.link.url"),
    ("no description", remove(f"{CH}/description"), "rss.description.missing"),
    ("long description", set_text(f"{CH}/description", "é" * 2500), "apple.description.too-long"),
    ("no language", remove(f"{CH}/language"), "apple.language.missing"),
    ("bad language", set_text(f"{CH}/language", "English!"), "apple.language.value"),
    ("no itunes:image", remove(f"{CH}/itunes:image"), "apple.image.missing"),
    ("gif itunes:image", image("cover.gif"), "apple.image.extension"),
    ("small artwork", image("ada.jpg"), "apple.image.size"),
    ("huge artwork", image("huge.png"), "apple.image.size"),
    ("non-square artwork", image("wide.jpg"), "apple.image.square"),
    ("CMYK artwork", image("cmyk.jpg"), "apple.image.colour"),
    ("missing artwork file", image("gone.jpg"), "apple.image.unreachable"),
    ("unknown category", set_attr(f"{CH}/itunes:category", "text", "Podcasting"), "apple.category.unknown"),
    ("wrong subcategory", set_attr(f"{CH}/itunes:category/itunes:category", "text", "Books"),
     "apple.category.subcategory"),
    ("no category", remove(f"{CH}/itunes:category"), "apple.category.missing"),
    ("explicit yes", set_text(f"{CH}/itunes:explicit", "yes"), "apple.explicit.value"),
    ("no explicit", remove(f"{CH}/itunes:explicit"), "apple.explicit.missing"),
    ("item explicit clean", set_text(f"{IT}/itunes:explicit", "clean"), "apple.explicit.value"),
    ("no owner email", remove(f"{CH}/itunes:owner/itunes:email"), "apple.owner-email.missing"),
    ("bad owner email", set_text(f"{CH}/itunes:owner/itunes:email", "ada at example"), "apple.owner-email.value"),
    ("bad show type", set_text(f"{CH}/itunes:type", "weekly"), "apple.type.value"),
    ("guid not a UUID", set_text(f"{CH}/podcast:guid", "quiet-page"), "podcastindex.guid.value"),
    ("locked true", set_text(f"{CH}/podcast:locked", "true"), "podcastindex.locked.value"),
    ("relative funding", set_attr(f"{CH}/podcast:funding", "url", "/support"), "podcastindex.funding.url"),
    ("relative person href", set_attr(f"{CH}/podcast:person", "href", "authors/ada"), "podcastindex.person.url"),
    ("bad medium", set_text(f"{CH}/podcast:medium", "radio"), "podcastindex.medium.value"),
    ("no items", remove(f"{CH}/item"), "rss.items.none"),
    ("no enclosure", remove(f"{IT}/enclosure"), "apple.enclosure.missing"),
    ("wav enclosure", wav_enclosure, "apple.enclosure.extension"),
    ("wav type", wav_enclosure, "apple.enclosure.type"),
    ("relative enclosure", set_attr(f"{IT}/enclosure", "url", "/media/audio/episode-1.mp3"),
     "apple.enclosure.url"),
    ("http enclosure", set_attr(f"{IT}/enclosure", "url", "http://cdn.example.com/e.mp3"), "https.enclosure"),
    ("type mismatch", set_attr(f"{IT}/enclosure", "type", "video/mp4"), "apple.enclosure.type-mismatch"),
    ("length not a number", set_attr(f"{IT}/enclosure", "length", "big"), "apple.enclosure.length"),
    ("length differs from file", set_attr(f"{IT}/enclosure", "length", "1234"), "local.enclosure.length"),
    ("audio file missing", set_attr(f"{IT}/enclosure", "url", f"{SITE}/media/audio/gone.mp3"),
     "local.enclosure.missing"),
    ("no guid", remove(f"{IT}/guid"), "rss.item.guid.missing"),
    ("duplicate guid", duplicate_guid, "rss.item.guid.duplicate"),
    ("no pubDate", remove(f"{IT}/pubDate"), "rss.item.pubdate.missing"),
    ("ISO pubDate", set_text(f"{IT}/pubDate", "2026-05-31T12:00:00Z"), "rss.item.pubdate.format"),
    ("bad duration", set_text(f"{IT}/itunes:duration", "1h30m"), "apple.duration.value"),
    ("no duration", remove(f"{IT}/itunes:duration"), "apple.duration.missing"),
    ("episode not a number", set_text(f"{IT}/itunes:episode", "three"), "apple.number.value"),
    ("bad episodeType", set_text(f"{IT}/itunes:episodeType", "special"), "apple.episode-type.value"),
    ("serial without numbers", serial_without_numbers, "apple.serial.episode-number"),
    ("no item title", remove(f"{IT}/title"), "rss.item.title.missing"),
    ("long item description", set_text(f"{IT}/description", "x" * 4001), "apple.description.too-long"),
    ("transcript type", set_attr("/rss/channel/item[3]/podcast:transcript", "type", "text/srt"),
     "podcastindex.transcript.type"),
    ("chapters type", set_attr("/rss/channel/item[3]/podcast:chapters", "type", "application/json"),
     "podcastindex.chapters.type"),
    ("zero soundbite", set_attr(f"{IT}/podcast:soundbite", "duration", "0"), "podcastindex.soundbite.value"),
    ("podcast:season text", set_text(f"{IT}/podcast:season", "one"), "podcastindex.number.value"),
]


@pytest.mark.parametrize(("mutate", "rule"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_each_broken_variant_is_flagged(good, mutate, rule):
    root = copy.deepcopy(etree.fromstring(good["body"]))
    mutate(root)
    report = doctor.check_feed(etree.tostring(root), local_file=good["resolve"])
    assert rule in report.rules(), [str(problem) for problem in report.problems]
    problem = next(problem for problem in report.problems if problem.rule == rule)
    assert problem.location.startswith("/rss")
    assert problem.message


def test_at_least_25_broken_variants_are_errors():
    warnings = {"https.enclosure", "apple.enclosure.type-mismatch", "rss.items.none", "apple.duration.missing"}
    assert len([case for case in BROKEN if case[2] not in warnings]) >= 25


@pytest.mark.parametrize(("data", "rule"), [
    (b"<rss><channel><title>x</channel></rss>", "xml.syntax"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "rss.root"),
    (b'<rss version="2.0"/>', "rss.channel.missing"),
])
def test_not_a_podcast_feed(data, rule):
    report = doctor.check_feed(data)
    assert rule in report.rules() and not report.ok


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<rss version="2.0"><channel><title>&x;</title></channel></rss>').encode()
    report = doctor.check_feed(data)
    assert "TOP-SECRET" not in " ".join(problem.message for problem in report.problems)


# --- over HTTP, from a file, on the command line, in the admin --------------------------------------

@pytest.fixture(scope="module")
def web_server(good, tmp_path_factory):
    """A local HTTP server on 127.0.0.1 serving the good feed (rewritten to point at itself) and its artwork."""
    root = tmp_path_factory.mktemp("served")
    (root / "cover.jpg").write_bytes((good["media"] / "images/cover-feed.jpg").read_bytes())
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.hits = []  # paths asked for
    base = f"http://127.0.0.1:{server.server_port}"
    feed = etree.fromstring(good["body"])
    _find(feed, "/rss/channel/itunes:image").set("href", f"{base}/cover.jpg")
    (root / "feed.xml").write_bytes(etree.tostring(feed))
    _find(feed, "/rss/channel/itunes:image").set("href", f"{base}/missing.jpg")
    (root / "broken.xml").write_bytes(etree.tostring(feed))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, root, server.hits
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def log_request(self, *args):
        self.server.hits.append(self.path)


def test_check_url_fetches_the_feed_and_its_artwork(web_server):
    base, _, _ = web_server
    local = FetchPolicy(allow_private=True)
    report = doctor.check_url(f"{base}/feed.xml", timeout=5, policy=local)
    assert report.ok, [str(problem) for problem in report.problems]
    broken = doctor.check_url(f"{base}/broken.xml", timeout=5, policy=local)
    assert "apple.image.unreachable" in broken.rules()
    missing = doctor.check_url(f"{base}/nothing.xml", timeout=5, policy=local)
    assert missing.rules() == {"fetch.feed"} and not missing.ok


def test_cli_exit_status(good, web_server, tmp_path):
    base, served, _ = web_server
    runner = good["app"].test_cli_runner()
    clean = runner.invoke(args=["check-feed", "quiet-page"])
    assert clean.exit_code == 0, clean.output
    assert "0 error(s), 0 warning(s)" in clean.output
    assert runner.invoke(args=["check-feed", f"{base}/feed.xml"]).exit_code == 0
    broken = runner.invoke(args=["check-feed", f"{base}/broken.xml", "--timeout", "5"])
    assert broken.exit_code == 1 and "apple.image.unreachable" in broken.output
    saved = tmp_path / "feed.xml"
    saved.write_bytes((served / "feed.xml").read_bytes().replace(b"<itunes:explicit>false", b"<itunes:explicit>no"))
    from_file = runner.invoke(args=["check-feed", str(saved)])
    assert from_file.exit_code == 1
    assert "apple.explicit.value" in from_file.output and "/rss/channel/itunes:explicit" in from_file.output
    unknown = runner.invoke(args=["check-feed", "no-such-thing"])
    assert unknown.exit_code != 0 and "neither a show slug" in unknown.output


def test_admin_feed_health_panel(app, client, auth):
    set_clock(app, NOW)
    show_id = make_show(app, episodes=2, owner_email="")
    auth.login()
    page = client.get("/admin/feed-doctor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Feed health" in html and "The Quiet Page" in html and '<label for="feed-url">' in html
    detail = client.get(f"/admin/feed-doctor/{show_id}").get_data(as_text=True)
    assert "apple.owner-email.missing" in detail and "/rss/channel/itunes:owner/itunes:email" in detail
    assert "https.enclosure" in detail  # the test site is http
    assert post_form(client, "/admin/feed-doctor", {"url": "ftp://example.com/feed"}).status_code == 400
    assert client.get("/admin/feed-doctor/999").status_code == 404
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "Feed health: 1 error," in dashboard


def test_admin_panel_needs_login(client):
    assert client.get("/admin/feed-doctor").status_code in (302, 401)


def test_published_episode_without_audio_is_reported(app):
    set_clock(app, NOW)
    make_show(app, episodes=2)
    with app.app_context():
        from podcaster.models import Episode
        from podcaster.web.feeds import check_show

        db.session.execute(db.select(Episode).filter_by(slug="episode-1")).scalar_one().audio = None
        db.session.commit()
        with app.test_request_context():
            report = check_show(db.session.execute(db.select(Show)).scalar_one())
    assert "local.episode.no-audio" in report.rules()


# --- the URL check fetches only on a POST, and never inside the network unless allowed -----------------

PLAIN = "the address is not allowed or did not answer"


def test_check_url_refuses_this_machine_by_default(web_server):
    base, _, hits = web_server
    before = len(hits)
    for url in (f"{base}/feed.xml", f"{base.replace('127.0.0.1', 'localhost')}/feed.xml",
                f"{base.replace('127.0.0.1', '2130706433')}/feed.xml"):
        report = doctor.check_url(url, timeout=5)
        assert [(problem.rule, problem.message) for problem in report.problems] == [
            ("fetch.feed", f"could not fetch {url}: {PLAIN}")]
    assert len(hits) == before


def test_artwork_on_this_machine_is_not_fetched_by_default(web_server):
    base, served, hits = web_server
    before = len(hits)
    report = doctor.check_feed((served / "feed.xml").read_bytes(), fetch_url=doctor.fetch)
    assert "apple.image.unreachable" in report.rules()
    assert PLAIN in " ".join(problem.message for problem in report.problems)
    assert len(hits) == before


def test_admin_url_check_is_a_post_with_csrf(app, client, auth, web_server):
    base, _, hits = web_server
    app.config["FETCH_ALLOW_PRIVATE"] = True
    auth.login()
    before = len(hits)
    page = client.get(f"/admin/feed-doctor?url={base}/feed.xml")
    assert page.status_code == 200 and b"<h3>" not in page.data.split(b"Check another feed")[1]
    assert client.post("/admin/feed-doctor", data={"url": f"{base}/feed.xml"}).status_code == 400  # no token
    assert len(hits) == before
    checked = post_form(client, "/admin/feed-doctor", {"url": f"{base}/feed.xml"})
    assert checked.status_code == 200
    assert re.search(rf"{base}/feed.xml: 0 errors,\s+1 warning<", checked.get_data(as_text=True))
    assert b"https.image" in checked.data  # the artwork was fetched: only its http URL is a warning
    assert len(hits) > before


def test_admin_url_check_refuses_this_machine_by_default(app, client, auth, web_server):
    base, _, hits = web_server
    auth.login()
    before = len(hits)
    page = post_form(client, "/admin/feed-doctor", {"url": f"{base}/feed.xml"})
    assert page.status_code == 200 and PLAIN.encode() in page.data
    assert len(hits) == before


def test_a_feed_apps_forgive_is_checked_after_repair(good):
    body = good["body"].replace(b"<title>", b"<title>Ink &gtgt; ", 1)
    report = doctor.check_feed(b"\n  " + body, local_file=good["resolve"])
    messages = [problem.message for problem in report.problems if problem.rule == "xml.syntax"]
    assert any("blank space before the XML declaration" in message for message in messages)
    assert any("&gtgt;" in message for message in messages)
    assert report.rules() == {"xml.syntax"}  # the rest of the feed was checked and is clean
