"""xAPI 1.0.3 statements for sessions and steps, and posting them to an LRS.

Per session: ``launched`` and ``initialized`` (its first event), per step ``passed`` or
``failed`` (the step's end event), then ``completed`` and ``passed``/``failed`` (score against
the pass mark) when the tour was completed, ``terminated`` when the session ended any other
way the station recorded, or ``abandoned`` when its last event is not ``session_ended`` (or it
ended as abandoned). Verbs are ADL's (``http://adlnet.gov/expapi/verbs/...``) and cmi5's
``https://w3id.org/xapi/adl/verbs/abandoned``. The tour is the session's object, the ward its
grouping activity; each step is an activity whose parent is the tour. Statement ids are uuid5
of the event id and the verb, so rebuilding or re-sending them never makes a duplicate.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from urllib.parse import quote

from wardtwin.errors import WardtwinError
from wardtwin.reports.summary import SessionSummary
from wardtwin.tours.events import event_id

XAPI_VERSION = "1.0.3"
STATEMENT_NAMESPACE = uuid.UUID("0c6f5e0a-8d0e-4b7e-9a55-1f3f1c1f7a10")
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {v: ADL + v for v in ("launched", "initialized", "completed", "passed", "failed", "terminated")}
VERBS["abandoned"] = "https://w3id.org/xapi/adl/verbs/abandoned"
DEFAULT_BASE = "https://wardtwin.invalid/xapi/"
DEFAULT_HOMEPAGE = "https://wardtwin.invalid/trainees"


class LrsError(WardtwinError):
    """The LRS refused the statements or could not be reached after the retries."""


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration, e.g. ``PT1H2M3.5S`` (hundredths of a second, as xAPI recommends)."""
    cs = int(round(max(0.0, seconds) * 100))
    h, rem = divmod(cs, 360000)
    m, rem = divmod(rem, 6000)
    s = rem / 100
    out = "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "")
    if s or out == "PT":
        out += f"{s:.2f}".rstrip("0").rstrip(".") + "S"
    return out


def statement_id(event: str, verb: str) -> str:
    return str(uuid.uuid5(STATEMENT_NAMESPACE, f"{event}:{verb}"))


def _ts(started_at: str, t: float) -> str:
    try:
        t0 = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    except ValueError:
        return started_at
    return (t0 + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def session_statements(s: SessionSummary, *, pseudonym=None, base: str = DEFAULT_BASE,
                       home_page: str = DEFAULT_HOMEPAGE, pass_mark: float = 0.8) -> list[dict]:
    """The statements of one session, in time order."""
    actor = {"objectType": "Agent", "account": {"homePage": home_page,
                                                 "name": pseudonym(s.trainee) if pseudonym else s.trainee}}
    ward = {"objectType": "Activity", "id": f"{base}wards/{quote(s.ward, safe='')}",
            "definition": {"name": {"en-US": f"Ward {s.ward}"}, "type": "http://adlnet.gov/expapi/activities/module"}}
    tour = {"objectType": "Activity", "id": f"{base}tours/{quote(s.ward, safe='')}/{quote(s.tour, safe='')}",
            "definition": {"name": {"en-US": f"{s.tour} tour of {s.ward}"},
                           "type": "http://adlnet.gov/expapi/activities/course"}}
    ext = base + "ext/"
    context = {"registration": str(uuid.uuid5(STATEMENT_NAMESPACE, s.session)), "platform": f"wardtwin {s.station}",
               "language": "en-US",
               "contextActivities": {"grouping": [ward]},
               "extensions": {ext + "session": s.session, ext + "station": s.station, ext + "role": s.role,
                              ext + "layout_hash": s.layout_hash, ext + "tour_version": s.tour_version,
                              ext + "mode": s.mode}}
    step_ctx = {**context, "contextActivities": {"parent": [tour], "grouping": [ward]}}
    out: list[dict] = []
    end_seq = s.last_event if s.last_event is not None else 0
    end_t = s.duration_s

    def add(verb, seq, t, obj, ctx, result=None):
        st = {"id": statement_id(event_id(s.session, seq), verb), "actor": actor,
              "verb": {"id": VERBS[verb], "display": {"en-US": verb}}, "object": obj, "context": ctx,
              "timestamp": _ts(s.started_at, t), "version": XAPI_VERSION}
        if result is not None:
            st["result"] = result
        out.append(st)

    first = s.first_event if s.first_event is not None else 0
    add("launched", first, 0.0, tour, context)
    add("initialized", first, 0.0, tour, context)
    for st in s.steps:
        if st.status not in ("passed", "failed") or st.end_event is None:
            continue
        ok = st.status == "passed"
        obj = {"objectType": "Activity", "id": f"{tour['id']}/steps/{quote(st.step_id, safe='')}",
               "definition": {"name": {"en-US": f"{st.step_id}" + (f": {st.target}" if st.target else "")},
                              "type": "http://adlnet.gov/expapi/activities/interaction"
                              if st.kind == "quiz" else "http://adlnet.gov/expapi/activities/objective"}}
        scaled = st.spl if st.spl is not None else (1.0 if ok else 0.0)
        res = {"success": ok, "completion": True, "duration": iso_duration(st.duration_s or 0.0),
               "score": {"scaled": round(scaled, 4), "raw": round(scaled, 4), "min": 0, "max": 1},
               "extensions": {ext + "hints": st.hints, ext + "revealed": st.revealed}}
        if st.walked_m is not None:
            res["extensions"][ext + "walked_m"] = st.walked_m
            res["extensions"][ext + "shortest_m"] = st.shortest_m
        if st.answer is not None:
            res["response"] = str(st.answer)
        add("passed" if ok else "failed", st.end_event, st.t_end or 0.0, obj, step_ctx, res)
    score = {"scaled": round(s.score, 4), "raw": s.count("passed"), "min": 0, "max": s.steps_total}
    if s.ended and s.outcome == "completed":
        add("completed", end_seq, end_t, tour, context,
            {"completion": True, "duration": iso_duration(end_t), "score": score})
        add("passed" if s.score >= pass_mark else "failed", end_seq, end_t, tour, context,
            {"success": s.score >= pass_mark, "completion": True, "duration": iso_duration(end_t), "score": score})
    if s.ended and s.outcome != "abandoned":
        add("terminated", end_seq, end_t, tour, context,
            {"duration": iso_duration(end_t), "extensions": {ext + "outcome": s.outcome}})
    else:
        add("abandoned", end_seq, end_t, tour, context,
            {"duration": iso_duration(end_t), "extensions": {ext + "outcome": "abandoned"}})
    return out


def statements(sessions: list[SessionSummary], **kw) -> list[dict]:
    return [st for s in sessions for st in session_statements(s, **kw)]


def post_statements(stmts: list[dict], endpoint: str, *, auth: str | None = None, batch: int = 50,
                    retries: int = 5, backoff: float = 0.5, timeout: float = 10.0, sleep=time.sleep) -> dict:
    """Send statements to an LRS: POST in batches; a batch answered 409 (some ids already
    stored) is re-sent one by one with PUT ?statementId= (204 stored, 409 already there).
    Network errors, 429 and 5xx are retried with exponential backoff. Returns counts."""
    url = endpoint.rstrip("/")
    if not url.endswith("/statements"):
        url += "/statements"
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")
    counts = {"posted": 0, "put": 0, "already": 0, "retries": 0}

    def send(method, target, body):
        for attempt in range(retries + 1):
            req = urllib.request.Request(target, data=json.dumps(body).encode("utf-8"), method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=timeout) as resp:
                    return resp.status
            except urllib.error.HTTPError as exc:
                if exc.code == 409:
                    return 409
                if exc.code not in (429, 500, 502, 503, 504) or attempt == retries:
                    detail = exc.read()[:200].decode("utf-8", "replace")
                    raise LrsError(f"{url}: {method} answered {exc.code} {exc.reason} ({detail}); "
                                   + ("check --lrs-auth" if exc.code in (401, 403) else "check the LRS URL and its log")) from None
            except (urllib.error.URLError, OSError) as exc:
                if attempt == retries:
                    raise LrsError(f"{url}: cannot reach the LRS after {retries + 1} tries ({exc}); statements are "
                                   "stable, so sending them again later makes no duplicates") from None
            counts["retries"] += 1
            sleep(backoff * 2 ** attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    for i in range(0, len(stmts), batch):
        chunk = stmts[i:i + batch]
        if send("POST", url, chunk) != 409:
            counts["posted"] += len(chunk)
            continue
        for st in chunk:
            if send("PUT", f"{url}?statementId={st['id']}", st) == 409:
                counts["already"] += 1
            else:
                counts["put"] += 1
    return counts
