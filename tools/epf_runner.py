"""Benchmark-only runner for the exact solver (extremitypathfinder), run in its own venv.

Reads JSON on stdin: ``{"components": [{"boundary": [[x, y], ...], "holes": [[[x, y], ...], ...]}],
"queries": [[component, sx, sy, gx, gy], ...]}`` (boundary counter-clockwise,
holes clockwise, no closing vertex; metres). Writes JSON on stdout: build seconds per component,
and per query its length (m, null when no path), its corners and its seconds.
"""

import json
import sys
import time


def main() -> int:
    from extremitypathfinder import PolygonEnvironment

    job = json.load(sys.stdin)
    envs, builds = [], []
    for comp in job["components"]:
        env = PolygonEnvironment()
        t0 = time.perf_counter()
        env.store(comp["boundary"], comp["holes"], validate=False)
        builds.append(time.perf_counter() - t0)
        envs.append(env)
    lengths, paths, times = [], [], []
    for c, sx, sy, gx, gy in job["queries"]:
        t0 = time.perf_counter()
        path, length = envs[c].find_shortest_path((sx, sy), (gx, gy), verify=False)
        times.append(time.perf_counter() - t0)
        lengths.append(None if length is None else float(length))
        paths.append([[float(x), float(y)] for x, y in path])
    json.dump({"build_s": builds, "lengths": lengths, "paths": paths, "query_s": times}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
