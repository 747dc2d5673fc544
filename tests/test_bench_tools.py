"""The benchmarks' reader of Panda3D's PStats text output (tools/pstats_text.py): the
breakdowns the VR and scene benchmarks print come from it; and the scene benchmark run end
to end on the tiny ward; the check-scale benchmark end to end on a small floor."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import pstats_text  # noqa: E402

# two frames of the main thread and one of the GPU, as text-stats prints them
TEXT = """
Listening for connections.
Thread Main frame 7, 8.0 ms (125 Hz):
  Draw = 4.5 ms
    eye-left = 2.0 ms
      Clear = 0.5 ms
    eye-right = 2.25 ms
  Cull = 2.5 ms
    eye-left = 1.25 ms
  App = 1.0 ms
    Show code = 0.75 ms
      wardtwin-vr-station = 0.5 ms
  Geoms = 42 
  System memory = 14.7 MB

Thread NVIDIA H100 80GB HBM3/PCIe/SSE2 frame 6, 4.0 ms (250 Hz):
  Draw = 4.0 ms
    eye-left = 2.0 ms
      Clear = 0.625 ms

Thread Main frame 8, 10.0 ms (100 Hz):
  Draw = 5.5 ms
  Cull = 3.5 ms
  Geoms = 40 
Thread Main frame 9, 9.0 ms (111 Hz):
  Draw = 6.0 ms
"""


def test_frames_are_read_with_their_threads_and_nested_collectors():
    frames = pstats_text.parse(TEXT)
    assert [(f["thread"].split()[0], f["frame"]) for f in frames] == [("Main", 7), ("NVIDIA", 6), ("Main", 8),
                                                                      ("Main", 9)]
    first = frames[0]["values"]
    assert first["Draw/eye-left/Clear"] == 0.5 and first["Draw/eye-right"] == 2.25
    assert first["Cull/eye-left"] == 1.25  # not confused with Draw/eye-left
    assert first["App/Show code/wardtwin-vr-station"] == 0.5
    assert first["Geoms"] == 42 and first["System memory"] == pytest.approx(14.7)
    assert frames[1]["values"]["Draw/eye-left/Clear"] == 0.625


def test_medians_per_thread_count_a_missing_collector_as_zero():
    frames = pstats_text.parse(TEXT)
    main = pstats_text.medians(frames)
    assert main["Draw"] == 5.5 and main["Cull"] == 2.5  # Cull: 2.5, 3.5 and 0 (absent in frame 9)
    gpu = pstats_text.medians(frames, "NVIDIA")
    assert gpu == {"Draw": 4.0, "Draw/eye-left": 2.0, "Draw/eye-left/Clear": 0.625}
    assert pstats_text.medians(frames, "llvmpipe") == {}


def test_scene_benchmark_measures_every_mode_on_the_tiny_ward():
    """bench_scene end to end on the tiny ward (a few small frames, no statistics server):
    naive, batched and both bounds are timed, and the draw calls of the batched walk, which
    only PStats can count, are reported as not counted rather than guessed."""
    import bench_scene

    tiny = Path(__file__).resolve().parent / "wards" / "tiny"
    rows = bench_scene.measure(str(tiny), 3, (64, 36), None, repeat=1, bound=True, old_look=True)
    assert [r["mode"] for r in rows] == ["naive", "batched", "room only", "one layer", "old look"]
    assert all(r["frame_ms"] > 0 and r["ward"] == "tiny" for r in rows)
    naive, batched = rows[0], rows[1]
    assert naive["draw_source"] == "graph" and naive["draw_calls"] >= naive["items"]
    assert batched["draw_calls"] is None and batched["draw_source"] == "-"


def test_check_scale_benchmark_floor_checks_clean_and_its_walls_match_the_old_derivation():
    """bench_check_scale end to end on a small floor: every stage timed, no findings, and the
    spatially indexed wall derivation equal to the old one (every edge against every corner)."""
    import bench_check_scale

    rows = bench_check_scale.measure([120], old_max=1000)
    (row,) = rows
    assert row["rooms"] >= 120 and row["findings"] == 0, row["codes"]
    assert row["same_walls"] is True and row["old_walls"] > 0
    assert all(row[s] >= 0 for s in bench_check_scale.STAGES)
    assert "rooms" in bench_check_scale.table(rows)
