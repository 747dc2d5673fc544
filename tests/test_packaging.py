"""The package as pyproject.toml declares it: every code package listed, every shipped data file
covered by package data, dependencies bounded, and the shipped data found through the package
(``importlib.resources``), not through the checkout. ``.ci/wheel-check`` runs the built wheel."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def test_every_code_package_is_listed():
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "wardtwin").rglob("__init__.py")}
    listed = set(SETUPTOOLS["packages"])
    assert found <= listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"
    data = set(SETUPTOOLS["package-dir"])
    assert listed - found == data, f"listed but not in wardtwin/: {sorted(listed - found - data)}"


def test_package_data_covers_every_shipped_file():
    for package, folder in SETUPTOOLS["package-dir"].items():
        root = REPO / folder
        shipped = {p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and p.name != "__init__.py"}
        covered = {p for pattern in SETUPTOOLS["package-data"][package] for p in root.glob(pattern)}
        missing = sorted(str(p.relative_to(REPO)) for p in shipped - covered)
        assert not missing, f"{package}: files that a wheel would leave out: {missing}"


def test_dependencies_have_both_bounds():
    deps = PYPROJECT["project"]["dependencies"] + [
        d for extra in PYPROJECT["project"]["optional-dependencies"].values() for d in extra]
    for dep in deps:
        assert re.search(r">=[\d.]+", dep) and re.search(r"<[\d.]+", dep), f"{dep}: a lower and an upper bound expected"


def test_shipped_data_is_found_through_the_package():
    import wardtwin.assets
    import wardtwin.reference_wards
    from wardtwin.layout.load import assets_dir, layouts_dir, resolve_ward, shipped_wards

    assert assets_dir() == Path(wardtwin.assets.__file__).parent and (assets_dir() / "catalog.yaml").is_file()
    assert layouts_dir() == Path(wardtwin.reference_wards.__file__).parent
    assert {"medsurg-28", "icu-12"} <= set(shipped_wards())
    assert resolve_ward("medsurg-28") == layouts_dir() / "medsurg-28"


def test_no_lookup_relative_to_the_checkout():
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "wardtwin").rglob("*.py")
                 if re.search(r"parents\[\d\]|\.parent\.parent", p.read_text(encoding="utf-8"))]
    assert not offenders, f"files that find things relative to the checkout: {offenders}"
