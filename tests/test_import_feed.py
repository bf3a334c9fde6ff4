"""podcaster import-feed: real feeds served from 127.0.0.1, hostile ones refused."""
from __future__ import annotations

import functools
import io
import http.server
import shutil
import threading
from pathlib import Path

import pytest
from PIL import Image

from podcaster.extensions import db
from podcaster.importer import FeedImportError, parse_duration, parse_feed_xml
from podcaster.models import Episode, Show

DATA = Path(__file__).parent / "data"

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel>
  <title>Ink &amp; Air</title>
  <link>https://old-host.example/ink</link>
  <description>Talks about writing.</description>
  <language>en-gb</language>
  <copyright>© 2025 Ada Quill</copyright>
  <itunes:author>Ada Quill</itunes:author>
  <itunes:owner><itunes:name>Ada Quill</itunes:name><itunes:email>ada@example.com</itunes:email></itunes:owner>
  <itunes:image href="{base}/art.jpg"/>
  <itunes:category text="Religion &amp; Spirituality"><itunes:category text="Religion"/></itunes:category>
  <itunes:explicit>false</itunes:explicit>
  <itunes:type>serial</itunes:type>
  <podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>
  <item>
    <title>Chapter one</title>
    <guid isPermaLink="false">old-host-guid-0001</guid>
    <pubDate>Mon, 06 Jan 2025 09:30:00 +0100</pubDate>
    <content:encoded><![CDATA[<p>Notes with <b>bold</b></p>]]></content:encoded>
    <enclosure url="{base}/{audio}" length="{length}" type="audio/mpeg"/>
    <itunes:duration>00:12</itunes:duration>
    <itunes:season>1</itunes:season><itunes:episode>1</itunes:episode>
    <itunes:episodeType>full</itunes:episodeType>
  </item>
  <item>
    <title>Trailer</title>
    <guid>https://old-host.example/ink/trailer</guid>
    <pubDate>Sun, 05 Jan 2025 08:00:00 GMT</pubDate>
    <description>Coming soon.</description>
    <enclosure url="{base}/missing.mp3" length="1000" type="audio/mpeg"/>
    <itunes:episodeType>trailer</itunes:episodeType>
  </item>
</channel>
</rss>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def log_request(self, *args):
        self.server.hits.append(self.path)


@pytest.fixture
def allow_private(app):
    """Let the app fetch from this machine (``FETCH_ALLOW_PRIVATE``): the test servers are on 127.0.0.1."""
    app.config["FETCH_ALLOW_PRIVATE"] = True


@pytest.fixture
def feed_server(tmp_path):
    """A plain HTTP server on 127.0.0.1 serving a folder with a feed, artwork and audio.

    Yields ``publish(feed_text, audio_file)``, which writes the feed and returns its URL; the paths asked
    for are in ``publish.hits``.
    """
    folder = tmp_path / "www"
    folder.mkdir()
    Image.new("RGB", (1400, 1400), "purple").save(folder / "art.jpg", "JPEG")
    audio = DATA / "cbr.mp3"
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def publish(feed_text=FEED, audio_file=audio):
        name = "episode.mp3"
        length = 0
        if audio_file is not None:
            shutil.copy(audio_file, folder / name)
            length = (folder / name).stat().st_size
        (folder / "feed.xml").write_text(feed_text.format(base=base, audio=name, length=length))
        return f"{base}/feed.xml"

    publish.base = base
    publish.hits = server.hits
    yield publish
    server.shutdown()
    server.server_close()


def test_import_keeps_guids_and_fields_and_reruns_without_duplicates(app, runner, feed_server, allow_private):
    url = feed_server()
    result = runner.invoke(args=["import-feed", url, "--keep-remote"])
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output
    with app.app_context():
        show = db.session.execute(db.select(Show)).scalar_one()
        assert (show.title, show.language, show.show_type) == ("Ink & Air", "en-gb", "serial")
        assert (show.category, show.subcategory) == ("Religion & Spirituality", "Religion")
        assert show.owner_email == "ada@example.com"
        assert show.podcast_guid == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
        assert show.artwork is not None and show.artwork.width == 1400
        episodes = {e.guid: e for e in db.session.execute(db.select(Episode)).scalars()}
        assert set(episodes) == {"old-host-guid-0001", "https://old-host.example/ink/trailer"}
        first = episodes["old-host-guid-0001"]
        assert (first.season, first.number, first.duration) == (1, 1, 12.0)
        assert first.publish_at.isoformat() == "2025-01-06T08:30:00"
        assert first.remote_audio_url.endswith("/episode.mp3") and first.audio is None
        assert episodes["https://old-host.example/ink/trailer"].episode_type == "trailer"

    again = runner.invoke(args=["import-feed", url, "--keep-remote"])
    assert again.exit_code == 0, again.output
    assert "0 new, 2 updated" in again.output
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Episode.id))).scalar() == 2
        assert db.session.execute(db.select(db.func.count(Show.id))).scalar() == 1


def test_import_downloads_audio_and_reads_its_real_duration(app, runner, feed_server, allow_private):
    url = feed_server()
    result = runner.invoke(args=["import-feed", url])
    assert result.exit_code == 0, result.output
    assert "1 audio files downloaded" in result.output
    assert "Trailer: audio not downloaded" in result.output
    with app.app_context():
        episode = db.session.execute(db.select(Episode).filter_by(guid="old-host-guid-0001")).scalar_one()
        assert episode.audio is not None and episode.remote_audio_url == ""
        stored = Path(app.config["MEDIA_ROOT"]) / episode.audio.path
        assert stored.stat().st_size == episode.audio.size
        trailer = db.session.execute(
            db.select(Episode).filter_by(guid="https://old-host.example/ink/trailer")).scalar_one()
        assert trailer.audio is None and trailer.remote_audio_url.endswith("missing.mp3")
    assert runner.invoke(args=["doctor"]).exit_code == 0


HOSTILE = {
    "xxe": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b"<rss><channel><title>&x;</title></channel></rss>",
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                      b"<rss><channel><title>&b;</title></channel></rss>",
    "not xml": b"<html><body>Not a feed",
    "atom instead of rss": b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>',
    "too deep": b"<rss><channel><title>t</title>" + b"<a>" * 100 + b"</a>" * 100 + b"</channel></rss>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_feeds_are_refused(name):
    with pytest.raises(FeedImportError):
        parse_feed_xml(HOSTILE[name])


def test_hostile_feed_file_is_refused_with_a_message(app, runner, tmp_path):
    path = tmp_path / "evil.xml"
    path.write_bytes(HOSTILE["xxe"])
    result = runner.invoke(args=["import-feed", str(path)])
    assert result.exit_code != 0
    assert "DOCTYPE" in result.output
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Show.id))).scalar() == 0


def test_oversized_feed_is_refused(app, runner, tmp_path):
    path = tmp_path / "huge.xml"
    with open(path, "wb") as handle:
        handle.write(b"<rss><channel><title>x</title>")
        handle.write(b"<!-- padding -->" * (21 * 1024 * 1024 // 16))
        handle.write(b"</channel></rss>")
    result = runner.invoke(args=["import-feed", str(path)])
    assert result.exit_code != 0 and "larger than" in result.output


@pytest.mark.parametrize("text, seconds", [("75", 75.0), ("01:15", 75.0), ("1:01:15", 3675.0),
                                           ("12.5", 12.5), ("soon", None)])
def test_duration_forms(text, seconds):
    assert parse_duration(text) == seconds


def test_import_needs_a_title(app):
    from podcaster.importer import import_feed
    from podcaster.web import media_store

    with app.test_request_context(), pytest.raises(FeedImportError, match="title"):
        import_feed(db.session, media_store(), b"<rss><channel><item/></channel></rss>")


def test_admin_import_page(app, client, auth, feed_server, allow_private):
    from .conftest import post_form

    url = feed_server()
    auth.login()
    empty = post_form(client, "/admin/import", {"feed_url": ""})
    assert empty.status_code == 400 and b"Give the feed" in empty.data
    done = post_form(client, "/admin/import", {"feed_url": url, "keep_remote": "y"}, follow_redirects=True)
    assert done.status_code == 200
    assert "Imported “Ink &amp; Air”: 2 new and 0 updated episodes".encode() in done.data
    hostile = post_form(client, "/admin/import", {
        "feed_file": (io.BytesIO(HOSTILE["xxe"]), "evil.xml")}, content_type="multipart/form-data")
    assert hostile.status_code == 422 and b"DOCTYPE" in hostile.data


def test_enclosure_without_a_length_stays_in_the_feed(app, runner, tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text("""<rss version="2.0"><channel><title>Lengthless</title><description>x</description>
      <item><title>No length</title><guid>lengthless-1</guid><pubDate>Mon, 06 Jan 2025 09:30:00 GMT</pubDate>
        <enclosure url="https://old-host.example/a.mp3" length="0" type="audio/mpeg"/></item>
    </channel></rss>""")
    assert runner.invoke(args=["import-feed", str(feed), "--keep-remote"]).exit_code == 0
    body = app.test_client().get("/podcasts/lengthless/feed.xml").get_data(as_text=True)
    assert '<enclosure url="https://old-host.example/a.mp3" length="0" type="audio/mpeg"' in body
