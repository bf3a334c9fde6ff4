"""Site settings: first-run defaults from the environment, the admin page, and their use on pages and feeds."""
from __future__ import annotations

import io
import json
from datetime import date

import sqlalchemy as sa
from lxml import html as lxml_html

from podcaster.content.site import SiteSettingsRefused, check_accent, check_time_zone, contrast_ratio
from podcaster.content.subscribe import subscribe_links
from podcaster.extensions import db
from podcaster.models import Author, SiteSettings, Video
from podcaster.web.template_helpers import one_line_plain

from ..helpers.authoring import seed_site
from ..helpers.feeds import NOW, NS, make_posts, make_show, parse, set_clock
from ..helpers.images import image_upload
from ..helpers.rows import count
from ..helpers.web import page_text, post_form, row_fields

SETTINGS = "/admin/site"


def settings_data(**overrides) -> dict:
    data = {"title": "Ada Writes", "tagline": "Novels, slowly", "accent_color": "#1d4e89", "main_author_id": "0",
            "nav_sections": ["books", "blog"], "footer_text": "© 2026 Ada Quill",
            **row_fields("social_links", [("Mastodon", "https://example.social/@ada")]), "time_zone": "Europe/Paris",
            "subscribe_apps": ["apple", "overcast"]}
    data.update(overrides)
    return data


def test_first_run_uses_the_environment_title_and_writes_nothing(app, client):
    app.config["SITE_TITLE"] = "From The Environment"
    page = lxml_html.fromstring(client.get("/").data)
    assert page.findtext(".//title") == "From The Environment"
    assert page.xpath("//meta[@property='og:site_name']/@content") == ["From The Environment"]
    assert [a.text_content() for a in page.xpath("//nav[@aria-label='Main']/ul/li/a")] == \
        ["About", "Books", "Podcasts", "Videos", "Blog"]
    assert count(app, SiteSettings) == 0


def test_saved_settings_show_on_every_page_and_in_the_blog_feed(app, client, auth):
    set_clock(app, NOW)
    make_posts(app, 1)
    ATOM = {"a": NS["atom"]}
    assert parse(client.get("/blog/feed.xml").data).xpath("/a:feed/a:title/text()", namespaces=ATOM) == \
        ["Podcaster: blog"]  # built and cached with the old title
    auth.login()
    response = post_form(client, SETTINGS, settings_data())
    assert response.status_code == 302
    for url in ("/", "/books", "/blog"):
        page = lxml_html.fromstring(client.get(url).data)
        assert page.findtext(".//title").endswith("Ada Writes"), url
        assert page.xpath("//meta[@property='og:site_name']/@content") == ["Ada Writes"]
        assert page.xpath("string(//header//*[@class='brand-tagline'])") == "Novels, slowly"
        nav = [a.text_content() for a in page.xpath("//nav[@aria-label='Main']/ul/li/a")]
        assert nav[:2] == ["Books", "Blog"] and "Videos" not in nav and "About" not in nav
        assert page.xpath("string(//footer/p)") == "© 2026 Ada Quill"
        assert page.xpath("//footer//a/@href") == ["https://example.social/@ada"]
    home = lxml_html.fromstring(client.get("/").data)
    blocks = [json.loads(text) for text in home.xpath("//script[@type='application/ld+json']/text()")]
    assert {"@type": "WebSite", "name": "Ada Writes", "url": "http://podcaster.test/",
            "description": "Novels, slowly"}.items() <= next(b for b in blocks if b["@type"] == "WebSite").items()
    assert home.xpath("//meta[@name='description']/@content") == ["Novels, slowly"]
    theme = home.xpath("//link[contains(@href, '/theme.css')]/@href")
    assert len(theme) == 1 and "v=1" in theme[0]
    assert b"--accent: #1d4e89;" in client.get(theme[0]).data
    # The save marked the cached blog feed stale in its own transaction.
    assert parse(client.get("/blog/feed.xml").data).xpath("/a:feed/a:title/text()", namespaces=ATOM) == \
        ["Ada Writes: blog"]
    with app.app_context():
        row = db.session.get(SiteSettings, 1)
        assert (row.time_zone, row.subscribe_apps, row.version) == ("Europe/Paris", ["apple", "overcast"], 1)
    post_form(client, SETTINGS, settings_data(title="Ada Writes Again"))
    with app.app_context():
        assert db.session.get(SiteSettings, 1).version == 2  # the hook page caches key on


def test_the_settings_form_shows_the_saved_values_and_sets_the_main_author(app, client, auth):
    seed_site(app)
    with app.app_context():
        second = Author(name="Ben Other", slug="ben-other")
        db.session.add(second)
        db.session.commit()
        second_id = second.id
    auth.login()
    assert post_form(client, SETTINGS, settings_data(main_author_id=str(second_id))).status_code == 302
    with app.app_context():
        assert [a.name for a in db.session.execute(sa.select(Author).where(Author.is_main)).scalars()] == \
            ["Ben Other"]
    form = lxml_html.fromstring(client.get(SETTINGS).data)
    assert form.xpath("//input[@id='title']/@value") == ["Ada Writes"]
    assert form.xpath("//input[@id='time_zone']/@value") == ["Europe/Paris"]
    assert sorted(form.xpath("//input[@name='nav_sections'][@checked]/@value")) == ["blog", "books"]
    assert form.xpath("//select[@id='main_author_id']/option[@selected]/@value") == [str(second_id)]
    for field_id in ("title", "tagline", "logo", "favicon", "accent_color", "footer_text", "time_zone"):
        assert form.xpath(f"//label[@for='{field_id}']"), field_id


def test_pages_stay_up_with_the_defaults_when_the_settings_cannot_be_read(app, client, caplog):
    seed_site(app)
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE site_settings"))
        db.session.commit()
    response = client.get("/books")
    assert response.status_code == 200
    assert lxml_html.fromstring(response.data).findtext(".//title") == "Books · Podcaster"
    assert b"Quiet Rooms" in response.data
    assert "Site settings could not be read" in caplog.text


def test_refused_values_say_why_and_save_nothing(app, client, auth):
    auth.login()
    for overrides, message in [
        ({"time_zone": "Mars/Olympus_Mons"}, "is not a time zone name"),
        ({"time_zone": "../../etc/passwd"}, "is not a time zone name"),
        ({"accent_color": "#ffff66"}, "too light to read"),
        ({"accent_color": "red"}, "six hex digits"),
        (row_fields("social_links", [("Mastodon", "javascript:alert(1)")]), "Row 1: &#39;javascript:alert(1)&#39; is not a web address"),
        ({"title": ""}, "This field is required"),
    ]:
        response = post_form(client, SETTINGS, settings_data(**overrides))
        assert response.status_code == 400, overrides
        assert message in page_text(response), overrides
    assert count(app, SiteSettings) == 0


def test_a_logo_and_favicon_are_stored_and_used(app, client, auth):
    auth.login()
    response = post_form(client, SETTINGS, {**settings_data(), "logo": image_upload("logo.png", 300, 300),
                                            "favicon": image_upload("icon.png", 128, 128)},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    page = lxml_html.fromstring(client.get("/").data)
    logo = page.xpath("//header//img[@class='brand-logo']/@src")[0]
    icon = page.xpath("//link[@rel='icon']/@href")[0]
    assert status_of(client, logo) == 200 and status_of(client, icon) == 200
    # A page without an image of its own shares the logo.
    assert page.xpath("//meta[@property='og:image']/@content") == ["http://podcaster.test" + logo]
    response = post_form(client, SETTINGS, {**settings_data(), "logo": (io.BytesIO(b"not an image"), "bad.png"),
                                            "remove_favicon": "y"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert status_of(client, logo) == 200 and status_of(client, icon) == 200  # nothing changed


def status_of(client, url: str) -> int:
    """The status of a GET, its (file-backed) body closed at once."""
    with client.get(url) as response:
        return response.status_code


def test_settings_are_read_once_per_request(app, client):
    make_show(app)
    statements = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *args: statements.append(statement))
    assert client.get("/podcasts/quiet-page").status_code == 200
    assert sum("site_settings" in statement for statement in statements) == 1


def test_subscribe_buttons_follow_the_settings_and_the_shows_directory_pages(app, client, auth):
    make_show(app, apple_podcasts_url="https://podcasts.apple.com/podcast/id123")
    auth.login()
    post_form(client, SETTINGS, settings_data(subscribe_apps=["apple", "spotify", "antennapod"]))
    page = lxml_html.fromstring(client.get("/podcasts/quiet-page").data)
    feed = "http://podcaster.test/podcasts/quiet-page/feed.xml"
    assert page.xpath("//a[@class='button rss-link']/@href") == [feed]
    assert page.xpath("//input[@id='feed-address']/@value") == [feed]
    apps = {a.text_content(): a.get("href") for a in page.xpath("//ul[@class='subscribe-apps']//a")}
    # Spotify has no deep link: without the show's Spotify page there is no button at all.
    assert apps == {"Apple Podcasts": "https://podcasts.apple.com/podcast/id123",
                    "AntennaPod": "antennapod-subscribe://podcaster.test/podcasts/quiet-page/feed.xml"}
    assert page.xpath("//li[@data-platforms='android']//a/text()") == ["AntennaPod"]
    assert page.xpath("//details[@class='which-app']/summary/text()") == ["Which app?"]


def test_deep_links_carry_their_platforms():
    links = subscribe_links("https://site.example/feed.xml", ["apple", "overcast", "pocketcasts"])
    assert [(link.label, link.href, link.platform_note) for link in links] == [
        ("Apple Podcasts", "podcast://site.example/feed.xml", "iPhone and iPad, Mac"),
        ("Overcast", "overcast://x-callback-url/add?url=https://site.example/feed.xml", "iPhone and iPad"),
        ("Pocket Casts", "pktc://subscribe/site.example/feed.xml", "iPhone and iPad, Android"),
    ]


def test_colour_and_time_zone_checks():
    assert check_time_zone(" Europe/Paris ") == "Europe/Paris" and check_time_zone("UTC") == "UTC"
    for bad in ("Europe/Nowhere", "/etc/localtime", ""):
        try:
            check_time_zone(bad)
        except SiteSettingsRefused as exc:
            assert exc.field == "time_zone"
        else:
            raise AssertionError(f"{bad!r} was accepted")
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert check_accent("#8A3B12") == "#8a3b12" and check_accent("") == ""


def test_excerpts_keep_item_and_sentence_breaks():
    assert one_line_plain("- one\n- two\n- three") == "one · two · three"
    assert one_line_plain("First sentence.\n\nSecond *one*") == "First sentence. Second one"
    assert one_line_plain("## Notes\nWe talk.") == "Notes · We talk."


def test_latest_videos_on_the_home_page_are_newest_first(app, client):
    with app.app_context():
        for index, (title, day) in enumerate([("Old", "2024-01-01"), ("New", "2025-06-01"), ("Mid", "2025-01-01")]):
            db.session.add(Video(youtube_id=f"abcdefghij{index}", title=title, position=index,
                                 published_on=date.fromisoformat(day)))
        db.session.commit()
    page = lxml_html.fromstring(client.get("/").data)
    assert page.xpath("//section[@aria-labelledby='home-videos']//span[@class='video-title']/text()") == \
        ["New", "Mid", "Old"]
