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


def test_every_command_is_in_the_command_table():
    import argparse

    from wardtwin.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    table = (ROOT / "README.md").read_text(encoding="utf-8").split("## Commands", 1)[1].split("\n\n", 2)[1]
    missing = [name for name in sub.choices if f"| `wardtwin {name}" not in table]
    assert not missing, f"commands missing from the README's command table: {missing}"


def test_schema_loop_covers_every_file_kind():
    from wardtwin.layout.schema import SCHEMAS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    loop = re.search(r"for k in ([a-z ]+); do wardtwin schema", readme)
    assert loop and set(loop.group(1).split()) == {*SCHEMAS, "tour"}, loop and loop.group(1)
