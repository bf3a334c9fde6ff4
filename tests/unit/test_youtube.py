"""YouTube links in every common form come down to the 11-character video id."""
from __future__ import annotations

import pytest

from podcaster.content.youtube import YouTubeURLError, parse_video_id, watch_url

ID = "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={ID}",
        f"http://www.youtube.com/watch?v={ID}",
        f"https://youtube.com/watch?v={ID}",
        f"www.youtube.com/watch?v={ID}",
        f"youtube.com/watch?v={ID}",
        f"https://www.youtube.com/watch?v={ID}&t=42s",
        f"https://www.youtube.com/watch?feature=share&v={ID}",
        f"https://www.youtube.com/watch?v={ID}&list=PL1234567890&index=3",
        f"https://m.youtube.com/watch?v={ID}",
        f"https://music.youtube.com/watch?v={ID}&feature=share",
        f"https://youtu.be/{ID}",
        f"https://youtu.be/{ID}?si=AbCdEfGh12345678",
        f"https://youtu.be/{ID}?t=90",
        f"youtu.be/{ID}",
        f"https://www.youtube.com/shorts/{ID}",
        f"https://youtube.com/shorts/{ID}?feature=share",
        f"https://www.youtube.com/embed/{ID}",
        f"https://www.youtube.com/embed/{ID}?start=10&rel=0",
        f"https://www.youtube-nocookie.com/embed/{ID}",
        f"https://youtube-nocookie.com/embed/{ID}?autoplay=1",
        f"https://www.youtube.com/live/{ID}?si=xyz",
        f"https://www.youtube.com/v/{ID}",
        f"  https://www.youtube.com/watch?v={ID}  ",
        f"HTTPS://WWW.YOUTUBE.COM/watch?v={ID}",
        ID,
    ],
)
def test_every_common_form_gives_the_id(url):
    assert parse_video_id(url) == ID


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Paste the link"),
        ("   ", "Paste the link"),
        ("https://vimeo.com/123456789", "not YouTube"),
        ("https://www.youtube.com.evil.example/watch?v=" + ID, "not YouTube"),
        ("https://www.youtube.com/watch?v=short", "malformed"),
        ("https://www.youtube.com/watch?v=" + ID + "extra", "malformed"),
        ("https://www.youtube.com/watch", "malformed"),
        ("https://youtu.be/", "malformed"),
        ("https://www.youtube.com/playlist?list=PL1234567890", "playlist"),
        ("https://www.youtube.com/@somechannel", "does not point to a video"),
        ("https://www.youtube.com/channel/UC1234567890", "does not point to a video"),
        ("javascript:alert(1)", "not YouTube"),
        ("ftp://youtube.com/watch?v=" + ID, "https://"),
        ("not a link at all", "not YouTube"),
        ("https://www.youtube.com/shorts/abc<script>", "malformed"),
    ],
)
def test_bad_links_are_refused_with_a_message(text, message):
    with pytest.raises(YouTubeURLError, match=message):
        parse_video_id(text)


def test_watch_url():
    assert watch_url(ID) == f"https://www.youtube.com/watch?v={ID}"
