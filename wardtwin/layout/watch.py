"""Live preview (``wardtwin view WARD --watch``, ``wardtwin map WARD --watch``), the pure part:
which files a ward is made of and whether they changed, when a burst of saves has settled
so that the ward is read again, what the findings of the new version are, and which rooms,
doors and items they point at (to highlight them). No Panda3D, no clock of its own (times
are passed in), no new dependency: files are polled by ``(mtime_ns, size, inode)``.

A save that breaks the ward is findings, never an exception: :class:`LiveWard` keeps the
last version that could be used (its ``good``) beside the newest one (its ``current``), so a
station keeps showing the last good twin while it lists what is wrong with the newest save.

>>> live = LiveWard("layouts/medsurg-28")        # reads it once, now
>>> result = live.poll()                          # None, or a new Loaded after a save
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field, replace
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Callable

from wardtwin.errors import WardtwinError
from wardtwin.layout.findings import Finding, Severity, exit_code
from wardtwin.layout.model import Door, Item, Layout, Room
from wardtwin.safetext import escape

#: Seconds between two looks at the ward's files (a look stats a few dozen files: well
#: under a millisecond).
POLL = 0.025
#: A change is read once the files have not changed for this long, s (editors that save
#: several files, or write a file and then rename it, finish well within it).
SETTLE = 0.03
#: A ward saved over and over is read at least this often, s.
MAX_WAIT = 1.0
#: At most this many files are watched (a ward folder with more is cut off, and says so).
MAX_FILES = 4000
#: Deepest folder level looked into under ``assets/``.
MAX_DEPTH = 6
#: Findings listed in a panel; the rest are counted.
PANEL_FINDINGS = 8
#: Characters of a finding shown in a panel line.
PANEL_WIDTH = 160

#: A file's state: (mtime ns, size bytes, inode); ``MISSING`` when it cannot be looked at.
Stamp = tuple[int, int, int]
MISSING: Stamp = (-1, -1, -1)
_YAML = (".yaml", ".yml")
#: Reads a ward: ``load(ward) -> (layout or None, findings, model or None)`` (see :func:`default_load`).
Loader = Callable[[Any], tuple[Layout | None, Iterable[Finding], object | None]]
#: Makes what the caller shows of a usable version's model (e.g. its 3D geometry).
Preparer = Callable[[Any], object]
#: Measures more findings on a usable version: ``refine(layout, model)``.
Refiner = Callable[[Any, Any], Iterable[Finding]]
_WORST = {Severity.FATAL: 0, Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}


def _stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return MISSING
    return (st.st_mtime_ns, st.st_size, st.st_ino)


# -- which files ------------------------------------------------------------------------------
class WardFiles:
    """The files a ward folder is read from: its own ``*.yaml`` (ward, floor plan, equipment,
    catalog, a rule pack beside them), ``modules/*.yaml``, the module library ``ward.yaml``
    names, the rule pack file it names, and everything under ``assets/`` (models). The
    library and pack are looked up again whenever ``ward.yaml`` changes (read with the safe
    reader; a broken ``ward.yaml`` simply names none)."""

    def __init__(self, root: str | os.PathLike[str], max_files: int = MAX_FILES):
        self.root = Path(root)
        self.max_files = max_files
        self.truncated = False  # the last scan stopped at max_files
        self._ward_stamp: Stamp | None = None
        self._extra_dirs: tuple[Path, ...] = ()
        self._extra_files: tuple[Path, ...] = ()

    def _named(self) -> None:
        """Re-read the module library and rule pack ``ward.yaml`` names, when it changed."""
        wpath = self.root / "ward.yaml"
        s = _stamp(str(wpath))
        if s == self._ward_stamp:
            return
        self._ward_stamp = s
        dirs: list[Path] = []
        files: list[Path] = []
        if s != MISSING:
            from wardtwin.layout.yamlsafe import read_yaml

            data, _problems = read_yaml(wpath, "ward.yaml", Path(os.path.realpath(self.root)))
            if isinstance(data, dict):
                lib, rules = data.get("module_library"), data.get("rules")
                if isinstance(lib, str) and lib.strip():
                    dirs.append(Path(os.path.normpath(self.root / lib)))
                if isinstance(rules, str) and ("/" in rules or "\\" in rules or rules.endswith(_YAML)):
                    files.append(Path(os.path.normpath(self.root / rules)))
        self._extra_dirs, self._extra_files = tuple(dirs), tuple(files)

    def scan(self) -> dict[str, Stamp]:
        """``{path: stamp}`` of every watched file now (a missing ward folder: ``{}``)."""
        self._named()
        out: dict[str, Stamp] = {}
        self.truncated = False
        self._folder(self.root, _YAML, 0, 0, out)
        self._folder(self.root / "modules", _YAML, 0, 0, out)
        for d in self._extra_dirs:
            self._folder(d, _YAML, 0, 0, out)
        self._folder(self.root / "assets", None, 0, MAX_DEPTH, out)
        for f in self._extra_files:
            out[str(f)] = _stamp(str(f))
        return out

    def _folder(self, folder: Path, suffixes: tuple[str, ...] | None, depth: int, max_depth: int,
                out: dict[str, Stamp]) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except (OSError, ValueError):
            return
        for e in entries:
            if len(out) >= self.max_files:
                self.truncated = True
                return
            try:
                is_dir = e.is_dir()
            except OSError:
                continue
            if is_dir:
                if depth < max_depth and not e.is_symlink():
                    self._folder(Path(e.path), suffixes, depth + 1, max_depth, out)
            elif (suffixes is None or e.name.endswith(suffixes)) and not e.name.startswith((".", "#", "~")):
                out[e.path] = _stamp(e.path)  # (not an editor's lock, swap or backup file: `.#ward.yaml`)


def changed(old: dict[str, Stamp], new: dict[str, Stamp]) -> tuple[str, ...]:
    """The paths added, removed or modified between two scans, sorted."""
    return tuple(sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p)))


# -- when to read again ---------------------------------------------------------------------
class Debounce:
    """Decides when changed files are read: once a scan differs from what was last read and
    then ``settle`` s pass without a further change (a burst of saves is read once), or at the
    latest ``max_wait`` s after the first change. Times are the caller's (seconds, monotonic)."""

    def __init__(self, loaded: dict[str, Stamp], settle: float = SETTLE, max_wait: float = MAX_WAIT):
        self.loaded = dict(loaded)  # the files as last read
        self.settle, self.max_wait = settle, max_wait
        self._seen = dict(loaded)
        self._first: float | None = None  # when the files first differed from `loaded`
        self._last: float | None = None  # when they last changed

    @property
    def pending(self) -> bool:
        """Changes are waiting to be read."""
        return self._first is not None

    @property
    def first_change(self) -> float | None:
        """When the files first differed from what was last read (None: they do not)."""
        return self._first

    def due(self, scan: dict[str, Stamp], now: float) -> bool:
        """Whether to read the ward now, given a fresh ``scan`` at time ``now``."""
        if scan != self._seen:
            self._seen = dict(scan)
            self._last = now
            if self._first is None:
                self._first = now
        if scan == self.loaded:  # changed back (or never changed): nothing to read
            self._first = self._last = None
            return False
        if self._first is None or self._last is None:
            return False
        return now - self._last >= self.settle or now - self._first >= self.max_wait

    def mark_loaded(self, scan: dict[str, Stamp]) -> None:
        """The ward is being read as of ``scan`` (a save after it is a new change)."""
        self.loaded = dict(scan)
        self._first = self._last = None


# -- what a version is ----------------------------------------------------------------------
@dataclass(frozen=True)
class Loaded:
    """One reading of the ward: ``layout`` (None: unreadable), ``model`` (None: it has errors,
    so there is no twin of it), every finding, the exit code they make, ``problem`` (a reading
    that failed outright: the message), ``extra`` (what the caller's ``prepare`` made of the
    model, e.g. the 3D geometry), the files that ``changed`` since the last reading, when the
    save was seen (``seen_at``, the watcher's clock) and how long reading took (``seconds``)."""

    layout: Layout | None
    model: object | None
    findings: tuple[Finding, ...] = ()
    code: int = 0
    problem: str | None = None
    extra: object = None
    changed: tuple[str, ...] = ()
    seen_at: float = 0.0
    seconds: float = 0.0
    number: int = 0  # 0: the first reading; then one more per reload
    #: the rule pack's findings are still to come (a :class:`LiveWard` with ``refine``)
    rules_pending: bool = False
    #: this is the same version again, with the rule pack's findings added
    refined: bool = False

    @property
    def usable(self) -> bool:
        """True when this version can be shown (it compiled: no errors but, once ``refined``,
        those the rule pack found on its floor)."""
        return self.model is not None and self.problem is None


def default_load(ward: str | os.PathLike[str]) -> tuple[Layout | None, list[Finding], object | None]:
    """``wardtwin check``'s reading: ``(layout, findings, model)`` (model None on errors)."""
    from wardtwin.model.checks import check

    return check(ward)


def read_version(ward: str | os.PathLike[str], load: Loader = default_load, prepare: Preparer | None = None, *,
                 refine: Refiner | None = None, **info: Any) -> Loaded:
    """Read the ward once with ``load`` and, when it can be used, ``prepare(model)``; whatever
    goes wrong is in the result (a :class:`Loaded`), never raised. ``info``: more fields.
    ``refine``: a usable version's ``rules_pending`` is set (see :func:`refine_version`)."""
    t0 = time.perf_counter()
    try:
        layout, findings, model = load(ward)
        findings = tuple(findings)
        code = exit_code(findings)
        if code:
            model = None
        extra = prepare(model) if (prepare is not None and model is not None) else None
        return Loaded(layout, model, findings, code, None, extra, seconds=time.perf_counter() - t0,
                      rules_pending=refine is not None and model is not None, **info)
    except WardtwinError as exc:  # e.g. the folder was removed, or is no ward now
        return _failed(2, escape(str(exc)), t0, info)
    except MemoryError:
        return _failed(2, "out of memory reading the ward", t0, info)
    except Exception as exc:  # a bug in wardtwin: said, and the watch goes on
        return _failed(70, escape(f"internal error ({type(exc).__name__}: {str(exc)[:200]}); this is a bug in "
                                  "wardtwin, please report it"), t0, info)


def _failed(code: int, problem: str, t0: float, info: dict[str, Any]) -> Loaded:
    return Loaded(None, None, (), code, problem, seconds=time.perf_counter() - t0, **info)


def refine_version(result: Loaded, refine: Refiner) -> Loaded:
    """``result`` with ``refine(layout, model)``'s findings added (the rule pack's, measured on
    the floor of a version already shown); never raises (a failure is its ``problem``)."""
    t0 = time.perf_counter()
    try:
        more = tuple(refine(result.layout, result.model))
    except Exception as exc:  # noqa: BLE001 - a preview goes on; the problem is shown
        why = str(exc) if isinstance(exc, WardtwinError) else f"internal error ({type(exc).__name__}: {str(exc)[:200]})"
        return replace(result, problem=escape(f"the rule pack could not be measured: {why}"), code=2 if isinstance(
            exc, WardtwinError) else 70, rules_pending=False, refined=True, seconds=time.perf_counter() - t0)
    findings = tuple(sorted(result.findings + more, key=lambda f: (f.file, f.line, f.column)))
    return replace(result, findings=findings, code=exit_code(findings), rules_pending=False, refined=True,
                   seconds=time.perf_counter() - t0)


# -- what the findings point at -------------------------------------------------------------
@dataclass(frozen=True)
class Marks:
    """The rooms, doors and items findings point at, each with the worst severity among its
    findings (``"fatal"``, ``"error"``, ``"warning"`` or ``"info"``)."""

    rooms: dict[str, str] = field(default_factory=dict)
    doors: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.rooms or self.doors or self.items)

    def within(self, layout: Layout | None) -> "Marks":
        """Only the marks whose object ``layout`` has (what a twin of ``layout`` can show)."""
        if layout is None:
            return Marks()
        return Marks({k: v for k, v in self.rooms.items() if k in layout.room_by_id},
                     {k: v for k, v in self.doors.items() if k in layout.door_by_id},
                     {k: v for k, v in self.items.items() if k in layout.item_by_id})

    @property
    def ids(self) -> set[str]:
        return set(self.rooms) | set(self.doors) | set(self.items)


_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_POINT = re.compile(r"the point \((-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)\)")


def _tokens(message: str) -> set[str]:
    """Every word of a message that could be an id (trailing dots of a sentence dropped too)."""
    out: set[str] = set()
    for m in _TOKEN.finditer(message):
        t = m.group()
        out.add(t)
        out.add(t.rstrip("."))
    return out


def marks_of(layout: Layout | None, findings: Iterable[Finding]) -> Marks:
    """Which rooms, doors and items ``findings`` point at in ``layout``.

    A finding points at the object written at its file, line and column (a key's value, or
    the object itself); where several objects share that line (a module placement makes many),
    at those of them its message names. A finding at no object's line (a rule measured on the
    floor, a reference to something missing) points at the objects its message names, and at
    the room around a point it names ("the point (x, y)")."""
    marks = Marks()
    if layout is None:
        return marks
    kinds = {"room": marks.rooms, "door": marks.doors, "item": marks.items}
    at_key: dict[tuple[str, int, int], list[tuple[str, str]]] = {}
    at_line: dict[tuple[str, int], list[tuple[str, str]]] = {}
    by_id: dict[str, tuple[str, str]] = {}
    objs: Sequence[Room | Door | Item]
    for kind, objs in (("room", layout.rooms), ("door", layout.doors), ("item", layout.items)):
        for o in objs:
            ref = (kind, o.id)
            by_id.setdefault(o.id, ref)
            src = o.src
            at_line.setdefault((src.file, src.line), []).append(ref)
            for line, col in src.keys.values():
                at_key.setdefault((src.file, line, col), []).append(ref)
                at_line.setdefault((src.file, line), []).append(ref)
    for f in findings:
        words = _tokens(f.message)
        cands = list(dict.fromkeys(at_key.get((f.file, f.line, f.column)) or at_line.get((f.file, f.line)) or ()))
        if len(cands) > 1:
            named = [r for r in cands if r[1] in words]
            cands = named or cands
        if not cands:
            cands = [by_id[w] for w in sorted(words) if w in by_id]
            m = _POINT.search(f.message)
            if m:
                room = _room_at(layout, float(m.group(1)), float(m.group(2)))
                if room is not None:
                    cands.append(("room", room))
        for kind, ident in cands:
            old = kinds[kind].get(ident)
            if old is None or _WORST[f.severity] < _WORST[Severity(old)]:
                kinds[kind][ident] = f.severity.value
    return marks


def _room_at(layout: Layout, x: float, y: float) -> str | None:
    import shapely

    pt = shapely.Point(x, y)
    for r in layout.rooms:
        if len(r.polygon) >= 3:
            try:
                if shapely.Polygon(r.polygon).buffer(1e-6).covers(pt):
                    return r.id
            except (ValueError, shapely.errors.GEOSException):  # a broken outline: another finding says so
                continue
    return None


# -- what is said -----------------------------------------------------------------------------
def _counts(findings: Sequence[Finding]) -> str:
    parts = []
    for s in Severity:
        n = sum(1 for f in findings if f.severity is s)
        if n:
            parts.append(f"{n} {s.value}{'s' if n != 1 else ''}")
    return ", ".join(parts) if parts else "clean"


def status_line(ward: str, result: Loaded, shown: Loaded | None = None) -> str:
    """One line about a reading: what changed, how long it took, its findings, and what is
    shown now (``shown``: the version on screen or in the map file)."""
    what = "read" if result.number == 0 else "reloaded"
    files = ""
    if result.changed:
        names = [os.path.basename(p) for p in result.changed]
        files = f" ({', '.join(names[:3])}{f' and {len(names) - 3} more' if len(names) > 3 else ''} changed)"
    head = f"{ward}: {what}{files} in {result.seconds:.2f} s: "
    if result.refined and result.number:
        head = f"{ward}: rule pack measured in {result.seconds:.2f} s: "
    if result.problem:
        body = result.problem
    else:
        body = _counts(result.findings) + (" so far (the rule pack is being measured)" if result.rules_pending else "")
    if not result.usable:
        body += ("; the last good version stays" if shown is not None and shown is not result
                 else "; nothing to show until a save fixes it")
    return escape(head + body)


def panel_lines(ward: str, result: Loaded, shown: Loaded | None = None, limit: int = PANEL_FINDINGS) -> list[str]:
    """The text of a findings panel: a heading (the ward, its state, what is shown), then the
    findings most severe first, each cut to :data:`PANEL_WIDTH` characters, and how many more."""
    if result.problem:
        state = "cannot be read"
    elif result.usable:
        state = _counts(result.findings)
    else:
        state = _counts(result.findings) + " - not shown"
    lines = [f"{ward}: {state}" + (" so far, measuring the rule pack..." if result.rules_pending else "")]
    if not result.usable:
        lines.append("showing the last good version" if shown is not None and shown is not result
                     else "nothing to show yet")
    if result.problem:
        lines.append(result.problem[:PANEL_WIDTH])
    fs = sorted(result.findings, key=lambda f: _WORST[f.severity])
    for f in fs[:limit]:
        text = f.format()
        lines.append(text if len(text) <= PANEL_WIDTH else text[:PANEL_WIDTH - 3] + "...")
    if len(fs) > limit:
        lines.append(f"... and {len(fs) - limit} more (wardtwin check)")
    return [escape(x) for x in lines]


# -- the loop -----------------------------------------------------------------------------------
class LiveWard:
    """A ward folder read now and again whenever its files change.

    ``load(ward)`` reads it (default: :func:`default_load`, what ``wardtwin check`` does);
    ``prepare(model)`` makes what the caller shows of a usable version (e.g. its 3D geometry),
    in the same place. ``refine(layout, model)``: findings measured after a usable version is
    shown (the rule pack's: ``load`` then leaves them out); the same version comes again with
    them (``refined``), unless another save came first. :meth:`poll` looks at the files at
    most every ``poll`` s and returns a new :class:`Loaded` when one is ready.
    ``background=True`` reads in a worker thread, so :meth:`poll` never waits for a reading
    (a station keeps drawing frames meanwhile); ``refine_background=True`` only measures the
    ``refine`` findings there (a software renderer drawing frames meanwhile slows a worker
    thread down about twice over: the new twin comes sooner when the frame that reads the ward
    waits for it, and the rule findings after it while frames go on). ``clock``: seconds, monotonic (tests pass
    their own). The first reading (refined too) is made at once. Call :meth:`close` at the end.
    """

    def __init__(self, ward: str | os.PathLike[str], *, load: Loader = default_load, prepare: Preparer | None = None,
                 refine: Refiner | None = None, poll: float = POLL, settle: float = SETTLE,
                 max_wait: float = MAX_WAIT, clock: Callable[[], float] = time.monotonic, background: bool = False,
                 refine_background: bool | None = None):
        from wardtwin.layout.load import resolve_ward

        self.ward = ward
        self.root = resolve_ward(ward)  # a missing folder at the start is a usage error (exit 2)
        self.files = WardFiles(self.root)
        self.load, self.prepare, self.refine, self.clock = load, prepare, refine, clock
        self.interval = poll
        self.background = background
        self.refine_background = background if refine_background is None else refine_background
        scan = self.files.scan()
        self.debounce = Debounce(scan, settle, max_wait)
        self.reloads = 0
        self._last_look = clock()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._done: Loaded | None = None
        self._unrefined: Loaded | None = None
        first = read_version(ward, load, prepare, refine=refine, seen_at=self._last_look)
        if first.rules_pending and refine is not None:  # the first reading comes whole
            whole = refine_version(first, refine)
            first = replace(whole, seconds=first.seconds + whole.seconds)
        self.current: Loaded = first
        self.good: Loaded | None = first if first.usable else None

    @property
    def busy(self) -> bool:
        """A reading is under way (background), or changes or rule findings are still to come."""
        return self._thread is not None or self.debounce.pending or self._unrefined is not None

    def poll(self, now: float | None = None) -> Loaded | None:
        """A new reading when one is ready, else None. Looks at the files when ``poll`` s have
        passed since the last look; reads them once a change has settled; then, for a usable
        version, measures what ``refine`` measures (at the next call: a station draws the new
        twin in between)."""
        if self._thread is not None:
            with self._lock:
                result, self._done = self._done, None
            if result is None:
                return None
            self._thread.join()
            self._thread = None
            return self._accept(result)
        now = self.clock() if now is None else now
        if now - self._last_look >= self.interval:
            self._last_look = now
            scan = self.files.scan()
            if self.debounce.due(scan, now):
                info = {"changed": changed(self.debounce.loaded, scan), "seen_at": self.debounce.first_change or now,
                        "number": self.reloads + 1}
                self.debounce.mark_loaded(scan)
                self._unrefined = None  # a newer save: its own findings will come
                return self._run(lambda: read_version(self.ward, self.load, self.prepare, refine=self.refine, **info),
                                 self.background)
        if self._unrefined is not None and not self.debounce.pending:
            base, self._unrefined = self._unrefined, None
            refine = self.refine
            assert refine is not None  # a version waits for rule findings only when there is a refine
            return self._run(lambda: refine_version(base, refine), self.refine_background)
        return None

    def _run(self, job: Callable[[], Loaded], background: bool) -> Loaded | None:
        if not background:
            return self._accept(job())

        def work() -> None:
            r = job()
            with self._lock:
                self._done = r

        self._thread = threading.Thread(target=work, name="wardtwin-watch", daemon=True)
        self._thread.start()
        return None

    def _accept(self, result: Loaded) -> Loaded:
        if not result.refined:
            self.reloads += 1
        self.current = result
        if result.usable:
            self.good = result
        if result.rules_pending:
            self._unrefined = result
        return result

    def wait(self, timeout: float | None = None) -> Loaded | None:
        """Poll until a new reading is ready (None after ``timeout`` s without one)."""
        end = None if timeout is None else self.clock() + timeout
        while True:
            r = self.poll()
            if r is not None:
                return r
            if end is not None and self.clock() >= end:
                return None
            time.sleep(0.005 if self._thread is not None else self.interval)

    @property
    def exit_code(self) -> int:
        """The exit code a watch ends with: the newest reading's (0 when it can be used and
        has no errors; its findings' code; 2 when it could not be read, 70 for a bug)."""
        return self.current.code

    def close(self) -> None:
        """Wait for a reading under way (it cannot be interrupted) and forget it."""
        t, self._thread = self._thread, None
        if t is not None:
            t.join()

    def __enter__(self) -> LiveWard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
