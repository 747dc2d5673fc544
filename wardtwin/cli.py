"""The ``wardtwin`` command. Thin: parses arguments, imports the stage it needs lazily, and
turns outcomes into exit codes (0 ok, 1 findings of error severity, 2 unusable input or usage).
"""

from __future__ import annotations

import argparse
import json
import sys

from wardtwin.errors import WardtwinError


def _print_findings(ward: str, findings, fmt: str, out=sys.stdout) -> None:
    from wardtwin.layout.findings import Severity, findings_json

    if fmt == "json":
        print(findings_json(ward, findings), file=out)
        return
    for f in findings:
        print(f.format(), file=out)
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    parts = [f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    print(f"{ward}: {', '.join(parts) if parts else 'clean'}", file=out)


def cmd_check(args) -> int:
    from wardtwin.layout import check_ward, exit_code

    layout, findings = check_ward(args.ward)
    _print_findings(args.ward, findings, args.format)
    if layout is not None and args.format == "text" and exit_code(findings) == 0:
        lay = layout
        print(f"{lay.ward.name}: {len(lay.rooms)} rooms, {len(lay.doors)} doors "
              f"({sum(d.exit for d in lay.doors)} exits), {len(lay.items)} items")
    return exit_code(findings)


def cmd_schema(args) -> int:
    from wardtwin.layout.schema import json_schema

    print(json.dumps(json_schema(args.kind), indent=2))
    return 0


def cmd_codes(args) -> int:
    from wardtwin.layout.findings import CODES

    for code, (sev, summary) in CODES.items():
        print(f"{code:26} {sev.value:8} {summary}")
    return 0


def cmd_map(args) -> int:
    from wardtwin.planmap import write_map

    layout, code = _valid_layout(args.ward)
    if layout is None:
        print(f"{args.out}: not written; fix the findings above first", file=sys.stderr)
        return code
    write_map(layout, args.out, labels=args.labels, equipment=not args.no_equipment)
    print(f"wrote {args.out}: {layout.ward.name}, {len(layout.rooms)} rooms, {len(layout.items)} items")
    return 0


def _valid_layout(ward: str):
    """The checked layout, or the findings' exit code after printing them to stderr."""
    from wardtwin.layout import check_ward, exit_code

    layout, findings = check_ward(ward)
    code = exit_code(findings)
    if code:
        _print_findings(ward, findings, "text", sys.stderr)
        return None, code
    return layout, 0


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: WIDTHxHEIGHT in pixels expected, e.g. 1280x720") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"{text!r}: each side must be 16 to 8192 pixels")
    return w, h


def cmd_build(args) -> int:
    import time

    t0 = time.perf_counter()
    layout, code = _valid_layout(args.ward)
    if layout is None:
        print(f"{args.out}: nothing written; fix the findings above first", file=sys.stderr)
        return code
    from wardtwin.scene.export import build

    info = build(layout, args.out)
    print(f"wrote {args.out}/{{{','.join(info['files'].values())}}}: {info['triangles']} triangles, "
          f"{info['draw_calls']} draw calls, {info['labels']} labels ({time.perf_counter() - t0:.2f} s)")
    return 0


def cmd_snapshot(args) -> int:
    layout, code = _valid_layout(args.ward)
    if layout is None:
        print(f"{args.out}: not written; fix the findings above first", file=sys.stderr)
        return code
    from wardtwin.scene.export import snapshot

    info = snapshot(layout, args.out, at=args.at, look=args.look, view=args.view, size=args.size,
                    labels=not args.no_labels, ceilings=args.ceilings)
    print(f"wrote {args.out}: {info['view']} view, {args.size[0]}x{args.size[1]}, {info['renderer']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wardtwin", description="Clinical ward digital twins from YAML.")
    p.add_argument("--version", action="version", version=f"wardtwin {__import__('wardtwin').__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser("check", help="validate a ward's layout files and report every finding")
    c.add_argument("ward", help="ward folder, or the name of a shipped ward (e.g. medsurg-28)")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.set_defaults(fn=cmd_check)

    s = sub.add_parser("schema", help="print the JSON Schema of a file kind (for editors)")
    s.add_argument("kind", help="ward, floorplan, equipment or catalog")
    s.set_defaults(fn=cmd_schema)

    k = sub.add_parser("codes", help="list every finding code with its severity")
    k.set_defaults(fn=cmd_codes)

    m = sub.add_parser("map", help="draw the ward's 2D plan as SVG")
    m.add_argument("ward", help="ward folder, or the name of a shipped ward")
    m.add_argument("-o", "--out", required=True, help="output .svg file")
    m.add_argument("--labels", choices=("safety", "all", "none"), default="safety",
                   help="which items get a text label (default: safety-critical ones)")
    m.add_argument("--no-equipment", action="store_true", help="draw rooms and doors only")
    m.set_defaults(fn=cmd_map)

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
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except WardtwinError as exc:
        print(f"wardtwin: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
