"""``podcaster stats``: nginx access logs from a real nginx, ingested twice; the user-agent list refreshed."""
from __future__ import annotations

import json
from datetime import UTC
import urllib.request

import pytest
from sqlalchemy import func, select

from podcaster.content.analytics.logs import ingest_lines
from podcaster.content.analytics.user_agents import SHIPPED_LIST, shipped_list
from podcaster.extensions import db
from podcaster.jobs import run_pending
from podcaster.models import DailyDownloads, DownloadHit, Episode, JobRecord, utcnow

from ..helpers import nginx
from ..helpers.analytics import ANTENNAPOD, APPLE_PODCASTS, OVERCAST, lengthen, rolled_up
from ..helpers.feeds import NOW, make_show


def _get(url: str, agent: str, byte_range: str | None = None, method: str = "GET") -> int:
    headers = {"User-Agent": agent, **({"Range": byte_range} if byte_range else {})}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers, method=method), timeout=10) as answer:
        answer.read()
        return answer.status


def test_ingesting_a_real_nginx_log_twice_counts_once(app, tmp_path):
    reason = nginx.available()
    if reason:
        pytest.skip(reason)
    app.config["CLOCK"] = utcnow  # nginx stamps the lines with the real time
    with app.app_context():
        long_episode, short_episode = db.session.scalars(
            select(Episode.id).where(Episode.show_id == make_show(app, episodes=2)).order_by(Episode.number))
        short_path = db.session.get(Episode, short_episode).audio.path
        long_path = db.session.get(Episode, long_episode).audio.path
    lengthen(app, long_episode)
    server = nginx.StatsNginx(tmp_path, tmp_path / "media").start()
    try:
        long_url, short_url = f"{server.url}/media/{long_path}", f"{server.url}/media/{short_path}"
        # An app reading a long episode a range at a time: a minute (480,000 bytes) in the third range.
        assert [_get(long_url, OVERCAST, f"bytes={start}-{start + 199_999}") for start in (0, 200_000, 400_000)] \
            == [206, 206, 206]
        assert _get(long_url, ANTENNAPOD, "bytes=0-99999") == 206  # not a minute: no download
        assert _get(short_url, APPLE_PODCASTS, "bytes=0-1") == 206  # the probe
        assert _get(short_url, ANTENNAPOD, method="HEAD") == 200
        assert _get(short_url, ANTENNAPOD) == 200
    finally:
        server.stop()
    assert len(server.access_log.read_text().splitlines()) == 7

    runner = app.test_cli_runner()
    first = runner.invoke(args=["stats", "ingest", str(server.access_log)])
    assert first.exit_code == 0, first.output
    assert "7 lines: 5 hits added, 0 already ingested, 2 not episode downloads" in first.output
    assert "Roll-up queued." in first.output
    run_pending(app)  # the roll-up job the ingestion queued (and the feed refresh the show queued)
    with app.app_context():
        record = db.session.scalars(select(JobRecord).where(JobRecord.name == "roll_up_stats")).one()
        assert record.state == "done", record.error
        assert db.session.scalar(select(func.sum(DailyDownloads.downloads))) == 2
    again = runner.invoke(args=["stats", "ingest", str(server.access_log)])
    assert "7 lines: 0 hits added, 5 already ingested" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DownloadHit)) == 5
        assert db.session.scalar(select(func.sum(DownloadHit.bytes)).where(DownloadHit.episode_id == long_episode)) \
            == 700_000
    assert rolled_up(app) == {long_episode: 1, short_episode: 1}


def test_stats_commands_refuse_in_one_line_and_refresh_the_agent_list(app, tmp_path):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["stats", "ingest", str(tmp_path / "nope.log")])
    assert missing.exit_code == 1 and missing.output.strip().splitlines() == [
        f"Error: no such log file: {tmp_path / 'nope.log'}"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps([{"user_agents": ["(unclosed"], "app": "X"}]))
    refused = runner.invoke(args=["stats", "refresh-agents", str(broken)])
    assert refused.exit_code == 1 and len(refused.output.strip().splitlines()) == 1
    assert "entry 1" in refused.output

    # A good list replaces the one apps are named by.
    app.config["USER_AGENTS_FILE"] = str(tmp_path / "agents" / "user-agents.json")
    newer = json.loads(SHIPPED_LIST.read_text())
    newer.insert(0, {"user_agents": ["^TinyCaster/"], "app": "TinyCaster", "os": "linux"})
    source = tmp_path / "newer.json"
    source.write_text(json.dumps(newer))
    result = app.test_cli_runner().invoke(args=["stats", "refresh-agents", str(source)])
    assert result.exit_code == 0, result.output
    assert f"{len(newer)} entries" in result.output
    from podcaster.content.analytics.user_agents import current_list

    agent = current_list(tmp_path / "agents" / "user-agents.json").classify("TinyCaster/1.0")
    assert (agent.app, agent.platform, agent.excluded) == ("TinyCaster", "Linux", False)


def test_log_lines_of_the_author_s_draft_previews_are_not_counted(app):
    """nginx logs the /_protected_media/ answers the app sends by X-Accel-Redirect too; the app does not count
    the author's previews of drafts, nor does ingestion."""
    show_id = make_show(app, episodes=1, drafts=1)
    with app.app_context():
        episodes = db.session.scalars(select(Episode).where(Episode.show_id == show_id)).all()
        stamp = f"{NOW.replace(tzinfo=UTC).timestamp():.3f}"
        lines = ["\t".join([stamp, f"request-{episode.id}", "198.51.100.7", "GET", f"/media/{episode.audio.path}",
                            "200", str(episode.audio.size + 300), str(episode.audio.size), "", OVERCAST])
                 for episode in episodes]
        report = ingest_lines(db.session, lines, NOW, shipped_list())
        db.session.commit()
        assert (report.lines, report.added, report.ignored) == (2, 1, 1)
        assert db.session.scalars(select(DownloadHit.episode_id)).all() == [
            episode.id for episode in episodes if episode.status == "published"]
