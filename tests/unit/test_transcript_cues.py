"""Timed transcript cues, which the episode page's transcript follows and seeks by."""
from __future__ import annotations

from podcaster.content.transcripts import Cue, transcript_cues


def test_webvtt_cues_with_settings_voices_and_hours():
    data = (b"WEBVTT\n\nNOTE a note\n\n00:00.000 --> 00:02.000 align:start\n<v Ada>Hello</v>\n\n"
            b"intro\n1:02:03.500 --> 1:02:04.000\nLater\non two lines\n\n00:05.000 --> 00:06.000\n\n")
    assert transcript_cues(data) == [Cue(0.0, 2.0, "Hello"), Cue(3723.5, 3724.0, "Later on two lines")]


def test_subrip_cues_with_commas_and_windows_line_ends():
    data = b"1\r\n00:00:01,500 --> 00:00:02,000\r\nHi\r\n\r\n2\r\n00:00:03,000 --> broken\r\nSkipped\r\n"
    assert transcript_cues(data) == [Cue(1.5, 2.0, "Hi")]
