"""SSQ, FMS, SPL/SoftSPL against hand-computed cases, and the event contract."""

import json

import pytest

from wardtwin.errors import UnknownNameError, UsageError
from wardtwin.events import Event, event_id
from wardtwin.metrics import SSQ_ITEMS, SSQ_TOTAL_MAX, check_fms, soft_spl, spl, ssq_scores


def test_ssq_all_zero_and_all_three():
    zero = ssq_scores(dict.fromkeys(SSQ_ITEMS, 0))
    assert zero.total == 0 and zero.nausea == 0
    top = ssq_scores(dict.fromkeys(SSQ_ITEMS, 3))
    assert top.nausea == pytest.approx(21 * 9.54) and top.oculomotor == pytest.approx(21 * 7.58)
    assert top.disorientation == pytest.approx(21 * 13.92) and top.total == pytest.approx(SSQ_TOTAL_MAX)


def test_ssq_shared_items_count_on_two_subscales():
    # nausea loads on N and D; difficulty focusing on O and D; general discomfort on N and O
    a = dict.fromkeys(SSQ_ITEMS, 0)
    a.update(nausea=2, difficulty_focusing=1, general_discomfort=1)
    s = ssq_scores(a)
    assert s.nausea == pytest.approx((2 + 1) * 9.54)  # nausea + general discomfort
    assert s.oculomotor == pytest.approx((1 + 1) * 7.58)  # focusing + general discomfort
    assert s.disorientation == pytest.approx((2 + 1) * 13.92)  # nausea + focusing
    assert s.total == pytest.approx((3 + 2 + 3) * 3.74)


def test_ssq_rejects_bad_answers():
    with pytest.raises(UnknownNameError, match="vertigo"):
        ssq_scores({**dict.fromkeys(SSQ_ITEMS, 0), "vertgo": 1})
    with pytest.raises(UsageError, match="missing"):
        ssq_scores({"nausea": 1})
    with pytest.raises(UsageError, match="0-3"):
        ssq_scores({**dict.fromkeys(SSQ_ITEMS, 0), "nausea": 4})


def test_fms_range():
    assert check_fms(0) == 0 and check_fms(20) == 20
    for bad in (-1, 21, 3.5, True, "5"):
        with pytest.raises(UsageError):
            check_fms(bad)


def test_spl_hand_cases():
    assert spl(True, 10.0, 10.0) == 1.0
    assert spl(True, 10.0, 20.0) == 0.5
    assert spl(True, 10.0, 8.0) == 1.0  # walked less than the shortest (snapping): capped at 1
    assert spl(False, 10.0, 10.0) == 0.0
    assert spl(True, 0.0, 3.0) == 1.0  # already there
    assert soft_spl(10.0, 10.0, 0.0) == 1.0
    assert soft_spl(10.0, 20.0, 5.0) == pytest.approx(0.5 * 0.5)
    assert soft_spl(10.0, 5.0, 12.0) == 0.0  # walked away: no progress


def test_event_ids_are_stable_and_json_round_trips():
    e = Event("s-1", 3, "comfort_rating", 61.5, 2, {"fms": 4})
    assert e.id == event_id("s-1", 3) == Event("s-1", 3, "comfort_rating", 0.0, None, {"fms": 9}).id
    assert e.id != event_id("s-1", 4) and e.id != event_id("s-2", 3)
    back = Event.from_dict(json.loads(e.to_json()))
    assert back == e and back.to_json() == e.to_json()


def test_event_contract_is_enforced():
    with pytest.raises(UnknownNameError, match="step_completed"):
        Event("s", 0, "step_complete", 0.0)
    with pytest.raises(UsageError, match="fms"):
        Event("s", 0, "comfort_rating", 0.0)
    with pytest.raises(UnknownNameError, match="abandoned"):
        Event("s", 0, "session_ended", 1.0, None, {"outcome": "crashed", "duration_s": 1.0})
    d = Event("s", 0, "resumed", 0.0).to_dict()
    d["id"] = "forged"
    with pytest.raises(UsageError, match="does not match"):
        Event.from_dict(d)
