"""Headset smoke run: the VR station's OpenXR path against whatever OpenXR runtime is active
(a headset's, or Monado with its simulated headset), for a few seconds, in a window. It
creates the session on the window's OpenGL context (GLX), the actions and the two
swapchains, runs the frame loop (wait, locate the views, render both eyes, copy them into the
swapchain images, end the frame) and closes it all, then prints what happened. Nothing is
recorded. Exits 0 when frames reached the runtime with the eyes' images, 1 when none did, 2
when no runtime or display is there (the station's own message).

    python tools/xr_smoke.py [--ward icu-12] [--seconds 10]

Without a headset, Monado's service with its null compositor and simulated headset is a
runtime (Monado's `monado-service`, with ``XRT_COMPOSITOR_NULL=1 SIMULATED_ENABLE=1``;
``SIMULATED_RIGHT=simple`` adds a simulated right controller, whose aim pose then reaches the
station through its actions), used over an X display such as Xvfb.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ward", default="icu-12", help="a shipped ward's name or a ward folder")
    ap.add_argument("--seconds", type=float, default=10.0, help="how long to run the frame loop (s)")
    args = ap.parse_args(argv)

    from wardtwin.errors import WardtwinError
    from wardtwin.model import load_model
    from wardtwin.station.vr.station import VRStation
    from wardtwin.station.vr.xr import OpenXRPoseSource

    ward = Path(args.ward) if Path(args.ward).exists() else ROOT / "layouts" / args.ward
    model = load_model(ward)
    try:
        source = OpenXRPoseSource()
    except WardtwinError as exc:
        print(f"xr_smoke: {exc}", file=sys.stderr)
        return 2
    info = source.info
    yaws: list[float] = []
    aims = [0]
    with source, VRStation(model, source, offscreen=False) as st:
        def hook(tick):
            yaws.append(math.degrees(tick.head.yaw))
            aims[0] += tick.tracked.controller.aim is not None

        st.add_hook(hook)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < args.seconds and not source.exit_requested:
            st.step(1)
        wall = time.perf_counter() - t0
        summary = st.summary()
        rate, renderer = source.refresh_rate, st.renderer
        looks = []
        for eye in st.rig.eyes:  # what went to the headset: the eye textures, read back once
            if st.base.graphicsEngine.extract_texture_data(eye.texture, st.base.win.get_gsg()):
                img = np.frombuffer(bytes(eye.texture.get_ram_image_as("RGB")), np.uint8)
                looks.append(f"{eye.name} eye mean {img.mean():.0f}, spread {img.std():.0f}")
    ended, shown = source.frames_ended, source.frames_shown
    print(f"runtime: {info.runtime}\nsystem: {info.system}\neye images: {info.eye_size[0]}x{info.eye_size[1]}, "
          f"{info.views} views; refresh {rate:.1f} Hz; renderer: {renderer}")
    print(f"{wall:.1f} s: {summary.frames} station frames, {ended} headset frames ended, {shown} with the "
          f"eyes' images ({shown / wall if wall else 0:.1f} a second)")
    if yaws:
        print(f"head heading from the runtime: {min(yaws):.1f} to {max(yaws):.1f} degrees; "
              f"ipd {summary.ipd_m * 1000:.1f} mm; frame times: {summary.frame_times.as_dict()}")
    print(f"controller: aim pose tracked in {aims[0]} of {len(yaws)} frames")
    print("; ".join(looks) or "eye images could not be read back")
    return 0 if shown > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
