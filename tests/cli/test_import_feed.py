"""podcaster import-feed: real feeds served from 127.0.0.1, hostile ones refused."""
from __future__ import annotations

import functools
import io
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from podcaster.extensions import db
from podcaster.jobs import run_pending
from podcaster.content.feeds.importer import FeedImportError, parse_duration, parse_feed_xml
from podcaster.models import Episode, Show

from ..helpers.images import image_bytes
from ..helpers.media import DATA

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
    (folder / "art.jpg").write_bytes(image_bytes(1400))
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
    "xxe in utf-16": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                     "<rss><channel><title>&x;</title></channel></rss>".encode("utf-16"),
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
    from podcaster.content.feeds.importer import import_feed
    from podcaster.web import media_store

    with app.test_request_context(), pytest.raises(FeedImportError, match="title"):
        import_feed(db.session, media_store(), b"<rss><channel><item/></channel></rss>")


def test_import_into_a_session_of_its_own_keeps_the_artwork(app, feed_server):
    """The artwork's rows go into the importer's session (they once went to db.session, and the show lost it)."""
    from sqlalchemy.orm import Session

    from podcaster.content.feeds.importer import MAX_FEED_BYTES, fetch_url, import_feed, read_limited
    from podcaster.content.http import FetchPolicy
    from podcaster.content.storage import MediaStore

    policy = FetchPolicy(allow_private=True)  # the test server is on 127.0.0.1
    data = read_limited(fetch_url(feed_server(), MAX_FEED_BYTES, policy), MAX_FEED_BYTES, "the feed")
    with app.app_context():
        with Session(db.engine) as session:
            result = import_feed(session, MediaStore(app.config["MEDIA_ROOT"]), data, policy=policy,
                                 download_audio=False)
        assert not [problem for problem in result.problems if "artwork" in problem]
        artwork = db.session.execute(db.select(Show)).scalar_one().artwork
        assert artwork is not None and sorted(v.variant for v in artwork.variants) == ["feed", "thumb"]


def test_admin_import_page(app, client, auth, feed_server, allow_private):
    from ..helpers.web import post_form

    url = feed_server()
    auth.login()
    empty = post_form(client, "/admin/import", {"feed_url": ""})
    assert empty.status_code == 400 and b"Give the feed" in empty.data
    done = post_form(client, "/admin/import", {"feed_url": url, "keep_remote": "y"}, follow_redirects=True)
    assert done.status_code == 200 and b"The import is running" in done.data
    assert run_pending(app) == 2  # the import, then the feed refresh its commits queued
    assert "Imported “Ink &amp; Air”: 2 new and 0 updated episodes".encode() in client.get("/admin/jobs").data
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


# --- requests the server makes for the author ---------------------------------------------------------

PLAIN = "the address is not allowed or did not answer"


def test_import_feed_refuses_this_machine_by_default(app, runner, feed_server):
    published = feed_server()
    for host in ["127.0.0.1", "localhost", "2130706433", "0x7f000001", "127.1", "[::ffff:127.0.0.1]"]:
        url = published.replace("127.0.0.1", host)
        result = runner.invoke(args=["import-feed", url, "--keep-remote"])
        assert result.exit_code == 1, host
        assert f"could not fetch {url}: {PLAIN}" in result.output and "Traceback" not in result.output
    assert feed_server.hits == []
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Show.id))).scalar() == 0


def test_a_closed_port_answers_like_a_refused_address(app, runner, allow_private):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = runner.invoke(args=["import-feed", f"http://127.0.0.1:{port}/feed.xml"])
    assert result.exit_code == 1 and PLAIN in result.output
    assert "refused" not in result.output.lower()


def test_admin_import_refuses_this_machine_by_default(app, client, auth, feed_server):
    from ..helpers.web import post_form

    url = feed_server()
    auth.login()
    page = post_form(client, "/admin/import", {"feed_url": url, "keep_remote": "y"})
    assert page.status_code == 422 and PLAIN.encode() in page.data
    assert feed_server.hits == []


def test_artwork_and_audio_on_this_machine_are_not_fetched_by_default(app, runner, feed_server, tmp_path):
    """A feed file (no fetch for the feed itself) whose artwork and enclosure point at 127.0.0.1."""
    feed_server()
    saved = tmp_path / "feed.xml"
    saved.write_text(FEED.format(base=feed_server.base, audio="episode.mp3", length=1000))
    result = runner.invoke(args=["import-feed", str(saved)])
    assert result.exit_code == 0, result.output
    assert feed_server.hits == []
    assert f"artwork {feed_server.base}/art.jpg: could not fetch {feed_server.base}/art.jpg: {PLAIN}" \
        in result.output
    assert "Chapter one: audio not downloaded" in result.output and "0 audio files downloaded" in result.output
    with app.app_context():
        assert db.session.execute(db.select(Show)).scalar_one().artwork is None


HOSTILE_URLS = ["javascript:alert(document.domain)", "JaVaScRiPt:alert(1)", "data:audio/mpeg;base64,AAAA",
                "/relative/episode.mp3", "episode.mp3", "file:///etc/passwd", "//old-host.example/x.mp3"]


def test_enclosure_and_artwork_urls_must_be_absolute_http(app, runner, tmp_path):
    from xml.sax.saxutils import escape, quoteattr

    items = "".join(f"""<item><title>Hostile {index}</title><guid>hostile-{index}</guid>
        <pubDate>Mon, 06 Jan 2025 09:30:00 GMT</pubDate>
        <enclosure url={quoteattr(bad)} length="1000" type="audio/mpeg"/></item>"""
                    for index, bad in enumerate(HOSTILE_URLS))
    saved = tmp_path / "feed.xml"
    saved.write_text(f"""<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
      <channel><title>Bad links</title><link>{escape(HOSTILE_URLS[0])}</link><description>x</description>
        <itunes:image href={quoteattr(HOSTILE_URLS[2])}/>{items}
      </channel></rss>""")
    result = runner.invoke(args=["import-feed", str(saved)])
    assert result.exit_code == 0, result.output
    for index, bad in enumerate(HOSTILE_URLS):
        assert f"“Hostile {index}” (guid hostile-{index}): the enclosure {bad!r} is not an absolute http(s) " \
               "address; refused" in result.output
    assert f"the show artwork {HOSTILE_URLS[2]!r} is not an absolute http(s) address; refused" in result.output
    assert f"the show's website {HOSTILE_URLS[0]!r} is not an absolute http(s) address" in result.output
    with app.app_context():
        episodes = db.session.execute(db.select(Episode)).scalars().all()
        assert len(episodes) == len(HOSTILE_URLS)
        assert all(episode.remote_audio_url == "" and episode.audio is None for episode in episodes)
        assert db.session.execute(db.select(Show)).scalar_one().website_url == ""
    feed = app.test_client().get("/podcasts/bad-links/feed.xml").get_data(as_text=True)
    assert not any(bad in feed for bad in HOSTILE_URLS)


# --- real feeds from other hosts ------------------------------------------------------------------------

def _minimal(title: str, item_title: str = "One", head: bytes = b'<?xml version="1.0" encoding="UTF-8"?>\n'
             ) -> bytes:
    return head + f"""<rss version="2.0"><channel><title>{title}</title><description>d</description>
      <item><title>{item_title}</title><guid>g-1</guid><pubDate>Mon, 06 Jan 2025 09:30:00 GMT</pubDate>
        <description>Notes for {item_title}</description>
        <enclosure url="https://old-host.example/a.mp3" length="10" type="audio/mpeg"/></item>
    </channel></rss>""".encode()


def test_an_undefined_html_entity_is_read_as_podcast_apps_read_it(app, runner, tmp_path):
    """No Agenda's feed (podcast-partytime fixture) writes ``&gtgt;``; others write ``&nbsp;``, ``&rsquo;``."""
    saved = tmp_path / "feed.xml"
    saved.write_bytes(_minimal("No Agenda &gtgt; Shownotes", "Don&rsquo;t&nbsp;stop"))
    result = runner.invoke(args=["import-feed", str(saved), "--keep-remote"])
    assert result.exit_code == 0, result.output
    assert "repaired: read 5 undefined entities (&gtgt;, &nbsp;, &rsquo;)" in result.output
    with app.app_context():
        assert db.session.execute(db.select(Show)).scalar_one().title == "No Agenda &gtgt; Shownotes"
        assert db.session.execute(db.select(Episode)).scalar_one().title == "Don\u2019t\u00a0stop"
    assert app.test_client().get("/podcasts/no-agenda-gtgt-shownotes/feed.xml").status_code == 200


@pytest.mark.parametrize("head", [b'\n  <?xml version="1.0" encoding="UTF-8"?>\n',
                                  b'\xef\xbb\xbf\r\n<?xml version="1.0" encoding="UTF-8"?>'])
def test_blank_space_before_the_xml_declaration_is_repaired(app, runner, tmp_path, head):
    saved = tmp_path / "feed.xml"
    saved.write_bytes(_minimal("Leading space", head=head))
    result = runner.invoke(args=["import-feed", str(saved), "--keep-remote"])
    assert result.exit_code == 0, result.output
    assert "repaired: removed the blank space before the XML declaration" in result.output
    assert "1 new" in result.output


def test_control_characters_are_dropped_and_reported(app, runner, tmp_path):
    saved = tmp_path / "feed.xml"
    saved.write_bytes(b"""<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
      <title>Tab\x0bbed</title><description>d\x08</description>
      <item><title>Bell\x07 &#11;title&#x1F;</title><guid>g-1</guid><pubDate>Mon, 06 Jan 2025 09:30:00 GMT</pubDate>
        <content:encoded><![CDATA[<p>Notes\x0c kept</p>]]></content:encoded>
        <enclosure url="https://old-host.example/a.mp3" length="10" type="audio/mpeg"/></item>
    </channel></rss>""")
    result = runner.invoke(args=["import-feed", str(saved), "--keep-remote"])
    assert result.exit_code == 0, result.output
    assert "repaired: dropped 6 control characters that XML forbids" in result.output
    with app.app_context():
        show = db.session.execute(db.select(Show)).scalar_one()
        episode = db.session.execute(db.select(Episode)).scalar_one()
        assert (show.title, show.description) == ("Tabbed", "d")
        assert (episode.title, episode.notes) == ("Bell title", "<p>Notes kept</p>")
    assert app.test_client().get("/podcasts/tabbed/feed.xml").status_code == 200


def test_an_atom_feed_gets_a_clear_message(app, runner, tmp_path):
    saved = tmp_path / "feed.xml"
    saved.write_bytes(b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>')
    result = runner.invoke(args=["import-feed", str(saved)])
    assert result.exit_code == 1 and "this is an Atom feed; only RSS 2.0 podcast feeds can be imported" \
        in result.output


def test_the_admin_import_says_what_was_repaired(app, client, auth):
    from ..helpers.web import post_form

    auth.login()
    done = post_form(client, "/admin/import", {"feed_file": (io.BytesIO(_minimal("Fix &gtgt; me")), "f.xml")},
                     content_type="multipart/form-data", follow_redirects=True)
    assert done.status_code == 200
    run_pending(app)
    assert b"read 1 undefined entity (&amp;gtgt;)" in client.get("/admin/jobs").data


def test_duplicate_and_non_positive_episode_numbers_are_dropped(app, runner, tmp_path):
    items = "".join(
        f"""<item><title>{title}</title><guid>{guid}</guid><pubDate>Mon, 06 Jan 2025 09:30:00 GMT</pubDate>
          <enclosure url="https://old-host.example/{guid}.mp3" length="10" type="audio/mpeg"/>
          {season}<itunes:episode>{number}</itunes:episode></item>"""
        for title, guid, season, number in [
            ("First three", "e3", "<itunes:season>1</itunes:season>", "3"),
            ("Second three", "e3b", "<itunes:season>1</itunes:season>", "3"),
            ("Other season", "e3c", "<itunes:season>2</itunes:season>", "3"),
            ("Zero", "e0", "", "0"),
            ("Negative", "eneg", "", "-2"),
        ])
    saved = tmp_path / "feed.xml"
    saved.write_text(f"""<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
      <channel><title>Numbers</title><description>d</description><itunes:type>serial</itunes:type>{items}
      </channel></rss>""")
    result = runner.invoke(args=["import-feed", str(saved), "--keep-remote"])
    assert result.exit_code == 0, result.output
    assert "5 new" in result.output
    assert ("“Second three” (guid e3b): season 1, episode 3 is already used by another episode of the show"
            in result.output)
    assert "“Zero” (guid e0): episode number '0' is not a positive whole number" in result.output
    assert "“Negative” (guid eneg): episode number '-2' is not a positive whole number" in result.output
    with app.app_context():
        numbers = {e.guid: (e.season, e.number) for e in db.session.execute(db.select(Episode)).scalars()}
    assert numbers == {"e3": (1, 3), "e3b": (1, None), "e3c": (2, 3), "e0": (None, None), "eneg": (None, None)}
    assert app.test_client().get("/podcasts/numbers/feed.xml").status_code == 200
    again = runner.invoke(args=["import-feed", str(saved), "--keep-remote"])
    assert again.exit_code == 0 and "0 new, 5 updated" in again.output
    with app.app_context():
        assert db.session.execute(db.select(Episode).filter_by(guid="e3")).scalar_one().number == 3


# --- many items: batched commits, what a failure keeps, statements per item ----------------------------

def _numbered_feed(count: int, title: str = "Batched") -> bytes:
    items = "".join(
        f"""<item><title>{title} part {n}</title><guid>{title}-{n}</guid>
          <pubDate>Mon, 06 Jan 2025 09:30:00 GMT</pubDate>
          <enclosure url="https://old-host.example/{n}.mp3" length="10" type="audio/mpeg"/>
          <itunes:episode>{n}</itunes:episode><itunes:duration>10:00</itunes:duration></item>"""
        for n in range(1, count + 1))
    return f"""<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
      <channel><title>{title}</title><description>d</description>{items}</channel></rss>""".encode()


def test_a_failed_import_keeps_the_items_before_the_failure_and_a_rerun_completes_it(app):
    """Items are committed in batches (here 3), and the running batch before each download, so no
    transaction is open while a file downloads (another connection sees every earlier item then); an
    item that fails loses only itself, and nothing is left of its files."""
    from sqlalchemy import create_engine, func, select, update
    from sqlalchemy.pool import NullPool

    from podcaster.content.feeds.importer import import_feed
    from podcaster.models.feeds import FeedCache
    from podcaster.web import media_store

    from ..helpers.media import media_files

    seen_by_others: dict[int, int] = {}
    with app.app_context():
        url = db.engine.url
    # Another writer that never waits for a lock: it fails at once if the import holds one while it downloads.
    impatient = create_engine(url, poolclass=NullPool, **(
        {"connect_args": {"timeout": 0}} if url.get_backend_name() == "sqlite"
        else {"connect_args": {"options": "-c lock_timeout=200"}}))

    def fetch(url: str, max_bytes: int):
        number = int(url.rsplit("/", 1)[-1].split(".")[0])
        with impatient.begin() as other:
            seen_by_others[number] = other.scalar(select(func.count(Episode.id)))
            other.execute(update(FeedCache).values(stale=True))
        if number == 2:
            return open(DATA / "cbr.mp3", "rb")
        if number == 7:
            raise RuntimeError("the network stack broke")  # not an error the importer expects
        raise FeedImportError("HTTP 404")

    feed = _numbered_feed(7)
    with app.app_context():
        with pytest.raises(RuntimeError, match="network stack"):
            import_feed(db.session, media_store(), feed, fetch=fetch, items_per_commit=3)
        db.session.rollback()
        # Every item asks for its audio, so each fetch comes after the items before it were committed.
        assert seen_by_others == {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6}
        kept = db.session.execute(select(Episode.guid, Episode.audio_id).order_by(Episode.id)).all()
        assert [guid for guid, _ in kept] == [f"Batched-{n}" for n in range(1, 7)]
        assert [n for n, (_, audio_id) in enumerate(kept, start=1) if audio_id is not None] == [2]
        assert [name for name in media_files(app) if not name.startswith("audio/batched/")] == []

        result = import_feed(db.session, media_store(), feed, fetch=fetch_none, items_per_commit=3)
        assert (result.created, result.updated) == (1, 6)
        guids = db.session.execute(select(Episode.guid).order_by(Episode.id)).scalars().all()
        assert guids == [f"Batched-{n}" for n in range(1, 8)]
        assert len(media_files(app)) == 1
    impatient.dispose()



def test_a_download_whose_episode_got_its_audio_meanwhile_leaves_no_file(app):
    """The file downloads with no transaction open, so the studio may give the episode its audio meanwhile:
    the import then keeps the studio's file and leaves nothing of its own download."""
    import hashlib

    from sqlalchemy.orm import Session

    from podcaster.content.feeds.importer import import_feed
    from podcaster.models import MediaFile
    from podcaster.web import media_store

    from ..helpers.media import media_files

    feed = _numbered_feed(1, "Meanwhile")
    audio = (DATA / "cbr.mp3").read_bytes()

    def fetch(url: str, max_bytes: int):
        with Session(db.engine) as studio:  # the author's upload, committed while this file downloads
            (Path(app.config["MEDIA_ROOT"]) / "audio/meanwhile").mkdir(parents=True, exist_ok=True)
            (Path(app.config["MEDIA_ROOT"]) / "audio/meanwhile/uploaded.mp3").write_bytes(audio)
            uploaded = MediaFile(path="audio/meanwhile/uploaded.mp3", size=len(audio), kind="audio",
                                 sha256=hashlib.sha256(audio).hexdigest(), mime_type="audio/mpeg")
            studio.add(uploaded)
            studio.flush()
            studio.execute(db.select(Episode).filter_by(guid="Meanwhile-1")).scalar_one().audio_id = uploaded.id
            studio.commit()
        return open(DATA / "cbr.mp3", "rb")

    with app.app_context():
        import_feed(db.session, media_store(), feed, download_audio=False)
        result = import_feed(db.session, media_store(), feed, fetch=fetch)
        assert (result.created, result.updated, result.downloaded) == (0, 1, 0)
        episode = db.session.execute(db.select(Episode).filter_by(guid="Meanwhile-1")).scalar_one()
        assert episode.audio.path == "audio/meanwhile/uploaded.mp3"
    assert media_files(app) == ["audio/meanwhile/uploaded.mp3"]

def fetch_none(url: str, max_bytes: int):
    raise FeedImportError("HTTP 404")


def test_statements_per_imported_item_do_not_grow_with_the_feed(app):
    """The SQL statements of an import, less those of a one-item feed, are the same per further item for
    10 and for 50 items (no query that grows with the show; one commit for all)."""
    from podcaster.content.feeds.importer import import_feed
    from podcaster.web import media_store

    from ..helpers.queries import counting_statements

    def statements(count: int, title: str) -> int:
        with counting_statements(app) as log, app.app_context():
            result = import_feed(db.session, media_store(), _numbered_feed(count, title),
                                 download_audio=False)
            assert result.created == count
        return len(log)

    statements(1, "Warm")  # queues the feed refresh job; later imports find it waiting
    one = statements(1, "One")
    ten, fifty = statements(10, "Ten") - one, statements(50, "Fifty") - one
    assert ten / 9 == fifty / 49
    assert ten / 9 <= 8


def test_a_rerun_frees_the_numbers_its_episodes_give_up(app, runner, tmp_path):
    """The show's numbers are read once: a number an episode gives up in this run is free for a later item;
    one another episode still holds is not (as when each item asked the database)."""
    def feed(numbers: dict[str, int]) -> Path:
        items = "".join(f"<item><title>{guid}</title><guid>{guid}</guid>"
                        f"<itunes:episode>{number}</itunes:episode></item>"
                        for guid, number in numbers.items())
        saved = tmp_path / "feed.xml"
        saved.write_text(f"""<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
          <channel><title>Swaps</title><description>d</description>{items}</channel></rss>""")
        return saved

    assert runner.invoke(args=["import-feed", str(feed({"a": 1, "b": 2, "c": 3}))]).exit_code == 0
    again = runner.invoke(args=["import-feed", str(feed({"a": 2, "c": 4, "b": 3}))])
    assert again.exit_code == 0, again.output
    assert "“a” (guid a): episode 2 is already used by another episode of the show" in again.output
    with app.app_context():
        numbers = {e.guid: e.number for e in db.session.execute(db.select(Episode)).scalars()}
    assert numbers == {"a": None, "c": 4, "b": 3}
