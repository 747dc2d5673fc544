"""The ``wardtwin`` command. Thin: parses arguments, imports the stage it needs lazily, and
turns outcomes into exit codes (0 ok, 1 findings of error severity, 2 unusable input or usage).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wardtwin.errors import WardtwinError
from wardtwin.safetext import escape

if TYPE_CHECKING:
    from wardtwin.lms.client import Cmi5Summary


def _print_findings(ward: str, findings, fmt: str, out=None, rooms=None) -> None:
    """Every finding, then a count line, to ``out`` (default: the current standard output).
    ``rooms``: per-room facts added to the JSON report (``check``: net areas)."""
    from wardtwin.layout.findings import Severity, findings_json

    out = out or sys.stdout

    if fmt == "sarif":
        from wardtwin.rules.sarif import sarif_json

        print(sarif_json(ward, findings), file=out)
        return
    if fmt == "json":
        text = findings_json(ward, findings)
        if rooms is not None:
            import json

            text = json.dumps({**json.loads(text), "rooms": rooms}, indent=2)
        print(text, file=out)
        return
    for f in findings:
        print(f.format(), file=out)
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    parts = [f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    print(escape(f"{ward}: {', '.join(parts) if parts else 'clean'}"), file=out)


def cmd_check(args) -> int:
    from wardtwin.layout import exit_code
    from wardtwin.model import check

    layout, findings, _model = check(args.ward)
    rooms = None
    if layout is not None and args.format == "json":
        from wardtwin.layout.areas import room_areas

        rooms = room_areas(layout)
    _print_findings(args.ward, findings, args.format, rooms=rooms)
    if layout is not None and args.format == "text" and exit_code(findings) == 0:
        lay = layout
        print(escape(f"{lay.ward.name}: {len(lay.rooms)} rooms, {len(lay.doors)} doors "
                     f"({sum(d.exit for d in lay.doors)} exits), {len(lay.items)} items"))
    if layout is not None and args.format == "text":
        from wardtwin.versions import ward_version

        print(escape(f"{layout.ward.id}: version {ward_version(layout)}"))
    return exit_code(findings)


def cmd_rules(args) -> int:
    from wardtwin.rules.mapping import rules_text

    text, code = rules_text(args.pack, args.ward)
    print(text)
    return code


def cmd_schema(args) -> int:
    from wardtwin.errors import UnknownNameError
    from wardtwin.layout.schema import SCHEMAS, json_schema

    if args.kind == "tour":
        from wardtwin.tours.schema import tour_json_schema

        schema = tour_json_schema()
    elif args.kind in SCHEMAS:
        schema = json_schema(args.kind)
    else:
        raise UnknownNameError("file kind", args.kind, [*SCHEMAS, "tour"])
    print(json.dumps(schema, indent=2))
    return 0


def cmd_expand(args) -> int:
    import os

    from wardtwin.errors import UsageError
    from wardtwin.exchange.files import check_output_dir, check_output_path, ensure_output_dir, write_bytes_atomic
    from wardtwin.exchange.reading import read_bounded
    from wardtwin.layout import exit_code, load_ward
    from wardtwin.layout.findings import sort_findings
    from wardtwin.layout.upgrade import expanded_files, ward_assets

    layout, findings = load_ward(args.ward)
    findings = sort_findings(findings)
    if layout is None or exit_code(findings):
        _print_findings(args.ward, findings, "text")
        print(escape(f"{args.ward}: not expanded (nothing written): its files have problems"), file=sys.stderr)
        return exit_code(findings) or 2
    for f in findings:
        print(f.format())
    out = check_output_dir(args.output)
    if os.path.realpath(out) == os.path.realpath(layout.root):
        raise UsageError(f"{args.output}: that is the ward's own folder; give another folder for the flat copy")
    files = {name: text.encode("utf-8") for name, text in expanded_files(layout).items()}
    for path, rel in ward_assets(layout):
        files[rel] = read_bounded(path, 64 << 20, name=rel, within=os.path.realpath(layout.root / "assets"))
    for rel in files:  # every path is checked before anything is written
        check_output_path(out / rel)
    ensure_output_dir(out)
    for rel, data in files.items():
        write_bytes_atomic(out / rel, data)
    lay = layout
    print(escape(f"wrote {out}: {', '.join(sorted(files))} ({len(lay.rooms)} rooms, {len(lay.doors)} doors, "
                 f"{len(lay.items)} items, no modules)"))
    return 0


def cmd_upgrade(args) -> int:
    from wardtwin.exchange.files import write_text_atomic
    from wardtwin.layout import exit_code
    from wardtwin.layout.upgrade import NEWEST, upgrade_plan

    plan = upgrade_plan(args.ward)
    if exit_code(plan.findings) == 2:
        _print_findings(args.ward, plan.findings, "text")
        print(escape(f"{args.ward}: not upgraded (nothing written)"), file=sys.stderr)
        return 2
    for rw in plan.rewrites:
        write_text_atomic(rw.path, rw.new)
    done = [rw.path.name for rw in plan.rewrites]
    if done:
        print(escape(f"{args.ward}: {', '.join(done)} now version {NEWEST} (only the version line changed)"))
    if plan.current:
        print(escape(f"{args.ward}: {', '.join(plan.current)} already version {NEWEST}"))
    return 0


def cmd_codes(args) -> int:
    from wardtwin.layout.findings import CODES

    for code, (sev, summary) in CODES.items():
        print(f"{code:26} {sev.value:8} {summary}")
    return 0


def _place(model, name: str, what: str):
    """The point (m) a place ``name`` given as ``what`` (e.g. ``--at``) stands for; a
    UsageError when it is unknown or a point x,y outside every room of the ward."""
    from wardtwin.errors import UsageError
    from wardtwin.model.queries import outside_ward

    p = model.place(name)
    why = outside_ward(model, p)
    if why:
        raise UsageError(f"{what} {name!r}: {why}; a room, door or item id, or a point x,y inside a room expected")
    return p


def _route(model, start: str, goal: str):
    """The walking route between two different places, or a UsageError that says why there is none."""
    from wardtwin.errors import UsageError

    a, b = _place(model, start, "FROM"), _place(model, goal, "TO")
    if start == goal or a == b:
        raise UsageError(f"FROM {start!r} and TO {goal!r} are the same place; a route needs two different places")
    r = model.route(a, b)
    if r is None:
        raise UsageError(f"no walking path from {start} to {goal}: they are on floor that is not connected")
    return r


def cmd_map(args) -> int:
    if args.watch:
        return _watch_map(args)
    layout, model, code = _valid_model(args.ward)
    if layout is None:
        print(f"{_shown(args.out)}: not written; fix the findings above first", file=sys.stderr)
        return code
    print(_draw_map(args, layout, model), file=_status_stream(args.out))
    return 0


def _draw_map(args, layout, model) -> str:
    """Write the map ``args`` ask for of a ward that checks; returns the line saying so."""
    from wardtwin.planmap import write_map

    extra = {}
    if args.route:
        r = _route(model, *args.route)
        extra = {"route": r.points, "route_label": f"{args.route[0]} to {args.route[1]}: {r.length:.1f} m"}
    if args.field or args.findings:
        from wardtwin.rules.mapping import map_overlay

        extra["overlay"] = map_overlay(layout, model, args.field, args.findings)
    write_map(layout, args.out, labels=args.labels, equipment=not args.no_equipment, plan=model.plan,
              areas=args.areas, **extra)
    return escape(f"wrote {_shown(args.out)}: {layout.ward.name}, {len(layout.rooms)} rooms, {len(layout.items)} "
                  "items" + (f", route {extra['route_label']}" if "route_label" in extra else ""))


def _reading_reporter(ward: str):
    """For ``--watch``: a function that tells of each reading of the ward in one line (its
    findings above it, on stderr, when they differ from the last reading's or it cannot be
    used). See :mod:`wardtwin.layout.watch`."""
    from wardtwin.layout.watch import status_line

    last: list = [None]

    def report(result, shown, tail: str = "") -> None:
        lines = [f.format() for f in result.findings]
        if result.problem:
            print(f"wardtwin: error: {result.problem}", file=sys.stderr)
        elif lines and (lines != last[0] or not result.usable):
            print("\n".join(lines), file=sys.stderr, flush=True)
        last[0] = lines
        print(status_line(ward, result, shown) + tail, flush=True)

    return report


def _watch_map(args) -> int:
    """``map --watch``: the map again at each save that checks; a save with errors prints its
    findings and leaves the last good map. Ends at Ctrl-C (exit 0 when the newest reading
    could be drawn, else its findings' code) or after ``--watch-count`` readings."""
    from wardtwin.errors import UsageError
    from wardtwin.exchange.files import check_output_path
    from wardtwin.layout.watch import LiveWard

    if args.out == "-":
        raise UsageError("--watch writes the map file again after each save; give a file with -o, not -")
    check_output_path(args.out)
    report = _reading_reporter(args.ward)
    live = LiveWard(args.ward)
    drawn, failed = None, False

    def show(result) -> None:
        nonlocal drawn, failed
        failed = False
        if result.usable:
            try:
                report(result, drawn, f"; {_draw_map(args, result.layout, result.model)}")
                drawn = result
                return
            except WardtwinError as exc:
                print(f"wardtwin: error: {escape(str(exc))}", file=sys.stderr)
                failed = True
        report(result, drawn, f"; {_shown(args.out)} " + ("not rewritten" if drawn is not None else "not written"))

    n = 0
    try:
        show(live.current)
        while args.watch_count is None or n < args.watch_count:
            show(live.wait())
            n += 1
    except KeyboardInterrupt:
        pass
    finally:
        live.close()
    return 2 if failed else live.exit_code


def _shown(out: str) -> str:
    """An output path for messages (``-``: standard output), escaped (see :mod:`wardtwin.safetext`)."""
    return "standard output" if out == "-" else escape(str(out))


def _status_stream(out: str):
    """Where a command says what it wrote: stderr when the output itself goes to stdout."""
    return sys.stderr if out == "-" else sys.stdout


def cmd_route(args) -> int:
    layout, model, code = _valid_model(args.ward)
    if layout is None:
        return code
    r = _route(model, args.start, args.goal)
    speeds = ", ".join(f"{r.length / v:.0f} s at {v:g} m/s" for v in (1.2, 1.4))
    print(escape(f"{args.start} -> {args.goal}: {r.length:.1f} m on foot ({speeds}), {len(r.points) - 1} "
                 "straight legs"))
    if args.map:
        from wardtwin.planmap import write_map

        write_map(layout, args.map, plan=model.plan, route=r.points,
                  route_label=f"{args.start} to {args.goal}: {r.length:.1f} m")
        print(f"wrote {_shown(args.map)}")
    return 0


def _valid_model(ward: str):
    """``(layout, model, 0)`` for a ward that checks without errors; else ``(None, None, exit
    code)`` after printing the findings to stderr."""
    from wardtwin.layout import exit_code
    from wardtwin.model import check

    layout, findings, model = check(ward)
    code = exit_code(findings)
    if code:
        _print_findings(ward, findings, "text", sys.stderr)
        return None, None, code
    return layout, model, 0


def _seed(text: str) -> int:
    """A random seed: a whole number, 0 or more (what numpy's generators take)."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number, 0 or more, expected")
    return n


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: WIDTHxHEIGHT in pixels expected, e.g. 1280x720") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"{text!r}: each side must be 16 to 8192 pixels")
    return w, h


def _share(text: str) -> float:
    """A share from 0 to 1 (``0.8``), also accepted as a percentage (``80%``)."""
    t = text.strip()
    try:
        v = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        v = math.nan
    if not 0.0 <= v <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r}: a share from 0 to 1 expected (e.g. 0.8, or 80%)")
    return v


def cmd_build(args) -> int:
    import time

    t0 = time.perf_counter()
    layout, model, code = _valid_model(args.ward)
    if layout is None:
        print(f"{_shown(args.out)}: nothing written; fix the findings above first", file=sys.stderr)
        return code
    from wardtwin.scene.export import build

    info = build(layout, args.out, plan=model.plan, model=model)
    print(escape(f"wrote {Path(args.out)}/{{{','.join(info.files)}}}: {info.summary.triangles} triangles, "
                 f"{info.summary.draw_calls} draw calls, {info.summary.labels} labels "
                 f"({time.perf_counter() - t0:.2f} s)"))
    return 0


def cmd_snapshot(args) -> int:
    layout, model, code = _valid_model(args.ward)
    if layout is None:
        print(f"{_shown(args.out)}: not written; fix the findings above first", file=sys.stderr)
        return code
    if args.at:
        _place(model, args.at, "--at")
    if args.look:  # "x,y,z": the point's height is the camera's business
        _place(model, args.look if args.look.count(",") != 2 else args.look.rsplit(",", 1)[0], "--look")
    from wardtwin.scene.export import snapshot

    info = snapshot(model, args.out, at=args.at, look=args.look, view=args.view, size=args.size,
                    labels=not args.no_labels, ceilings=args.ceilings)
    print(f"wrote {_shown(args.out)}: {info.view} view, {args.size[0]}x{args.size[1]}, {info.renderer}")
    return 0


def cmd_gallery(args) -> int:
    layout, model, code = _valid_model(args.ward)
    if layout is None:
        print(f"{_shown(args.out)}: not written; fix the findings above first", file=sys.stderr)
        return code
    from wardtwin.scene.gallery import write_gallery

    info = write_gallery(model, args.out, size=args.size)
    print(f"wrote {_shown(args.out)}: {info.views} views, {args.size[0]}x{args.size[1]}, and index.html")
    return 0


def cmd_view(args) -> int:
    if args.watch:
        from wardtwin.station.desktop import summary_line, view_live

        info, code = view_live(args.ward, at=args.at, heading=args.heading, offscreen=args.offscreen,
                               frames=args.frames, script=args.script, screenshot_dir=args.screenshot_dir,
                               size=args.size, fps=args.fps, count=args.watch_count,
                               report=_reading_reporter(args.ward))
        if info is not None:
            print(summary_line(info))
        return code
    layout, model, code = _valid_model(args.ward)
    if layout is None:
        print(escape(f"{args.ward}: nothing to view; fix the findings above first"), file=sys.stderr)
        return code
    if args.offscreen and args.frames is None and args.script is None:
        print("wardtwin: error: --offscreen needs --frames N (or a --script to play to its end)", file=sys.stderr)
        return 2
    if args.at:
        _place(model, args.at, "--at")
    from wardtwin.station.desktop import summary_line, view

    info = view(model, at=args.at, heading=args.heading, offscreen=args.offscreen, frames=args.frames,
                script=args.script, screenshot_dir=args.screenshot_dir, size=args.size, fps=args.fps)
    print(summary_line(info))
    return 0


def cmd_tour(args) -> int:
    from wardtwin.layout import exit_code
    from wardtwin.layout.load import display_path
    from wardtwin.tours.load import resolve_tour
    from wardtwin.tours.validate import check_tour

    launch = None
    if args.cmi5_launch is not None:
        from wardtwin.lms.cmi5 import parse_launch

        launch = parse_launch(args.cmi5_launch)
        args.ward = args.ward or launch.ward
        args.tour = args.tour or launch.tour
        args.trainee = args.trainee or launch.learner
    if not args.ward or not args.tour:
        raise _usage("tour: WARD and TOUR are required (a --cmi5-launch URL of the form wardtwin://tour/WARD/TOUR?... "
                     "names them too)")
    if not args.trainee:
        raise _usage("tour: --trainee is required (with --cmi5-launch the learner's account name is used)")
    tour, model, findings = check_tour(args.ward, args.tour)
    code = exit_code(findings)
    if code or tour is None or model is None:
        _print_findings(display_path(resolve_tour(args.ward, args.tour)), findings, "text", sys.stderr)
        print(f"{args.tour}: the tour cannot run; fix the findings above first", file=sys.stderr)
        return code or 2
    cmi5 = None
    if launch is not None:  # only now: the fetch URL works once, so the tour must be able to run
        from wardtwin.lms.client import Cmi5Session
        from wardtwin.lms.outbox import queue_path

        cmi5 = Cmi5Session.start(launch, queue_path(args.db, args.cmi5_queue), pass_mark=tour.pass_mark)
    try:
        from wardtwin.station.tourrun import run_tour

        comfort = None
        if args.station == "vr":
            import dataclasses

            from wardtwin.station.vr.tour import Headset

            station = Headset(offscreen=args.offscreen, eye_size=args.size if args.offscreen else None,
                              fps=args.fps if args.offscreen else None, locomotion=args.locomotion, seated=args.seated)
            comfort = dataclasses.replace(tour.comfort, turn=args.turn) if args.turn is not None else None
        else:
            from wardtwin.station.tourdesk import Desk

            station = Desk(offscreen=args.offscreen, size=args.size or (1280, 720), fps=args.fps,
                           screenshot_dir=args.screenshot_dir)
        run = run_tour(model, tour, station, args.db, trainee=args.trainee, role=args.role, mode=args.mode,
                       session_id=args.session, comfort=comfort, observer=cmi5)
        info = run.as_dict()
    finally:
        if cmi5 is not None:  # the station closes it; this covers a station that never opened
            cmi5.close()
    cmi5_summary = cmi5.summary() if cmi5 is not None else None
    if cmi5_summary is not None:
        info["cmi5"] = cmi5_summary.as_dict()
    if args.format == "json":
        print(json.dumps(info, indent=2))
    else:
        print("\n".join(escape(line) for line in run.lines()))
        print(escape(f"session {run.session} recorded in {args.db}"))
        if cmi5_summary is not None:
            print(_cmi5_line(cmi5_summary, args.db))
    return 0


def _cmi5_line(c: Cmi5Summary, db: str) -> str:
    """The tour's last line about its cmi5 statements."""
    if c.queued == 0:
        return escape(f"cmi5: {c.made} statement(s) sent to {c.endpoint} (verdict: {c.verdict or 'none'})")
    why = f" ({c.errors[0]})" if c.errors else ""
    return escape(f"cmi5: {c.made} statement(s) made, {c.queued} queued in {c.queue}{why}; they are sent with "
                  f"the next cmi5 launch, or now with `wardtwin cmi5-send --db {db}`")


def cmd_package(args) -> int:
    from wardtwin.layout import exit_code
    from wardtwin.layout.load import display_path
    from wardtwin.lms.package import course_for, package_zip
    from wardtwin.reports.xapi import identity_from
    from wardtwin.tours.load import resolve_tour
    from wardtwin.tours.validate import check_tour
    from wardtwin.exchange.files import write_output

    identity = identity_from(args.activity_base, None)  # checked before anything is read or written
    tour, model, findings = check_tour(args.ward, args.tour)
    code = exit_code(findings)
    if code or tour is None or model is None:
        _print_findings(display_path(resolve_tour(args.ward, args.tour)), findings, "text", sys.stderr)
        print(f"{args.tour}: no package written; fix the findings above first", file=sys.stderr)
        return code or 2
    course = course_for(tour, model.layout, args.ward, args.tour, activity_base=identity.activity_base,
                        pass_mark=args.pass_mark, move_on=args.move_on, url=args.au_url)
    where = write_output(args.out, package_zip(course))
    print(escape(f"wrote {_shown(where)}: cmi5 course package, AU {course.au_id} (moveOn {course.move_on}, "
                 f"masteryScore {course.mastery_score:g}), launched as {course.url}"), file=_status_stream(args.out))
    return 0


def cmd_cmi5_send(args) -> int:
    from wardtwin.lms.client import send_pending, user_auth
    from wardtwin.lms.outbox import Outbox, queue_path

    path = queue_path(args.db, args.queue)
    if not path.exists():
        print(escape(f"cmi5: nothing queued ({path} does not exist)"))
        return 0
    with Outbox(path) as ob:
        r = send_pending(ob, retries=2, auth=user_auth(args.lrs_auth) if args.lrs_auth else None)
    for e in r.errors:
        print(f"wardtwin: error: {escape(e)}", file=sys.stderr)
    print(escape(f"cmi5: {r.sent} statement(s) sent, {r.left} left in {path}"))
    return 2 if r.left else 0


def _db_default() -> str:
    import os

    return os.environ.get("WARDTWIN_DB", "wardtwin.db")


def _db_default_or_none() -> str | None:
    import os

    return os.environ.get("WARDTWIN_DB") or None


def cmd_report(args) -> int:
    from wardtwin.reports import build_report

    if args.due:
        return _report_due(args)
    if not args.format or not args.out:
        raise _usage("report: --format and -o are required (or give --due for the list of who needs a refresher)")
    info = build_report(args.db, args.format, args.out, ward=args.ward, since=args.since,
                        pseudonymise=args.pseudonymise, key_file=args.pseudonym_key_file, lrs=args.lrs,
                        lrs_auth=args.lrs_auth, pass_mark=args.pass_mark, excel=args.excel,
                        activity_base=args.activity_base, account_home=args.account_home)
    extra = f", {info.statements} statements" if info.statements is not None else ""
    if info.lrs is not None:
        from wardtwin.reports.xapi import describe

        extra += f"; LRS: {describe(info.lrs)}"
    print(f"wrote {_shown(args.out)}: {args.format} report of {info.sessions} sessions{extra}",
          file=_status_stream(args.out))
    return 0


def _report_due(args) -> int:
    """``report --due``: who needs a refresher, and the changes they have not seen."""
    from wardtwin.reports import parse_since
    from wardtwin.reports.summary import load_summaries
    from wardtwin.store.db import read_store
    from wardtwin.store.versions import version_registry
    from wardtwin.versions.due import due_lines, due_rows

    current = {}
    if args.current:
        from wardtwin.layout import load_ward
        from wardtwin.versions import ward_version

        layout, findings = load_ward(args.current)
        if layout is None:
            _print_findings(args.current, findings, "text", sys.stderr)
            return 2
        current[layout.ward.id] = ward_version(layout)
    since = parse_since(args.since)
    sessions, registry = read_store(args.db, lambda st: (load_summaries(st, ward=args.ward, since=since),
                                                         version_registry(st, args.ward)))
    rows = due_rows(sessions, registry, current)
    print("\n".join(escape(line) for line in due_lines(rows)))
    return 0


def cmd_sync(args) -> int:
    from wardtwin.store.sync import sync_urls

    r, src_url, dst_url = sync_urls(args.db, args.to)
    print(f"synced {src_url} -> {dst_url}: {r.sessions_new} of {r.sessions_seen} sessions and {r.events_new} of "
          f"{r.events_seen} events new; {r.abandoned} session(s) abandoned (no session_ended)")
    for sid, what in r.conflicts:
        print(f"wardtwin: error: {dst_url}: session {sid!r} is already there with other content ({what}); "
              "nothing of it was copied", file=sys.stderr)
    if r.conflicts:
        print(f"wardtwin: error: {len(r.conflicts)} session(s) not synced: the same id names different sessions in "
              f"{src_url} and {dst_url}; give one of them a new id (or remove the wrong copy), then sync again",
              file=sys.stderr)
        return 2
    return 0


def cmd_db_info(args) -> int:
    from wardtwin.store import open_store

    with open_store(args.db, create=False) as st:
        c = st.counts()
        print(f"{st.url}: {st.backend}, schema version {st.schema_version}; {c.sessions} sessions, "
              f"{c.events} events, {c.abandoned} abandoned (last event not session_ended)")
        for version, name, applied in st.applied_migrations():
            print(f"  migration {version}: {name} (applied {applied})")
    return 0


def cmd_tour_check(args) -> int:
    from wardtwin.layout import exit_code
    from wardtwin.tours.load import resolve_tour
    from wardtwin.tours.validate import check_tour

    from wardtwin.layout.load import display_path

    name = display_path(resolve_tour(args.ward, args.tour))
    tour, model, findings = check_tour(args.ward, args.tour)
    _print_findings(name, findings, args.format, sys.stdout)
    code = exit_code(findings)
    if tour is not None and model is not None and args.format == "text" and code == 0:
        kinds: dict = {}
        for st in tour.steps:
            kinds[st.type] = kinds.get(st.type, 0) + 1
        print(escape(f"{tour.name}: {len(tour.steps)} steps ({', '.join(f'{n} {k}' for k, n in kinds.items())}) "
                     f"for {model.layout.ward.name}, mode {tour.mode}"))
    return code


def cmd_simulate(args) -> int:
    import time

    import numpy as np

    from wardtwin.layout import exit_code
    from wardtwin.tours.recorder import JsonlRecorder
    from wardtwin.tours.simulate import format_report, simulate
    from wardtwin.tours.validate import check_tour

    if args.trainees < 1:
        print("wardtwin: error: --trainees must be at least 1", file=sys.stderr)
        return 2
    tour, model, findings = check_tour(args.ward, args.tour)
    code = exit_code(findings)
    if code or tour is None or model is None:
        _print_findings(str(args.tour), findings, "text", sys.stderr)
        return code or 2
    bar = _progress_bar(args.trainees) if sys.stderr.isatty() and args.trainees > 1 else None
    sinks = (lambda sid: JsonlRecorder(args.events, sid)) if args.events else None
    t0 = time.perf_counter()
    report = simulate(model, tour, args.trainees, np.random.default_rng(args.seed), skill=args.skill,
                      mode=args.mode, sink_factory=sinks, progress=bar, seed=args.seed)
    wall = time.perf_counter() - t0
    if bar is not None:
        print(file=sys.stderr)
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(format_report(report))
        print(f"simulated {report.sim_seconds:.0f} s in {wall:.2f} s "
              f"({report.sim_seconds / wall if wall > 0 else float('inf'):.0f}x real time)")
    return 0


def _compared(args):
    """Both versions loaded and diffed (see :mod:`wardtwin.versions.compare`); ``(comparison,
    0)``, or ``(None, exit code)`` after printing the findings that make a version unusable."""
    from wardtwin.layout import exit_code
    from wardtwin.versions.compare import compare

    if not (args.threshold >= 0 and math.isfinite(args.threshold)):
        raise _usage(f"--threshold {args.threshold!r}: a distance in metres of 0 or more expected")
    c = compare(args.old, args.new, threshold=args.threshold, force=args.force)
    for v in (c.old, c.new):
        if not v.usable:
            _print_findings(v.spec, v.findings, "text", sys.stderr)
    if c.diff is None:
        print("wardtwin: error: a version cannot be read as a ward; fix the findings above first", file=sys.stderr)
        return None, max(exit_code(c.old.findings), exit_code(c.new.findings), 1)
    return c, 0


def _usage(message: str):
    from wardtwin.errors import UsageError

    return UsageError(message)


def cmd_diff(args) -> int:
    c, code = _compared(args)
    if c is None:
        return code
    if args.map:
        from wardtwin.exchange.files import check_output_path, is_stdout

        if not is_stdout(args.map):
            check_output_path(args.map)
    if args.format == "json":
        print(json.dumps(c.diff.to_dict(), indent=2))
    else:
        print("\n".join(escape(line) for line in c.diff.lines()))
    if args.map:
        from wardtwin.planmap.diffmap import write_diff_map

        write_diff_map(c.diff, c.new.layout, args.map)
        print(f"wrote {_shown(args.map)}: change map", file=sys.stderr if args.format == "json" else sys.stdout)
    return 0


def cmd_refresher(args) -> int:
    from wardtwin.exchange.files import check_output_path, write_text_atomic
    from wardtwin.layout import exit_code
    from wardtwin.versions.refresher import refresher_tour, validated

    check_output_path(args.out)
    c, code = _compared(args)
    if c is None:
        return code
    from wardtwin.model import check

    if args.new.startswith("git:"):
        raise _usage(f"{args.new}: the new version must be a ward folder (the tour runs on it), not git history")
    _layout, findings, model = check(args.new)
    if model is None:
        _print_findings(args.new, findings, "text", sys.stderr)
        print(f"{_shown(args.out)}: not written; the new version must check without errors", file=sys.stderr)
        return exit_code(findings) or 2
    d = c.diff
    doc = refresher_tour(d, model)
    if doc is None:
        print(escape(f"{d.ward}: nothing that matters to staff changed from {d.old_version} to {d.new_version} "
                     f"({len(d.changes)} change(s) in all); no refresher needed, nothing written"))
        return 0
    text, tour, tfind = validated(doc, model)
    if tour is None or exit_code(tfind):
        _print_findings(_shown(args.out), tfind, "text", sys.stderr)
        print(f"wardtwin: error: the refresher tour does not validate; {_shown(args.out)} not written",
              file=sys.stderr)
        return 1
    if args.db:
        from wardtwin.store import open_store
        from wardtwin.store.versions import record_changes, record_refresher

        with open_store(args.db) as st:
            record_changes(st, d.ward, d.old_version, d.new_version,
                           [(ch.key, ch.matters, ch.summary()) for ch in d.changes])
            record_refresher(st, tour.digest, tour.id, d.ward, d.old_version, d.new_version)
    write_text_atomic(args.out, text)
    finds = sum(1 for s in tour.steps if s.type == "find")
    print(escape(f"wrote {args.out}: tour {tour.id}, {len(tour.steps)} steps ({finds} find, "
                 f"{len(tour.steps) - finds} say) for {len(d.relevant)} change(s) from {d.old_version} to "
                 f"{d.new_version}" + (f"; recorded in {args.db}" if args.db else "")))
    return 0


def _progress_bar(total: int, width: int = 30):
    def show(done: int, n: int) -> None:
        k = int(width * done / n)
        print(f"\r[{'#' * k}{'.' * (width - k)}] {done}/{n} trainees", end="", file=sys.stderr, flush=True)

    return show


class _Parser(argparse.ArgumentParser):
    """argparse, with user text in its error messages escaped (see :mod:`wardtwin.safetext`)."""

    def error(self, message: str):
        super().error(escape(message))


def build_parser() -> argparse.ArgumentParser:
    from wardtwin.events.kinds import StationKind, TourMode, values

    p = _Parser(prog="wardtwin", description="Clinical ward digital twins from YAML.")
    p.add_argument("--version", action="version", version=f"wardtwin {__import__('wardtwin').__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser("check", help="validate a ward's layout files and report every finding")
    c.add_argument("ward", help="ward folder, or the name of a shipped ward (e.g. medsurg-28)")
    c.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="sarif: SARIF 2.1.0, for code hosts and editors")
    c.set_defaults(fn=cmd_check)

    rp = sub.add_parser("rules", help="list every rule of a rule pack with its limit and source")
    rp.add_argument("pack", nargs="?", default="us", help="a shipped pack (us, ihfg) or a pack file (default: us)")
    rp.add_argument("--ward", help="the pack a ward folder chooses, with its overrides")
    rp.set_defaults(fn=cmd_rules)

    s = sub.add_parser("schema", help="print the JSON Schema of a file kind (for editors)")
    s.add_argument("kind", help="ward, floorplan, equipment, catalog, module or tour")
    s.set_defaults(fn=cmd_schema)

    k = sub.add_parser("codes", help="list every finding code with its severity")
    k.set_defaults(fn=cmd_codes)

    e = sub.add_parser("expand", help="write the flat equivalent of a ward that uses modules")
    e.add_argument("ward", help="ward folder, or the name of a shipped ward")
    e.add_argument("-o", "--output", required=True, help="folder to write ward.yaml, floorplan.yaml, ... into")
    e.set_defaults(fn=cmd_expand)

    u = sub.add_parser("upgrade", help="rewrite a ward folder to the newest layout language version")
    u.add_argument("ward", help="ward folder (its files are rewritten in place; comments are kept)")
    u.set_defaults(fn=cmd_upgrade)

    m = sub.add_parser("map", help="draw the ward's 2D plan as SVG")
    m.add_argument("ward", help="ward folder, or the name of a shipped ward")
    m.add_argument("-o", "--out", required=True, help="output .svg file (a new path or a regular file; "
                   "- writes the SVG to standard output)")
    m.add_argument("--labels", choices=("safety", "all", "none"), default="safety",
                   help="which items get a text label (default: safety-critical ones)")
    m.add_argument("--no-equipment", action="store_true", help="draw rooms and doors only")
    m.add_argument("--areas", action="store_true", help="write each room's net area (inside the wall faces) "
                   "under its name, and its intended `area` where it has one")
    m.add_argument("--route", nargs=2, metavar=("FROM", "TO"),
                   help="also draw the walking route between two places (room, door or item ids, or x,y)")
    m.add_argument("--field", choices=("extinguisher", "exit", "alarm-box", "crash-cart", "aed"),
                   help="draw the walking-distance field to the nearest of these as a heat map, with the rule "
                   "pack's limit as a contour and the worst point marked")
    m.add_argument("--findings", action="store_true", help="draw every finding that has a place, numbered")
    m.add_argument("--watch", action="store_true", help="keep watching the ward's files and write the map again "
                   "after each save (a save with errors: its findings, and the last good map stays); Ctrl-C ends")
    m.add_argument("--watch-count", type=int, metavar="N", help=argparse.SUPPRESS)  # tests: end after N readings
    m.set_defaults(fn=cmd_map)

    r = sub.add_parser("route", help="walking distance and route between two places")
    r.add_argument("ward", help="ward folder, or the name of a shipped ward")
    r.add_argument("start", metavar="FROM", help="a room, door or item id, or x,y")
    r.add_argument("goal", metavar="TO", help="a room, door or item id, or x,y")
    r.add_argument("--map", metavar="OUT.svg", help="also write the plan with the route drawn")
    r.set_defaults(fn=cmd_route)

    b = sub.add_parser("build", help="write the 3D twin as .bam, .glb (glTF 2.0) and a JSON summary")
    b.add_argument("ward", help="ward folder, or the name of a shipped ward")
    b.add_argument("-o", "--out", required=True, help="output folder")
    b.set_defaults(fn=cmd_build)

    n = sub.add_parser("snapshot", help="render the twin offscreen to a PNG")
    n.add_argument("ward", help="ward folder, or the name of a shipped ward")
    n.add_argument("--at", help="where to stand: a room, door or item id, or x,y (eye view)")
    n.add_argument("--look", help="what to look at: a room, door or item id, or x,y[,z]")
    n.add_argument("--view", choices=("eye", "plan", "orbit"), default="eye",
                   help="eye: first person (default); plan: top-down; orbit: dollhouse")
    n.add_argument("--size", type=_size, default=(1280, 720), help="WIDTHxHEIGHT pixels (default 1280x720)")
    n.add_argument("--no-labels", action="store_true", help="hide safety-critical item labels")
    n.add_argument("--ceilings", action=argparse.BooleanOptionalAction, default=None,
                   help="draw ceilings (default: in the eye view only)")
    n.add_argument("-o", "--out", required=True, help="output .png")
    n.set_defaults(fn=cmd_snapshot)
    gl = sub.add_parser("gallery", help="render a fixed set of views for review, with an index.html")
    gl.add_argument("ward", help="ward folder, or the name of a shipped ward")
    gl.add_argument("--size", type=_size, default=(640, 360), help="WIDTHxHEIGHT pixels a view (default 640x360)")
    gl.add_argument("-o", "--out", required=True, help="output folder (index.html and one PNG a view)")
    gl.set_defaults(fn=cmd_gallery)
    v = sub.add_parser("view", help="walk the twin in first person at a desktop station (window or offscreen)")
    v.add_argument("ward", help="ward folder, or the name of a shipped ward")
    v.add_argument("--at", help="where to start: a room, door or item id, or x,y (default: the entrance)")
    v.add_argument("--heading", type=float, help="direction to face, degrees counter-clockwise from north")
    v.add_argument("--offscreen", action="store_true", help="no window: render headless with a fixed-step clock")
    v.add_argument("--frames", type=int, metavar="N", help="stop after N frames (window or offscreen)")
    v.add_argument("--script", metavar="FILE", help="scripted input: walk/turn/goto/key/click commands, one a line")
    v.add_argument("--screenshot-dir", default="screenshots", metavar="DIR",
                   help="where P/F12 screenshots go (default: ./screenshots)")
    v.add_argument("--size", type=_size, default=(1280, 720), help="WIDTHxHEIGHT pixels (default 1280x720)")
    v.add_argument("--fps", type=int, default=60, help="offscreen clock: frames per simulated second (default 60)")
    v.add_argument("--watch", action="store_true", help="live preview: reload the twin after each save of the "
                   "ward's files, the camera staying where it is; findings listed in a panel and marked in the "
                   "twin (a save with errors keeps the last good twin on screen); Ctrl-C ends")
    v.add_argument("--watch-count", type=int, metavar="N", help=argparse.SUPPRESS)  # tests: end after N readings
    v.set_defaults(fn=cmd_view)

    t = sub.add_parser("tour", help="run an orientation tour at a station, recording it in the session store")
    t.add_argument("ward", nargs="?", help="ward folder, or the name of a shipped ward (with --cmi5-launch: "
                   "default the ward its URL names)")
    t.add_argument("tour", nargs="?", help="tour file, or the name of a tour in the ward's tours/ folder (e.g. "
                   "orientation)")
    t.add_argument("--trainee", help="the trainee's id (staff number or a pseudonym); required unless "
                   "--cmi5-launch gives the learner")
    t.add_argument("--cmi5-launch", metavar="URL", help="launched by an LMS: the launch URL with its cmi5 "
                   "parameters (endpoint, fetch, actor, registration, activityId), or that query string alone; "
                   "the tour's cmi5 statements go to the LMS's LRS as it runs")
    t.add_argument("--cmi5-queue", metavar="FILE", help="where cmi5 statements wait while the LRS cannot be "
                   "reached (default: <db>.cmi5-queue beside a SQLite store, else ./wardtwin.cmi5-queue)")
    t.add_argument("--role", help="the trainee's role (e.g. RN, HCA, physician), for the cohort report")
    t.add_argument("--db", default=_db_default(), help="session store: SQLite path or postgresql://... "
                   "(default $WARDTWIN_DB or wardtwin.db)")
    t.add_argument("--mode", choices=values(TourMode), help="default: the tour's mode")
    t.add_argument("--station", choices=(StationKind.DESKTOP.value, StationKind.VR.value), default="desktop",
                   help="desktop (window, keyboard and mouse) or vr (an OpenXR headset; default desktop)")
    t.add_argument("--locomotion", choices=("teleport", "smooth"), default="teleport",
                   help="vr: move by teleport (default) or smooth walking with a vignette")
    t.add_argument("--turn", choices=("snap", "smooth"), help="vr: snap or smooth turns (default: the tour's comfort setting)")
    t.add_argument("--seated", action="store_true", help="vr: the trainee sits (the recentre button sets the "
                   "seated eye height); default standing")
    t.add_argument("--offscreen", action="store_true",
                   help="no window or headset: a scripted trainee runs the tour headless (tests, checks)")
    t.add_argument("--size", type=_size, help="WIDTHxHEIGHT pixels: the window (default 1280x720) or, offscreen "
                   "with --station vr, each eye (default 320x360)")
    t.add_argument("--fps", type=int, default=60, help="offscreen clock: frames per simulated second (default 60)")
    t.add_argument("--session", metavar="ID", help="session id (default: a new random id)")
    t.add_argument("--screenshot-dir", default="screenshots", metavar="DIR",
                   help="where F12 screenshots go (default: ./screenshots)")
    t.add_argument("--format", choices=("text", "json"), default="text")
    t.set_defaults(fn=cmd_tour)

    r = sub.add_parser("report", help="trainer report from the session store: csv, html or xapi")
    r.add_argument("--db", default=_db_default(), help="session store: SQLite path / sqlite:///path or "
                   "postgresql://... (default $WARDTWIN_DB or wardtwin.db)")
    r.add_argument("--ward", help="only this ward's sessions")
    r.add_argument("--since", help="only sessions started on/after DATE (YYYY-MM-DD or ISO 8601, UTC)")
    r.add_argument("--due", action="store_true", help="list who needs a refresher (their last completed tour was "
                   "of an older ward version) and the changes they have not seen, instead of a report")
    r.add_argument("--current", metavar="WARD", help="--due: the ward folder as it is now (default: the version "
                   "the store saw last)")
    r.add_argument("--format", choices=("csv", "html", "xapi"),
                   help="html: one self-contained file; csv: a folder of roster/sessions/step_results/steps/"
                   "cohort .csv; xapi: a JSON array of xAPI 1.0.3 statements")
    r.add_argument("-o", "--out", help="output file (html, xapi: a new path or a regular file; "
                   "- writes to standard output) or folder (csv)")
    r.add_argument("--pseudonymise", action="store_true", help="replace trainee ids with keyed-hash pseudonyms "
                   "(key: $WARDTWIN_PSEUDONYM_KEY, $WARDTWIN_PSEUDONYM_KEY_FILE or --pseudonym-key-file)")
    r.add_argument("--pseudonym-key-file", help="file holding the pseudonymisation key")
    r.add_argument("--lrs", help="xapi: also send the statements to this LRS endpoint (.../xapi/)")
    r.add_argument("--lrs-auth", help="xapi: USER:PASSWORD for the LRS (default $WARDTWIN_LRS_AUTH)")
    r.add_argument("--pass-mark", type=_share, help="xapi: share of steps passed to pass, 0 to 1 (or a "
                   "percentage: 80%%; default: the tour's pass_mark recorded with each session, else 0.8)")
    r.add_argument("--activity-base", metavar="IRI", help="xapi: the IRI activities (wards, tours, steps) live "
                   "under, e.g. https://lms.example-hospital.org/xapi/ (default: [xapi] activity_base in the "
                   "configuration file, else https://wardtwin.invalid/xapi/)")
    r.add_argument("--account-home", metavar="IRI", help="xapi: the homePage of trainees' accounts (default: "
                   "[xapi] account_home in the configuration file, else https://wardtwin.invalid/trainees)")
    r.add_argument("--excel", action="store_true", help="csv: start each file with a UTF-8 byte order mark, so "
                   "that Excel reads names like Zoë correctly")
    r.set_defaults(fn=cmd_report)

    pk = sub.add_parser("package", help="write a cmi5 course package (course.zip) with the tour as its "
                        "assignable unit, for an LMS to import")
    pk.add_argument("ward", help="ward folder, or the name of a shipped ward")
    pk.add_argument("tour", help="tour file, or the name of a tour in the ward's tours/ folder (e.g. orientation)")
    pk.add_argument("-o", "--out", required=True, help="the package to write (.zip; - writes it to standard output)")
    pk.add_argument("--pass-mark", type=_share, help="masteryScore: share of steps completed to pass, 0 to 1 (or "
                    "80%%; default: the tour's pass_mark, else 0.8)")
    pk.add_argument("--move-on", default="CompletedAndPassed", choices=("Passed", "Completed", "CompletedAndPassed",
                    "CompletedOrPassed", "NotApplicable"), help="when the LMS counts the AU done (default "
                    "CompletedAndPassed)")
    pk.add_argument("--au-url", metavar="URL", help="the AU's launch URL (default wardtwin://tour/WARD/TOUR, "
                    "which the station's URL handler passes to `wardtwin tour --cmi5-launch`)")
    pk.add_argument("--activity-base", metavar="IRI", help="the IRI the course and AU ids live under (default: "
                    "[xapi] activity_base in the configuration file, else https://wardtwin.invalid/xapi/)")
    pk.set_defaults(fn=cmd_package)

    cs = sub.add_parser("cmi5-send", help="send the cmi5 statements a station queued while the LRS was "
                        "unreachable (oldest first, once)")
    cs.add_argument("--db", default=_db_default(), help="the session store whose queue to send (default "
                    "$WARDTWIN_DB or wardtwin.db): <db>.cmi5-queue")
    cs.add_argument("--queue", metavar="FILE", help="the queue file (as tour --cmi5-queue)")
    cs.add_argument("--lrs-auth", metavar="USER:PASSWORD", help="LRS credentials to send with instead of each "
                    "session's cmi5 auth token (which the LMS may have expired)")
    cs.set_defaults(fn=cmd_cmi5_send)

    for name, helptext in (("diff", "what changed between two versions of a ward"),
                           ("refresher", "write a short tour of what changed that matters to staff")):
        df = sub.add_parser(name, help=helptext)
        df.add_argument("old", metavar="OLD", help="the old version: a ward folder, a shipped ward, or "
                        "git:REV:path/to/ward (a version in git history)")
        df.add_argument("new", metavar="NEW", help="the new version" + (" (a ward folder)" if name == "refresher"
                                                                       else ", as OLD"))
        df.add_argument("--threshold", type=float, default=0.25, metavar="M",
                        help="moves up to this many metres count as unchanged (default 0.25)")
        df.add_argument("--force", action="store_true", help="compare two different wards (different ids)")
        if name == "diff":
            df.add_argument("--format", choices=("text", "json"), default="text")
            df.add_argument("--map", metavar="OUT.svg", help="also write the change map: the new plan with moved "
                            "items drawn from old to new place, removed ones ghosted, added ones highlighted")
            df.set_defaults(fn=cmd_diff)
        else:
            df.add_argument("-o", "--out", required=True, help="the tour file to write (.yaml)")
            df.add_argument("--db", default=_db_default_or_none(), help="also record the versions, the changes "
                            "and this refresher in a session store (default $WARDTWIN_DB if set), for `report --due`")
            df.set_defaults(fn=cmd_refresher)

    y = sub.add_parser("sync", help="copy a station's sessions into another store, without duplicates",
                       description="Copy what the destination lacks of the source's sessions, without duplicates "
                       "(safe to repeat). A session whose id the destination holds with other content (another "
                       "trainee, ward or start, or different events) is a conflict: nothing of it is copied, the "
                       "others are, and the command exits 2.")
    y.add_argument("--db", default=_db_default(), help="source store (default $WARDTWIN_DB or wardtwin.db)")
    y.add_argument("--to", required=True, help="destination store, e.g. postgresql://user@host/wardtwin")
    y.set_defaults(fn=cmd_sync)

    d = sub.add_parser("db-info", help="schema version, migrations and counts of a session store (migrates it)")
    d.add_argument("--db", default=_db_default(), help="store (default $WARDTWIN_DB or wardtwin.db)")
    d.set_defaults(fn=cmd_db_info)
    tc = sub.add_parser("tour-check", help="validate a tour file against its ward and report every finding")
    tc.add_argument("ward", help="ward folder, or the name of a shipped ward")
    tc.add_argument("tour", help="tour file, or the name of a tour in the ward's tours/ folder (e.g. orientation)")
    tc.add_argument("--format", choices=("text", "json"), default="text")
    tc.set_defaults(fn=cmd_tour_check)

    sm = sub.add_parser("simulate", help="run simulated trainees through a tour, headless, and report")
    sm.add_argument("ward", help="ward folder, or the name of a shipped ward")
    sm.add_argument("tour", help="tour file, or the name of a tour in the ward's tours/ folder")
    sm.add_argument("--trainees", type=int, default=100, help="number of simulated trainees (default 100)")
    sm.add_argument("--seed", type=_seed, default=0, help="random seed (a whole number, 0 or more): the same seed "
                    "gives the same run")
    sm.add_argument("--skill", choices=("novice", "typical", "expert", "mixed"), default="mixed")
    sm.add_argument("--mode", choices=values(TourMode), help="default: the tour's mode")
    sm.add_argument("--events", metavar="DIR", help="write each session's events to DIR/<session>.jsonl")
    sm.add_argument("--format", choices=("text", "json"), default="text")
    sm.set_defaults(fn=cmd_simulate)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except WardtwinError as exc:
        print(f"wardtwin: error: {escape(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `wardtwin check WARD | head`: the reader left
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MemoryError:
        print("wardtwin: error: out of memory; nothing was written", file=sys.stderr)
        return INTERNAL_ERROR
    except Exception as exc:  # a bug: one line for the user, the traceback for developers
        import os

        if os.environ.get("WARDTWIN_DEBUG"):
            raise
        where = exc.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        at = f" at {os.path.basename(where.tb_frame.f_code.co_filename)}:{where.tb_lineno}" if where else ""
        print(escape(f"wardtwin: internal error ({type(exc).__name__}{at}): {str(exc)[:200]}; this is a bug in "
                     "wardtwin, please report it with the command you ran (WARDTWIN_DEBUG=1 shows the traceback)"),
              file=sys.stderr)
        return INTERNAL_ERROR


#: Exit code of an unexpected failure inside wardtwin (a bug), as BSD's EX_SOFTWARE.
INTERNAL_ERROR = 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
