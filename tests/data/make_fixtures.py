"""Rebuild the audio fixtures in this folder and print their decoded durations.

Needs espeak-ng, sox, lame and ffmpeg (only to rebuild; the tests need none of
them). Run from anywhere: ``python tests/data/make_fixtures.py``. The printed
durations are the sample counts ffmpeg decodes, divided by the sample rate; the
expected values in tests/test_audio.py come from this output.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from mutagen.id3 import CHAP, CTOC, ID3, TIT2, WXXX, CTOCFlags

HERE = Path(__file__).resolve().parent
SPEECH = (
    "Welcome to the Podcaster test fixture. This short recording mixes synthetic speech with a few tones, "
    "so that the duration of every file is meaningful and easy to check."
)


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def decoded_seconds(path: Path) -> float:
    """Decode with ffmpeg to raw PCM and count the samples (the truth probe is compared to)."""
    rate = int(run("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=sample_rate",
                   "-of", "csv=p=0", str(path)).strip().strip(","))
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
                         check=True, capture_output=True).stdout
    return len(pcm) / 2 / rate


def source_wav(work: Path, rate: int) -> Path:
    """About 25 s: speech, a 440 Hz tone, speech again, a falling sweep."""
    speech = work / "speech.wav"
    run("espeak-ng", "-w", str(speech), SPEECH)
    out = work / f"source-{rate}.wav"
    run("sox", str(speech), "-r", str(rate), "-c", "1", str(work / "a.wav"))
    run("sox", "-n", "-r", str(rate), "-c", "1", "-b", "16", str(work / "b.wav"), "synth", "3", "sine", "440",
        "vol", "0.3")
    run("sox", "-n", "-r", str(rate), "-c", "1", "-b", "16", str(work / "c.wav"), "synth", "2.5", "sine",
        "1200-300", "vol", "0.3")
    run("sox", str(work / "a.wav"), str(work / "b.wav"), str(work / "a.wav"), str(work / "c.wav"), str(out))
    return out


def add_chapters(path: Path) -> None:
    """Three ID3v2 chapters (CHAP) with a table of contents (CTOC); the second links to a URL."""
    tags = ID3()
    tags.add(TIT2(text=["Chapter test"]))
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                  child_element_ids=["ch0", "ch1", "ch2"], sub_frames=[TIT2(text=["Contents"])]))
    bounds = [(0, 9500, "Introduction", None), (9500, 12500, "The tone", "https://example.com/tone"),
              (12500, 24000, "Once more", None)]
    for index, (start, end, title, url) in enumerate(bounds):
        sub = [TIT2(text=[title])]
        if url:
            sub.append(WXXX(desc="", url=url))
        tags.add(CHAP(element_id=f"ch{index}", start_time=start, end_time=end, sub_frames=sub))
    tags.save(path, v2_version=4)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wav44 = source_wav(work, 44100)
        wav22 = source_wav(work, 22050)
        run("lame", "--quiet", "-b", "64", "-m", "m", str(wav44), str(HERE / "cbr.mp3"))
        run("lame", "--quiet", "-V", "5", "-m", "m", str(wav44), str(HERE / "vbr_xing.mp3"))
        # -t: no Xing/Info frame, the case where mutagen's estimate is badly off.
        run("lame", "--quiet", "-t", "-V", "4", "-m", "m", str(wav44), str(HERE / "vbr_no_xing.mp3"))
        run("lame", "--quiet", "-t", "-V", "6", "-m", "m", str(wav22), str(HERE / "vbr_no_xing_mpeg2.mp3"))
        run("ffmpeg", "-v", "error", "-y", "-i", str(wav44), "-c:a", "aac", "-b:a", "48k",
            str(HERE / "aac.m4a"))
        chapters = HERE / "chapters.mp3"
        chapters.write_bytes((HERE / "cbr.mp3").read_bytes())
        add_chapters(chapters)
        run("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(HERE / "tone.wav"), "synth", "1", "sine", "440")
        (HERE / "not_audio.mp3").write_text("<html><body>This is a web page, not an MP3.</body></html>\n")

    sys.path.insert(0, str(HERE.parent.parent))
    from podcaster.content.audio import probe

    worst = 0.0
    for name in ("cbr.mp3", "vbr_xing.mp3", "vbr_no_xing.mp3", "vbr_no_xing_mpeg2.mp3", "aac.m4a",
                 "chapters.mp3"):
        path = HERE / name
        truth = decoded_seconds(path)
        measured = probe(path).duration
        error = abs(measured - truth) / truth * 100
        worst = max(worst, error)
        print(f"{name:24} {path.stat().st_size:7d} B  decoded {truth:.6f} s  probe {measured:.6f} s  "
              f"error {error:.4f} %")
    if worst > 0.1:
        raise SystemExit(f"probe is off by {worst:.3f} % on some fixture (target <= 0.1 %)")


if __name__ == "__main__":
    main()
