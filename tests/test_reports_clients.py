"""Reports checked with the clients trainers use (issue 19, defects 1-6): each CSV file opened
the way a spreadsheet would (and, where LibreOffice is installed, by LibreOffice Calc itself),
xAPI statements checked against the spec's rules and posted to ralph's LRS on loopback (which
.ci/services.sh starts; these tests start no server), and the HTML report measured in headless
Chromium. The cohort holds hostile text: formula-like trainee ids, roles and quiz answers, long
step targets with ``&``, two wards' tours."""

from __future__ import annotations

import base64
import csv
import dataclasses
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
import zipfile
from html import escape as html_escape
from pathlib import Path

import pytest

from test_reports_output import check_statement
from wardtwin.cli import main
from wardtwin.reports.csvout import CSV_FILES, neutralise
from wardtwin.reports.xapi import EXT, VERBS, VOIDED, LrsConflictError, post_statements
from wardtwin.store import open_store
from wardtwin.store.synthetic import bulk_load, synthetic_sessions

KEY = "0123456789abcdef-test-key"
FORMULA = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
TRAINEES = {0: '=HYPERLINK("http://example.invalid/x","click me")', 1: "Zoë Ñandú", 2: "@SUM(A1:A9)",
            3: "-2+3+cmd|' /C calc'!A0", 4: "\tT-tab", 5: "\r=1+1", 6: "-42"}
ROLES = {0: "+SUM(1,1)", 1: "Registered nurse & clinical educator, intensive care (night shift rotation)"}
LONG_TARGET = "crash-cart & defibrillator &amp; suction, west corridor beside the nurses' station (bay 4)"


def _hostile(sessions):
    for started_at, events in sessions:
        out = []
        for ev in events:
            data = dict(ev.data)
            idx = int(ev.session.rsplit("-", 1)[1])
            if ev.type == "session_started":
                data["trainee"] = TRAINEES.get(idx, data["trainee"])
                data["role"] = ROLES.get(idx % 7, data["role"])
            elif ev.type == "step_started" and ev.step == 1:
                data["target"] = LONG_TARGET
            elif ev.type == "step_started" and ev.step == 2:
                data["id"] = "s02-" + "very-long-step-identifier-without-spaces" * 2
            elif "answer" in data:
                data["answer"] = "=2+2" if data["answer"] == "b" else "-5"
            out.append(dataclasses.replace(ev, data=data))
        yield started_at, out


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("clients") / "hostile.db"
    with open_store(path) as st:
        bulk_load(st, _hostile(synthetic_sessions(3, 24, 8)))
        bulk_load(st, _hostile(synthetic_sessions(4, 9, 6, ward="icu-12", prefix="icu")))
    return str(path)


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch, tmp_path):
    """No test reads the configuration file of whoever runs it."""
    monkeypatch.delenv("WARDTWIN_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.reader(fh))


# -- 1. CSV ------------------------------------------------------------------------------------

def test_neutralise():
    assert neutralise("=2+2") == "'=2+2" and neutralise("+SUM(1,1)") == "'+SUM(1,1)"
    assert neutralise("@x") == "'@x" and neutralise("\tx") == "'\tx" and neutralise("\r=1") == "'\r=1"
    assert neutralise("-5") == "-5" and neutralise("+0.25") == "+0.25" and neutralise("-1e-3") == "-1e-3"
    assert neutralise("-2+3") == "'-2+3" and neutralise("Zoë") == "Zoë" and neutralise("") == ""


def test_csv_cells_are_not_formulas(db, tmp_path):
    out = tmp_path / "csv"
    assert main(["report", "--db", db, "--format", "csv", "-o", str(out)]) == 0
    seen = set()
    for name in CSV_FILES:
        raw = (out / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), name  # no BOM unless --excel
        rows = _csv_rows(out / name)
        header = rows[0]
        for row in rows[1:]:
            assert len(row) == len(header), name
            for col, cell in zip(header, row):
                assert not cell.startswith(FORMULA) or NUMBER.fullmatch(cell), (name, col, cell)
                seen.add(cell)
    for tid in TRAINEES.values():  # every hostile id is there, neutralised (or a plain number)
        assert ("'" + tid if tid.startswith(FORMULA) and not NUMBER.fullmatch(tid) else tid) in seen, tid
    assert "'+SUM(1,1)" in seen and "'=2+2" in seen and "-5" in seen
    assert "Zoë Ñandú" in seen and LONG_TARGET in seen
    # numbers stay numbers: every numeric column parses, negative values included
    with (out / "sessions.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            float(r["duration_s"]), float(r["score"]), int(r["steps_total"])


def test_excel_bom(db, tmp_path, capsys):
    out = tmp_path / "xl"
    assert main(["report", "--db", db, "--format", "csv", "-o", str(out), "--excel"]) == 0
    for name in CSV_FILES:
        raw = (out / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1, name
    assert "Zoë Ñandú" in (out / "roster.csv").read_text(encoding="utf-8-sig")
    assert main(["report", "--db", db, "--format", "html", "-o", str(tmp_path / "r.html"), "--excel"]) == 2
    assert "--excel" in capsys.readouterr().err and not (tmp_path / "r.html").exists()


def _soffice():
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice missing; .ci/services.sh installs libreoffice-calc-nogui")
        pytest.skip("no LibreOffice (soffice): install Debian's libreoffice-calc-nogui to open the CSV files in Calc")
    return exe


MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xlsx_cells(path: Path) -> list[list[tuple[str, str | None, str]]]:
    """Rows of (type, formula or None, shown text) of the first sheet of an .xlsx file."""
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(MAIN_NS + "si"):
                shared.append("".join(t.text or "" for t in si.iter(MAIN_NS + "t")))
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
        assert not [n for n in z.namelist() if n.startswith("xl/worksheets/_rels/")], "the sheet links somewhere"
    rows = []
    for row in sheet.iter(MAIN_NS + "row"):
        cells = []
        for c in row.iter(MAIN_NS + "c"):
            f, v = c.find(MAIN_NS + "f"), c.find(MAIN_NS + "v")
            t = c.get("t", "n")
            text = shared[int(v.text)] if t == "s" and v is not None else (v.text if v is not None else "")
            cells.append((t, None if f is None else (f.text or ""), text))
        rows.append(cells)
    return rows


@pytest.mark.parametrize("excel", [False, True])
def test_csv_in_libreoffice_calc(db, tmp_path, excel):
    """Calc opens each file with formulas evaluated (its import option 13 on): no cell becomes a
    formula or a link, the hostile text is shown as text, the numbers are numbers, and a file
    written with --excel reads the same (the byte order mark is not a character of the header)."""
    exe = _soffice()
    out = tmp_path / "csv"
    assert main(["report", "--db", db, "--format", "csv", "-o", str(out)] + (["--excel"] if excel else [])) == 0
    conv = tmp_path / "xlsx"
    # separator 44 (,), quote 34 ("), UTF-8 (76), from line 1, standard cell formats, en-US,
    # quoted fields not forced to text, special numbers detected, ..., evaluate formulas: true
    options = "CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true"
    run = subprocess.run([exe, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
                          "--convert-to", "xlsx", f"--infilter={options}", "--outdir", str(conv),
                          *(str(out / n) for n in CSV_FILES)], capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-2000:]
    for name in CSV_FILES:
        rows = _xlsx_cells(conv / name.replace(".csv", ".xlsx"))
        expected = _csv_rows(out / name)
        assert len(rows) == len(expected), name
        header = [c[2] for c in rows[0]]
        assert header == expected[0], name  # no BOM in the first header cell
        for cells in rows:
            assert all(f is None for _, f, _ in cells), (name, [c for c in cells if c[1] is not None])
        numeric = {"duration_s", "score", "steps_total", "attempts", "trainees", "sessions", "success_rate"}
        for cells in rows[1:]:
            by_col = dict(zip(header, cells))
            for col in numeric & set(by_col):
                t, _, text = by_col[col]
                assert t == "n" or text == "", (name, col, t, text)  # a number (or empty)
    roster = _xlsx_cells(conv / "roster.xlsx")
    shown = {c[2] for row in roster for c in row}
    assert "'" + TRAINEES[0] in shown and "'+SUM(1,1)" in shown and "Zoë Ñandú" in shown
    trainee_col = [c[2] for c in roster[0]].index("trainee")
    negative = next(row[trainee_col] for row in roster[1:] if row[trainee_col][2] == "-42")
    assert negative[0] == "n"  # a trainee id that is a plain number stays a number, as it was written


# -- 2-5. xAPI ---------------------------------------------------------------------------------

def _xapi(db, tmp_path, name, *extra, env=None) -> list[dict]:
    out = tmp_path / name
    assert main(["report", "--db", db, "--format", "xapi", "-o", str(out), *extra]) == 0
    return json.loads(out.read_text())


def test_pseudonymised_statements_cannot_be_joined_to_named_ones(db, tmp_path, monkeypatch):
    named = _xapi(db, tmp_path, "named.json")
    monkeypatch.setenv("WARDTWIN_PSEUDONYM_KEY", KEY)
    pseudo = _xapi(db, tmp_path, "p.json", "--pseudonymise")
    assert _xapi(db, tmp_path, "p2.json", "--pseudonymise") == pseudo  # stable for one key
    for s in pseudo:
        check_statement(s)

    def values(stmts):
        return ({s["id"] for s in stmts}, {s["context"]["registration"] for s in stmts},
                {s["context"]["extensions"][EXT + "session"] for s in stmts},
                {s["actor"]["account"]["name"] for s in stmts})

    for a, b in zip(values(named), values(pseudo)):
        assert a and b and not a & b
    text = json.dumps(pseudo)
    assert "syn-0" not in text and "icu-0" not in text and "T00000" not in text
    monkeypatch.setenv("WARDTWIN_PSEUDONYM_KEY", KEY + "-other")
    other = _xapi(db, tmp_path, "p3.json", "--pseudonymise")
    assert not {s["id"] for s in other} & {s["id"] for s in pseudo}


def test_identity_options_and_config_file(db, tmp_path, monkeypatch, capsys):
    default = _xapi(db, tmp_path, "d.json")
    conf = tmp_path / "wardtwin.toml"
    conf.write_text('[xapi]\nactivity_base = "https://lms.st-elsewhere.example/xapi"\n'
                    'account_home = "https://staff.st-elsewhere.example/"\n')
    monkeypatch.setenv("WARDTWIN_CONFIG", str(conf))
    site = _xapi(db, tmp_path, "s.json")
    for s in site:
        check_statement(s)
        assert s["object"]["id"].startswith("https://lms.st-elsewhere.example/xapi/")
        assert s["actor"]["account"]["homePage"] == "https://staff.st-elsewhere.example/"
    assert not {s["id"] for s in site} & {s["id"] for s in default}  # two hospitals never share an id
    assert not {s["context"]["registration"] for s in site} & {s["context"]["registration"] for s in default}
    # an option wins over the file
    opt = _xapi(db, tmp_path, "o.json", "--activity-base", "https://other.example/x/")
    assert opt[0]["object"]["id"].startswith("https://other.example/x/tours/")
    assert opt[0]["actor"]["account"]["homePage"] == "https://staff.st-elsewhere.example/"
    # the default location: $XDG_CONFIG_HOME/wardtwin/config.toml
    monkeypatch.delenv("WARDTWIN_CONFIG")
    xdg = tmp_path / "xdg"
    (xdg / "wardtwin").mkdir(parents=True)
    (xdg / "wardtwin" / "config.toml").write_text(conf.read_text())
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert _xapi(db, tmp_path, "x.json") == site
    # what the file must not hold, each refused with exit 2, nothing written
    bad = {"not a table": 'xapi = "x"\n', "unknown key": '[xapi]\nactivity_bsae = "https://a.example/"\n',
           "unknown table": '[xpai]\nactivity_base = "https://a.example/"\n',
           "not an IRI": '[xapi]\naccount_home = "lms.example.org/trainees"\n',
           "spaces": '[xapi]\nactivity_base = "https://a.example/x y/"\n', "not TOML": "[xapi\n"}
    for what, text in bad.items():
        conf.write_text(text)
        monkeypatch.setenv("WARDTWIN_CONFIG", str(conf))
        out = tmp_path / "bad.json"
        assert main(["report", "--db", db, "--format", "xapi", "-o", str(out)]) == 2, what
        err = capsys.readouterr().err
        assert str(conf) in err and "Traceback" not in err and not out.exists(), what
    monkeypatch.setenv("WARDTWIN_CONFIG", str(tmp_path / "missing.toml"))  # named but missing
    assert main(["report", "--db", db, "--format", "xapi", "-o", str(tmp_path / "m.json")]) == 2
    if hasattr(os, "mkfifo"):  # a named pipe is refused by the bounded reader, never read
        fifo = tmp_path / "fifo.toml"
        os.mkfifo(fifo)
        monkeypatch.setenv("WARDTWIN_CONFIG", str(fifo))
        assert main(["report", "--db", db, "--format", "xapi", "-o", str(tmp_path / "f.json")]) == 2
        assert "named pipe" in capsys.readouterr().err
    monkeypatch.delenv("WARDTWIN_CONFIG")
    assert main(["report", "--db", db, "--format", "xapi", "-o", str(tmp_path / "b.json"),
                 "--account-home", "javascript:alert(1)"]) == 2
    assert main(["report", "--db", db, "--format", "csv", "-o", str(tmp_path / "c"),
                 "--activity-base", "https://a.example/"]) == 2
    assert not (tmp_path / "c").exists()


def test_verdict_depends_on_the_pass_mark(db, tmp_path):
    a = _xapi(db, tmp_path, "a.json", "--pass-mark", "0.8")
    b = _xapi(db, tmp_path, "b.json", "--pass-mark", "0.5")
    verdict = {VERBS["passed"], VERBS["failed"]}

    def verdicts(stmts):
        return {s["id"]: s for s in stmts if s["verb"]["id"] in verdict and "/steps/" not in s["object"]["id"]}

    va, vb = verdicts(a), verdicts(b)
    assert va and len(va) == len(vb) and not set(va) & set(vb)  # another mark: other verdict statements
    assert {s["result"]["extensions"][EXT + "pass_mark"] for s in va.values()} == {0.8}
    rest_a = [s for s in a if s["id"] not in va]
    assert rest_a == [s for s in b if s["id"] not in vb]  # everything else identical


# -- against ralph's LRS -------------------------------------------------------------------------

def _lrs():
    url = os.environ.get("WARDTWIN_TEST_LRS_URL")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("WARDTWIN_TEST_LRS_URL unset; .ci/services.sh starts ralph's LRS and sets it")
        pytest.skip("no LRS: WARDTWIN_TEST_LRS_URL is unset (`source .ci/services.sh` starts ralph's LRS on "
                    "loopback and sets it)")
    return url, os.environ.get("WARDTWIN_TEST_LRS_AUTH", "")


def _get(url, auth, **params):
    req = urllib.request.Request(url.rstrip("/") + "/statements?" + urllib.parse.urlencode(params),
                                 headers={"X-Experience-API-Version": "1.0.3", "Authorization":
                                          "Basic " + base64.b64encode(auth.encode()).decode()})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as exc:
        with exc:
            if exc.code == 404:
                return None
            raise


def _stored(url, auth, stmts) -> dict[str, dict]:
    """Every statement the LRS holds under the registrations of ``stmts``, by id."""
    out = {}
    for reg in {s["context"]["registration"] for s in stmts if "context" in s}:
        for s in _get(url, auth, registration=reg)["statements"]:
            out[s["id"]] = s
    return out


@pytest.fixture()
def site(tmp_path):
    """Options giving this test its own statement ids and registrations in the shared LRS."""
    return ["--activity-base", f"https://wardtwin-test.invalid/{uuid.uuid4().hex}/"]


def _post(db, tmp_path, name, url, auth, *extra):
    out = tmp_path / name
    code = main(["report", "--db", db, "--format", "xapi", "-o", str(out), "--lrs", url, "--lrs-auth", auth, *extra])
    return code, (json.loads(out.read_text()) if out.exists() else None)


def test_ralph_stores_every_batch_and_reposting_sends_nothing_new(db, tmp_path, site, capsys):
    url, auth = _lrs()
    code, stmts = _post(db, tmp_path, "a.json", url, auth, *site)
    assert code == 0 and len(stmts) > 200  # several batches of 50
    out = capsys.readouterr().out
    assert f"{len(stmts)} sent, 0 already there" in out
    stored = _stored(url, auth, stmts)
    assert set(stored) == {s["id"] for s in stmts}  # every batch stored (ralph validated each statement)
    for s in stmts:
        check_statement(s)
    code, again = _post(db, tmp_path, "b.json", url, auth, *site)
    assert code == 0 and again == stmts and f"0 sent, {len(stmts)} already there" in capsys.readouterr().out
    assert _stored(url, auth, stmts) == stored  # nothing new, nothing changed


def test_ralph_pseudonymised_export_beside_the_named_one(db, tmp_path, site, monkeypatch, capsys):
    url, auth = _lrs()
    code, named = _post(db, tmp_path, "n.json", url, auth, *site)
    assert code == 0
    monkeypatch.setenv("WARDTWIN_PSEUDONYM_KEY", KEY)
    code, pseudo = _post(db, tmp_path, "p.json", url, auth, *site, "--pseudonymise")
    assert code == 0 and f"{len(pseudo)} sent, 0 already there" in capsys.readouterr().out  # no 409 at all
    stored = _stored(url, auth, pseudo)
    assert set(stored) == {s["id"] for s in pseudo}  # the pseudonymised registrations hold no named statement
    assert all(s["actor"]["account"]["name"].startswith("p-") for s in stored.values())


def test_ralph_superseded_verdicts_are_voided(db, tmp_path, site, capsys):
    url, auth = _lrs()
    verdict = {VERBS["passed"], VERBS["failed"]}
    for mark in ("0.8", "0.5", "0.8", "0.5", "0.5"):
        code, stmts = _post(db, tmp_path, f"v{mark}.json", url, auth, *site, "--pass-mark", mark)
        assert code == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert "0 sent" in last and "voided" not in last  # the same mark again changes nothing
    stored = _stored(url, auth, stmts)
    voided = {s["object"]["id"] for s in stored.values() if s["verb"]["id"] == VOIDED}
    assert len(voided) >= 3 * len({s["context"]["registration"] for s in stmts if s["verb"]["id"] in verdict
                                   and "/steps/" not in s["object"]["id"]})  # 0.8, 0.5, 0.8 again
    for s in stored.values():
        if s["verb"]["id"] == VOIDED:
            assert s["object"]["objectType"] == "StatementRef" and s["object"]["id"] in stored
            assert stored[s["object"]["id"]]["verb"]["id"] in verdict  # only verdicts are voided
    by_reg: dict[str, list] = {}
    for s in stored.values():
        if s["verb"]["id"] in verdict and "/steps/" not in s["object"]["id"] and s["id"] not in voided:
            by_reg.setdefault(s["context"]["registration"], []).append(s)
    completed = {s["context"]["registration"] for s in stmts if s["verb"]["id"] == VERBS["completed"]}
    assert set(by_reg) == completed, (len(by_reg), len(completed))
    assert all(len(v) == 1 for v in by_reg.values())  # one live verdict each
    for v in (x[0] for x in by_reg.values()):
        assert v["result"]["extensions"][EXT + "pass_mark"] == 0.5


def test_ralph_conflict_fails_loudly_and_writes_nothing(db, tmp_path, site, capsys):
    url, auth = _lrs()
    plan = tmp_path / "plan.json"
    assert main(["report", "--db", db, "--format", "xapi", "-o", str(plan), *site]) == 0
    planned = json.loads(plan.read_text())
    plan.unlink()
    # another statement under the id of one this export uses (as an earlier export with other content leaves)
    squatter = dict(planned[10], result={"response": "squatted", "completion": False})
    assert post_statements([squatter], url, auth=auth)["sent"] == 1
    capsys.readouterr()
    code, written = _post(db, tmp_path, "c.json", url, auth, *site)
    err = capsys.readouterr().err
    assert code == 2 and written is None  # non-zero, and no statements file
    assert "conflict" in err and planned[10]["id"] in err and "Traceback" not in err
    stored = _stored(url, auth, planned)
    assert stored[planned[10]["id"]]["result"]["response"] == "squatted"  # the LRS's statement is kept
    assert set(stored) == {s["id"] for s in planned}  # and everything else was sent
    # the same through the API: a re-post that differs from what is stored raises, naming the id
    with pytest.raises(LrsConflictError) as info:
        post_statements([dict(planned[12], result={"response": "changed"})], url, auth=auth)
    assert info.value.conflicts == [planned[12]["id"]]


def test_ralph_failed_post_writes_no_statements_file(db, tmp_path, site, capsys):
    url, _ = _lrs()
    code, written = _post(db, tmp_path, "a.json", url, "wardtwin:wrong-password", *site)
    err = capsys.readouterr().err
    assert code == 2 and written is None and "401" in err and "--lrs-auth" in err
    assert not list(tmp_path.glob(".a.json*"))


def test_lrs_refused_before_anything(db, tmp_path, capsys):
    for extra in (["--lrs", "not a url"], ["--lrs", "ftp://lrs.example/"], ["--format", "csv", "--lrs",
                                                                           "https://lrs.example/"]):
        fmt = [] if "--format" in extra else ["--format", "xapi"]
        out = tmp_path / "o"
        assert main(["report", "--db", db, *fmt, "-o", str(out), *extra]) == 2
        assert not out.exists() and "Traceback" not in capsys.readouterr().err


# -- 6. HTML in Chromium ----------------------------------------------------------------------

_MEASURE = """<script>
(function () {
  var bad = [], docW = document.documentElement.clientWidth;
  function check(el, what) {
    var r = el.getBoundingClientRect();
    if (what !== 'scroll' && el.scrollWidth > el.clientWidth + 1)
      bad.push([what, 'overflows its box', el.textContent.slice(0, 60)]);
    // a cell of a table that scrolls sideways (a narrow window) may lie beyond the page: its box scrolls
    if (!el.closest('.scroll') && (r.left < -0.5 || r.right > docW + 0.5))
      bad.push([what, 'outside the page', el.textContent.slice(0, 60)]);
  }
  document.querySelectorAll('.bars .label, .bars h3, .bars .value, td, th, .card, h1, h2, p, .scroll').forEach(
    function (el) { check(el, el.className || el.tagName); });
  var scrolling = Array.prototype.filter.call(document.querySelectorAll('.scroll'),
    function (el) { return el.scrollWidth > el.clientWidth + 1; }).length;
  document.querySelectorAll('.bars .row').forEach(function (row) {
    var l = row.querySelector('.label').getBoundingClientRect(), t = row.querySelector('.track').getBoundingClientRect();
    if (l.right > t.left + 0.5) bad.push(['row', 'label runs into its bar', row.textContent.slice(0, 60)]);
  });
  document.querySelectorAll('svg').forEach(function (svg) {
    svg.querySelectorAll('text').forEach(function (t) {
      var b = t.getBoundingClientRect(), s = svg.getBoundingClientRect();  // as drawn (rotation included)
      if (b.left < s.left - 0.5 || b.top < s.top - 0.5 || b.right > s.right + 0.5 || b.bottom > s.bottom + 0.5)
        bad.push(['svg text', 'outside its chart', t.textContent]);
    });
  });
  if (document.documentElement.scrollWidth > docW + 1) bad.push(['page', 'scrolls sideways', '']);
  var pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = JSON.stringify({bad: bad, scrolling: scrolling, labels: document.querySelectorAll('.bars .label').length,
    groups: Array.prototype.map.call(document.querySelectorAll('.chart.steps h3'), function (h) { return h.textContent; })});
  document.body.appendChild(pre);
})();
</script>"""


def _chromium():
    exe = os.environ.get("WARDTWIN_CHROMIUM") or shutil.which("chromium")
    if not exe or not Path(exe).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium missing; .ci/services.sh installs it")
        pytest.skip("no chromium (install Debian's chromium or set WARDTWIN_CHROMIUM)")
    return exe


@pytest.mark.parametrize("width", [1100, 420])
def test_html_text_stays_in_its_boxes_in_chromium(db, tmp_path, width):
    exe = _chromium()
    html = tmp_path / "report.html"
    assert main(["report", "--db", db, "--format", "html", "-o", str(html)]) == 0
    text = html.read_text()
    assert "<script" not in text and html_escape(LONG_TARGET) in text  # whole, escaped once
    probe = tmp_path / "probe.html"  # a copy with the measuring script (the report itself has none)
    probe.write_text(text.replace("</body>", _MEASURE + "</body>"))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},1400"]
    run = subprocess.run([exe, *flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=90)
    m = re.search(r'<pre id="measured">(.*?)</pre>', run.stdout, re.S)
    assert m, run.stderr[-1500:]
    result = json.loads(m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                        .replace("&amp;", "&"))
    assert result["bad"] == []
    if width >= 1100:  # at a desktop's width every table fits: none needs its sideways scroll
        assert result["scrolling"] == 0
    assert result["labels"] > 14
    assert result["groups"] == ["tour orientation · ward icu-12", "tour orientation · ward medsurg-28"]
