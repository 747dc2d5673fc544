"""Narration audio named by a tour: only a regular file of bounded size inside the tour's
folder is accepted (the station plays what the tour check accepted)."""

from __future__ import annotations

import os
import wave

import pytest

from conftest import TINY
from wardtwin.tours.validate import MAX_AUDIO_BYTES, check_tour

TOUR = ("kind: tour\nversion: 1\nid: a\nname: A\nward: tiny\nmode: self_directed\nsteps:\n"
        "  - {type: say, id: hi, text: Hello., audio: AUDIO}\n")


def _tour(folder, audio: str):
    (folder / "t.yaml").write_text(TOUR.replace("AUDIO", audio), encoding="utf-8")
    tour, model, findings = check_tour(TINY, folder / "t.yaml")
    return [f for f in findings if f.code == "audio-missing"]


def _wav(path):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)


def test_a_wav_beside_the_tour_is_accepted(tmp_path):
    _wav(tmp_path / "hello.wav")
    assert _tour(tmp_path, "hello.wav") == []


@pytest.mark.parametrize("case, expected", [
    ("missing", "not found"), ("fifo", "named pipe"), ("outside", "outside"), ("huge", "over the limit"),
    ("folder", "directory"), ("absolute", "absolute"),
])
def test_audio_that_is_not_a_small_file_beside_the_tour_is_a_finding(tmp_path, case, expected):
    tour_dir = tmp_path / "tour"
    tour_dir.mkdir()
    name = "a.wav"
    if case == "fifo":
        os.mkfifo(tour_dir / name)
    elif case == "outside":
        _wav(tmp_path / "elsewhere.wav")
        os.symlink(tmp_path / "elsewhere.wav", tour_dir / name)
    elif case == "huge":
        with open(tour_dir / name, "wb") as fh:  # sparse: no data is written or read
            fh.truncate(MAX_AUDIO_BYTES + 1)
    elif case == "folder":
        (tour_dir / name).mkdir()
    elif case == "absolute":
        _wav(tmp_path / "elsewhere.wav")
        name = str(tmp_path / "elsewhere.wav")
    (finding,) = _tour(tour_dir, name)
    assert expected in finding.message and finding.line == 8
