"""Checking a model file before anything loads it (standard library only: no Panda3D, no numpy).

A loader trusts a file's numbers: an accessor ``count`` of two billion makes it allocate
gigabytes, a buffer ``uri`` of ``../../x.bin`` makes it read outside the assets folder. So
:func:`check_model_file` reads only the headers and the JSON of a glTF file (never its binary
data) and checks, before the file is loaded:

- the file is a regular file of at most :data:`MAX_MODEL_BYTES`, inside its assets folder;
- ``.glb``: glTF's binary header (magic, version 2, the file's length), a JSON chunk of at most
  :data:`MAX_JSON_BYTES`, a BIN chunk inside the file; ``.gltf``: JSON of at most that size;
- every buffer has the bytes it claims (BIN chunk, ``data:`` URI, or a regular file inside the
  assets folder), every buffer view fits its buffer, every accessor fits its view;
- images are ``data:`` URIs, buffer views, or regular files inside the assets folder;
- the accessor data a loader would unpack is at most :data:`MAX_ACCESSOR_BYTES`, and the
  scenes draw at most :data:`MAX_TRIANGLES` triangles (a mesh counted once per node using it);
  nodes form trees (no node reached twice) of at most :data:`MAX_NODES` nodes in all;
- ``.bam``: Panda3D's header; ``.egg``: UTF-8 text.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import unquote

from wardtwin.errors import InputFileError, WardtwinError
from wardtwin.exchange.reading import inside, open_regular, read_at, size_text

#: Largest model file (and file a glTF refers to) read, bytes.
MAX_MODEL_BYTES = 64 * 1024 * 1024
#: Largest glTF JSON (a .gltf file, or a .glb's JSON chunk) parsed, bytes.
MAX_JSON_BYTES = 8 * 1024 * 1024
#: Most triangles one model may draw (an equipment item needs a few thousand).
MAX_TRIANGLES = 200_000
#: Most bytes of accessor data (as unpacked, each use counted) one model may make a loader allocate.
MAX_ACCESSOR_BYTES = 256 * 1024 * 1024
#: Most nodes the scenes of one model may hold, all scenes together.
MAX_NODES = 10_000

_GLB_MAGIC, _CHUNK_JSON, _CHUNK_BIN = b"glTF", 0x4E4F534A, 0x004E4942
_COMPONENT_BYTES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
#: A JSON object of a glTF document.
_Json = dict[str, Any]
_TYPE_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


class ModelFileError(WardtwinError):
    """A model file cannot be loaded safely; the message says why (not which file: the caller
    names it)."""


def check_model_file(path: Path, base: Path) -> None:
    """Check the model file at ``path`` (see the module doc); ``base``: the folder it and every
    file it refers to must stay in. Raises :class:`~wardtwin.errors.InputFileError` (not a
    regular file, too large, outside ``base``) or :class:`ModelFileError` (not a usable model)."""
    path = Path(path)
    suffix = path.suffix.lower()
    with open_regular(path, MAX_MODEL_BYTES, name=path.name, within=base) as fh:
        size = os.fstat(fh.fileno()).st_size
        if suffix == ".bam":
            if read_at(fh, 0, 6) != b"pbj\0\n\r":
                raise ModelFileError("not a Panda3D .bam file (no 'pbj' header)")
            return
        if suffix == ".egg":
            try:
                fh.read().decode("utf-8")
            except UnicodeDecodeError:
                raise ModelFileError("not a text .egg file (not UTF-8)") from None
            return
        if suffix == ".glb":
            text, bin_len = _glb_parts(fh, size)
        else:
            if size > MAX_JSON_BYTES:
                raise ModelFileError(f"its glTF JSON is {size_text(size)}, over the limit of {size_text(MAX_JSON_BYTES)}")
            text, bin_len = fh.read(), None
    check_gltf(_parse(text), path.parent, base, bin_len)


def _glb_parts(fh: BinaryIO, size: int) -> tuple[bytes, int | None]:
    """(JSON chunk, length of the BIN chunk or None) of an open .glb of ``size`` bytes."""
    head = read_at(fh, 0, 20)
    if len(head) < 20 or head[:4] != _GLB_MAGIC:
        raise ModelFileError("not a binary glTF file (no 'glTF' header)")
    version, length, jlen, jtype = struct.unpack_from("<IIII", head, 4)
    if version != 2:
        raise ModelFileError(f"binary glTF version {version}; version 2 expected")
    if length != size:
        raise ModelFileError(f"cut short or padded: the header says {length} bytes, the file has {size}")
    if jtype != _CHUNK_JSON or 20 + jlen > size:
        raise ModelFileError("its first chunk is not glTF JSON")
    if jlen > MAX_JSON_BYTES:
        raise ModelFileError(f"its JSON chunk is {size_text(jlen)}, over the limit of {size_text(MAX_JSON_BYTES)}")
    text = fh.read(jlen)
    at = 20 + jlen
    if at + 8 > size:
        return text, None
    blen, btype = struct.unpack("<II", read_at(fh, at, 8))
    if btype != _CHUNK_BIN:
        return text, None
    if at + 8 + blen > size:
        raise ModelFileError(f"its BIN chunk says {blen} bytes; the file ends {size - at - 8} bytes after its start")
    return text, blen


def _parse(text: bytes) -> _Json:
    try:
        doc = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"its glTF JSON cannot be parsed ({str(exc)[:100]})") from None
    asset = doc.get("asset") if isinstance(doc, dict) else None
    version = asset.get("version") if isinstance(asset, dict) else None
    if version != "2.0":
        raise ModelFileError(f"glTF asset version {str(version)[:20]!r}; \"2.0\" expected")
    out: _Json = doc
    return out


def check_gltf(doc: _Json, folder: Path, base: Path, bin_len: int | None) -> None:
    """Check a parsed glTF document (see the module doc): ``folder`` holds the file, relative
    URIs start there; ``bin_len``: bytes of a .glb's BIN chunk (None: none)."""
    try:
        buffers = [_buffer_bytes(i, b, folder, base, bin_len) for i, b in enumerate(_list(doc, "buffers"))]
        views = [_view(i, v, buffers) for i, v in enumerate(_list(doc, "bufferViews"))]
        sizes = [_accessor(i, a, views) for i, a in enumerate(_list(doc, "accessors"))]
        for i, img in enumerate(_list(doc, "images")):
            _image(i, img, folder, base, len(views))
        _budget(doc, sizes)
    except (TypeError, KeyError, IndexError, AttributeError, ValueError) as exc:
        raise ModelFileError(f"its glTF JSON does not follow glTF 2.0 ({type(exc).__name__}: {str(exc)[:80]})") \
            from None


def _list(doc: _Json, key: str) -> list[Any]:
    v = doc.get(key, [])
    if not isinstance(v, list):
        raise ModelFileError(f"its `{key}` is not a list")
    return v


def _int(v: object, what: str, lo: int = 0, hi: int | None = None) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < lo or (hi is not None and v > hi):
        shown = str(v)[:20]
        raise ModelFileError(f"{what} is {shown}; a whole number from {lo:,}" + (f" to {hi:,}" if hi is not None
                                                                                  else "") + " expected")
    return v


def _index(v: object, n: int, what: str) -> int:
    return _int(v, what, 0, n - 1) if n else _int(v, what, 0, -1)


def _uri_file(uri: str, folder: Path, base: Path, what: str) -> int:
    """The size of the regular file a relative URI names. Checked as written (some loaders
    use it so) and percent-decoded (the file's name) to stay in ``base``."""
    name = f"its {what} {uri[:60]!r}"
    decoded = unquote(uri)
    for form in (uri, decoded):
        p = PurePosixPath(form.replace("\\", "/"))
        if p.is_absolute() or ":" in form:
            raise ModelFileError(f"{name} is not a relative path; files next to the model expected")
        if not inside(Path(os.path.realpath(folder / p)), base):
            raise InputFileError(name, "outside", f"leads outside the assets folder {base}")
    try:
        with open_regular(folder / decoded, MAX_MODEL_BYTES, name=name, within=base) as fh:
            return os.fstat(fh.fileno()).st_size
    except InputFileError as exc:
        if exc.reason == "missing":
            raise ModelFileError(f"{name} is missing next to it") from None
        raise


def _buffer_bytes(i: int, b: _Json, folder: Path, base: Path, bin_len: int | None) -> int:
    """The byte length of buffer ``i``, checked against the data it has."""
    length = _int(b.get("byteLength"), f"buffer {i}'s byteLength", 1, MAX_MODEL_BYTES)
    uri = b.get("uri")
    if uri is None:
        have = bin_len if i == 0 and bin_len is not None else 0
    elif not isinstance(uri, str):
        raise ModelFileError(f"buffer {i}'s uri is not text")
    elif uri.startswith("data:"):
        have = len(uri.partition(",")[2]) * 3 // 4
    else:
        have = _uri_file(uri, folder, base, f"buffer {i}")
    if have < length:
        raise ModelFileError(f"buffer {i} says {length:,} bytes; its data holds {have:,}")
    return length


def _view(i: int, v: _Json, buffers: list[int]) -> tuple[int, int | None]:
    """(byte length, byte stride or None) of buffer view ``i``, checked to fit its buffer."""
    buf = _index(v.get("buffer"), len(buffers), f"bufferView {i}'s buffer")
    off = _int(v.get("byteOffset", 0), f"bufferView {i}'s byteOffset")
    length = _int(v.get("byteLength"), f"bufferView {i}'s byteLength", 1)
    if off + length > buffers[buf]:
        raise ModelFileError(f"bufferView {i} ends at byte {off + length:,} of buffer {buf}, "
                             f"which has {buffers[buf]:,}")
    stride = v.get("byteStride")
    return length, (None if stride is None else _int(stride, f"bufferView {i}'s byteStride", 4, 252))


def _accessor(i: int, a: _Json, views: list[tuple[int, int | None]]) -> tuple[int, int]:
    """(count, unpacked bytes) of accessor ``i``, checked to fit its buffer view."""
    comp = _COMPONENT_BYTES.get(a.get("componentType", -1))
    width = _TYPE_WIDTH.get(a.get("type", ""))
    if comp is None or width is None:
        raise ModelFileError(f"accessor {i} has an unknown componentType or type")
    count = _int(a.get("count"), f"accessor {i}'s count", 1, 3 * MAX_TRIANGLES)
    elem = comp * width
    if a.get("bufferView") is not None:
        length, stride = views[_index(a["bufferView"], len(views), f"accessor {i}'s bufferView")]
        end = _int(a.get("byteOffset", 0), f"accessor {i}'s byteOffset") + (stride or elem) * (count - 1) + elem
        if end > length:
            raise ModelFileError(f"accessor {i} needs {end:,} bytes of its bufferView, which has {length:,}")
    sparse = a.get("sparse")
    if sparse is not None:
        _int(sparse.get("count"), f"accessor {i}'s sparse count", 1, count)
        for part in ("indices", "values"):
            _index(sparse[part].get("bufferView"), len(views), f"accessor {i}'s sparse {part} bufferView")
    return count, count * elem


def _image(i: int, img: _Json, folder: Path, base: Path, n_views: int) -> None:
    uri = img.get("uri")
    if uri is None:
        if img.get("bufferView") is not None:
            _index(img["bufferView"], n_views, f"image {i}'s bufferView")
    elif not isinstance(uri, str):
        raise ModelFileError(f"image {i}'s uri is not text")
    elif not uri.startswith("data:"):
        _uri_file(uri, folder, base, f"image {i}")


def _accessor_uses(doc: _Json) -> Iterator[Any]:
    """Every accessor index the meshes, skins and animations use (one per use)."""
    for mesh in _list(doc, "meshes"):
        for prim in mesh.get("primitives", []):
            yield from prim.get("attributes", {}).values()
            if prim.get("indices") is not None:
                yield prim["indices"]
            for target in prim.get("targets", []):
                yield from target.values()
    for skin in _list(doc, "skins"):
        if skin.get("inverseBindMatrices") is not None:
            yield skin["inverseBindMatrices"]
    for anim in _list(doc, "animations"):
        for sampler in anim.get("samplers", []):
            yield sampler.get("input")
            yield sampler.get("output")


def _mesh_triangles(mesh: _Json, sizes: list[tuple[int, int]]) -> int:
    total = 0
    for prim in mesh.get("primitives", []):
        mode = prim.get("mode", 4)
        ref = prim["indices"] if prim.get("indices") is not None else prim.get("attributes", {}).get("POSITION")
        n = sizes[_index(ref, len(sizes), "a primitive's accessor")][0] if ref is not None else 0
        total += n // 3 if mode == 4 else max(n - 2, 0) if mode in (5, 6) else 0
    return total


def _budget(doc: _Json, sizes: list[tuple[int, int]]) -> None:
    """Unpacked accessor bytes and triangles drawn by the scenes, against their limits."""
    unpacked = sum(sizes[_index(k, len(sizes), "an accessor index")][1] for k in _accessor_uses(doc))
    if unpacked > MAX_ACCESSOR_BYTES:
        raise ModelFileError(f"its meshes unpack to {size_text(unpacked)} of vertex data, over the limit of "
                             f"{size_text(MAX_ACCESSOR_BYTES)}")
    meshes, nodes = _list(doc, "meshes"), _list(doc, "nodes")
    per_mesh = [_mesh_triangles(m, sizes) for m in meshes]
    triangles, visited = 0, 0
    for s, scene in enumerate(_list(doc, "scenes")):
        extras = scene.get("extras")
        hidden = extras.get("hidden_nodes", []) if isinstance(extras, dict) else []
        stack, seen = list(scene.get("nodes", [])) + list(hidden), set()
        while stack:
            k = _index(stack.pop(), len(nodes), f"scene {s}'s node")
            if k in seen:
                raise ModelFileError(f"node {k} is reached twice in scene {s}; glTF nodes form a tree")
            seen.add(k)
            visited += 1
            if visited > MAX_NODES:
                raise ModelFileError(f"its scenes hold more than {MAX_NODES:,} nodes")
            node = nodes[k]
            if node.get("mesh") is not None:
                triangles += per_mesh[_index(node["mesh"], len(meshes), f"node {k}'s mesh")]
            stack.extend(node.get("children", []))
    if triangles > MAX_TRIANGLES:
        raise ModelFileError(f"it draws {triangles:,} triangles; at most {MAX_TRIANGLES:,} per model")
