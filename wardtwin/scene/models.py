"""Equipment models from files (a catalog type's ``draw.model``), as plain :class:`Mesh`
values that are batched like the procedural shapes.

``.glb``/``.gltf`` files are read with panda3d-gltf, ``.bam``/``.egg`` with Panda3D's own
loader; Panda3D is imported only when a ward names a model. A model is drawn in its file's
colours (vertex colours times the material's base colour; a texture counts as its average
colour) and fitted to the item: its bounding box is scaled to the type's footprint (width
along x, depth along y) and height, centred on the footprint and standing on z = 0.

Axes: glTF files follow glTF's convention (y up, the front of the model faces +z); they are
turned so that the front faces the item's front (+y at rotation 0, like the procedural
shapes). ``.bam``/``.egg`` files are taken as wardtwin's own frame (z up, front +y).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from wardtwin.errors import WardtwinError
from wardtwin.scene.mesh import Mesh

GLTF_SUFFIXES = (".glb", ".gltf")
PANDA_SUFFIXES = (".bam", ".egg")


class ModelError(WardtwinError):
    """A catalog type's model file is missing or cannot be read."""


def model_file(equipment_type) -> Path:
    """The model file of a catalog type (``draw.model`` under its assets folder), checked
    before anything loads it (:func:`wardtwin.layout.checks.assets.model_problem`: size,
    format, buffers, triangle budget, nothing outside the assets folder); raises
    :class:`ModelError` naming the catalog file and line when it cannot be used."""
    from wardtwin.layout.checks.assets import MODEL_SUFFIXES, model_path, model_problem

    t = equipment_type
    rel = t.draw.model
    where = _where(t)
    if t.assets_dir is None:
        raise ModelError(f"{where}: type {t.id}: model {rel!r} has no assets folder to be found in")
    full = model_path(Path(t.assets_dir), rel)
    if full is None:
        raise ModelError(f"{where}: type {t.id}: model path {rel!r} leads outside the assets folder {t.assets_dir}")
    if full.suffix.lower() not in MODEL_SUFFIXES:
        raise ModelError(f"{where}: type {t.id}: model {rel!r} is not a model file; one of "
                         f"{', '.join(MODEL_SUFFIXES)} expected")
    if not os.path.lexists(full):
        raise ModelError(f"{where}: type {t.id}: model {rel!r} not found ({full})")
    problem = model_problem(full, Path(t.assets_dir))
    if problem is not None:
        raise ModelError(f"{where}: type {t.id}: model {rel!r} ({full}) cannot be used: {problem[1]}")
    return full


def _where(t) -> str:
    line, _ = t.src.at("draw")
    return f"{t.src.file}:{line}"


def item_model(equipment_type) -> Mesh:
    """The model of a catalog type fitted to its footprint and height (see the module doc);
    raises :class:`ModelError` naming the catalog file/line and the model file when the
    file cannot be read or holds no triangles."""
    t = equipment_type
    from wardtwin.layout.checks.assets import assets_base

    path = model_file(t)
    st = path.stat()
    w, d = t.footprint
    base = str(assets_base(Path(t.assets_dir)))
    try:
        return _fitted(str(path), base, st.st_mtime_ns, st.st_size, float(w), float(d), float(t.height))
    except ModelError as exc:
        raise ModelError(f"{_where(t)}: type {t.id}: model {t.draw.model!r} ({path}) {exc}") from None


@lru_cache(maxsize=64)
def _fitted(path: str, base: str, mtime_ns: int, size: int, w: float, d: float, h: float) -> Mesh:
    """The model at ``path`` (inside the folder ``base``) scaled into the box w x d x h
    (cached per file version and size; treat the arrays as read-only)."""
    mesh = load_model_mesh(path, base)
    lo, hi = mesh.bounds()
    extent = np.maximum(hi - lo, 1e-9)
    scale = np.array([w, d, h]) / extent
    # flat models (a sign) keep zero thickness: the scale of a missing dimension does not matter
    scale[hi - lo < 1e-9] = 1.0
    centre = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
    pos = (mesh.positions - centre) * scale
    nor = mesh.normals / scale  # normals transform by the inverse transpose
    nor /= np.maximum(np.linalg.norm(nor, axis=1, keepdims=True), 1e-12)
    return Mesh(pos.astype(np.float32), nor.astype(np.float32), mesh.colors, mesh.triangles)


def load_model_mesh(path: str | os.PathLike, base: str | os.PathLike | None = None) -> Mesh:
    """Every triangle of a model file in wardtwin's frame (z up, front +y), with its colours
    (sRGB). The file is checked first (:func:`wardtwin.exchange.gltfcheck.check_model_file`;
    ``base``: the folder it and the files it refers to must stay in, default its own folder).
    Raises :class:`ModelError` (the message says what went wrong, not where: the caller adds
    the catalog file) when the file cannot be read or has no triangles."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in GLTF_SUFFIXES + PANDA_SUFFIXES:
        raise ModelError(f"is not a model file; one of {', '.join(GLTF_SUFFIXES + PANDA_SUFFIXES)} expected")
    _check_before_loading(path, Path(base) if base is not None else path.parent)
    try:
        from panda3d.core import NodePath
    except ImportError as exc:  # pragma: no cover - Panda3D is a dependency
        raise ModelError(f"cannot be read without Panda3D ({exc})") from None
    if suffix in GLTF_SUFFIXES:
        try:
            import gltf
        except ImportError:
            raise ModelError("cannot be read: the glTF loader is missing (pip install panda3d-gltf)") from None
        try:
            node = gltf.load_model(str(path))
        except Exception as exc:  # the loader raises whatever the broken file triggers
            raise ModelError(f"is not a readable glTF file ({type(exc).__name__}: {exc})") from None
    else:
        from panda3d.core import Filename, Loader, LoaderOptions

        opts = LoaderOptions(LoaderOptions.LF_no_cache | LoaderOptions.LF_report_errors)
        node = Loader.get_global_ptr().load_sync(Filename.from_os_specific(str(path)), opts)
        if node is None:
            raise ModelError(f"is not a readable {suffix} file")
    holder = NodePath("model")  # a parent, so that a GeomNode at the top is found too
    holder.attach_new_node(node)
    mesh = _mesh_of(holder, linear=suffix in GLTF_SUFFIXES)
    if not mesh.n_triangles:
        raise ModelError("holds no triangles")
    if suffix in GLTF_SUFFIXES:  # glTF's front (+z, turned to -y by the loader) faces +y
        turn = np.diag([-1.0, -1.0, 1.0]).astype(np.float32)
        mesh = Mesh(mesh.positions @ turn, mesh.normals @ turn, mesh.colors, mesh.triangles)
    return mesh


def _check_before_loading(path: Path, base: Path) -> None:
    """Raise :class:`ModelError` unless the file passes the checks made before loading."""
    from wardtwin.errors import InputFileError
    from wardtwin.exchange.gltfcheck import ModelFileError, check_model_file

    try:
        check_model_file(path, base)
    except InputFileError as exc:
        raise ModelError(exc.detail if exc.name == path.name else str(exc)) from None
    except ModelFileError as exc:
        raise ModelError(str(exc)) from None


def _linear_to_srgb(c: np.ndarray) -> np.ndarray:
    c = np.clip(c, 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1 / 2.4) - 0.055)


def _state_colour(state) -> tuple[np.ndarray | None, np.ndarray]:
    """(flat colour or None to use vertex colours, colour factor) of a render state: a
    ColorAttrib, the material's base (or diffuse) colour, the colour scale and the average
    colour of a texture."""
    from panda3d.core import ColorAttrib, ColorScaleAttrib, MaterialAttrib, TextureAttrib

    flat = None
    factor = np.ones(4)
    ca = state.get_attrib(ColorAttrib)
    if ca is not None and ca.get_color_type() == ColorAttrib.T_flat:
        flat = np.array(ca.get_color())
    ma = state.get_attrib(MaterialAttrib)
    if ma is not None and ma.get_material() is not None:
        m = ma.get_material()
        if m.has_base_color():
            factor *= np.array(m.get_base_color())
        elif m.has_diffuse():
            factor *= np.array(m.get_diffuse())
    cs = state.get_attrib(ColorScaleAttrib)
    if cs is not None and cs.has_scale():
        factor *= np.array(cs.get_scale())
    ta = state.get_attrib(TextureAttrib)
    if ta is not None and ta.get_num_on_stages():
        tex = ta.get_on_texture(ta.get_on_stage(0))
        if tex is not None and tex.has_ram_image():
            img = np.frombuffer(bytes(tex.get_ram_image_as("RGBA")), np.uint8).reshape(-1, 4)
            if len(img):
                avg = img.mean(axis=0) / 255.0
                # the average of an sRGB texture, taken to linear like the other factors
                avg[:3] = np.where(avg[:3] <= 0.04045, avg[:3] / 12.92, ((avg[:3] + 0.055) / 1.055) ** 2.4)
                factor *= avg
    return flat, factor


def _column(vdata, name: str, width: int) -> np.ndarray | None:
    """A vertex column as float32 (rows, width), or None when the data has no such column."""
    from panda3d.core import GeomVertexReader, InternalName

    if not vdata.has_column(InternalName.make(name)):
        return None
    reader = GeomVertexReader(vdata, name)
    out = np.empty((vdata.get_num_rows(), width), np.float32)
    getter = {3: reader.get_data3, 4: reader.get_data4}[width]
    for k in range(len(out)):
        out[k] = getter()
    return out


def _mesh_of(root, *, linear: bool) -> Mesh:
    """All triangles under ``root``, in ``root``'s frame, with colours (sRGB; ``linear``: the
    file's colours are linear, as glTF's are)."""
    meshes = []
    for gnp in root.find_all_matches("**/+GeomNode"):
        gn = gnp.node()
        mat = np.array(gnp.get_mat(root), dtype=np.float64)  # row vectors: p' = p @ mat
        rot = mat[:3, :3]
        # normals turn by the inverse transpose (row vectors: n' = n @ inv(rot).T)
        normal_mat = np.linalg.inv(rot).T if abs(np.linalg.det(rot)) > 1e-12 else rot
        mirrored = np.linalg.det(rot) < 0
        net_state = gnp.get_net_state()
        for i in range(gn.get_num_geoms()):
            geom = gn.get_geom(i).decompose()
            state = net_state.compose(gn.get_geom_state(i))
            vdata = geom.get_vertex_data()
            pos = _column(vdata, "vertex", 3)
            if pos is None:
                continue
            tris = []
            for p in range(geom.get_num_primitives()):
                prim = geom.get_primitive(p)
                if prim.get_primitive_type() != prim.PT_polygons:
                    continue  # points and lines are not drawn
                idx = [prim.get_vertex(k) for k in range(prim.get_num_vertices())]
                tris.extend(idx[: len(idx) // 3 * 3])
            if not tris:
                continue
            tri = np.asarray(tris, np.int64).reshape(-1, 3)
            if mirrored:
                tri = tri[:, ::-1]
            nor = _column(vdata, "normal", 3)
            col = _column(vdata, "color", 4)
            flat, factor = _state_colour(state)
            if flat is not None or col is None:
                base = flat if flat is not None else np.ones(4)
                col = np.tile(base, (len(pos), 1))
            col = col * factor
            if linear:
                col[:, :3] = _linear_to_srgb(col[:, :3])
            # unshared vertices per triangle: flat normals where the file has none
            p = pos[tri].reshape(-1, 3) @ rot + mat[3, :3]
            if nor is None:
                a, b, c = (p.reshape(-1, 3, 3)[:, k] for k in range(3))
                n = np.cross(b - a, c - a)
                n = np.repeat(n, 3, axis=0)
            else:
                n = nor[tri].reshape(-1, 3) @ normal_mat
            n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
            c4 = np.clip(col[tri].reshape(-1, 4), 0.0, 1.0)
            meshes.append(Mesh(p.astype(np.float32), n.astype(np.float32), c4.astype(np.float32),
                               np.arange(len(p), dtype=np.uint32).reshape(-1, 3)))
    return Mesh.concat(meshes)
