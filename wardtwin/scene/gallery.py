"""``wardtwin gallery``: a fixed set of views of a ward for review, as PNG files and an
``index.html`` that shows them (plain HTML, relative links: it works opened from disk).

The set is decided by :func:`gallery_views`, pure (no Panda3D): the whole ward (orbit and
plan), every safety-critical item as someone using it sees it, one room of each kind as
someone coming in sees it, and every corridor along its length. :func:`render_gallery`
renders them with one offscreen buffer and one scene; :func:`write_gallery` writes the
folder only when every view rendered (nothing is written when a command fails).
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wardtwin.layout.model import Layout
    from wardtwin.model.compiled import WardModel

#: Room kinds walked along rather than entered: each one of them is shown, not one per kind.
CORRIDOR_KINDS = ("corridor", "elevator_lobby")
#: Default image size, pixels.
SIZE = (640, 360)


@dataclass(frozen=True)
class GalleryView:
    """One view of the gallery: ``group`` (``ward``, ``safety``, ``room`` or ``corridor``), a
    ``title`` (user text: escaped where shown), ``view`` (``eye``, ``plan``, ``orbit``), the
    place it is taken ``at`` (an item or room id; None for the whole-ward views) and the PNG
    file ``name`` (safe characters only, unique within the gallery)."""

    group: str
    title: str
    view: str
    at: str | None
    name: str


@dataclass(frozen=True)
class Gallery:
    """A gallery as written: its folder ``dir``, the number of ``views``, the ``files`` written
    (the PNGs in view order, then ``index.html``) and the image ``size`` (width, height, pixels)."""

    dir: str
    views: int
    files: tuple[str, ...]
    size: tuple[int, int]

    def as_dict(self) -> dict[str, Any]:
        """The gallery as plain JSON data (tuples as lists)."""
        return {"dir": self.dir, "views": self.views, "files": list(self.files), "size": list(self.size)}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:48] or "view"


def gallery_views(layout: Layout) -> list[GalleryView]:
    """The views of a ward's gallery, in the order shown (see the module doc). Rooms: the first
    of each kind in the floor plan's order; items of the patient rooms' standard fit-out
    (oxygen, suction... in every room, :func:`~wardtwin.layout.fitout.fitout_types`): the
    first of each type."""
    out: list[GalleryView] = []

    def add(group: str, title: str, view: str, at: str | None) -> None:
        out.append(GalleryView(group, title, view, at, f"{len(out) + 1:03d}-{group}-{_slug(at or view)}.png"))

    from wardtwin.layout.fitout import fitout_types

    add("ward", "Whole ward from above, at an angle (orbit)", "orbit", None)
    add("ward", "Plan, from straight above", "plan", None)
    fitout = fitout_types(layout)
    shown_fitout: set[str] = set()
    for it in layout.items:
        t = layout.item_type(it)
        if t is not None and t.safety_critical:
            if t.id in fitout:  # the standard fit-out of every patient room: its first one only
                if t.id in shown_fitout:
                    continue
                shown_fitout.add(t.id)
            add("safety", f"{it.label or t.name} ({it.id}, {t.name}) in {_room_name(layout, it.room)}", "eye", it.id)
    seen: set[str] = set()
    for r in layout.rooms:
        if r.kind in CORRIDOR_KINDS:
            add("corridor", f"{r.name or r.id} ({r.id}), along its length", "eye", r.id)
        elif r.kind not in seen:
            seen.add(r.kind)
            add("room", f"{r.kind.replace('_', ' ')}: {r.name or r.id} ({r.id}), from its entry", "eye", r.id)
    return out


def _room_name(layout: Layout, room: str) -> str:
    r = layout.room_by_id.get(room)
    return (r.name or r.id) if r is not None else room


def render_gallery(model: WardModel, views: Sequence[GalleryView],
                   size: tuple[int, int] = SIZE) -> dict[str, bytes]:
    """PNG bytes of each view, by file name, rendered offscreen with one buffer and one scene."""
    from wardtwin.scene.camera import overview, viewpoint
    from wardtwin.scene.geometry import ward_geometry
    from wardtwin.scene.offscreen import Offscreen
    from wardtwin.scene.panda import WardScene

    plan = model.plan
    geometry = ward_geometry(plan, model=model)
    scene = WardScene(geometry, locate=plan.room_at)
    out: dict[str, bytes] = {}
    aspect = size[0] / size[1]
    with Offscreen(size) as off:
        scene.root.reparent_to(off.render)
        lens = off.camera.node().get_lens()
        for v in views:
            off.camera.node().set_lens(lens)
            if v.view == "eye" and v.at is not None:  # eye views are taken at a place
                scene.show_ceilings(True)
                eye, target = viewpoint(model, v.at)
                off.look(eye, target, scene=scene)
            else:
                scene.show_ceilings(False)
                eye, target, film = overview(geometry.bounds, v.view, aspect)
                if film is not None:
                    off.orthographic(film, film / aspect)
                off.look(eye, target, up=(0, 1, 0) if v.view == "plan" else (0, 0, 1), scene=scene)
            out[v.name] = off.png_bytes()
        scene.root.detach_node()
    return out


_GROUPS = (("ward", "The whole ward"), ("safety", "Safety-critical items, as someone using them sees them"),
           ("room", "One room of each kind, as someone coming in sees it"), ("corridor", "Corridors"))


def index_html(ward_name: str, ward_id: str, views: Sequence[GalleryView], size: tuple[int, int] = SIZE) -> str:
    """The gallery's page: every view with its caption, grouped; all text escaped, images by
    relative links, no scripts or outside resources."""
    e = html.escape
    w, h = size
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{e(ward_name)} ({e(ward_id)}): wardtwin gallery</title>",
             "<style>body{font-family:sans-serif;margin:1.5em;background:#f4f5f7;color:#222}"
             "figure{display:inline-block;margin:0 1em 1.5em 0;vertical-align:top;max-width:" + str(w) + "px}"
             "img{width:100%;height:auto;border:1px solid #999;background:#ccd}"
             "figcaption{font-size:0.9em;margin-top:0.3em}</style>",
             "</head>", "<body>",
             f"<h1>{e(ward_name)} <small>({e(ward_id)})</small></h1>",
             f"<p>{len(views)} views rendered by <code>wardtwin gallery</code>, {w}x{h} pixels each.</p>"]
    for group, heading in _GROUPS:
        members = [v for v in views if v.group == group]
        if not members:
            continue
        parts.append(f'<section id="{group}"><h2>{e(heading)}</h2>')
        for v in members:
            parts.append(f'<figure><img src="{e(v.name)}" alt="{e(v.title)}" width="{w}" height="{h}">'
                         f"<figcaption>{e(v.title)}</figcaption></figure>")
        parts.append("</section>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def write_gallery(model: WardModel, out_dir: str | os.PathLike[str], size: tuple[int, int] = SIZE) -> Gallery:
    """Render the gallery of ``model`` (a compiled ward) into ``out_dir``: one PNG per view and
    ``index.html``. Every output path is checked first and every view rendered before
    anything is written (files are written atomically, the index last). Returns what was
    written (:class:`Gallery`)."""
    from wardtwin.exchange.files import check_output_dir, check_output_path, ensure_output_dir, write_bytes_atomic

    layout = model.layout
    out = check_output_dir(out_dir)
    views = gallery_views(layout)
    for v in views:
        check_output_path(out / v.name)
    check_output_path(out / "index.html")
    images = render_gallery(model, views, size)
    page = index_html(layout.ward.name or layout.ward.id, layout.ward.id, views, size)
    out = ensure_output_dir(out)
    for v in views:
        write_bytes_atomic(out / v.name, images[v.name])
    write_bytes_atomic(out / "index.html", page.encode("utf-8"))
    return Gallery(dir=str(out), views=len(views), files=(*(v.name for v in views), "index.html"),
                   size=(size[0], size[1]))

