"""Absolute URLs: the URL map is bound once per app, and SITE_URL stays their only source."""
from __future__ import annotations

from podcaster import create_app
from podcaster.web.urls import absolute_url, site_url_builder


def test_the_url_map_is_bound_once_per_app_and_site_url_is_read_each_time(tmp_path, monkeypatch):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SITE_URL": "https://one.example",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite'}", "MEDIA_ROOT": str(tmp_path),
                      "INSTANCE_PATH": str(tmp_path / "instance"), "QUEUE_URL": "memory://"})
    binds = []
    real_bind = app.url_map.bind
    monkeypatch.setattr(app.url_map, "bind", lambda *args, **kwargs: binds.append(args) or real_bind(*args, **kwargs))
    with app.app_context():
        assert absolute_url("feeds.podcast", show_slug="a") == "https://one.example/podcasts/a/feed.xml"
        assert absolute_url("podcasts.show", show_slug="b") == "https://one.example/podcasts/b"
        app.config["SITE_URL"] = "https://two.example"
        build = site_url_builder()
        assert build("podcasts.show", show_slug="b") == "https://two.example/podcasts/b"
        assert build("no.such.endpoint") is None
    with app.test_request_context("/", base_url="http://forged.example"):
        assert absolute_url("podcasts.show", show_slug="c") == "https://two.example/podcasts/c"
    assert len(binds) == 1
