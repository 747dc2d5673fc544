"""Reports from a synthetic cohort: CSV columns, the HTML file in headless Chromium, xAPI
statements (structure, stable ids) and posting them to a local test LRS with retries."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from test_store_support import new_pg_url
from wardtwin.cli import main
from wardtwin.reports.aggregate import (
    COHORT_COLUMNS, ROSTER_COLUMNS, SESSION_COLUMNS, STEP_COLUMNS, STEP_RESULT_COLUMNS, cohort, roster,
    session_rows, step_result_rows, steps,
)
from wardtwin.reports.csvout import CSV_FILES
from wardtwin.reports.summary import load_summaries
from wardtwin.reports.xapi import VERBS, iso_duration, post_statements
from wardtwin.store import open_store
from wardtwin.store.synthetic import bulk_load, synthetic_sessions

KEY = "0123456789abcdef-test-key"
CSV_COLUMNS = {"roster.csv": ROSTER_COLUMNS, "sessions.csv": SESSION_COLUMNS, "step_results.csv": STEP_RESULT_COLUMNS,
               "steps.csv": STEP_COLUMNS, "cohort.csv": COHORT_COLUMNS}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("reports") / "cohort.db"
    with open_store(path) as st:
        bulk_load(st, synthetic_sessions(11, 120, 12))
    return str(path)


def _rows(path: Path) -> list[dict]:
    """A CSV file's rows as dicts (the file closed again)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_csv_files_and_columns(db, tmp_path, monkeypatch):
    monkeypatch.setenv("WARDTWIN_PSEUDONYM_KEY", KEY)
    out = tmp_path / "csv"
    assert main(["report", "--db", db, "--format", "csv", "-o", str(out), "--pseudonymise"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(CSV_FILES)
    roster = _rows(out / "roster.csv")
    assert len(roster) == 120
    assert {"trainee", "completed", "ended_at", "duration_s", "score", "steps_missed"} <= set(roster[0])
    assert all(r["trainee"].startswith("p-") and len(r["trainee"]) == 18 for r in roster)
    sessions = _rows(out / "sessions.csv")
    assert {"ssq_pre_t", "ssq_post_n", "ssq_post_o", "ssq_post_d", "fms_max", "stop_rule", "frames_over_11ms",
            "time_in_motion_s", "spl_mean", "outcome"} <= set(sessions[0])
    assert {r["outcome"] for r in sessions} <= {"completed", "stopped_comfort", "abandoned", "quit"}
    steps = _rows(out / "steps.csv")
    assert len(steps) == 12 and {"success_rate", "median_duration_s", "hint_rate", "spl_mean"} <= set(steps[0])
    cohort = _rows(out / "cohort.csv")
    assert cohort[0]["group"] == "all" and {r["group"] for r in cohort} == {"all", "role", "station"}
    for name, cols in CSV_COLUMNS.items():  # the declared headers are exactly the rows' keys
        with (out / name).open() as fh:
            assert csv.DictReader(fh).fieldnames == list(cols), name
    # same key, same pseudonyms
    out2 = tmp_path / "csv2"
    main(["report", "--db", db, "--format", "csv", "-o", str(out2), "--pseudonymise"])
    assert (out2 / "roster.csv").read_text() == (out / "roster.csv").read_text()


def test_declared_columns_are_the_rows_keys(db):
    with open_store(db, read_only=True) as st:
        ss = load_summaries(st)
    for rows, cols in ((roster(ss), ROSTER_COLUMNS), (session_rows(ss), SESSION_COLUMNS), (steps(ss), STEP_COLUMNS),
                       (step_result_rows(ss), STEP_RESULT_COLUMNS), (cohort(ss), COHORT_COLUMNS), (cohort([]), COHORT_COLUMNS)):
        assert rows and all(list(r) == list(cols) for r in rows)


def test_pseudonymise_needs_a_key(db, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("WARDTWIN_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("WARDTWIN_PSEUDONYM_KEY_FILE", raising=False)
    assert main(["report", "--db", db, "--format", "csv", "-o", str(tmp_path / "x"), "--pseudonymise"]) == 2
    assert "WARDTWIN_PSEUDONYM_KEY" in capsys.readouterr().err


def test_ward_and_since_filters(db, tmp_path):
    out = tmp_path / "f"
    main(["report", "--db", db, "--format", "csv", "-o", str(out), "--since", "2026-03-02T12:00:00Z"])
    roster = _rows(out / "roster.csv")
    assert 0 < len(roster) < 120 and all(r["started_at"] >= "2026-03-02T12" for r in roster)
    main(["report", "--db", db, "--format", "csv", "-o", str(tmp_path / "g"), "--ward", "nowhere"])
    # nobody matched: every file still has its header row, and nothing else
    assert (tmp_path / "g" / "roster.csv").read_text() == ",".join(ROSTER_COLUMNS) + "\n"
    for name, cols in CSV_COLUMNS.items():
        lines = (tmp_path / "g" / name).read_text().splitlines()
        assert lines[0] == ",".join(cols) and len(lines) == (2 if name == "cohort.csv" else 1), name
    (everyone,) = _rows(tmp_path / "g" / "cohort.csv")  # the "all" row, of no one
    assert everyone["group"] == "all" and everyone["trainees"] == "0"


def _chromium():
    exe = os.environ.get("WARDTWIN_CHROMIUM") or shutil.which("chromium")
    if not exe or not Path(exe).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium missing; .ci/services.sh installs it")
        pytest.skip("no chromium (install Debian's chromium or set WARDTWIN_CHROMIUM)")
    return exe


def test_html_renders_in_headless_chromium(db, tmp_path):
    html = tmp_path / "report.html"
    assert main(["report", "--db", db, "--format", "html", "-o", str(html)]) == 0
    text = html.read_text()
    assert "<script" not in text and "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    exe = _chromium()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([exe, *flags, "--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=60).stdout
    assert dom.count("<svg") >= 1 and 'class="chart ssq"' in dom and dom.count('class="bar"') > 20
    assert 'class="bars chart steps"' in dom and 'class="bars chart completion"' in dom
    assert 'class="roster"' in dom and dom.count("<tr") > 120 + 12
    shot = tmp_path / "shot.png"
    subprocess.run([exe, *flags, f"--screenshot={shot}", "--window-size=1100,1400", html.as_uri()],
                   capture_output=True, timeout=60)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(set(data[100:20000])) > 50  # not a blank page


UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DURATION_RE = re.compile(r"^PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?$")


def _check_activity(a):
    assert set(a) <= {"objectType", "id", "definition"} and a.get("objectType", "Activity") == "Activity"
    assert re.match(r"^https?://\S+$", a["id"])
    if "definition" in a:
        assert set(a["definition"]) <= {"name", "description", "type", "moreInfo", "extensions"}
        assert all(isinstance(v, str) for v in a["definition"]["name"].values())


def check_statement(s):
    """The xAPI 1.0.3 rules these statements must keep (data types, required and allowed keys)."""
    assert set(s) <= {"id", "actor", "verb", "object", "result", "context", "timestamp", "version"}
    assert UUID_RE.match(s["id"]) and s["version"] == "1.0.3" and TIMESTAMP_RE.match(s["timestamp"])
    acct = s["actor"]["account"]
    assert s["actor"]["objectType"] == "Agent" and acct["homePage"].startswith("https://") and acct["name"]
    assert re.match(r"^https?://\S+$", s["verb"]["id"]) and set(s["verb"]["display"]) == {"en-US"}
    _check_activity(s["object"])
    ctx = s["context"]
    assert UUID_RE.match(ctx["registration"]) and ctx.get("language", "en-US") == "en-US"
    for kind, acts in ctx["contextActivities"].items():
        assert kind in ("parent", "grouping", "category", "other") and isinstance(acts, list)
        for a in acts:
            _check_activity(a)
    assert all(re.match(r"^https?://\S+$", k) for k in ctx.get("extensions", {}))
    res = s.get("result")
    if res is not None:
        assert set(res) <= {"score", "success", "completion", "response", "duration", "extensions"}
        assert DURATION_RE.match(res["duration"])
        if "score" in res:
            sc = res["score"]
            assert -1 <= sc["scaled"] <= 1 and sc["min"] <= sc["raw"] <= sc["max"]


def test_xapi_statements_stable_and_well_formed(db, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    main(["report", "--db", db, "--format", "xapi", "-o", str(a)])
    main(["report", "--db", db, "--format", "xapi", "-o", str(b)])
    assert a.read_bytes() == b.read_bytes()
    stmts = json.loads(a.read_text())
    for s in stmts:
        check_statement(s)
    # compact: one statement per line, no indentation or spaces between tokens; about 1 KB each
    lines = a.read_text().splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == len(stmts) + 2
    assert all(json.loads(line.rstrip(",")) == s for line, s in zip(lines[1:-1], stmts))
    assert not any(line.startswith(" ") or '": ' in line for line in lines)
    assert a.stat().st_size / len(stmts) < 1200
    gz = tmp_path / "a.json.gz"  # and gzipped when asked: the same statements, reproducibly
    main(["report", "--db", db, "--format", "xapi", "-o", str(gz)])
    assert gzip.decompress(gz.read_bytes()) == a.read_bytes() and gz.stat().st_size < a.stat().st_size / 5
    by_reg = {}
    for s in stmts:  # every session's statements share its registration, which a session statement defines
        by_reg.setdefault(s["context"]["registration"], []).append(s)
    for group in by_reg.values():
        full = [s for s in group if "/steps/" not in s["object"]["id"]]
        sessions = {s["context"]["extensions"]["https://wardtwin.invalid/xapi/ext/session"] for s in group}
        assert len(sessions) == 1 and full and all("definition" in s["object"] for s in full)
        assert all("https://wardtwin.invalid/xapi/ext/station" in s["context"]["extensions"] for s in full)
    ids = [s["id"] for s in stmts]
    assert len(ids) == len(set(ids))
    verbs = {s["verb"]["id"] for s in stmts}
    assert {VERBS[v] for v in ("launched", "initialized", "completed", "passed", "failed", "terminated",
                               "abandoned")} <= verbs
    for s in stmts:
        assert s["version"] == "1.0.3" and s["actor"]["account"]["name"]
        assert s["object"]["id"].startswith("https://") and s["timestamp"].endswith("Z")
        assert s["context"]["contextActivities"]["grouping"][0]["id"].endswith("/wards/medsurg-28")
        if "result" in s and "duration" in s["result"]:
            assert s["result"]["duration"].startswith("PT")
    step = next(s for s in stmts if "/steps/" in s["object"]["id"])
    assert step["context"]["contextActivities"]["parent"][0]["id"].endswith("/orientation")
    assert 0 <= step["result"]["score"]["scaled"] <= 1
    assert iso_duration(3725.5) == "PT1H2M5.5S" and iso_duration(0) == "PT0S"


class _LRS(BaseHTTPRequestHandler):
    store: dict = {}
    fail_next = 0
    requests: list = []

    def _reply(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(("POST", self.headers.get("Authorization"), self.headers.get("X-Experience-API-Version")))
        if type(self).fail_next:
            type(self).fail_next -= 1
            return self._reply(503)
        if any(s["id"] in self.store for s in body):
            return self._reply(409)
        for s in body:
            self.store[s["id"]] = s
        self._reply(200)

    def do_GET(self):
        from urllib.parse import parse_qs, urlsplit

        q = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        type(self).requests.append(("GET", None, None))
        if "statementId" in q:
            found = self.store.get(q["statementId"])
            body = json.dumps(found).encode() if found else b""
            code = 200 if found else 404
        else:
            found = [s for s in self.store.values() if s["context"].get("registration") == q.get("registration")
                     and s["object"]["id"] == q.get("activity", s["object"]["id"])]
            body, code = json.dumps({"statements": found, "more": ""}).encode(), 200
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        sid = self.path.split("statementId=")[1]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(("PUT", None, None))
        if sid in self.store:
            return self._reply(409)
        self.store[sid] = body
        self._reply(204)

    def log_message(self, *a):
        pass


def test_lrs_post_retries_and_no_duplicates(db, tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _LRS)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/xapi/"
    try:
        _LRS.fail_next = 2
        out = tmp_path / "x.json"
        assert main(["report", "--db", db, "--format", "xapi", "-o", str(out), "--lrs", url,
                     "--lrs-auth", "user:pass"]) == 0
        stmts = json.loads(out.read_text())
        assert set(_LRS.store) == {s["id"] for s in stmts}
        first_post = next(r for r in _LRS.requests if r[0] == "POST")
        assert first_post[1] == "Basic dXNlcjpwYXNz" and first_post[2] == "1.0.3"
        # again, with a partly new batch: duplicates are answered 409 and never stored twice
        extra = dict(stmts[0], id="11111111-2222-5333-8444-555555555555")
        counts = post_statements(stmts[:10] + [extra], url, sleep=lambda s: None)
        assert counts["already"] == 10 and counts["sent"] == 1 and len(_LRS.store) == len(stmts) + 1
    finally:
        server.shutdown()
        server.server_close()


def test_report_from_postgresql(tmp_path):
    url = new_pg_url()
    with open_store(url) as st:
        bulk_load(st, synthetic_sessions(5, 40, 6))
    out = tmp_path / "pg"
    assert main(["report", "--db", url, "--format", "csv", "-o", str(out)]) == 0
    assert len(_rows(out / "roster.csv")) == 40
