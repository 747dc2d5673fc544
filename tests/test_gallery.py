"""``wardtwin gallery`` (issue 18, point 6): the fixed set of views, the index page, and a few
views compared with stored references under a perceptual tolerance.

The references are small PNGs in ``tests/golden/gallery/`` (160x90: views rendered at 320x180,
averaged 2x2). A view matches when, after a 3x3 box blur of both, at most
:data:`ALLOWED_FRACTION` of the pixels differ by more than :data:`THRESHOLD` (0-255, any
channel): another machine's llvmpipe may shade a few edge pixels differently, a change in the
look (a missing wall, a moved camera, another colour) changes far more. To regenerate them
after an intended change in the look, look at the new pictures, then run

    WARDTWIN_UPDATE_GOLDEN=1 pytest tests/test_gallery.py -k reference

and commit the changed PNGs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wardtwin.model import load_model
from wardtwin.scene.gallery import gallery_views, index_html

TINY = Path(__file__).parent / "wards" / "tiny"
GOLDEN = Path(__file__).parent / "golden" / "gallery"
THRESHOLD = 40
ALLOWED_FRACTION = 0.03
#: The views compared with references (file names in the tiny ward's gallery).
REFERENCE_VIEWS = ("orbit", "plan", "CC-1", "101")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def model():
    return load_model(TINY)


@pytest.fixture(scope="module")
def gallery(model, tmp_path_factory):
    from wardtwin.scene.gallery import write_gallery

    out = tmp_path_factory.mktemp("gallery")
    info = write_gallery(model, out, size=(320, 180))
    return out, info


def test_the_views_cover_the_ward(model):
    views = gallery_views(model.layout)
    lay = model.layout
    by_group = {}
    for v in views:
        by_group.setdefault(v.group, []).append(v)
    assert [v.view for v in by_group["ward"]] == ["orbit", "plan"]
    safety = {i.id for i in lay.items if lay.item_type(i).safety_critical}
    assert {v.at for v in by_group["safety"]} == safety
    kinds = {r.kind for r in lay.rooms if r.kind not in ("corridor", "elevator_lobby")}
    assert {lay.room_by_id[v.at].kind for v in by_group["room"]} == kinds
    assert {v.at for v in by_group["corridor"]} == {r.id for r in lay.rooms if r.kind == "corridor"}
    names = [v.name for v in views]
    assert len(set(names)) == len(names) and all(n.endswith(".png") and "/" not in n for n in names)


def test_fit_out_items_are_shown_once():
    """On a ward of 28 patient rooms, the oxygen, suction... of the standard fit-out appear once
    each, not 28 times."""
    from wardtwin.layout import check_ward

    layout, _ = check_ward("medsurg-28")
    views = gallery_views(layout)
    types = [layout.item_type(layout.item_by_id[v.at]).id for v in views if v.group == "safety"]
    assert len(types) < 40 and types.count("headwall_oxygen") == 1


def test_index_links_every_image_relatively_and_escapes_text(gallery):
    import re

    out, info = gallery
    page = (out / "index.html").read_text(encoding="utf-8")
    srcs = re.findall(r'<img src="([^"]+)"', page)
    assert len(srcs) == info.views and sorted(srcs) == sorted(info.files[:-1])
    for s in srcs:
        assert "/" not in s and ":" not in s and (out / s).is_file()
        assert (out / s).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<script" not in page.lower() and "http" not in page
    views = gallery_views(load_model(TINY).layout)
    hostile = [views[0].__class__("safety", '<script>alert(1)</script> & "x"', "eye", "CC-1", "001-x.png")]
    page = index_html("Ward <b>", "w&1", hostile)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" in page
    assert "Ward &lt;b&gt;" in page and "w&amp;1" in page


def test_nothing_is_written_when_a_path_is_refused(model, tmp_path):
    from wardtwin.errors import OutputPathError
    from wardtwin.scene.gallery import write_gallery

    out = tmp_path / "g"
    out.mkdir()
    (out / "index.html").mkdir()  # a folder where the page goes
    with pytest.raises(OutputPathError):
        write_gallery(model, out, size=(64, 36))
    assert [p.name for p in out.iterdir()] == ["index.html"]


def test_cli_gallery(tmp_path):
    out = tmp_path / "gal"
    r = subprocess.run([sys.executable, "-m", "wardtwin", "gallery", str(TINY), "-o", str(out), "--size", "160x90"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "views" in r.stdout and (out / "index.html").is_file()
    r = subprocess.run([sys.executable, "-m", "wardtwin", "gallery", str(tmp_path / "missing"), "-o",
                        str(tmp_path / "x")], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and not (tmp_path / "x").exists()


def _read_png(path: Path) -> np.ndarray:
    from panda3d.core import Filename, PNMImage

    img = PNMImage()
    assert img.read(Filename.from_os_specific(str(path))), path
    w, h = img.get_x_size(), img.get_y_size()
    return np.array([[[img.get_red_val(x, y), img.get_green_val(x, y), img.get_blue_val(x, y)]
                      for x in range(w)] for y in range(h)], np.float64)


def _write_png(path: Path, rgb: np.ndarray) -> None:
    from panda3d.core import Filename, PNMImage

    h, w, _ = rgb.shape
    img = PNMImage(w, h)
    for y in range(h):
        for x in range(w):
            r, g, b = (int(v) for v in rgb[y, x])
            img.set_xel_val(x, y, r, g, b)
    assert img.write(Filename.from_os_specific(str(path)))


def _small(rgb: np.ndarray) -> np.ndarray:
    """2x2 average (320x180 -> 160x90), rounded to whole values as a PNG stores them."""
    h, w, _ = rgb.shape
    return np.round(rgb[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3)))


def _blur(rgb: np.ndarray) -> np.ndarray:
    p = np.pad(rgb, ((1, 1), (1, 1), (0, 0)), mode="edge")
    h, w, _ = rgb.shape
    return sum(p[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / 9.0


def differing_fraction(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels whose blurred colours differ by more than :data:`THRESHOLD`."""
    return float((np.abs(_blur(a) - _blur(b)).max(axis=2) > THRESHOLD).mean())


@pytest.mark.parametrize("key", REFERENCE_VIEWS)
def test_view_matches_its_reference(gallery, key):
    out, info = gallery
    name = next(n for n in info.files if n.endswith(f"-{key}.png"))
    small = _small(_read_png(out / name))
    ref = GOLDEN / f"tiny-{key}.png"
    if os.environ.get("WARDTWIN_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(parents=True, exist_ok=True)
        _write_png(ref, small)
    assert ref.is_file(), f"{ref} missing: run WARDTWIN_UPDATE_GOLDEN=1 pytest tests/test_gallery.py -k reference"
    frac = differing_fraction(small, _read_png(ref))
    assert frac <= ALLOWED_FRACTION, f"{name}: {frac:.1%} of the pixels differ from {ref.name} (allowed {ALLOWED_FRACTION:.0%})"


def test_the_comparison_catches_a_change_in_the_look(gallery):
    """The tolerance is not so loose that a visible change passes: the orbit view against the
    plan view's reference, and against itself with one room's colour changed, both fail."""
    out, info = gallery
    orbit = _small(_read_png(out / next(n for n in info.files if n.endswith("-orbit.png"))))
    plan = _small(_read_png(out / next(n for n in info.files if n.endswith("-plan.png"))))
    assert differing_fraction(orbit, plan) > ALLOWED_FRACTION
    changed = orbit.copy()
    changed[30:60, 40:90] = (200, 40, 40)
    assert differing_fraction(orbit, changed) > ALLOWED_FRACTION
    assert differing_fraction(orbit, orbit + 6) == 0.0  # a slight shading difference passes


@pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium (chromium) on this machine to open index.html")
def test_index_opens_in_headless_chromium(gallery, tmp_path):
    """Opened from disk in headless Chromium, the page shows its images (the screenshot has
    the renders' background colour, which only the images bring)."""
    out, info = gallery
    shot = tmp_path / "page.png"
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
                        f"--screenshot={shot}", "--window-size=1000,800", (out / "index.html").as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert shot.is_file(), r.stderr[-2000:]
    page = _read_png(shot)
    background = np.array([204, 214, 224])  # wardtwin.scene.offscreen.BACKGROUND, as 8-bit
    assert (np.abs(page - background).max(axis=2) <= 3).mean() > 0.01, "no rendered view shows on the page"
