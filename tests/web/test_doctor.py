"""The feed doctor: a clean verdict on a good feed, and each of many broken variants caught with its rule."""
from __future__ import annotations

import copy
import functools
import http.server
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from podcaster import create_app
from podcaster.cli import upgrade_schema
from podcaster.content.feeds import doctor
from podcaster.content.http import FetchPolicy
from podcaster.extensions import db
from podcaster.models import Show

from ..helpers.feeds import NOW, NS, make_show, set_clock
from ..helpers.images import image_bytes
from ..helpers.live import free_port
from ..helpers.media import DATA
from ..helpers.web import post_form

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
    (media / "images/cover.gif").write_bytes(image_bytes(1400, fmt="GIF", mode="P"))
    (media / "images/wide.jpg").write_bytes(_wide_jpeg())
    (media / "images/cmyk.jpg").write_bytes(image_bytes(1400, mode="CMYK"))
    (media / "images/huge.png").write_bytes(image_bytes(3200, fmt="PNG"))
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
    return image_bytes(1400, 1600)


def test_a_valid_demo_like_feed_is_clean(good):
    # Only notes: the channel itunes:title we still write is one the W3C validator does not know.
    assert [finding for finding in good["report"].findings if finding.severity != doctor.INFO] == []
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
    ("explicit yes", set_text(f"{CH}/itunes:explicit", "yes"), "apple.explicit.legacy"),
    ("explicit nonsense", set_text(f"{CH}/itunes:explicit", "maybe"), "apple.explicit.value"),
    ("no explicit", remove(f"{CH}/itunes:explicit"), "apple.explicit.missing"),
    ("item explicit clean", set_text(f"{IT}/itunes:explicit", "clean"), "apple.explicit.legacy"),
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
    ("http enclosure in an https feed", set_attr(f"{IT}/enclosure", "url", "http://cdn.example.com/e.mp3"),
     "apple.enclosure.https"),
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
    ("decimal duration", set_text(f"{IT}/itunes:duration", "1234.5"), "apple.duration.legacy"),
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
    warnings = {"apple.enclosure.type-mismatch", "apple.duration.missing", "apple.explicit.legacy",
                "apple.duration.legacy"}
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
    # "no" is a legacy value apps still read: a warning with the fix, not an error (exit status 0).
    assert from_file.exit_code == 0, from_file.output
    assert "apple.explicit.legacy" in from_file.output and "/rss/channel/itunes:explicit" in from_file.output
    assert "use `false` instead of `no`" in from_file.output
    saved.write_bytes((served / "feed.xml").read_bytes().replace(b"<itunes:explicit>false",
                                                                  b"<itunes:explicit>maybe"))
    wrong = runner.invoke(args=["check-feed", str(saved)])
    assert wrong.exit_code == 1 and "apple.explicit.value" in wrong.output
    unknown = runner.invoke(args=["check-feed", "no-such-thing"])
    assert unknown.exit_code == 1
    assert unknown.output == "Error: 'no-such-thing' is neither a show slug, an http(s) URL nor a file.\n"


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
    response = client.get("/admin/feed-doctor")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fadmin%2Ffeed-doctor"


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


# --- foreign feeds built as strings: grouping, legacy values, new rules, network outcomes ----------------

FOREIGN = "https://feeds.example.com/show.xml"
#: RFC 6761: a .invalid name never resolves, with or without network, so the fetch fails before any socket.
NOWHERE = "https://feed-doctor.invalid"


def foreign_feed(items: int = 3, *, item=lambda index: "", channel: str = "", self_url: str = FOREIGN,
                 artwork: str = "https://cdn.example.com/cover.jpg",
                 enclosure=lambda index: f"https://cdn.example.com/episode-{index}.mp3",
                 explicit: str = "false", duration: str = "1800",
                 pub_date=lambda index: f"{index + 1:02d} May 2026 10:00:00 +0000") -> bytes:
    """A complete, valid feed from another host, with ``items`` episodes; ``item(index)`` adds XML to each."""
    entries = "".join(f"""
    <item>
      <title>Episode {index}</title>
      <guid isPermaLink="false">ep-{index}</guid>
      <pubDate>{pub_date(index)}</pubDate>
      <enclosure url="{enclosure(index)}" type="audio/mpeg" length="1000"/>
      <itunes:duration>{duration}</itunes:duration>
      <itunes:explicit>{explicit}</itunes:explicit>
      {item(index)}
    </item>""" for index in range(1, items + 1))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="{NS['itunes']}" xmlns:podcast="{NS['podcast']}" xmlns:atom="{NS['atom']}">
  <channel>
    <title>Elsewhere</title>
    <link>https://example.com/</link>
    <description>A show hosted somewhere else.</description>
    <language>en</language>
    <atom:link rel="self" type="application/rss+xml" href="{self_url}"/>
    <itunes:image href="{artwork}"/>
    <itunes:category text="Arts"/>
    <itunes:explicit>false</itunes:explicit>
    <itunes:author>Someone</itunes:author>
    <itunes:owner><itunes:email>owner@example.com</itunes:email></itunes:owner>
    <podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>
    {channel}{entries}
  </channel>
</rss>""".encode()


def _only(report, rule):
    found = [finding for finding in report.findings if finding.rule == rule]
    assert len(found) == 1, [str(finding) for finding in report.findings]
    return found[0]


def test_a_valid_foreign_feed_is_clean():
    report = doctor.check_feed(foreign_feed(), FOREIGN)
    assert report.findings == [], [str(finding) for finding in report.findings]


def test_one_finding_per_rule_with_count_and_first_examples():
    report = doctor.check_feed(foreign_feed(12, explicit="no"), FOREIGN)
    finding = _only(report, "apple.explicit.legacy")
    assert finding.count == 12
    assert finding.examples == ("“Episode 1”", "“Episode 2”", "“Episode 3”")
    assert finding.where == "/rss/channel/item/itunes:explicit"
    assert len(report.warnings) == 1 and report.errors == [] and report.ok
    broken = doctor.check_feed(foreign_feed(12, enclosure=lambda index: "episode.mp3"), FOREIGN)
    assert len(broken.errors) == 1 and broken.errors[0].count == 12
    assert "'episode.mp3'" in broken.errors[0].examples[0]
    assert "12 items" in str(broken.errors[0])


@pytest.mark.parametrize(("value", "fix"), [("yes", "true"), ("no", "false"), ("clean", "false"),
                                            ("explicit", "true"), ("True", "true")])
def test_legacy_explicit_values_are_warnings_with_the_fix(value, fix):
    report = doctor.check_feed(foreign_feed(2, explicit=value), FOREIGN)
    finding = _only(report, "apple.explicit.legacy")
    assert finding.severity == doctor.WARNING and report.ok
    assert f"use `{fix}` instead of `{value}`" in finding.message


@pytest.mark.parametrize(("value", "fix"), [("1234.5", "1235"), ("1800.0", "1800"), ("1:2", "62"), ("100:30", "6030"),
                                            ("1:2:3", "3723"), ("0:90", "90"), ("1:00:00.250", "3600")])
def test_legacy_durations_are_warnings_with_the_fix(value, fix):
    report = doctor.check_feed(foreign_feed(2, duration=value), FOREIGN)
    finding = _only(report, "apple.duration.legacy")
    assert finding.severity == doctor.WARNING and report.ok and finding.count == 2
    assert f"use `{fix}` instead of `{value}`" in finding.examples[0]


@pytest.mark.parametrize("value", ["1800", "5:07", "45:07", "1:05:07", "01:05:07"])
def test_durations_as_apple_lists_them_pass(value):
    assert doctor.check_feed(foreign_feed(1, duration=value), FOREIGN).findings == []


def test_a_pub_date_in_the_future_is_a_warning():
    now = datetime(2026, 5, 5, 12, 0, tzinfo=UTC)
    report = doctor.check_feed(foreign_feed(9), FOREIGN, now=now)  # items dated 2 to 10 May
    finding = _only(report, "rss.item.pubdate.future")
    assert finding.severity == doctor.WARNING and finding.count == 5 and report.ok
    assert doctor.check_feed(foreign_feed(9), FOREIGN, now=now + timedelta(days=6)).findings == []


def _numbered(numbers, types=None):
    def item(index):
        season, episode = numbers[index - 1]
        kind = (types or {}).get(index, "full")
        return (f"<itunes:season>{season}</itunes:season>" if season else "") + \
            f"<itunes:episode>{episode}</itunes:episode><itunes:episodeType>{kind}</itunes:episodeType>"
    return item


def test_duplicate_season_and_episode_numbers_are_reported():
    numbers = [(1, 1), (1, 2), (1, 2), (2, 2), (None, 5), (None, 5)]
    report = doctor.check_feed(foreign_feed(6, item=_numbered(numbers)), FOREIGN)
    finding = _only(report, "apple.number.duplicate")
    assert finding.severity == doctor.WARNING and finding.count == 2
    assert "season 1 episode 2, also item 2" in finding.examples[0]
    serial = doctor.check_feed(foreign_feed(3, item=_numbered(numbers[:3]), channel="<itunes:type>serial</itunes:type>"),
                               FOREIGN)
    assert _only(serial, "apple.number.duplicate").severity == doctor.ERROR and not serial.ok
    # A bonus episode may carry the number of the episode it goes with.
    bonus = doctor.check_feed(foreign_feed(2, item=_numbered([(1, 1), (1, 1)], {2: "bonus"})), FOREIGN)
    assert "apple.number.duplicate" not in bonus.rules()
    # The Podcast Index allows decimal podcast:episode numbers; 2.5 is not 2.
    halves = doctor.check_feed(foreign_feed(2, item=lambda index: f"<podcast:episode>{index * 2.5}</podcast:episode>"
                                                                  "<itunes:season>1</itunes:season>"), FOREIGN)
    assert halves.findings == []


@pytest.mark.parametrize("number", ["0", "-1"])
def test_episode_numbers_below_one_are_errors(number):
    report = doctor.check_feed(foreign_feed(1, item=lambda index: f"<itunes:episode>{number}</itunes:episode>"),
                               FOREIGN)
    assert _only(report, "apple.number.value").severity == doctor.ERROR and not report.ok


def test_a_feed_without_episodes_is_an_error():
    report = doctor.check_feed(foreign_feed(0), FOREIGN)
    assert _only(report, "rss.items.none").severity == doctor.ERROR and not report.ok


def test_http_enclosures_in_an_https_feed_are_errors():
    http_audio = {"enclosure": lambda index: f"http://cdn.example.com/episode-{index}.mp3"}
    declared = doctor.check_feed(foreign_feed(2, **http_audio), "a-saved-file.xml")  # the self link says https
    assert _only(declared, "apple.enclosure.https").count == 2 and not declared.ok
    served = doctor.check_feed(foreign_feed(2, self_url="http://feeds.example.com/show.xml", **http_audio), FOREIGN)
    assert _only(served, "apple.enclosure.https").severity == doctor.ERROR
    plain = doctor.check_feed(foreign_feed(2, self_url="http://feeds.example.com/show.xml", **http_audio),
                              "http://feeds.example.com/show.xml")
    assert _only(plain, "https.enclosure").severity == doctor.WARNING and plain.ok


def test_tags_the_w3c_validator_does_not_know_are_noted():
    report = doctor.check_feed(foreign_feed(1, channel="<itunes:complete>Yes</itunes:complete>"
                                                      "<itunes:title>Elsewhere</itunes:title>"), FOREIGN)
    assert _only(report, "w3c.itunes-complete").severity == doctor.INFO
    title = _only(report, "w3c.itunes-title")
    assert title.severity == doctor.INFO and "repeats <title>" in title.message
    assert report.ok and report.errors == report.warnings == []
    odd = doctor.check_feed(foreign_feed(1, channel="<itunes:complete>no</itunes:complete>"), FOREIGN)
    assert _only(odd, "apple.complete.value").severity == doctor.WARNING


def test_artwork_that_cannot_be_reached_is_unchecked_not_an_error():
    report = doctor.check_feed(foreign_feed(1, artwork=f"{NOWHERE}/cover.jpg",
                                            enclosure=lambda index: f"{NOWHERE}/episode-{index}.mp3"),
                               FOREIGN, fetch_url=functools.partial(doctor.fetch, timeout=5))
    assert report.ok and report.errors == []
    assert {finding.rule for finding in report.unchecked} == {"apple.image.unchecked", "enclosure.unchecked"}
    assert "apple.image.unreachable" not in report.rules()


def test_fetch_outcomes_separate_the_feeds_fault_from_no_answer(audio_server, loopback_fetch):
    """Real fetches: an error status and an oversized body are the feed's fault; no answer is not."""
    base, _ = audio_server
    closed = f"http://127.0.0.1:{free_port()}/a.mp3"
    answered = doctor.reach(loopback_fetch, f"{base}/ok.mp3")
    assert answered.kind == doctor.ANSWERED, answered.reason
    assert doctor.reach(loopback_fetch, f"{base}/gone.mp3").kind == doctor.HTTP_FAILED
    assert doctor.reach(loopback_fetch, f"{base}/ok.mp3", limit=100).kind == doctor.TOO_LARGE
    assert doctor.reach(loopback_fetch, f"{NOWHERE}/a.mp3").kind == doctor.UNREACHABLE
    assert doctor.reach(loopback_fetch, closed).kind == doctor.UNREACHABLE


def test_cli_lists_what_could_not_be_checked_apart_and_exits_0(good, tmp_path):
    saved = tmp_path / "feed.xml"
    saved.write_bytes(foreign_feed(2, artwork=f"{NOWHERE}/cover.jpg",
                                   enclosure=lambda index: f"{NOWHERE}/episode-{index}.mp3"))
    result = good["app"].test_cli_runner().invoke(args=["check-feed", str(saved), "--timeout", "5"])
    assert result.exit_code == 0, result.output
    unchecked_part = result.output.split("Could not check (network; not a fault of the feed):")[1]
    assert "apple.image.unchecked" in unchecked_part and "enclosure.unchecked" in unchecked_part
    assert "0 error(s), 0 warning(s), 2 not checked (network)" in result.output
    unreachable = good["app"].test_cli_runner().invoke(
        args=["check-feed", f"{NOWHERE}/feed.xml", "--timeout", "5"])
    assert unreachable.exit_code == 2 and "could not be reached" in unreachable.stderr


def test_the_admin_lists_findings_with_counts_and_unchecked_apart(app):
    from flask import render_template

    report = doctor.check_feed(foreign_feed(5, explicit="no", artwork=f"{NOWHERE}/cover.jpg",
                                            enclosure=lambda index: f"{NOWHERE}/episode-{index}.mp3"), FOREIGN,
                               fetch_url=functools.partial(doctor.fetch, timeout=5))
    with app.test_request_context():
        html = render_template("admin/feed_doctor_problems.html", report=report)
    problems, unchecked = html.split('<table class="feed-unchecked">')
    assert "apple.explicit.legacy" in problems and "5: “Episode 1”; “Episode 2”; “Episode 3”; …" in problems
    assert "use `false` instead of `no`" in problems and "No problems found" not in problems
    assert "apple.image.unchecked" in unchecked and "apple.image.unchecked" not in problems
    assert "not counted as errors" in unchecked
    nothing_reached = doctor.check_feed(foreign_feed(1, artwork=f"{NOWHERE}/cover.jpg",
                                                     enclosure=lambda index: f"{NOWHERE}/episode-{index}.mp3"),
                                        FOREIGN, fetch_url=functools.partial(doctor.fetch, timeout=5))
    with app.test_request_context():
        html = render_template("admin/feed_doctor_problems.html", report=nothing_reached)
    assert "No problems found in what could be checked" in html and "will accept this feed" not in html


# --- enclosures of a foreign feed answer (a real server on 127.0.0.1) ----------------------------------
# The safe fetcher refuses loopback by default; `loopback_fetch` is the one place these tests reach it.

class _ProbedServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the doctor hangs up after the first bytes of the audio, on purpose


@pytest.fixture
def audio_server(tmp_path):
    """A server on 127.0.0.1 with one real MP3 (``/ok.mp3``); every other path is 404. Logs the paths asked."""
    (tmp_path / "ok.mp3").write_bytes((DATA / "cbr.mp3").read_bytes())
    asked: list[str] = []

    class Handler(_QuietHandler):
        def do_GET(self):
            asked.append(self.path)
            super().do_GET()

    server = _ProbedServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path)))
    server.hits = []  # what _QuietHandler logs; ``asked`` keeps the GETs in order
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", asked
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_fetch():
    """The doctor's fetch, allowed to reach this machine's test servers."""
    return functools.partial(doctor.fetch, timeout=5, policy=FetchPolicy(allow_private=True))


def test_a_sample_of_foreign_enclosures_is_asked_whether_it_answers(audio_server, loopback_fetch):
    base, asked = audio_server
    urls = {1: f"{base}/ok.mp3", 2: f"{base}/gone.mp3", 3: f"{NOWHERE}/episode-3.mp3", 4: f"{base}/four.mp3",
            5: f"{base}/five.mp3", 6: f"{base}/ok.mp3?last"}
    data = foreign_feed(6, enclosure=urls.get, self_url="http://feeds.example.com/show.xml",
                        artwork=f"{base}/cover.jpg")
    report = doctor.check_feed(data, "http://feeds.example.com/show.xml", fetch_url=loopback_fetch)
    failed = _only(report, "enclosure.unreachable")
    assert failed.severity == doctor.ERROR and failed.count == 1 and failed.examples[0].startswith("“Episode 2”")
    assert "404" in failed.examples[0]
    unchecked = _only(report, "enclosure.unchecked")
    assert unchecked.severity == doctor.UNCHECKED and unchecked.examples[0].startswith("“Episode 3”")
    # Items 4 and 5 are outside the sample (first three and the last one): never asked, so not reported.
    assert sorted(asked) == ["/cover.jpg", "/gone.mp3", "/ok.mp3", "/ok.mp3?last"]
    assert len(report.errors) == 2  # the 404 audio, and the 404 artwork (also the feed's fault)
    assert {finding.rule for finding in report.errors} == {"enclosure.unreachable", "apple.image.unreachable"}
    assert report.unchecked == [unchecked]

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
    assert "apple.image.unchecked" in report.rules(), "refused by the fetcher: could not check, not the feed's fault"
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


def test_feed_health_list_shows_stored_figures_and_never_runs_the_doctor(app, client, auth, monkeypatch):
    from podcaster.content.feeds import doctor as feed_doctor

    from ..helpers.web import csrf_in, page_text

    set_clock(app, NOW)
    show_id = make_show(app, episodes=2, owner_email="")
    auth.login()
    runs = []
    real_check = feed_doctor.check_feed

    def counted(*args, **kwargs):
        runs.append(args)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(feed_doctor, "check_feed", counted)
    html = page_text(client.get("/admin/feed-doctor"))
    assert runs == [] and "Not checked yet." in html and "Check the feed now" in html
    checked = client.post(f"/admin/feed-doctor/{show_id}/check", data={"csrf_token": csrf_in(html),
                                                                        "back": "feed-doctor"})
    assert checked.status_code == 302 and checked.headers["Location"] == f"/admin/feed-doctor#show-{show_id}"
    assert len(runs) == 1
    html = page_text(client.get("/admin/feed-doctor"))
    assert len(runs) == 1 and "Not checked yet." not in html and "Check the feed now" not in html
    assert re.search(r'<tr id="show-\d+" class="feed-health bad">.*?<td data-label="Errors">1</td>', html, re.S)
