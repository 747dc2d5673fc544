"""The README's three commands are the ones CI runs, and its first screen holds them."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _blocks(text: str) -> dict[str, str]:
    """Heading-ish lead ('Install', 'See it work', 'Test') -> the sh block that follows it."""
    out = {}
    for lead, body in re.findall(r"\*\*([^*]+)\*\*[^`]*```sh\n(.*?)```", text, re.S):
        out[lead.strip(" :").split(" (")[0]] = body.strip()
    return out


def test_readme_commands_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    blocks = _blocks(readme)
    assert set(blocks) >= {"Install", "See it work", "Test"}, f"README blocks found: {sorted(blocks)}"
    for name in ("Install", "See it work", "Test"):
        for line in blocks[name].splitlines():
            assert line in ci, f"README {name!r} command {line!r} is not run by .ci/run"


def test_commands_on_first_screen():
    first_screen = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:30])
    for cmd in ("pip install -e '.[test]'", "wardtwin map medsurg-28", "pytest"):
        assert cmd in first_screen, f"{cmd!r} is not within the README's first 30 lines"
