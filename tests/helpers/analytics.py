"""Listener statistics in tests: a long episode file, requests as a podcast app makes them, figures."""
from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import func, select

from podcaster.content.analytics.counting import roll_up
from podcaster.extensions import db
from podcaster.models import DailyDownloads, Episode
from podcaster.web.analytics import RECORDER_EXTENSION

from .media import repeated_mp3

#: User agents of real apps (examples from the OPAWG list).
APPLE_PODCASTS = "Podcasts/1650.20 CFNetwork/1333.0.4 Darwin/21.5.0"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
ANTENNAPOD = "AntennaPod/3.1.0"
GOOGLEBOT = "Googlebot/2.1 (+http://www.google.com/bot.html)"
APPLE_WATCH = "atc/1.0 watchOS/7.1 model/Watch4,2 hwp/t8006 build/18R590 (6; dt:191)"


def lengthen(app, episode_id: int, copies: int = 5) -> int:
    """Give an episode a long audio file (``copies`` x 24.6 s at 64 kbit/s, no header); returns its size."""
    with app.app_context():
        episode = db.session.get(Episode, episode_id)
        target = Path(app.config["MEDIA_ROOT"]) / episode.audio.path
        repeated_mp3(target, copies)
        data = target.read_bytes()
        episode.audio.size, episode.audio.sha256 = len(data), hashlib.sha256(data).hexdigest()
        episode.duration, episode.bitrate = len(data) * 8 / 64000, 64000
        db.session.commit()
        return len(data)


def audio_url(app, episode_id: int) -> str:
    with app.app_context():
        return "/media/" + db.session.get(Episode, episode_id).audio.path


def fetch(client, url: str, address: str, agent: str, byte_range: str | None = None, method: str = "GET"):
    """One request of an app: its address, user agent and (optional) Range header."""
    headers = {"User-Agent": agent, **({"Range": byte_range} if byte_range else {})}
    response = client.open(url, method=method, headers=headers, environ_base={"REMOTE_ADDR": address})
    assert response.status_code in (200, 206, 302), response.status_code
    response.close()
    return response


def write_hits(app) -> int:
    """Write the hits the app's recorder holds (its thread does this every two seconds in production)."""
    return app.extensions[RECORDER_EXTENSION].flush()


def rolled_up(app) -> dict[int, int]:
    """Write waiting hits, run the roll-up at the app's clock, and return counted downloads per episode."""
    write_hits(app)
    with app.app_context():
        roll_up(db.session, app.config["CLOCK"](), app.config.get("ANALYTICS_KEEP_DAYS", 30))
        rows = db.session.execute(select(DailyDownloads.episode_id, func.sum(DailyDownloads.downloads))
                                  .group_by(DailyDownloads.episode_id))
        return {episode_id: int(total) for episode_id, total in rows}
