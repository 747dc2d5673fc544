"""cmi5 (issue 19, point 8): the course package checked against the course structure schema
(written from the cmi5 specification, tests/cmi5/course-structure.xsd), launch parameters and
LaunchData, the AU's statements checked against the cmi5 statement rules, the durable queue, a
launch against a small LMS that follows the specification (tests/lmsstub.py: fetch URL, LaunchData),
statements stored in a real LRS (ralph, from .ci/services.sh) through it, an unreachable LRS
(queued, then sent once and in order), and the whole path through the CLI's offscreen station."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import TINY, run_cli
from lmsstub import LmsStub
from wardtwin.errors import UsageError
from wardtwin.events import Event
from wardtwin.lms.client import Cmi5Session, fetch_token, send_pending
from wardtwin.lms.cmi5 import (
    AU_VERBS, CATEGORY_CMI5, CATEGORY_MOVEON, EXT_MASTERY, EXT_SESSION, AuTracker, Cmi5Error, LaunchParams,
    au_url, parse_launch, parse_launch_data,
)
from wardtwin.lms.outbox import Outbox, queue_path

HERE = Path(__file__).parent
XSD = HERE / "cmi5" / "course-structure.xsd"
TOUR = HERE / "tours" / "tiny-station.yaml"
NS = "{https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd}"


def _ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _lrs():
    url = os.environ.get("WARDTWIN_TEST_LRS_URL")
    if not url:
        if _ci():
            pytest.fail("WARDTWIN_TEST_LRS_URL unset; .ci/services.sh starts ralph's LRS and sets it")
        pytest.skip("no LRS: WARDTWIN_TEST_LRS_URL is unset (`source .ci/services.sh` starts ralph's LRS on loopback)")
    return url, os.environ.get("WARDTWIN_TEST_LRS_AUTH", "")


def _xmlschema():
    try:
        import xmlschema
    except ImportError:
        if _ci():
            pytest.fail("xmlschema missing: it is in the [test] extra")
        pytest.skip("xmlschema not installed (pip install -e '.[test]')")
    return xmlschema


# -- the course package -----------------------------------------------------------------------

def _package(tmp_path, capfd, *extra, tour="orientation", ward="medsurg-28"):
    out = tmp_path / "course.zip"
    code, stdout, err = run_cli(capfd, "package", ward, tour, "-o", out, *extra)
    return code, out, stdout + err


def _cmi5_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["cmi5.xml"]  # at the root, nothing else needed (the AU is the station)
        assert z.testzip() is None
        return z.read("cmi5.xml")


def test_package_is_a_valid_cmi5_course_structure(tmp_path, capfd):
    code, out, text = _package(tmp_path, capfd)
    assert code == 0, text
    xml = _cmi5_xml(out)
    schema = _xmlschema().XMLSchema(str(XSD))
    schema.validate(io.BytesIO(xml))  # raises with the first violation
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    assert root.tag == NS + "courseStructure"
    course, au = root.find(NS + "course"), root.find(NS + "au")
    assert course.get("id") == "https://wardtwin.invalid/xapi/courses/medsurg-28/medsurg-28-orientation"
    # the AU id is the tour's activity id of the xAPI report
    assert au.get("id") == "https://wardtwin.invalid/xapi/tours/medsurg-28/medsurg-28-orientation"
    assert au.get("masteryScore") == "0.8" and au.get("moveOn") == "CompletedAndPassed"
    assert au.get("launchMethod") == "OwnWindow"
    assert au.find(NS + "url").text == "wardtwin://tour/medsurg-28/orientation"
    for el in (course, au):
        assert el.find(f"{NS}title/{NS}langstring").text and el.find(f"{NS}description/{NS}langstring").text
    # reproducible
    code, out2, _ = _package(tmp_path / "again", capfd)
    assert code == 0 and out2.read_bytes() == out.read_bytes()


def test_package_takes_the_tours_pass_mark_and_the_configured_activity_base(tmp_path, capfd, monkeypatch):
    tour = tmp_path / "tiny-pass.yaml"
    tour.write_text(TOUR.read_text().replace("mode: self_directed", "mode: self_directed\npass_mark: 75%"))
    conf = tmp_path / "config.toml"
    conf.write_text('[xapi]\nactivity_base = "https://lms.example-hospital.org/xapi"\n')
    monkeypatch.setenv("WARDTWIN_CONFIG", str(conf))
    code, out, text = _package(tmp_path, capfd, ward=TINY, tour=tour)
    assert code == 0, text
    xml = _cmi5_xml(out)
    _xmlschema().XMLSchema(str(XSD)).validate(io.BytesIO(xml))
    import xml.etree.ElementTree as ET

    au = ET.fromstring(xml).find(NS + "au")
    assert au.get("masteryScore") == "0.75"
    assert au.get("id") == "https://lms.example-hospital.org/xapi/tours/tiny/tiny-station"
    # the command line wins over the tour and the configuration
    code, out, text = _package(tmp_path / "b", capfd, "--pass-mark", "90%", "--activity-base",
                               "https://a.example.org/x/", "--move-on", "Passed", ward=TINY, tour=tour)
    assert code == 0, text
    au = ET.fromstring(_cmi5_xml(out)).find(NS + "au")
    assert (au.get("masteryScore"), au.get("moveOn")) == ("0.9", "Passed")
    assert au.get("id").startswith("https://a.example.org/x/tours/")


@pytest.mark.parametrize("args, says", [
    (("--activity-base", "not a url"), "--activity-base"),
    (("--pass-mark", "1.5"), "--pass-mark"),
    (("--move-on", "Sometimes"), "--move-on"),
    (("--au-url", "no scheme here"), "--au-url"),
])
def test_package_bad_arguments_exit_2_and_write_nothing(tmp_path, capfd, args, says):
    code, out, text = _package(tmp_path, capfd, *args)
    assert code == 2 and says in text and "Traceback" not in text
    assert not out.exists()


def test_package_of_a_missing_tour_or_onto_a_folder_exits_2(tmp_path, capfd):
    code, out, text = _package(tmp_path, capfd, tour="no-such-tour")
    assert code == 2 and "no-such-tour" in text and not out.exists()
    (tmp_path / "dir.zip").mkdir()
    code, _, err = run_cli(capfd, "package", "medsurg-28", "orientation", "-o", tmp_path / "dir.zip")
    assert code == 2 and "folder" in err


def test_tour_pass_mark_is_checked(tmp_path, capfd):
    tour = tmp_path / "bad-pass.yaml"
    tour.write_text(TOUR.read_text().replace("mode: self_directed", "mode: self_directed\npass_mark: 1.2"))
    code, out, err = run_cli(capfd, "tour-check", TINY, tour)
    assert code == 1 and "pass_mark" in out + err


# -- launch parameters and LaunchData ------------------------------------------------------------

ACTOR = {"objectType": "Agent", "account": {"homePage": "https://lms.example.invalid", "name": "RN-0042"}}
REG = "760e3480-ba55-4991-94b0-01820dbd23a2"


def _query(**over):
    from urllib.parse import urlencode

    p = {"endpoint": "https://lms.example.invalid/xapi/", "fetch": "https://lms.example.invalid/fetch/1",
         "actor": json.dumps(ACTOR), "registration": REG, "activityId": "https://lms.example.invalid/au/1"}
    p.update(over)
    return urlencode({k: v for k, v in p.items() if v is not None})


def test_parse_launch_url_and_query_string():
    lp = parse_launch(au_url("medsurg-28", "orientation") + "?" + _query())
    assert (lp.ward, lp.tour, lp.learner, lp.registration) == ("medsurg-28", "orientation", "RN-0042", REG)
    assert lp.endpoint == "https://lms.example.invalid/xapi/" and lp.activity_id.endswith("/au/1")
    bare = parse_launch(_query())  # the query string alone: no ward or tour named
    assert bare.ward is None and bare.actor == ACTOR
    # a folder path as the ward survives the URL
    lp = parse_launch(au_url("/srv/wards/icu 12", "orientation") + "?" + _query())
    assert lp.ward == "/srv/wards/icu 12"


@pytest.mark.parametrize("over, says", [
    ({"fetch": None}, "fetch"),
    ({"registration": "not-a-uuid"}, "registration"),
    ({"actor": '{"mbox": "mailto:a@b.c"}'}, "account"),
    ({"actor": "{not json"}, "actor"),
    ({"endpoint": "ftp://x/"}, "endpoint"),
    ({"activityId": "relative/id"}, "activityId"),
])
def test_parse_launch_refuses_what_cmi5_does_not_allow(over, says):
    with pytest.raises(UsageError, match=says):
        parse_launch("wardtwin://tour/a/b?" + _query(**over))


def test_parse_launch_data_requires_the_template_session_id_and_mode():
    tpl = {"extensions": {EXT_SESSION: "s-1"}}
    d = parse_launch_data({"contextTemplate": tpl, "launchMode": "Normal", "moveOn": "Passed", "masteryScore": 0.7})
    assert (d.session_id, d.mastery_score, d.move_on) == ("s-1", 0.7, "Passed")
    for bad in ({"launchMode": "Normal"}, {"contextTemplate": tpl, "launchMode": "Fast"},
                {"contextTemplate": tpl, "launchMode": "Normal", "masteryScore": 2},
                {"contextTemplate": {"extensions": {}}, "launchMode": "Normal"}):
        with pytest.raises(Cmi5Error):
            parse_launch_data(bad)


# -- the AU's statements, against the cmi5 rules ---------------------------------------------------

def _cats(st: dict) -> list[str]:
    return [c["id"] for c in st.get("context", {}).get("contextActivities", {}).get("category", [])]


def defined_verbs(sts: list[dict]) -> list[str]:
    """The verbs of the cmi5 defined statements (those with the cmi5 category), in order."""
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in sts if CATEGORY_CMI5 in _cats(s)]


def check_cmi5_session(sts: list[dict], launch: LaunchParams, session: str, mastery: float | None) -> list[str]:
    """The AU's statements of one session checked against cmi5 sections 7.1 and 9.1-9.7; returns
    the verbs of its cmi5 defined statements."""
    import uuid as _uuid

    stamps = [s["timestamp"] for s in sts]
    assert stamps == sorted(set(stamps)) and all(t.endswith("Z") for t in stamps)  # 9.7: UTC, in order
    assert len({s["id"] for s in sts}) == len(sts)
    defined = [s for s in sts if CATEGORY_CMI5 in _cats(s)]
    verbs = defined_verbs(sts)
    assert sts[0] is defined[0] and sts[-1] is defined[-1]  # 7.1.3: allowed ones between the two
    assert verbs[0] == "initialized" and verbs[-1] == "terminated"  # 9.3: first and last
    assert len(set(verbs)) == len(verbs) and not {"passed", "failed"} <= set(verbs)  # no duplicates, one verdict
    for s in sts:
        _uuid.UUID(s["id"])  # 9.1
        assert s["actor"] == launch.actor and "account" in s["actor"]  # 9.2
        ctx = s["context"]
        assert ctx["registration"] == launch.registration  # 9.6.1
        assert ctx["extensions"][EXT_SESSION] == session  # 9.6.3.1: every statement, allowed ones too
        if s not in defined:  # cmi5 allowed: the template, no cmi5 (nor moveOn) category
            assert CATEGORY_MOVEON not in _cats(s)
            assert s["object"]["id"].startswith(launch.activity_id + "/steps/")
            assert {"objectType": "Activity", "id": launch.activity_id} in ctx["contextActivities"]["parent"]
            continue
        verb = s["verb"]["id"].rsplit("/", 1)[-1]
        assert s["verb"]["id"] == AU_VERBS[verb]
        assert s["object"]["id"] == launch.activity_id  # 9.4
        cats = _cats(s)
        res = s.get("result", {})
        judged = "success" in res or "completion" in res
        assert (CATEGORY_MOVEON in cats) == judged  # 9.6.2.2
        assert ("score" in res) == (verb in ("passed", "failed"))  # 9.5.1
        assert res.get("success", None) == {"passed": True, "failed": False}.get(verb)  # 9.5.2
        assert res.get("completion", None) == (True if verb == "completed" else None)  # 9.5.3
        if verb in ("terminated", "completed", "passed", "failed"):
            assert res["duration"].startswith("PT")  # 9.5.4.1
        if verb in ("passed", "failed"):
            sc = res["score"]
            assert 0 <= sc["scaled"] <= 1 and sc["min"] <= sc["raw"] <= sc["max"]
            if mastery is not None:
                assert ctx["extensions"][EXT_MASTERY] == mastery  # 9.6.3.2
                assert (sc["scaled"] >= mastery) == (verb == "passed")  # 9.3.4, 9.3.5
    return verbs


def _events(outcome="completed", completed=7, total=8, sid="s"):
    return [Event(sid, 0, "session_started", 0.0, None, {"trainee": "RN-0042", "station": "desktop", "ward": "tiny",
                                                          "layout_hash": "h", "tour": "tiny-station",
                                                          "tour_version": "v", "mode": "self_directed"}),
            Event(sid, 1, "step_started", 1.0, 0, {"kind": "say", "id": "hello"}),
            Event(sid, 2, "step_completed", 5.0, 0, {"duration_s": 4.0}),
            Event(sid, 3, "session_ended", 95.5, None, {"outcome": outcome, "duration_s": 95.5,
                                                         "steps": {"completed": completed, "failed": 0, "skipped":
                                                                   total - completed, "total": total}})]


class FakeClock:
    def __init__(self):
        self.t = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)

    def __call__(self):
        self.t += timedelta(seconds=1.5)
        return self.t


def _tracker(mode="Normal", mastery=0.8, prior=(), pass_mark=None):
    lp = parse_launch("wardtwin://tour/tiny/tiny-station?" + _query())
    doc = {"contextTemplate": {"contextActivities": {"grouping": [{"id": "https://pub.example/au"}]},
                               "extensions": {EXT_SESSION: "sess-1"}}, "launchMode": mode}
    if mastery is not None:
        doc["masteryScore"] = mastery
    return lp, AuTracker(lp, parse_launch_data(doc), prior=prior, now=FakeClock(), pass_mark=pass_mark)


def _run(tracker, events):
    return [st for e in events for st in tracker.on_event(e)]


@pytest.mark.parametrize("completed, verdict", [(8, "passed"), (7, "failed")])
def test_completed_tour_is_initialized_completed_verdict_terminated(completed, verdict):
    lp, tr = _tracker(mastery=0.9)
    sts = _run(tr, _events(completed=completed))
    assert check_cmi5_session(sts, lp, "sess-1", 0.9) == ["initialized", "completed", verdict, "terminated"]
    assert sts[-1]["result"]["duration"] == "PT1M35.5S"
    step = sts[1]  # the step, as a cmi5 allowed statement
    assert step["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed" and step["result"]["success"] is True
    assert step["object"]["id"] == lp.activity_id + "/steps/hello" and step["result"]["duration"] == "PT4S"
    assert sts[0]["context"]["contextActivities"]["grouping"] == [{"id": "https://pub.example/au"}]  # the template
    assert tr.verdict == verdict


def test_without_mastery_score_the_tours_pass_mark_decides_and_no_extension():
    lp, tr = _tracker(mastery=None, pass_mark=0.5)
    sts = _run(tr, _events(completed=5))
    assert check_cmi5_session(sts, lp, "sess-1", None)[2] == "passed"
    assert EXT_MASTERY not in sts[3]["context"]["extensions"] and sts[3]["verb"]["id"].endswith("/passed")


@pytest.mark.parametrize("outcome", ["quit", "abandoned", "stopped_comfort"])
def test_a_tour_not_completed_is_initialized_then_terminated(outcome):
    lp, tr = _tracker()
    assert check_cmi5_session(_run(tr, _events(outcome=outcome)), lp, "sess-1", 0.8) == ["initialized", "terminated"]


@pytest.mark.parametrize("mode", ["Browse", "Review"])
def test_browse_and_review_send_no_completion_data(mode):
    lp, tr = _tracker(mode=mode)
    assert defined_verbs(_run(tr, _events())) == ["initialized", "terminated"]


def test_a_registration_gets_one_completed_and_one_passed():
    lp, tr = _tracker(prior={"completed", "passed"})
    assert defined_verbs(_run(tr, _events())) == ["initialized", "terminated"]
    lp, tr = _tracker(prior={"completed"})  # completed before, failed then: a pass may still come
    assert defined_verbs(_run(tr, _events())) == ["initialized", "passed", "terminated"]


def test_statement_ids_are_stable_per_session_and_verb():
    _, a = _tracker()
    _, b = _tracker()
    assert [s["id"] for s in _run(a, _events())] == [s["id"] for s in _run(b, _events())]


# -- the durable queue -----------------------------------------------------------------------------

def test_queue_keeps_order_marks_sent_and_empties(tmp_path):
    path = tmp_path / "q"
    with Outbox(path) as ob:
        assert ob.add([{"id": "a"}, {"id": "b"}], "http://x/", "Basic t") == [1, 2]
        assert ob.add([{"id": "c"}], "http://x/", "Basic t") == [3]
        assert [q.statement["id"] for q in ob.pending()] == ["a", "b", "c"]
        ob.mark_sent([1, 2])
        assert [q.n for q in ob.pending()] == [3]
        ob.mark_sent([3])
        assert ob.pending() == [] and path.stat().st_size == 0
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # it holds session tokens


def test_queue_survives_a_line_cut_short_and_refuses_damage(tmp_path):
    path = tmp_path / "q"
    with Outbox(path) as ob:
        ob.add([{"id": "a"}], "http://x/", None)
    with open(path, "ab") as fh:
        fh.write(b'{"n": 2, "endp')  # a crash while appending
    with Outbox(path) as ob:
        assert [q.statement["id"] for q in ob.pending()] == ["a"]
        ob.add([{"id": "b"}], "http://x/", None)
        assert [q.statement["id"] for q in ob.pending()] == ["a", "b"]
    path.write_bytes(b'garbage\n{"sent": []}\n')
    with Outbox(path) as ob, pytest.raises(UsageError, match=r":1: not a line"):
        ob.pending()


def test_queue_is_bounded(tmp_path, monkeypatch):
    import wardtwin.lms.outbox as outbox

    monkeypatch.setattr(outbox, "MAX_BYTES", 200)
    with Outbox(tmp_path / "q") as ob:
        with pytest.raises(UsageError, match="cmi5-send"):
            ob.add([{"id": "x" * 300}], "http://x/", None)
        assert ob.pending() == []


def test_queue_path_beside_the_store():
    assert str(queue_path("runs/w.db")) == "runs/w.db.cmi5-queue"
    assert str(queue_path("sqlite:///runs/w.db")) == "runs/w.db.cmi5-queue"
    assert str(queue_path("postgresql://u@h/db")) == "wardtwin.cmi5-queue"
    assert str(queue_path("x.db", "elsewhere.q")) == "elsewhere.q"


# -- against the LMS stub (and ralph behind it) ----------------------------------------------------

def _session(stub, tmp_path, name="RN-0042", **kw):
    info = stub.launch(au_url("tiny", "tiny-station"), name)
    lp = parse_launch(info["url"])
    s = Cmi5Session.start(lp, tmp_path / "w.db.cmi5-queue", pass_mark=0.8, **kw)
    return info, lp, s


def test_fetch_url_is_posted_once_and_a_second_fetch_is_refused(tmp_path):
    with LmsStub() as stub:
        info, lp, s = _session(stub, tmp_path)
        s.close()
        assert len(stub.fetch_calls) == 1 and ("POST", f"/fetch/{stub.fetch_calls[0]}") in stub.requests
        assert ("GET", "/xapi/activities/state") in stub.requests  # LaunchData, with the token
        assert s.data.session_id == info["session"] and s.data.mastery_score == 0.8
        with pytest.raises(Cmi5Error, match="already used"):  # the fetch URL works once
            fetch_token(lp)


def test_launch_without_the_lms_or_with_a_wrong_token_is_an_error(tmp_path):
    with LmsStub() as stub:
        info = stub.launch(au_url("tiny", "tiny-station"))
        lp = parse_launch(info["url"])
        import dataclasses

        bad = dataclasses.replace(lp, fetch=lp.fetch + "x")
        with pytest.raises(Cmi5Error, match="security"):
            Cmi5Session.start(bad, tmp_path / "q")
    with pytest.raises(Cmi5Error, match="cannot reach the LMS"):
        Cmi5Session.start(lp, tmp_path / "q", timeout=2)


def _feed(s, events):
    try:
        for e in events:
            s(e)
    finally:
        s.close()


def test_statements_reach_the_lms_as_the_tour_runs(tmp_path):
    with LmsStub(mastery=0.75) as stub:
        info, lp, s = _session(stub, tmp_path)
        ev = _events(sid="t1", completed=7)
        s(ev[0])
        assert s.drain()  # the sender thread sends it at once (the station does not wait)
        assert [st["verb"]["id"] for st in stub.received] == [AU_VERBS["initialized"]]
        _feed(s, ev[1:])
        sts = [st for st in stub.lrs_statements(info["registration"]) if st["id"] != info["launched"]]
        assert check_cmi5_session(sts, lp, info["session"], 0.75) == ["initialized", "completed", "passed",
                                                                        "terminated"]
        assert s.summary().queued == 0 and len(stub.received) == 5


def test_the_station_never_waits_for_the_lrs(tmp_path):
    with LmsStub() as stub:
        info, lp, s = _session(stub, tmp_path)
        stub.hold.clear()  # the LRS takes its time
        ev = _events(sid="t8")
        s(ev[0])  # returns with the statement on disk, while its request is still unanswered
        assert stub.arrived.wait(30) and not s.offline and stub.received == []
        with Outbox(tmp_path / "w.db.cmi5-queue") as ob:
            assert [q.statement["verb"]["id"] for q in ob.pending()] == [AU_VERBS["initialized"]]
        stub.hold.set()
        assert s.drain()
        _feed(s, ev[1:])
        assert s.summary().queued == 0 and len(stub.received) == 5


def test_statements_stored_in_ralph_through_the_lms(tmp_path):
    upstream = _lrs()
    with LmsStub(upstream, mastery=0.8) as stub:
        info, lp, s = _session(stub, tmp_path)
        _feed(s, _events(sid="t2", completed=8))
        assert s.summary().queued == 0, s.summary()
        held = stub.lrs_statements(info["registration"])  # ralph's answer
        verbs = [h["verb"]["id"].rsplit("/", 1)[-1] for h in held]
        assert verbs == ["launched", "initialized", "passed", "completed", "passed", "terminated"], verbs
        check_cmi5_session([h for h in held if h["id"] != info["launched"]], lp, info["session"], 0.8)
        # a second session of the same registration: no second completed or passed
        info2 = stub.launch(au_url("tiny", "tiny-station"), registration=info["registration"])
        s2 = Cmi5Session.start(parse_launch(info2["url"]), tmp_path / "w.db.cmi5-queue")
        _feed(s2, _events(sid="t3", completed=8))
        verbs = defined_verbs(stub.lrs_statements(info["registration"]))
        assert verbs.count("completed") == 1 and verbs.count("passed") == 1 and verbs.count("terminated") == 2


def test_unreachable_lrs_queues_then_the_next_launch_sends_once_in_order(tmp_path):
    with LmsStub() as stub:
        info, lp, s = _session(stub, tmp_path)
        stub.down = True  # the LRS drops away after the launch
        _feed(s, _events(sid="t4"))
        summary = s.summary()
        assert summary.made == 5 and summary.queued == 5 and summary.errors
        assert stub.statements == [st for st in stub.statements if st["id"] == info["launched"]]
        with Outbox(tmp_path / "w.db.cmi5-queue") as ob:
            queued = [q.statement["id"] for q in ob.pending()]
        stub.down = False
        # the next launch on this station sends the earlier session's statements first
        info2, lp2, s2 = _session(stub, tmp_path)
        assert s2.earlier.sent == 5
        _feed(s2, _events(sid="t5"))
        ids = [st["id"] for st in stub.received]
        assert ids[:5] == queued  # in order
        assert len(ids) == len(set(ids)) == 10  # once
        assert s2.summary().queued == 0
        check_cmi5_session(stub.lrs_statements(info["registration"])[1:], lp, info["session"], 0.8)


def test_a_verdict_still_queued_counts_for_the_registration(tmp_path):
    with LmsStub() as stub:
        info, lp, s = _session(stub, tmp_path)
        stub.down = True
        _feed(s, _events(sid="t9"))  # completed and passed, queued
        stub.statements_down, stub.down = True, False  # LaunchData again, statements still unreachable
        again = stub.launch(au_url("tiny", "tiny-station"), registration=info["registration"])
        s2 = Cmi5Session.start(parse_launch(again["url"]), tmp_path / "w.db.cmi5-queue")
        assert s2.tracker.prior == {"completed", "passed"}
        _feed(s2, _events(sid="t10"))
        stub.statements_down = False
        with Outbox(tmp_path / "w.db.cmi5-queue") as ob:
            r = send_pending(ob)
        assert r.left == 0
        verbs = defined_verbs(stub.lrs_statements(info["registration"]))
        assert verbs.count("completed") == 1 and verbs.count("passed") == 1 and verbs.count("initialized") == 2


def test_cmi5_send_sends_the_queue_once_in_order(tmp_path, capfd):
    db = tmp_path / "w.db"
    with LmsStub() as stub:
        info, lp, s = _session(stub, tmp_path)
        stub.fail_status = 503  # the LRS answers, but cannot store
        _feed(s, _events(sid="t6"))
        assert s.summary().queued == 5
        code, out, err = run_cli(capfd, "cmi5-send", "--db", db)
        assert code == 2 and "5 left" in out and "503" in err  # still failing: said, kept
        stub.fail_status = None
        code, out, err = run_cli(capfd, "cmi5-send", "--db", db)
        assert code == 0 and "5 statement(s) sent, 0 left" in out, out + err
        code, out, err = run_cli(capfd, "cmi5-send", "--db", db)
        assert code == 0 and "0 statement(s) sent" in out
        verbs = [st["verb"]["id"].rsplit("/", 1)[-1] for st in stub.received]
        assert verbs == ["initialized", "passed", "completed", "passed", "terminated"]  # once each, in order
        with Outbox(tmp_path / "w.db.cmi5-queue") as ob:
            assert ob.pending() == []


def test_refused_statements_stay_queued_and_other_credentials_send_them(tmp_path, capfd):
    with LmsStub() as stub:
        info, lp, s = _session(stub, tmp_path)
        stub.down = True
        _feed(s, _events(sid="t7"))
        stub.down = False
        stub._tokens.clear()  # the LMS expired the session's token
        with Outbox(tmp_path / "w.db.cmi5-queue") as ob:
            r = send_pending(ob, timeout=2)
        assert r.sent == 0 and r.left == 5 and "401" in r.errors[0]
        # nothing was dropped; with credentials that work (here a fresh session's token) they go
        fresh = stub.launch(au_url("tiny", "tiny-station"))
        token = fetch_token(parse_launch(fresh["url"]))
        code, out, err = run_cli(capfd, "cmi5-send", "--queue", tmp_path / "w.db.cmi5-queue", "--lrs-auth",
                                 _unbase(token))
        assert code == 0 and "5 statement(s) sent" in out, out + err


def _unbase(token: str) -> str:
    import base64

    return base64.b64decode(token).decode("ascii")


# -- the whole path: wardtwin tour --cmi5-launch at the offscreen station ---------------------------

@pytest.mark.parametrize("lrs, station", [("stub", "desktop"), ("stub", "vr"), ("ralph", "desktop")])
def test_cli_tour_launched_by_the_lms_records_cmi5_statements(tmp_path, capfd, lrs, station):
    pytest.importorskip("panda3d")
    upstream = _lrs() if lrs == "ralph" else None
    db = tmp_path / "station.db"
    size = "160x90" if station == "desktop" else "96x108"
    with LmsStub(upstream, mastery=0.5) as stub:
        info = stub.launch(au_url(str(TINY), str(TOUR)), "RN-0077")
        code, out, err = run_cli(capfd, "tour", "--cmi5-launch", info["url"], "--db", db, "--offscreen",
                                 "--station", station, "--size", size, "--fps", "10", "--session", "cmi5-cli")
        if code == 2 and "renderer" in err:  # pragma: no cover - no offscreen renderer here
            pytest.skip(f"no offscreen renderer: {err}")
        assert code == 0, out + err
        assert re.search(r"cmi5: \d+ statement\(s\) sent", out), out
        held = [h for h in stub.lrs_statements(info["registration"]) if h["id"] != info["launched"]]
        verbs = check_cmi5_session(held, parse_launch(info["url"]), info["session"], 0.5)
        assert verbs[0] == "initialized" and verbs[-1] == "terminated" and "completed" in verbs
        assert len(held) - len(verbs) == 8  # one cmi5 allowed statement per step of the tiny tour, as each ended
        assert len(stub.fetch_calls) == 1
    import sqlite3

    con = sqlite3.connect(db)
    try:  # the trainee recorded is the learner the LMS named
        assert con.execute("SELECT trainee FROM sessions WHERE id = 'cmi5-cli'").fetchone() == ("RN-0077",)
    finally:
        con.close()


def test_cli_tour_with_the_lrs_unreachable_queues_and_cmi5_send_delivers_once_in_order(tmp_path, capfd):
    pytest.importorskip("panda3d")
    db = tmp_path / "station.db"
    with LmsStub(mastery=0.5) as stub:
        info = stub.launch(au_url(str(TINY), str(TOUR)), "RN-0078")
        stub.statements_down = True
        code, out, err = run_cli(capfd, "tour", "--cmi5-launch", info["url"], "--db", db, "--offscreen",
                                 "--size", "160x90", "--fps", "10", "--session", "cmi5-offline")
        if code == 2 and "renderer" in err:  # pragma: no cover - no offscreen renderer here
            pytest.skip(f"no offscreen renderer: {err}")
        assert code == 0, out + err  # the tour is recorded; its statements wait
        made = int(re.search(r"cmi5: (\d+) statement\(s\) made, (\d+) queued in", out).group(1))
        assert made > 4 and f"{made} queued in" in out and "cmi5-send" in out and "cannot reach" in out, out
        assert stub.received == []
        stub.statements_down = False
        code, out, err = run_cli(capfd, "cmi5-send", "--db", db)
        assert code == 0 and f"{made} statement(s) sent, 0 left" in out, out + err
        code, out, err = run_cli(capfd, "cmi5-send", "--db", db)
        assert code == 0 and "0 statement(s) sent" in out
        held = [h for h in stub.lrs_statements(info["registration"]) if h["id"] != info["launched"]]
        assert [st["id"] for st in stub.received] == [h["id"] for h in held]  # each once, in the order made
        check_cmi5_session(held, parse_launch(info["url"]), info["session"], 0.5)


def test_cli_tour_cmi5_usage_errors(tmp_path, capfd):
    code, out, err = run_cli(capfd, "tour", "--cmi5-launch", "endpoint=x", "--db", tmp_path / "x.db")
    assert code == 2 and "missing launch parameter" in err
    code, out, err = run_cli(capfd, "tour", "--db", tmp_path / "x.db")
    assert code == 2 and "WARD and TOUR" in err
    code, out, err = run_cli(capfd, "tour", TINY, TOUR, "--db", tmp_path / "x.db")
    assert code == 2 and "--trainee" in err
    assert not (tmp_path / "x.db").exists()


def test_the_pure_core_and_the_package_need_no_panda3d(tmp_path):
    import subprocess
    import sys
    import textwrap

    from conftest import REPO

    code = textwrap.dedent("""
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("panda3d", "direct"):
                    raise ImportError(f"{name} is blocked by the test")
                return None

        sys.meta_path.insert(0, Block())
        import wardtwin.cli, wardtwin.lms.cmi5, wardtwin.lms.client, wardtwin.lms.outbox, wardtwin.lms.package
        assert wardtwin.cli.main(["package", "medsurg-28", "orientation", "-o", sys.argv[1]]) == 0
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("panda3d", "direct"))
        assert not leaked, leaked
    """)
    p = subprocess.run([sys.executable, "-c", code, str(tmp_path / "c.zip")], cwd=REPO, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (tmp_path / "c.zip").is_file()
