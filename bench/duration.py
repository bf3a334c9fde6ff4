"""Duration accuracy of podcaster.content.audio.probe against ffmpeg-decoded truth.

    /tmp/venv/bin/python bench/duration.py [--minutes 60]

Encodes long VBR MP3s without a Xing header (``lame -t``: the case where mutagen
extrapolates from the first frame) from a source that alternates speech,
silence, noise and a sweep, so the bitrate varies a lot. The truth is the
number of samples ffmpeg decodes, divided by the sample rate. Also checks the
small fixtures in tests/data (CBR, VBR with and without Xing, M4A), and times
probe() on the long files. Needs espeak-ng, sox, lame and ffmpeg.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mutagen import File as mutagen_file

from podcaster.content.audio import probe

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def run(*args: str) -> None:
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def decoded_seconds(path: Path) -> float:
    """Decode with ffmpeg to 16-bit mono PCM, counting bytes as they stream (bounded memory)."""
    rate = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                           "stream=sample_rate", "-of", "csv=p=0", str(path)],
                          check=True, capture_output=True, text=True).stdout.strip().strip(",")
    process = subprocess.Popen(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
                               stdout=subprocess.PIPE)
    total = 0
    while chunk := process.stdout.read(1024 * 1024):
        total += len(chunk)
    if process.wait() != 0:
        raise SystemExit(f"ffmpeg failed on {path}")
    return total / 2 / int(rate)


def make_long_mp3(work: Path, minutes: int, rate: int, quality: str) -> Path:
    block = work / f"block-{rate}.wav"
    speech = work / "speech.wav"
    if not speech.exists():
        run("espeak-ng", "-w", str(speech), "This is a long test episode. Speech, silence, noise and a sweep "
            "follow each other so that the bitrate of a variable bitrate file changes all the time.")
    parts = []
    for index, args in enumerate([[str(speech), "-r", str(rate), "-c", "1"],
                                  ["-n", "-r", str(rate), "-c", "1", "-b", "16", "SILENCE", "trim", "0", "5"],
                                  ["-n", "-r", str(rate), "-c", "1", "-b", "16", "OUT", "synth", "10", "pinknoise",
                                   "vol", "0.2"],
                                  ["-n", "-r", str(rate), "-c", "1", "-b", "16", "OUT", "synth", "13", "sine",
                                   "100-3000", "vol", "0.3"]]):
        out = work / f"part{index}-{rate}.wav"
        if args[0] == "-n":
            tail = args[args.index("OUT") + 1:] if "OUT" in args else args[args.index("SILENCE") + 1:]
            head = args[:args.index("OUT")] if "OUT" in args else args[:args.index("SILENCE")]
            run("sox", *head, str(out), *tail)
        else:
            run("sox", args[0], *args[1:], str(out))
        parts.append(str(out))
    run("sox", *parts, str(block))
    block_seconds = float(subprocess.run(["soxi", "-D", str(block)], check=True, capture_output=True,
                                         text=True).stdout)
    repeats = max(0, round(minutes * 60 / block_seconds) - 1)
    wav = work / f"long-{rate}.wav"
    run("sox", str(block), str(wav), "repeat", str(repeats))
    mp3 = work / f"long-{minutes}min-{rate}-no-xing.mp3"
    run("lame", "--quiet", "-t", quality, "-m", "m", str(wav), str(mp3))
    wav.unlink()
    return mp3


def report(label: str, path: Path) -> float:
    truth = decoded_seconds(path)
    started = time.perf_counter()
    measured = probe(path).duration
    took = time.perf_counter() - started
    estimate = mutagen_file(path).info.length
    error = abs(measured - truth) / truth * 100
    print(f"  {label:34} truth {truth:10.3f} s  probe {measured:10.3f} s  error {error:.4f} %  "
          f"(probe {took * 1000:6.1f} ms; mutagen alone {estimate:10.3f} s, "
          f"{abs(estimate - truth) / truth * 100:5.1f} % off)")
    return error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=60)
    args = parser.parse_args()
    worst = 0.0
    print("fixtures (tests/data):")
    for name in ("cbr.mp3", "vbr_xing.mp3", "vbr_no_xing.mp3", "vbr_no_xing_mpeg2.mp3", "aac.m4a"):
        worst = max(worst, report(name, DATA / name))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "a").mkdir()
        (work / "b").mkdir()
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(make_long_mp3, work / "a", args.minutes, 44100, "-V4")
            second = pool.submit(make_long_mp3, work / "b", args.minutes // 2, 22050, "-V6")
            files = [first.result(), second.result()]
        print("long VBR files without a Xing header (lame -t):")
        for path in files:
            size_mib = path.stat().st_size / 1024 / 1024
            worst = max(worst, report(f"{path.name} ({size_mib:.0f} MiB)", path))
    print(f"worst error {worst:.4f} % (target <= 0.1 %): {'met' if worst <= 0.1 else 'NOT met'}")


if __name__ == "__main__":
    main()
