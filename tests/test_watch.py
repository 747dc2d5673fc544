"""Live preview (issue 14, point 7): the pure watcher (files, debounce, readings, what the
findings point at) driven with its own clock, `wardtwin map --watch` in a subprocess edited
from the test, and the desktop station following a ward offscreen (camera kept, the last good
twin kept on a broken save, findings in a panel and marked in the twin). No timing
assertions here: tools/bench_watch.py measures the 1 s goal."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import pytest

from conftest import REPO, TINY
from wardtwin.layout.findings import Finding
from wardtwin.layout.load import load_ward
from wardtwin.layout.watch import (
    Debounce, LiveWard, Loaded, WardFiles, changed, marks_of, panel_lines, read_version, status_line,
)

MODULAR = TINY.parent / "tiny-modular"
NARROW = ("{id: D-med, between: [med, corridor], at: [3.6, 7.6], width: 0.9}",
          "{id: D-med, between: [med, corridor], at: [3.6, 7.6], width: 0.6}")
MOVE = ("{id: FE-1, type: test_extinguisher, room: corridor, at: [5.5, 7.4]",
        "{id: FE-1, type: test_extinguisher, room: corridor, at: [5.25, 7.4]")


def _copy(tmp_path: Path, src: Path = TINY) -> Path:
    ward = tmp_path / "ward"
    shutil.copytree(src, ward)
    return ward


def _edit(path: Path, pair: tuple[str, str], back: bool = False) -> None:
    """Replace one text by another and make sure the file's stamp changes (a clock tick may
    be coarser than two quick saves): the mtime is moved on by a second each time."""
    old, new = pair[::-1] if back else pair
    text = path.read_text()
    assert old in text, old
    st = path.stat()
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(st.st_atime_ns, max(st.st_mtime_ns, path.stat().st_mtime_ns) + 1_000_000_000))


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


# -- pure: files and debounce ---------------------------------------------------------------
def test_the_files_of_a_ward_with_modules_library_and_assets(tmp_path):
    ward = _copy(tmp_path, MODULAR)
    lib = tmp_path / "library"
    lib.mkdir()
    (lib / "bay.yaml").write_text("kind: module\n")
    (lib / "notes.txt").write_text("not a module\n")
    (ward / "assets" / "models").mkdir(parents=True)
    (ward / "assets" / "models" / "cart.glb").write_bytes(b"glb")
    (ward / "tours").mkdir()
    (ward / "tours" / "orientation.yaml").write_text("kind: tour\n")
    os.symlink("user@host.123:456", ward / ".#floorplan.yaml")  # an editor's lock file
    (ward / "modules" / ".patient-room.yaml.swp.yaml").write_text("")
    files = WardFiles(ward)
    names = {os.path.relpath(p, tmp_path) for p in files.scan()}
    assert names == {"ward/ward.yaml", "ward/floorplan.yaml", "ward/equipment.yaml", "ward/catalog.yaml",
                     "ward/modules/patient-room.yaml", "ward/assets/models/cart.glb"}
    before = files.scan()
    (ward / "ward.yaml").write_text((ward / "ward.yaml").read_text() + "module_library: ../library\n")
    after = files.scan()  # ward.yaml names a library now: its modules are watched too
    assert str(lib / "bay.yaml") in after and str(lib / "notes.txt") not in after
    assert changed(before, after) == tuple(sorted([str(ward / "ward.yaml"), str(lib / "bay.yaml")]))
    (ward / "modules" / "patient-room.yaml").unlink()
    assert changed(after, files.scan()) == (str(ward / "modules" / "patient-room.yaml"),)


def test_the_files_of_a_broken_or_missing_ward_are_no_error(tmp_path):
    ward = _copy(tmp_path)
    (ward / "ward.yaml").write_text("kind: ward\n  bad: [\n")
    assert str(ward / "floorplan.yaml") in WardFiles(ward).scan()
    shutil.rmtree(ward)
    assert WardFiles(ward).scan() == {}


def test_a_burst_of_saves_is_read_once_after_it_settles():
    a, b, c = {"f": (1, 1, 1)}, {"f": (2, 1, 1)}, {"f": (3, 2, 1)}
    d = Debounce(a, settle=0.05, max_wait=1.0)
    assert not d.due(a, 0.0) and not d.pending
    assert not d.due(b, 0.10)  # just changed
    assert not d.due(c, 0.12)  # changed again: wait on
    assert not d.due(c, 0.16)
    assert d.due(c, 0.17)
    d.mark_loaded(c)
    assert not d.due(c, 0.30) and not d.pending


def test_a_change_taken_back_before_it_settles_is_not_read():
    a, b = {"f": (1, 1, 1)}, {"f": (2, 1, 1)}
    d = Debounce(a, settle=0.05)
    assert not d.due(b, 0.0)
    assert not d.due(a, 0.01)
    assert not d.due(a, 1.0) and not d.pending


def test_saves_that_never_stop_are_read_at_least_every_max_wait():
    d = Debounce({"f": (0, 0, 0)}, settle=0.05, max_wait=0.5)
    due = [t / 100 for t in range(1, 200, 2) if d.due({"f": (t, 0, 0)}, t / 100)]
    assert due and due[0] == pytest.approx(0.51)


# -- pure: readings -------------------------------------------------------------------------
def test_live_ward_reloads_after_a_save_and_keeps_the_last_good_version(tmp_path):
    ward = _copy(tmp_path)
    clock = Clock()
    with LiveWard(ward, clock=clock) as live:
        first = live.current
        assert first.usable and live.good is first and live.exit_code == 0 and live.reloads == 0
        clock.t += 1
        assert live.poll() is None  # nothing changed
        _edit(ward / "floorplan.yaml", NARROW)
        clock.t += 1
        assert live.poll() is None  # seen; not settled yet
        clock.t += 1
        broken = live.poll()
        assert broken is not None and not broken.usable and broken.code == 1
        assert broken.changed == (str(ward / "floorplan.yaml"),) and broken.number == 1
        assert "door-too-narrow" in {f.code for f in broken.findings}
        assert live.good is first and live.current is broken and live.exit_code == 1
        assert "last good version stays" in status_line("ward", broken, live.good)
        _edit(ward / "floorplan.yaml", NARROW, back=True)
        clock.t += 1
        live.poll()
        clock.t += 1
        fixed = live.poll()
        assert fixed.usable and live.good is fixed and live.exit_code == 0 and live.reloads == 2


def test_rule_findings_follow_the_version_they_belong_to(tmp_path):
    from wardtwin.model.checks import check
    from wardtwin.rules.engine import evaluate

    ward = _copy(tmp_path)
    clock = Clock()
    with LiveWard(ward, load=partial(check, rules=False), refine=evaluate, clock=clock) as live:
        full = [f.format() for f in check(ward)[1]]
        assert [f.format() for f in live.current.findings] == full and live.current.refined  # the first: whole
        _edit(ward / "equipment.yaml", MOVE)
        clock.t += 1
        live.poll()
        clock.t += 1
        shown = live.poll()
        assert shown.usable and shown.rules_pending and live.busy
        assert "rule pack is being measured" in status_line("ward", shown)
        assert not any(f.code.endswith("-too-far") for f in shown.findings)
        done = live.poll()  # the next look: the rule pack measured on the same model
        assert done.refined and done.model is shown.model and live.reloads == 1 and not live.busy
        assert [f.format() for f in done.findings] == [f.format() for f in check(ward)[1]]
        assert "rule pack measured" in status_line("ward", done)


def test_a_save_before_the_rules_are_measured_supersedes_them(tmp_path):
    from wardtwin.model.checks import check
    from wardtwin.rules.engine import evaluate

    ward = _copy(tmp_path)
    clock = Clock()
    with LiveWard(ward, load=partial(check, rules=False), refine=evaluate, clock=clock) as live:
        _edit(ward / "equipment.yaml", MOVE)
        clock.t += 1
        live.poll()
        clock.t += 1
        assert live.poll().rules_pending
        _edit(ward / "floorplan.yaml", NARROW)
        clock.t += 1
        assert live.poll() is None  # the new save is seen: no rules for the old one
        clock.t += 1
        r = live.poll()
        assert not r.usable and not r.refined and not live.busy


def test_a_reading_never_raises():
    def boom(ward):
        raise RuntimeError("kaput\x1b[2J")

    r = read_version("w", boom)
    assert not r.usable and r.code == 70 and "internal error" in r.problem and "\x1b" not in r.problem
    from wardtwin.errors import UsageError

    def gone(ward):
        raise UsageError("w: no such ward folder")

    r = read_version("w", gone)
    assert r.code == 2 and r.problem == "w: no such ward folder"


def test_a_removed_ward_folder_is_a_problem_then_a_fix(tmp_path):
    ward = _copy(tmp_path)
    keep = tmp_path / "keep"
    clock = Clock()
    with LiveWard(ward, clock=clock) as live:
        ward.rename(keep)
        clock.t += 1
        live.poll()
        clock.t += 1
        r = live.poll()
        assert r.problem and r.code == 2 and live.exit_code == 2
        keep.rename(ward)
        clock.t += 1
        live.poll()
        clock.t += 1
        assert live.poll().usable


def test_syntax_errors_are_findings_with_nothing_to_mark(tmp_path):
    ward = _copy(tmp_path)
    clock = Clock()
    with LiveWard(ward, clock=clock) as live:
        (ward / "floorplan.yaml").write_text("kind: floorplan\nrooms: [\n")
        clock.t += 1
        live.poll()
        clock.t += 1
        r = live.poll()
        assert r.code == 2 and r.layout is None and {f.code for f in r.findings} == {"yaml-syntax"}
        assert not marks_of(r.layout, r.findings)
        lines = panel_lines("tiny", r, live.good)
        assert lines[0].startswith("tiny: 1 fatal") and "last good version" in lines[1]


# -- pure: what the findings point at -------------------------------------------------------
def _finding(code, file, line, col, message):
    return Finding.make(code, file, line, col, message)


def test_marks_point_at_the_door_item_and_room_written_there(tmp_path):
    ward = _copy(tmp_path)
    _edit(ward / "floorplan.yaml", NARROW)
    from wardtwin.model.checks import check

    layout, findings, _ = check(ward)
    marks = marks_of(layout, findings)
    assert marks.doors == {"D-med": "error"}
    fp = layout.room_by_id["101"].src.file
    eq = layout.item_by_id["FE-1"].src.file
    fe = layout.item_by_id["FE-1"].src
    extra = [
        _finding("equipment-blocks-door", eq, fe.line, fe.at("at")[1], "item FE-1 stands in a door's clearance"),
        _finding("room-equipment-missing", fp, layout.room_by_id["101"].src.line, 5, "room 101: no bed"),
        _finding("exit-too-far", "ward/ward.yaml", 1, 1, "room 102: the point (5.0, 2.0) is 40 m walk from an exit"),
        _finding("unknown-room", "elsewhere.yaml", 3, 3, "item BED-102 names room 999 that does not exist."),
    ]
    marks = marks_of(layout, findings + extra)
    assert marks.items == {"FE-1": "warning", "BED-102": "error"}
    assert marks.rooms == {"101": "warning", "102": "warning"}
    assert marks.within(load_ward(TINY)[0]).ids == {"D-med", "FE-1", "BED-102", "101", "102"}


def test_marks_of_a_module_placement_are_the_objects_its_message_names(tmp_path):
    layout, _ = load_ward(MODULAR)
    placed = [r for r in layout.rooms if r.src.via]
    src = placed[0].src
    assert sum(1 for o in (*layout.rooms, *layout.doors, *layout.items) if o.src.line == src.line
               and o.src.file == src.file) > 2  # one placement line makes many objects
    f = _finding("rooms-overlap", src.file, src.line, src.column, f"rooms {placed[0].id} and corridor overlap")
    assert marks_of(layout, [f]).rooms == {placed[0].id: "error"}


def test_panel_lines_are_short_escaped_and_counted(tmp_path):
    fs = tuple(_finding("door-too-narrow", "f.yaml", k, 1, "door D\u202e" + "x" * 300) for k in range(12))
    r = Loaded(None, None, fs, 1, number=3)
    lines = panel_lines("w\x1b", r, None, limit=5)
    assert lines[0] == "w\\x1b: 12 errors - not shown" and lines[1] == "nothing to show yet"
    assert len(lines) == 2 + 5 + 1 and lines[-1].startswith("... and 7 more")
    assert all(len(x) <= 200 and "\u202e" not in x for x in lines)


# -- the commands -----------------------------------------------------------------------------
def _start(args, cwd) -> tuple[subprocess.Popen, queue.Queue]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    p = subprocess.Popen([sys.executable, "-m", "wardtwin", *args], cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    lines: queue.Queue = queue.Queue()

    def pump(stream, tag):
        for line in stream:
            lines.put((tag, line.rstrip("\n")))

    p.pumps = [threading.Thread(target=pump, args=(s, tag), daemon=True) for s, tag in ((p.stdout, "out"),
                                                                                        (p.stderr, "err"))]
    for t in p.pumps:
        t.start()
    return p, lines


def _stop(p: subprocess.Popen) -> None:
    """End the process if it still runs, and close its pipes once they are read to the end."""
    if p.poll() is None:
        p.kill()
    p.wait()
    for t in p.pumps:
        t.join(10)
    p.stdout.close()
    p.stderr.close()


def _next_out(lines: queue.Queue, p, timeout=60.0) -> tuple[str, list[str]]:
    """The next line on stdout, and the stderr lines before it."""
    err = []
    while True:
        try:
            tag, line = lines.get(timeout=timeout)
        except queue.Empty:
            p.kill()
            pytest.fail(f"no output for {timeout} s; stderr so far: {err}")
        if tag == "out":
            return line, err
        err.append(line)


def test_map_watch_rewrites_the_map_and_keeps_the_last_good_one(tmp_path):
    ward = _copy(tmp_path)
    svg = tmp_path / "plan.svg"
    p, lines = _start(["map", str(ward), "--watch", "--watch-count", "2", "-o", str(svg)], tmp_path)
    try:
        line, _ = _next_out(lines, p)
        assert "read in" in line and "wrote" in line and svg.is_file()
        first = svg.read_bytes()
        _edit(ward / "floorplan.yaml", NARROW)
        line, err = _next_out(lines, p)
        assert "1 error" in line and "last good version stays" in line and "not rewritten" in line
        while not any("[door-too-narrow]" in e for e in err):  # stderr comes down its own pipe
            tag, e = lines.get(timeout=30)
            assert tag == "err", e
            err.append(e)
        assert svg.read_bytes() == first
        _edit(ward / "floorplan.yaml", NARROW, back=True)
        line, _ = _next_out(lines, p)
        assert "reloaded (floorplan.yaml changed)" in line and "wrote" in line
        assert p.wait(60) == 0
    finally:
        _stop(p)


@pytest.mark.parametrize("broken", [False, True])
def test_ctrl_c_ends_a_map_watch_with_the_last_readings_code(tmp_path, broken):
    ward = _copy(tmp_path)
    if broken:
        _edit(ward / "floorplan.yaml", NARROW)
    p, lines = _start(["map", str(ward), "--watch", "-o", str(tmp_path / "plan.svg")], tmp_path)
    try:
        line, _ = _next_out(lines, p)
        assert ("not written" in line) == broken
        p.send_signal(signal.SIGINT)
        assert p.wait(60) == (1 if broken else 0)
        rest = []
        while not lines.empty():
            rest.append(lines.get()[1])
        assert not any("Traceback" in x for x in rest), rest
    finally:
        _stop(p)


def test_map_watch_refuses_standard_output(tmp_path):
    from wardtwin.cli import main

    assert main(["map", str(TINY), "--watch", "-o", "-"]) == 2


def test_view_watch_offscreen_follows_a_save(tmp_path):
    ward = _copy(tmp_path)
    p, lines = _start(["view", str(ward), "--watch", "--watch-count", "1", "--offscreen", "--size", "160x90",
                       "--at", "FE-1"], tmp_path)
    try:
        line, _ = _next_out(lines, p)
        assert "read in" in line
        _edit(ward / "equipment.yaml", MOVE)
        line, _ = _next_out(lines, p)
        assert "reloaded (equipment.yaml changed)" in line
        line, _ = _next_out(lines, p)
        assert "rule pack measured" in line
        line, _ = _next_out(lines, p)
        assert "frames" in line and "Corridor" in line  # the summary: still where it stood
        assert p.wait(60) == 0
    finally:
        _stop(p)


# -- the station ------------------------------------------------------------------------------
@pytest.fixture
def live_station(tmp_path):
    from wardtwin.scene.geometry import ward_geometry
    from wardtwin.model.checks import check
    from wardtwin.rules.engine import evaluate
    from wardtwin.station.desktop import DesktopStation

    ward = _copy(tmp_path)
    clock = Clock()
    live = LiveWard(ward, load=partial(check, rules=False), prepare=lambda m: ward_geometry(m.plan), refine=evaluate,
                    clock=clock)
    seen = []
    g = live.good
    st = DesktopStation(g.model, g.extra, offscreen=True, size=(320, 180), live=live, on_reload=seen.append,
                        screenshot_dir=tmp_path / "shots", at="corridor", heading=90)
    try:
        yield st, live, ward, clock, seen
    finally:
        st.close()
        live.close()


def _reload(st, clock, n=3):
    for _ in range(n):
        clock.t += 1
        st.step()


def test_station_keeps_the_camera_and_the_last_good_twin(live_station):
    import numpy as np

    st, live, ward, clock, seen = live_station
    st.step(2)
    st.teleport(3.0, 6.0, heading_deg=45, pitch_deg=-10)
    st.step()
    pose = (st.state.x, st.state.y, st.state.yaw, st.state.pitch)
    scene, model = st.scene, st.model
    assert "tiny: 9 warnings" in st.findings_panel.get_text()
    _edit(ward / "equipment.yaml", MOVE)
    _reload(st, clock)
    assert st.scene is not scene and st.model is not model and live.reloads == 1
    assert st.layout.item_by_id["FE-1"].at == (5.25, 7.4)
    assert (st.state.x, st.state.y, st.state.yaw, st.state.pitch) == pytest.approx(pose)
    assert [r.refined for r in seen] == [False, True]
    good_scene, good_model = st.scene, st.model
    st.set_mode("planner")
    orbit = st.orbit
    st.step()
    before = st.image()
    _edit(ward / "floorplan.yaml", NARROW)
    _reload(st, clock)
    assert st.scene is good_scene and st.model is good_model  # the last good twin stays
    assert not st.newest.usable and st.shown is not st.newest and st.orbit == orbit
    text = st.findings_panel.get_text()
    assert "1 error - not shown" in text and "showing the last good version" in text and "door-too-narrow" in text
    assert st.marks.doors == {"D-med": "error"}
    assert st.scene.highlights.find("finding-marks")
    after = st.image()
    assert np.abs(after.astype(int) - before.astype(int)).max() > 60  # the door is marked on screen
    assert st.summary().live.showing_newest is False
    _edit(ward / "floorplan.yaml", NARROW, back=True)
    _reload(st, clock)
    assert st.newest.usable and st.shown is st.newest and st.model is not good_model
    assert "D-med" not in st.marks.doors and st.marks.doors and st.orbit == orbit  # warnings stay marked


def test_station_watch_ends_after_its_count(live_station):
    st, live, ward, clock, seen = live_station
    import time

    live.clock = time.monotonic  # watch() draws frames in real time
    _edit(ward / "equipment.yaml", MOVE)
    info = st.watch(count=1, timeout=60)
    assert info.live.reloads == 1 and live.current.refined and not live.busy


def test_the_watch_benchmark_runs(capsys):
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import bench_watch
    finally:
        sys.path.remove(str(REPO / "tools"))
    assert bench_watch.main(["--runs", "1", "--size", "160x90", "--budget", "1000"]) == 0  # no timing asserted
    out = capsys.readouterr().out
    for row in ("check (same ward)", "map --watch: save to map written", "view --watch: save to new twin drawn",
                "view --watch: broken save to findings drawn"):
        assert row in out


def test_marks_mesh_is_one_batch_coloured_by_severity():
    import numpy as np

    from wardtwin.layout.watch import Marks
    from wardtwin.model import load_model
    from wardtwin.scene.geometry import ward_geometry
    from wardtwin.scene.marks import COLOURS, marks_mesh

    model = load_model(TINY)
    geometry = ward_geometry(model.plan)
    assert marks_mesh(model.plan, geometry, Marks()).n_triangles == 0
    room = marks_mesh(model.plan, geometry, Marks(rooms={"101": "warning"}))
    lo, hi = room.bounds()
    assert hi[2] == pytest.approx(0.02, abs=1e-6) and np.allclose(room.colors, COLOURS["warning"])
    door = marks_mesh(model.plan, geometry, Marks(doors={"D-med": "error"}))
    lo, hi = door.bounds()
    assert lo[0] < 3.6 < hi[0] and lo[1] < 7.6 < hi[1] and hi[2] > model.layout.ward.ceiling_height  # and a pin
    item = marks_mesh(model.plan, geometry, Marks(items={"FE-1": "error", "NOPE": "error"}))
    assert item.n_triangles > geometry.item_parts["FE-1"].mesh.n_triangles
    both = marks_mesh(model.plan, geometry, Marks({"101": "warning"}, {"D-med": "error"}, {"FE-1": "info"}))
    assert both.n_triangles == room.n_triangles + door.n_triangles + item.n_triangles
