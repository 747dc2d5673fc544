"""Issue 19, points 9 and 10: learning evidence per item (found rate, median time to find, SPL,
first vs repeat attempts, items never found) and the streamed report path (sessions read in
batches, tables kept running, CSV rows written as they come): the same rows as the list path,
on SQLite and on PostgreSQL (when WARDTWIN_TEST_PG_URL is set)."""

from __future__ import annotations

import csv

import pytest

from test_store_support import fresh_store_url, started
from wardtwin.cli import main
from wardtwin.events import Event
from wardtwin.reports import aggregate, csv_columns
from wardtwin.reports.csvout import CSV_FILES
from wardtwin.reports.items import item_evidence
from wardtwin.reports.summary import iter_summaries, load_summaries
from wardtwin.store import open_store
from wardtwin.store.synthetic import bulk_load, synthetic_sessions


@pytest.fixture(params=["sqlite", "postgresql"])
def cohort_url(request, tmp_path):
    url = fresh_store_url(request.param, tmp_path)
    with open_store(url) as st:
        bulk_load(st, synthetic_sessions(5, 150, 12, repeats=0.5))
    return url


def test_streamed_tables_equal_the_list_path(cohort_url):
    with open_store(cohort_url, read_only=True) as st:
        listed = load_summaries(st)
        streamed = list(iter_summaries(st, batch=37))  # batches that do not divide the cohort
        assert streamed == listed and len({s.trainee for s in listed}) < len(listed)
        since = listed[len(listed) // 2].started_at
        assert list(iter_summaries(st, since=since, batch=10)) == load_summaries(st, since=since)
        tables = aggregate.ReportTables()
        for s in iter_summaries(st):
            tables.add(s)
    assert tables.roster() == aggregate.roster(listed)
    assert tables.cohort() == aggregate.cohort(listed)
    assert tables.steps() == aggregate.steps(listed)
    ev = item_evidence(listed)
    assert tables.items.items() == ev.items() and tables.items.never_found() == ev.never_found()


def test_repeat_attempts_show_learning(cohort_url):
    with open_store(cohort_url, read_only=True) as st:
        ev = item_evidence(iter_summaries(st))
    rows = ev.items()
    assert rows and all(r["first_attempts"] == r["trainees"] for r in rows)  # everyone's first is one attempt
    assert all(r["repeat_attempts"] > 0 for r in rows)
    pooled = {r["attempt"]: r for r in ev.pooled_curve()}
    assert pooled["1"]["found_rate"] < pooled["2"]["found_rate"]  # synthetic repeats are easier
    assert pooled["1"]["spl_mean"] < pooled["2"]["spl_mean"]
    curve = ev.curve()
    assert {r["attempt"] for r in curve} <= {"1", "2", "3", "4+"}
    for r in rows:  # the curve's attempts add up to the item's
        assert sum(c["attempts"] for c in curve if (c["ward"], c["item"]) == (r["ward"], r["item"])) == r["attempts"]


def _session(sid, trainee, started_at, finds):
    """Events of a session of find steps ``[(target, passed, duration, spl)]``, then the end."""
    evs = [Event(sid, 0, "session_started", 0.0, None, dict(started(sid, trainee=trainee), steps=len(finds),
                                                               started_at=started_at))]
    t = 0.0
    for k, (target, passed, dur, spl) in enumerate(finds):
        evs.append(Event(sid, len(evs), "step_started", t, k, {"kind": "find", "id": f"find-{k}", "target": target}))
        t += dur
        evs.append(Event(sid, len(evs), "step_completed" if passed else "step_failed", t, k,
                         {"success": passed, "duration_s": dur, "walked_m": 10.0 / max(spl, 0.1), "shortest_m": 10.0,
                          "spl": spl, "soft_spl": spl, **({} if passed else {"reason": "timeout"})}))
    evs.append(Event(sid, len(evs), "session_ended", t + 1, None, {"outcome": "completed", "duration_s": t + 1}))
    return evs


def test_item_numbers_by_hand(tmp_path):
    db = tmp_path / "s.db"
    with open_store(db) as st:
        st.write_events(_session("a1", "T1", "2026-01-01T08:00:00.000000Z",
                                 [("AED", False, 60.0, 0.0), ("CART", True, 20.0, 0.5)]))
        st.write_events(_session("a2", "T1", "2026-01-08T08:00:00.000000Z",
                                 [("AED", True, 30.0, 0.8), ("CART", True, 10.0, 0.9)]))
        st.write_events(_session("b1", "T2", "2026-01-02T08:00:00.000000Z",
                                 [("AED", False, 50.0, 0.0), ("CART", True, 40.0, 0.7)]))
    with open_store(db, read_only=True) as st:
        ev = item_evidence(iter_summaries(st))
    aed, cart = ev.items()
    assert (aed["item"], aed["trainees"], aed["attempts"], aed["found"]) == ("AED", 2, 3, 1)
    assert (aed["first_attempts"], aed["first_found_rate"], aed["repeat_found_rate"]) == (2, 0.0, 1.0)
    assert aed["first_median_time_s"] is None and aed["repeat_median_time_s"] == 30.0  # time to find: found only
    assert aed["found_rate_change"] == 1.0 and aed["trainees_never_found"] == 1
    assert (cart["first_median_time_s"], cart["repeat_median_time_s"], cart["median_time_change_s"]) == (30.0, 10.0,
                                                                                                          -20.0)
    assert (cart["first_spl_mean"], cart["repeat_spl_mean"], cart["spl_change"]) == (0.6, 0.9, 0.3)
    assert ev.never_found() == [
        {"trainee": "T1", "ward": "w1", "items_tried": 2, "items_found": 2, "never_found": 0, "items_never_found": ""},
        {"trainee": "T2", "ward": "w1", "items_tried": 2, "items_found": 1, "never_found": 1,
         "items_never_found": "AED"}]


def _rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_csv_and_html_carry_the_item_evidence(cohort_url, tmp_path):
    out = tmp_path / "csv"
    assert main(["report", "--db", cohort_url, "--format", "csv", "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(CSV_FILES) == sorted(csv_columns())
    for name, cols in csv_columns().items():
        with (out / name).open(newline="", encoding="utf-8") as fh:
            assert csv.DictReader(fh).fieldnames == list(cols), name
    items = _rows(out / "items.csv")
    assert items and all(float(r["repeat_found_rate"]) >= 0 for r in items)
    assert {r["attempt"] for r in _rows(out / "item_attempts.csv")} >= {"1", "2"}
    assert _rows(out / "items_never_found.csv")
    with open_store(cohort_url, read_only=True) as st:  # the streamed files hold every session and step
        listed = load_summaries(st)
    assert len(_rows(out / "sessions.csv")) == len(listed)
    assert len(_rows(out / "step_results.csv")) == sum(len(s.steps) for s in listed)
    html = tmp_path / "r.html"
    assert main(["report", "--db", cohort_url, "--format", "html", "-o", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    assert 'id="items"' in text and 'class="curve rates"' in text and 'class="bars chart items"' in text
    assert text.count('class="point"') >= 4 and 'class="never-found"' in text


def test_a_failed_csv_report_leaves_no_folder_and_no_temporary_file(tmp_path, capsys):
    db = tmp_path / "s.db"
    with open_store(db) as st:
        bulk_load(st, synthetic_sessions(3, 30, 6))
    import sqlite3
    con = sqlite3.connect(db)
    con.execute("UPDATE events SET data = '{\"duration_s\": 1}' WHERE type = 'session_ended' AND session = "
                "(SELECT MAX(id) FROM sessions)")
    con.commit()
    con.close()
    out = tmp_path / "csv"
    assert main(["report", "--db", str(db), "--format", "csv", "-o", str(out)]) == 2
    assert not out.exists() and "damaged" in capsys.readouterr().err
    out.mkdir()  # an existing folder stays, empty
    assert main(["report", "--db", str(db), "--format", "csv", "-o", str(out)]) == 2
    assert list(out.iterdir()) == []
