"""Loading and validation run on a machine without Panda3D: import them with Panda3D blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import REPO, TINY

BLOCKED_RUN = textwrap.dedent("""
    import importlib, importlib.util, pkgutil, sys

    class Block:
        \"\"\"A meta-path finder that refuses Panda3D (``panda3d``, ``direct``) like a machine without it.\"\"\"
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("panda3d", "direct"):
                raise ImportError(f"{name} is blocked by the test (no Panda3D on this machine)")
            return None

    sys.meta_path.insert(0, Block())

    try:
        import panda3d  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("the import hook did not block panda3d")

    import wardtwin, wardtwin.cli, wardtwin.layout

    imported = []
    for info in pkgutil.walk_packages(wardtwin.layout.__path__, "wardtwin.layout."):
        importlib.import_module(info.name)
        imported.append(info.name)

    if importlib.util.find_spec("wardtwin.model") is not None:
        import wardtwin.model
        imported.append("wardtwin.model")
        for info in pkgutil.walk_packages(wardtwin.model.__path__, "wardtwin.model."):
            importlib.import_module(info.name)
            imported.append(info.name)

    from wardtwin.layout import check_ward, exit_code
    layout, findings = check_ward(sys.argv[1])
    assert layout is not None and exit_code(findings) == 0, [f.format() for f in findings]
    assert wardtwin.cli.main(["check", sys.argv[1]]) == 0

    leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("panda3d", "direct"))
    assert not leaked, leaked
    print("\\n".join(imported))
""")


def test_layout_stage_imports_and_runs_without_panda3d():
    p = subprocess.run([sys.executable, "-c", BLOCKED_RUN, str(TINY)], cwd=REPO, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    imported = set(p.stdout.split())
    for name in ("wardtwin.layout.yamlsafe", "wardtwin.layout.schema", "wardtwin.layout.checks.rooms",
                 "wardtwin.layout.checks.reach", "wardtwin.layout.geometry", "wardtwin.layout.dump"):
        assert name in imported, sorted(imported)


def test_importing_wardtwin_layout_does_not_import_panda3d():
    code = ("import sys, wardtwin, wardtwin.cli, wardtwin.layout\n"
            "from wardtwin.layout import check_ward\n"
            "check_ward(sys.argv[1])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('panda3d', 'direct')))\n")
    p = subprocess.run([sys.executable, "-c", code, str(TINY)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"
