"""The pure core of a cmi5 launch: launch parameters, the ``LMS.LaunchData`` document, and the
cmi5 defined statements of a tour session (cmi5 sections 8.1, 9 and 10).

An LMS launches the AU with its URL plus five query parameters (:func:`parse_launch`):
``endpoint`` (the LMS's xAPI endpoint), ``fetch`` (a one-time URL the AU POSTs to for its auth
token), ``actor`` (the learner, an xAPI Agent with an account), ``registration`` (a UUID) and
``activityId`` (the AU's activity IRI in this LMS). The LMS's ``LMS.LaunchData`` state document
(:func:`parse_launch_data`) holds the context template every statement starts from (the session id
extension, the publisher id grouping), the launch mode, moveOn and masteryScore.

:class:`AuTracker` turns a tour session's events into the statements the AU sends: ``initialized``
when the session starts; for each step as it ends a "cmi5 allowed" statement (cmi5 7.1.3: the
context template without the cmi5 category; verb passed, failed or skipped, object the step as an
activity under the AU, which is its parent); when the tour was completed ``completed`` and then ``passed`` or
``failed`` (the share of steps completed against masteryScore, else the tour's pass mark); and
``terminated`` when the session ends in any way. ``launched`` is the LMS's statement, never the
AU's. Every one has the context template with the registration, the cmi5 category activity, and
(completed, passed, failed: the statements whose result has success or completion) the moveOn
category; passed/failed carry the masteryScore extension when LaunchData had one. In Browse and
Review launch modes only initialized and terminated are sent (cmi5 section 10). A verdict the
registration already holds (``prior``) is not sent again: one completed and one passed per
registration, and no failed after a passed (section 9.3). Statement ids are uuid5 of the
registration, the session id and the verb, so a statement sent twice (a retry, a queue sent
again after a crash) is one statement in the LRS. Times: ``now()`` gives each statement's
timestamp (UTC); durations are the tour's own session seconds.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from wardtwin.errors import UsageError, WardtwinError
from wardtwin.events import Event, EventType, Outcome, SessionEnded, StepStarted
from wardtwin.reports.xapi import XAPI_VERSION, iso_duration
from wardtwin.safetext import escape

CMI5 = "https://w3id.org/xapi/cmi5/"
CATEGORY_CMI5 = CMI5 + "context/categories/cmi5"
CATEGORY_MOVEON = CMI5 + "context/categories/moveon"
EXT_SESSION = CMI5 + "context/extensions/sessionid"
EXT_MASTERY = CMI5 + "context/extensions/masteryscore"
ADL = "http://adlnet.gov/expapi/verbs/"
#: The verbs an AU sends (cmi5 section 9.3).
AU_VERBS = {v: ADL + v for v in ("initialized", "completed", "passed", "failed", "terminated")}
#: Verbs of the per-step "cmi5 allowed" statements: a step completed, failed or skipped.
STEP_VERBS = {"step_completed": ("passed", ADL + "passed"), "step_failed": ("failed", ADL + "failed"),
              "step_skipped": ("skipped", "http://id.tincanapi.com/verb/skipped")}
#: moveOn values of the course structure and LaunchData.
MOVE_ON = ("Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable")
LAUNCH_MODES = ("Normal", "Browse", "Review")
#: The launch parameter names (cmi5 section 8.1).
LAUNCH_PARAMS = ("endpoint", "fetch", "actor", "registration", "activityId")
#: The state id of the LMS's launch document, and the agent profile id of learner preferences.
LAUNCH_DATA = "LMS.LaunchData"
LEARNER_PREFERENCES = "cmi5LearnerPreferences"
#: URL scheme of the station in a package's AU url: ``wardtwin://tour/WARD/TOUR``.
SCHEME = "wardtwin"
#: Pass mark used when neither LaunchData nor the tour gives one (the report's default).
DEFAULT_PASS_MARK = 0.8
_NAMESPACE = uuid.UUID("5b0f4f2e-1c55-4a3e-8f7e-2f0c9a1d6e33")


class Cmi5Error(WardtwinError):
    """The LMS's side of a launch is missing or not as cmi5 defines it (exit code 2)."""


@dataclass(frozen=True)
class LaunchParams:
    """The launch parameters (cmi5 8.1); ``url``: the AU's URL without them; ``ward`` and
    ``tour``: what a ``wardtwin://tour/WARD/TOUR`` URL names (None for other URLs)."""

    endpoint: str
    fetch: str
    actor: dict[str, Any]
    registration: str
    activity_id: str
    url: str = ""
    ward: str | None = None
    tour: str | None = None

    @property
    def learner(self) -> str:
        """The learner's account name (the trainee id a station records)."""
        return str(self.actor["account"]["name"])


@dataclass(frozen=True)
class LaunchData:
    """The ``LMS.LaunchData`` state document (cmi5 section 10)."""

    context_template: dict[str, Any]
    launch_mode: str = "Normal"
    move_on: str = "NotApplicable"
    mastery_score: float | None = None
    return_url: str | None = None
    launch_parameters: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def session_id(self) -> str:
        """The LMS's session id (the context template's session id extension)."""
        return str(self.context_template["extensions"][EXT_SESSION])


def _http_url(value: str, name: str) -> str:
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in value):
        raise UsageError(f"cmi5 launch: {name} {escape(value)!r}: an http:// or https:// URL expected")
    return value


def _iri(value: str, name: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or any(c.isspace() or ord(c) < 0x20 for c in value):
        raise UsageError(f"cmi5 launch: {name} {escape(value)!r}: an absolute IRI expected")
    return value


def check_actor(actor: Any, where: str = "cmi5 launch: actor") -> dict[str, Any]:
    """``actor`` when it is an xAPI Agent with an account (homePage and name), as cmi5 9.2
    requires, else a :class:`UsageError`."""
    acc = actor.get("account") if isinstance(actor, dict) else None
    if (not isinstance(actor, dict) or not isinstance(acc, dict) or not isinstance(acc.get("homePage"), str)
            or not isinstance(acc.get("name"), str) or not acc["name"] or actor.get("objectType", "Agent") != "Agent"):
        raise UsageError(f"{where}: an xAPI Agent with an account (homePage and name) expected, e.g. "
                         '{"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": "RN-0042"}}')
    return actor


def parse_launch(text: str) -> LaunchParams:
    """The launch parameters of a launch URL (``wardtwin://tour/W/T?endpoint=...``, any URL) or
    of its query string alone (``endpoint=...&fetch=...``). Every parameter is required; a
    missing or malformed one raises :class:`UsageError` naming it."""
    text = text.strip()
    if "?" in text:
        base, _, query = text.partition("?")
    elif "=" in text and "://" not in text.split("=", 1)[0]:
        base, query = "", text
    else:
        raise UsageError("cmi5 launch: a launch URL with its query string (endpoint, fetch, actor, registration, "
                         "activityId) expected")
    query = query.split("#", 1)[0]
    params: dict[str, str] = {}
    others: list[tuple[str, str]] = []
    for k, v in parse_qsl(query, keep_blank_values=True):
        if k in LAUNCH_PARAMS:
            if k in params:
                raise UsageError(f"cmi5 launch: {k} given twice")
            params[k] = v
        else:
            others.append((k, v))
    missing = [k for k in LAUNCH_PARAMS if not params.get(k)]
    if missing:
        raise UsageError(f"cmi5 launch: missing launch parameter(s): {', '.join(missing)} (an LMS appends endpoint, "
                         "fetch, actor, registration and activityId to the AU's URL)")
    try:
        actor = json.loads(params["actor"])
    except ValueError:
        raise UsageError("cmi5 launch: actor is not JSON (URL-decoded)") from None
    check_actor(actor)
    try:
        registration = str(uuid.UUID(params["registration"]))
    except ValueError:
        raise UsageError(f"cmi5 launch: registration {escape(params['registration'])!r}: a UUID expected") from None
    ward = tour = None
    if base:
        try:
            parts = urlsplit(base)
        except ValueError:
            raise UsageError(f"cmi5 launch: {escape(base)!r} is not a URL") from None
        if parts.scheme == SCHEME and parts.netloc == "tour":
            names = [unquote(p) for p in parts.path.split("/") if p]
            if len(names) == 2:
                ward, tour = names
    return LaunchParams(endpoint=_http_url(params["endpoint"], "endpoint"), fetch=_http_url(params["fetch"], "fetch"),
                        actor=actor, registration=registration, activity_id=_iri(params["activityId"], "activityId"),
                        url=base, ward=ward, tour=tour)


def parse_launch_data(doc: Any) -> LaunchData:
    """The ``LMS.LaunchData`` document (parsed JSON) as :class:`LaunchData`; one that lacks what
    cmi5 section 10 requires of the LMS (a context template with the session id, a known launch
    mode, a moveOn value, a masteryScore from 0 to 1) raises :class:`Cmi5Error`."""
    if not isinstance(doc, dict):
        raise Cmi5Error("LMS.LaunchData is not a JSON object")
    tpl = doc.get("contextTemplate")
    ext = tpl.get("extensions") if isinstance(tpl, dict) else None
    if (not isinstance(tpl, dict) or not isinstance(ext, dict) or not isinstance(ext.get(EXT_SESSION), str)
            or not ext[EXT_SESSION]):
        raise Cmi5Error("LMS.LaunchData: contextTemplate with the session id extension "
                        f"({EXT_SESSION}) expected")
    mode = doc.get("launchMode")
    if mode not in LAUNCH_MODES:
        raise Cmi5Error(f"LMS.LaunchData: launchMode {escape(str(mode))!r}: one of {', '.join(LAUNCH_MODES)} expected")
    move_on = doc.get("moveOn", "NotApplicable")
    if move_on not in MOVE_ON:
        raise Cmi5Error(f"LMS.LaunchData: moveOn {escape(str(move_on))!r}: one of {', '.join(MOVE_ON)} expected")
    mastery = doc.get("masteryScore")
    if mastery is not None and (isinstance(mastery, bool) or not isinstance(mastery, (int, float))
                                or not 0.0 <= mastery <= 1.0):
        raise Cmi5Error(f"LMS.LaunchData: masteryScore {escape(str(mastery))!r}: a number from 0 to 1 expected")
    known = ("contextTemplate", "launchMode", "moveOn", "masteryScore", "returnURL", "launchParameters")
    return LaunchData(context_template=tpl, launch_mode=mode, move_on=move_on,
                      mastery_score=None if mastery is None else float(mastery),
                      return_url=doc.get("returnURL") if isinstance(doc.get("returnURL"), str) else None,
                      launch_parameters=doc.get("launchParameters") if isinstance(doc.get("launchParameters"), str)
                      else None, extra={k: v for k, v in doc.items() if k not in known})


def statement_id(registration: str, session: str, verb: str) -> str:
    """The id of the AU's ``verb`` statement of one session: uuid5 of registration, session, verb."""
    return str(uuid.uuid5(_NAMESPACE, f"{registration}\n{session}\n{verb}"))


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def timestamp(when: datetime) -> str:
    """An xAPI timestamp in UTC with milliseconds (``2026-01-02T03:04:05.678Z``)."""
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when.isoformat(timespec="milliseconds") + "Z"


class AuTracker:
    """The cmi5 defined statements of one AU session, built from tour events as they come
    (see the module docstring). ``pass_mark``: the tour's pass mark, used when LaunchData has
    no masteryScore; ``prior``: verbs (``completed``, ``passed``) this registration already
    holds for the AU; ``now``: the clock for timestamps (a function returning a datetime)."""

    def __init__(self, launch: LaunchParams, data: LaunchData, *, pass_mark: float | None = None,
                 prior: Iterable[str] = (), now: Callable[[], datetime] = _utc_now) -> None:
        self.launch, self.data, self.now = launch, data, now
        self.pass_mark = data.mastery_score if data.mastery_score is not None else (
            DEFAULT_PASS_MARK if pass_mark is None else pass_mark)
        self.prior = set(prior)
        self.initialized = self.terminated = False
        self.verdict: str | None = None
        self._last: datetime | None = None
        self._steps: dict[int, StepStarted] = {}  # step index -> its step_started payload (id, kind, title)

    def _context(self, moveon: bool, mastery: bool) -> dict[str, Any]:
        ctx = copy.deepcopy(self.data.context_template)  # the template's values are never overwritten
        ctx.setdefault("registration", self.launch.registration)
        acts = ctx.setdefault("contextActivities", {})
        cats = acts.get("category")
        cats = [cats] if isinstance(cats, dict) else list(cats or [])
        for cid in (CATEGORY_CMI5, CATEGORY_MOVEON if moveon else None):
            if cid and not any(isinstance(c, dict) and c.get("id") == cid for c in cats):
                cats.append({"objectType": "Activity", "id": cid})
        acts["category"] = cats
        if mastery and self.data.mastery_score is not None:
            ctx.setdefault("extensions", {}).setdefault(EXT_MASTERY, self.data.mastery_score)
        return ctx

    def _statement(self, verb: str, result: dict[str, Any] | None = None, *, moveon: bool = False,
                   mastery: bool = False) -> dict[str, Any]:
        st = {"id": statement_id(self.launch.registration, self.data.session_id, verb), "actor": self.launch.actor,
              "verb": {"id": AU_VERBS[verb], "display": {"en-US": verb}},
              "object": {"objectType": "Activity", "id": self.launch.activity_id},
              "context": self._context(moveon, mastery), "timestamp": timestamp(self._stamp()), "version": XAPI_VERSION}
        if result is not None:
            st["result"] = result
        return st

    def _stamp(self) -> datetime:
        """``now()``, at least a millisecond after the last statement's, so that the order of
        the timestamps is the order of the statements (cmi5 9.3 orders by timestamp)."""
        t = self.now()
        if t.tzinfo is None:
            t = t.replace(tzinfo=timezone.utc)
        if self._last is not None and t < self._last + timedelta(milliseconds=1):
            t = self._last + timedelta(milliseconds=1)
        self._last = t
        return t

    def on_event(self, event: Event) -> list[dict[str, Any]]:
        """The statements ``event`` (a :class:`~wardtwin.events.Event`) makes, in order."""
        if self.terminated:
            return []
        if event.type == EventType.SESSION_STARTED and not self.initialized:
            self.initialized = True
            return [self._statement("initialized")]
        if not self.initialized:
            return []
        if event.type == EventType.STEP_STARTED and event.step is not None:
            self._steps[event.step] = cast(StepStarted, event.payload)
            return []
        if event.type in STEP_VERBS and event.step is not None:
            return [self._step_statement(event, event.step)]
        if event.type != EventType.SESSION_ENDED:
            return []
        ended = cast(SessionEnded, event.payload)
        t = float(ended.duration_s)
        out: list[dict[str, Any]] = []
        if ended.outcome == Outcome.COMPLETED and self.data.launch_mode == "Normal":
            out += self._judged(t, ended.steps or {})
        self.terminated = True
        out.append(self._statement("terminated", {"duration": iso_duration(t)}))
        return out

    def _step_statement(self, event: Event, step: int) -> dict[str, Any]:
        """A "cmi5 allowed" statement (cmi5 7.1.3: the context template, no cmi5 category) about
        one step: passed, failed or skipped, its object ``<activityId>/steps/<step id>`` with the
        AU as its parent; id from the registration, session and the event's number."""
        from urllib.parse import quote

        started = self._steps.get(step)
        sid = str((started.id if started is not None else None) or f"step-{step + 1}")
        verb, iri = STEP_VERBS[event.type]
        d = event.data
        interaction = started is not None and started.kind in ("quiz", "identify")
        kind = "http://adlnet.gov/expapi/activities/" + ("interaction" if interaction else "objective")
        obj = {"objectType": "Activity", "id": f"{self.launch.activity_id.rstrip('/')}/steps/{quote(sid, safe='')}",
               "definition": {"name": {"en-US": str((started.title if started is not None else None) or sid)},
                              "type": kind}}
        ctx = copy.deepcopy(self.data.context_template)
        ctx.setdefault("registration", self.launch.registration)
        acts = ctx.setdefault("contextActivities", {})
        parents = acts.get("parent")
        parents = [parents] if isinstance(parents, dict) else list(parents or [])
        acts["parent"] = parents + [{"objectType": "Activity", "id": self.launch.activity_id}]
        result: dict[str, Any] = {"duration": iso_duration(float(d.get("duration_s") or 0.0))}
        if verb != "skipped":
            result["success"] = verb == "passed"
        if isinstance(d.get("spl"), (int, float)) and not isinstance(d.get("spl"), bool):
            result["score"] = {"scaled": round(min(1.0, max(0.0, float(d["spl"]))), 4)}
        if d.get("answer") is not None:
            result["response"] = str(d["answer"])[:500]
        return {"id": statement_id(self.launch.registration, self.data.session_id, f"event:{event.seq}"),
                "actor": self.launch.actor, "verb": {"id": iri, "display": {"en-US": verb}}, "object": obj,
                "context": ctx, "result": result, "timestamp": timestamp(self._stamp()), "version": XAPI_VERSION}

    def _judged(self, t: float, steps: Mapping[str, Any]) -> list[dict[str, Any]]:
        """completed, then passed or failed, for a tour completed in Normal launch mode."""
        out: list[dict[str, Any]] = []
        if "completed" not in self.prior:
            out.append(self._statement("completed", {"completion": True, "duration": iso_duration(t)}, moveon=True))
            self.prior.add("completed")
        total = int(steps.get("total") or 0)
        done = min(int(steps.get("completed") or 0), total)
        scaled = round(done / total, 4) if total else 1.0
        ok = scaled >= self.pass_mark
        if "passed" in self.prior:  # one passed per registration, and no failed after it (cmi5 9.3)
            return out
        verb = "passed" if ok else "failed"
        score = {"scaled": scaled, "raw": done, "min": 0, "max": total}
        out.append(self._statement(verb, {"success": ok, "duration": iso_duration(t), "score": score},
                                   moveon=True, mastery=True))
        self.verdict = verb
        if ok:
            self.prior.add("passed")
        return out


def au_url(ward: str, tour: str) -> str:
    """The AU url of a tour in a course package: ``wardtwin://tour/WARD/TOUR`` (cmi5 13.1.4
    allows an application's own scheme for AUs that are not web pages)."""
    from urllib.parse import quote

    return urlunsplit((SCHEME, "tour", f"/{quote(ward, safe='')}/{quote(tour, safe='')}", "", ""))
