"""Seeded fuzzing of what users hand wardtwin: ward files and session stores.

A fixed budget of mutants per run (``WARDTWIN_FUZZ_N`` raises it for a longer hunt; the seed
is fixed, so a failure names a mutant that can be replayed). For every mutant the commands
must end with an exit code of 0, 1 or 2 as documented, never with an exception; a failure must
name a file; and a failed command must leave nothing behind.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import TINY, WARD_FILES
from wardtwin.cli import main

BUDGET = int(os.environ.get("WARDTWIN_FUZZ_N", "120"))

#: Lines a careless or hostile edit might leave in a YAML file.
NASTY_LINES = [
    "key: [", "- {a: 1", "&anchor x: 1", "b: *anchor", "c: !!python/object:os.system ls", "\tindented: 1",
    "id: \x1b[31mred", "name: \u202eevil", "x: 1" + "0" * 400, "width: .nan", "width: -1e309", "~",
    '"unterminated', "[1, 2", "polygon: [[0, 0], [1e12, 0], [1e12, 1e12]]", "at: [99999, 99999]",
    "rooms: 5", "doors: {}", "- - - - - - -", "kind: ward", "version: 99", "? complex key", "---",
    "%YAML 1.1", "{" * 64 + "}" * 64, "type: no-such-type", "mount: ceiling", "rotation: 1e400",
]
#: Values a number or a word might be replaced by.
NASTY_VALUES = ["0", "-5", "1e9", ".nan", ".inf", '"x"', "[]", "{}", "null", "true", "-0.0", "''", "0x10",
                "9" * 30, "1_000", "[0, 0]"]
_SCALAR = re.compile(r"(?<=[\s\[,:])(-?\d+(?:\.\d+)?|[A-Za-z][\w-]*)(?=[\s\],}]|$)")


def mutate(text: bytes, rng: random.Random) -> bytes:
    """One random edit of a file's bytes."""
    lines = text.split(b"\n")
    op = rng.randrange(8)
    k = rng.randrange(len(lines))
    if op == 0:
        del lines[k]
    elif op == 1:
        lines.insert(k, lines[rng.randrange(len(lines))])
    elif op == 2:
        lines.insert(k, rng.choice(NASTY_LINES).encode("utf-8"))
    elif op == 3:
        line = lines[k].decode("utf-8", "replace")
        spots = list(_SCALAR.finditer(line))
        if spots:
            m = rng.choice(spots)
            line = line[:m.start()] + rng.choice(NASTY_VALUES) + line[m.end():]
        lines[k] = line.encode("utf-8")
    elif op == 4:
        blob = bytearray(b"\n".join(lines))
        if blob:
            blob[rng.randrange(len(blob))] = rng.randrange(256)
        return bytes(blob)
    elif op == 5:
        blob = b"\n".join(lines)
        return blob[:rng.randrange(len(blob) + 1)]
    elif op == 6:
        lines[k] = b"  " + lines[k]
    else:
        lines[k] = lines[k].lstrip()
    return b"\n".join(lines)


def _mutant(tmp_path: Path, rng: random.Random, n: int) -> tuple[Path, str]:
    ward = tmp_path / f"m{n:04d}"
    shutil.copytree(TINY, ward)
    edits = []
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(WARD_FILES)
        path = ward / name
        path.write_bytes(mutate(path.read_bytes(), rng))
        edits.append(name)
    return ward, ", ".join(edits)


def _run(capfd, *argv) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: only for bad arguments, which the fuzzer never gives
        code = exc.code
    out, err = capfd.readouterr()
    return code, out + err


def test_mutated_ward_files(tmp_path, capfd):
    rng = random.Random(20261207)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for n in range(BUDGET):
        ward, edits = _mutant(tmp_path, rng, n)
        before = sorted(p.name for p in ward.rglob("*"))
        where = f"mutant {n} (edited {edits})"

        code, text = _run(capfd, "check", str(ward))
        assert code in (0, 1, 2), f"{where}: check exited {code}\n{text}"
        assert "Traceback" not in text, f"{where}: check printed a traceback\n{text}"
        if code:
            assert any(f in text for f in WARD_FILES) or ward.name in text, f"{where}: no file named\n{text}"

        svg = out_dir / f"{ward.name}.svg"
        code_map, text = _run(capfd, "map", str(ward), "-o", str(svg))
        assert code_map in (0, 1, 2) and "Traceback" not in text, f"{where}: map exited {code_map}\n{text}"
        assert (code_map == 0) == svg.is_file(), f"{where}: map exited {code_map}, svg written: {svg.is_file()}"
        if svg.is_file():
            ET.parse(svg)  # a well-formed document
            svg.unlink()
        assert sorted(p.name for p in ward.rglob("*")) == before, f"{where}: files appeared in the ward"
        assert list(out_dir.iterdir()) == [], f"{where}: left {list(out_dir.iterdir())}"
        shutil.rmtree(ward)


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    from wardtwin.store import open_store
    from wardtwin.store.synthetic import bulk_load, synthetic_sessions

    path = tmp_path_factory.mktemp("fuzzstore") / "store.db"
    with open_store(str(path)) as st:
        bulk_load(st, synthetic_sessions(3, 12, 10))
    with sqlite3.connect(path) as c:  # one self-contained file: fold the WAL in
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("PRAGMA journal_mode=DELETE")
    c.close()
    return path


def _corrupt_rows(db: Path, rng: random.Random) -> str:
    """Break stored values the way another program or a bad copy could."""
    with sqlite3.connect(db) as c:
        table, column = rng.choice([("events", "data"), ("sessions", "comfort"), ("events", "t"),
                                    ("sessions", "started_at"), ("events", "type"), ("sessions", "trainee")])
        value = rng.choice(["{not json", "[]", "null", "x" * 50, -1, 1e308, "\x1b[2J", "\u202e", ""])
        ids = [r[0] for r in c.execute(f"SELECT rowid FROM {table}").fetchall()]
        if not ids:
            return "nothing to corrupt"
        rowid = rng.choice(ids)
        try:
            c.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (value, rowid))
        except sqlite3.DatabaseError as exc:  # a constraint refused it: that value cannot be stored
            return f"refused {table}.{column}: {exc}"
    c.close()
    return f"{table}.{column} = {value!r} in row {rowid}"


def _corrupt_bytes(db: Path, rng: random.Random) -> str:
    blob = bytearray(db.read_bytes())
    for _ in range(rng.randint(1, 8)):
        blob[rng.randrange(len(blob))] = rng.randrange(256)
    if rng.random() < 0.3:
        blob = blob[:rng.randrange(len(blob))]
    db.write_bytes(bytes(blob))
    return "bytes flipped"


def test_damaged_stores(small_store, tmp_path, capfd):
    rng = random.Random(7)
    for n in range(max(10, BUDGET // 4)):
        work = tmp_path / f"s{n:03d}"
        work.mkdir()
        db = work / "store.db"
        shutil.copyfile(small_store, db)
        how = (_corrupt_rows if n % 2 else _corrupt_bytes)(db, rng)
        where = f"store mutant {n} ({how})"
        for fmt, out in (("csv", work / "csv"), ("html", work / "r.html"), ("xapi", work / "x.json")):
            code, text = _run(capfd, "report", "--db", str(db), "--format", fmt, "-o", str(out))
            assert code in (0, 1, 2) and "Traceback" not in text, f"{where}: report {fmt} exited {code}\n{text}"
            if code:
                assert str(db) in text or "store.db" in text, f"{where}: report {fmt} named no file\n{text}"
                assert not out.exists(), f"{where}: report {fmt} failed but wrote {out}"
        code, text = _run(capfd, "db-info", "--db", str(db))
        assert code in (0, 1, 2) and "Traceback" not in text, f"{where}: db-info exited {code}\n{text}"
        shutil.rmtree(work)
