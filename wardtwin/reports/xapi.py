"""xAPI 1.0.3 statements for sessions and steps, and posting them to an LRS.

Per session: ``launched`` and ``initialized`` (its first event), per step ``passed`` or
``failed`` (the step's end event), then ``completed`` and ``passed``/``failed`` (score against
the pass mark) when the tour was completed, ``terminated`` when the session ended any other
way the station recorded, or ``abandoned`` when its last event is not ``session_ended`` (or it
ended as abandoned). Verbs are ADL's (``http://adlnet.gov/expapi/verbs/...``) and cmi5's
``https://w3id.org/xapi/adl/verbs/abandoned``. The tour is the session's object, the ward its
grouping activity; each step is an activity whose parent is the tour. Statement ids are uuid5
of the event id and the verb, so rebuilding or re-sending them never makes a duplicate.

Size: the session-level statements carry the session's whole context (station, role, layout
hash, tour version, mode as context extensions; the ward with its definition); the step
statements, about nine in ten of all, carry the same ``registration`` (one per session), the
session id, and the tour (parent) and ward (grouping) by id only. An LRS keeps one definition per activity id, so
nothing is lost; the file is about 1 KB per statement. :func:`dumps` writes one compact
statement per line (``-o statements.json.gz`` gzips it as well).

Identity: activities live under an activity base IRI and trainees' accounts under an account
home page (``--activity-base``, ``--account-home``, or ``[xapi]`` in the configuration file,
:mod:`wardtwin.config`; the defaults are under ``https://wardtwin.invalid/``), so two hospitals'
``icu-12`` and ``RN-0042`` stay apart in a shared LRS. Statement ids and registrations are uuid5
of the event, the verb and that identity. A pseudonymised export (``pseudonym``) replaces the
session id by its keyed pseudonym everywhere (extension, registration, statement ids), so its
statements cannot be joined to a named export of the same sessions without the key.

Verdicts: a completed session's ``passed``/``failed`` statement depends on the pass mark, which
is part of its id and sits in its result (``ext/pass_mark``): the one given, else the tour's
``pass_mark`` recorded when the session started, else :data:`DEFAULT_PASS_MARK`. When statements are posted,
:func:`post_statements` asks the LRS for the session's earlier verdicts (same registration and
tour) and voids every one that is not the current verdict (xAPI's ``voided`` verb), so re-exporting
with another pass mark leaves one verdict per attempt. A 409 from the LRS is not taken as "already
there": each statement is fetched and compared (the xAPI statement comparison rules); identical ones
count as already stored, different ones are conflicts, reported with :class:`LrsConflictError`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from wardtwin.errors import WardtwinError
from wardtwin.reports.summary import SessionSummary
from wardtwin.store.journal import EventIds

if TYPE_CHECKING:
    from hashlib import _Hash

    from wardtwin.reports.pseudonym import Pseudonymiser

#: An xAPI statement (or a part of one): JSON as :mod:`json` reads and writes it.
Statement = dict[str, Any]

XAPI_VERSION = "1.0.3"
STATEMENT_NAMESPACE = uuid.UUID("0c6f5e0a-8d0e-4b7e-9a55-1f3f1c1f7a10")
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {v: ADL + v for v in ("launched", "initialized", "completed", "passed", "failed", "terminated")}
VERBS["abandoned"] = "https://w3id.org/xapi/adl/verbs/abandoned"
VOIDED = ADL + "voided"
DEFAULT_BASE = "https://wardtwin.invalid/xapi/"
DEFAULT_HOMEPAGE = "https://wardtwin.invalid/trainees"
#: Extension keys (what a value means, not where an activity lives: the same at every site).
EXT = "https://wardtwin.invalid/xapi/ext/"
#: The pass mark of sessions that recorded none (their tour set none, or they predate the record).
DEFAULT_PASS_MARK = 0.8
_VERB_OBJECTS = {v: {"id": iri, "display": {"en-US": v}} for v, iri in VERBS.items()}
_ENCODER = json.JSONEncoder(separators=(",", ":"))


class LrsError(WardtwinError):
    """The LRS refused the statements or could not be reached after the retries."""


class LrsConflictError(LrsError):
    """The LRS holds other statements under ids this export uses (``conflicts``: their ids).
    Everything else was sent; the conflicting statements were not."""

    def __init__(self, url: str, conflicts: list[str], counts: dict[str, int]) -> None:
        self.conflicts, self.counts = conflicts, counts
        shown = ", ".join(conflicts[:3]) + (f" and {len(conflicts) - 3} more" if len(conflicts) > 3 else "")
        super().__init__(f"{url}: {len(conflicts)} statement(s) conflict with different statements the LRS already "
                         f"holds under the same id ({shown}); they were not sent (the others were: {counts}). "
                         "Was this store, or another with the same session ids, exported before with other "
                         "content? Check with the LRS's administrator before sending again")


class Identity:
    """Where activities and accounts live: ``activity_base`` (ends with ``/``) and
    ``account_home`` (the homePage of trainees' accounts); both absolute http(s) IRIs."""

    __slots__ = ("activity_base", "account_home", "scope")

    def __init__(self, activity_base: str = DEFAULT_BASE, account_home: str = DEFAULT_HOMEPAGE) -> None:
        self.activity_base, self.account_home = activity_base, account_home
        # the default identity keeps the ids of earlier releases; any other is part of every id
        self.scope = "" if (activity_base, account_home) == (DEFAULT_BASE, DEFAULT_HOMEPAGE) else (
            f"{activity_base}\n{account_home}\n")


def check_iri(value: str, what: str, *, base: bool = False) -> str:
    """``value`` when it is an absolute http(s) IRI with a host and without spaces, controls,
    query or fragment; ``base``: ends with ``/`` (added when missing). Else a
    :class:`~wardtwin.errors.UsageError` naming ``what`` (an option or a configuration key)."""
    from urllib.parse import urlsplit

    from wardtwin.errors import UsageError
    from wardtwin.safetext import escape

    bad = any(c.isspace() or ord(c) < 0x20 or c in '"<>\\^`{|}' for c in value)
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if bad or parts is None or parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise UsageError(f"{what} {escape(value)!r}: an absolute http:// or https:// IRI expected, without spaces, "
                         "query or fragment, e.g. https://lms.example-hospital.org/xapi/")
    if base and not value.endswith("/"):
        value += "/"
    return value


def identity_from(activity_base: str | None = None, account_home: str | None = None,
                  env: Mapping[str, str] | None = None) -> Identity:
    """The :class:`Identity` from the options given, else the configuration file's ``[xapi]``
    (:mod:`wardtwin.config`), else the defaults; each value checked with :func:`check_iri`."""
    from wardtwin.config import setting

    base, where_b = setting("xapi", "activity_base", activity_base, env)
    home, where_h = setting("xapi", "account_home", account_home, env)
    return Identity(check_iri(base, where_b, base=True) if base is not None else DEFAULT_BASE,
                    check_iri(home, where_h) if home is not None else DEFAULT_HOMEPAGE)


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


def _uuid5_text(prefix: _Hash, name: str) -> str:
    """uuid5 text of a SHA-1 state ``prefix`` (holding the namespace) plus ``name``."""
    h = prefix.copy()
    h.update(name.encode("utf-8"))
    b = bytearray(h.digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50
    b[8] = (b[8] & 0x3F) | 0x80
    x = b.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


_STATEMENT_PREFIX = hashlib.sha1(STATEMENT_NAMESPACE.bytes)


def statement_id(event: str, verb: str) -> str:
    """``uuid5(STATEMENT_NAMESPACE, "<event id>:<verb>")``."""
    return _uuid5_text(_STATEMENT_PREFIX, f"{event}:{verb}")


def _clock(started_at: str) -> Callable[[float], str]:
    """``t (session seconds) -> xAPI timestamp`` (UTC, milliseconds, ``Z``) for a session start."""
    try:
        t0 = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    except ValueError:
        return lambda t: started_at
    if t0.tzinfo is not None:
        t0 = t0.astimezone(timezone.utc).replace(tzinfo=None)
    return lambda t: (t0 + timedelta(seconds=t)).isoformat(timespec="milliseconds") + "Z"


class _Activities:
    """Activity objects shared between statements (the same dict for the same activity)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._cache: dict[tuple[object, ...], Statement] = {}

    def _activity(self, key: tuple[str, ...], path: str, name: str, kind: str, full: bool) -> Statement:
        """An activity (cached): its id alone, or with ``full`` its type and name too."""
        a = self._cache.get((*key, full))
        if a is None:
            a = {"id": f"{self.base}{path}"}
            if full:
                a["objectType"] = "Activity"
                a["definition"] = {"name": {"en-US": name}, "type": f"http://adlnet.gov/expapi/activities/{kind}"}
            self._cache[(*key, full)] = a
        return a

    def ward(self, ward: str, *, full: bool) -> Statement:
        """The ward activity; ``full=False``: its id alone (objectType defaults to Activity)."""
        return self._activity(("ward", ward), f"wards/{quote(ward, safe='')}", f"Ward {ward}", "module", full)

    def tour(self, ward: str, tour: str, *, full: bool) -> Statement:
        """The tour activity; ``full=False``: its id alone."""
        return self._activity(("tour", ward, tour), f"tours/{quote(ward, safe='')}/{quote(tour, safe='')}",
                              f"{tour} tour of {ward}", "course", full)

    def step(self, ward: str, tour: str, step_id: str, target: str | None, kind: str | None) -> Statement:
        key = ("step", ward, tour, step_id, target, kind == "quiz")
        a = self._cache.get(key)
        if a is None:
            a = self._cache[key] = {
                "objectType": "Activity",
                "id": f"{self.tour(ward, tour, full=False)['id']}/steps/{quote(step_id, safe='')}",
                "definition": {"name": {"en-US": f"{step_id}" + (f": {target}" if target else "")},
                               "type": "http://adlnet.gov/expapi/activities/interaction"
                               if kind == "quiz" else "http://adlnet.gov/expapi/activities/objective"}}
        return a


def session_statements(s: SessionSummary, *, pseudonym: Pseudonymiser | None = None, identity: Identity | None = None,
                       pass_mark: float | None = None, _acts: _Activities | None = None) -> list[Statement]:
    """The statements of one session, in time order. ``pseudonym``: a
    :class:`~wardtwin.reports.pseudonym.Pseudonymiser` (trainee and session ids replaced).
    ``pass_mark``: None judges by the session's own (see the module's text)."""
    if pass_mark is None:
        pass_mark = s.pass_mark if s.pass_mark is not None else DEFAULT_PASS_MARK
    identity = identity or Identity()
    acts = _acts or _Activities(identity.activity_base)
    actor = {"objectType": "Agent", "account": {"homePage": identity.account_home,
                                                 "name": pseudonym(s.trainee) if pseudonym else s.trainee}}
    tour = acts.tour(s.ward, s.tour, full=True)
    ext = EXT
    session = pseudonym.session(s.session) if pseudonym else s.session
    registration = _uuid5_text(_STATEMENT_PREFIX, identity.scope + session)
    platform = f"wardtwin {s.station}"
    context: Statement = {"registration": registration, "platform": platform, "language": "en-US",
               "contextActivities": {"grouping": [acts.ward(s.ward, full=True)]},
               "extensions": {ext + "session": session, ext + "station": s.station, ext + "role": s.role,
                              ext + "layout_hash": s.layout_hash, ext + "tour_version": s.tour_version,
                              ext + "mode": s.mode}}
    step_ctx: Statement = {"registration": registration,
                "contextActivities": {"parent": [acts.tour(s.ward, s.tour, full=False)],
                                      "grouping": [acts.ward(s.ward, full=False)]},
                "extensions": {ext + "session": session}}
    ids = EventIds(session)
    scope = identity.scope
    clock = _clock(s.started_at)
    out: list[Statement] = []
    end_seq = s.last_event if s.last_event is not None else 0
    end_t = s.duration_s

    def add(verb: str, seq: int, t: float, obj: Statement, ctx: Statement, result: Statement | None = None,
            tag: str = "") -> None:
        st = {"id": statement_id(scope + ids(seq), verb + tag), "actor": actor, "verb": _VERB_OBJECTS[verb], "object": obj,
              "context": ctx, "timestamp": clock(t), "version": XAPI_VERSION}
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
        obj = acts.step(s.ward, s.tour, st.step_id, st.target, st.kind)
        scaled = round(st.spl if st.spl is not None else (1.0 if ok else 0.0), 4)
        res: Statement = {"success": ok, "completion": True, "duration": iso_duration(st.duration_s or 0.0),
               "score": {"scaled": scaled, "raw": scaled, "min": 0, "max": 1},
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
        # the verdict depends on the pass mark: part of its id, so another mark makes another statement
        add("passed" if s.score >= pass_mark else "failed", end_seq, end_t, tour, context,
            {"success": s.score >= pass_mark, "completion": True, "duration": iso_duration(end_t), "score": score,
             "extensions": {ext + "pass_mark": pass_mark}}, tag=f"@{pass_mark!r}")
    if s.ended and s.outcome != "abandoned":
        add("terminated", end_seq, end_t, tour, context,
            {"duration": iso_duration(end_t), "extensions": {ext + "outcome": s.outcome}})
    else:
        add("abandoned", end_seq, end_t, tour, context,
            {"duration": iso_duration(end_t), "extensions": {ext + "outcome": "abandoned"}})
    return out


def statements(sessions: list[SessionSummary], *, identity: Identity | None = None,
               pseudonym: Pseudonymiser | None = None, pass_mark: float | None = None) -> list[Statement]:
    """The statements of every session (activity objects shared between them)."""
    identity = identity or Identity()
    acts = _Activities(identity.activity_base)
    return [st for s in sessions for st in session_statements(s, identity=identity, _acts=acts, pseudonym=pseudonym,
                                                              pass_mark=pass_mark)]


def dumps(stmts: list[Statement]) -> str:
    """The statements as a JSON array, one compact statement per line."""
    if not stmts:
        return "[]\n"
    return "[\n" + ",\n".join(map(_ENCODER.encode, stmts)) + "\n]\n"


def encode_file(stmts: list[Statement], gz: bool = False) -> bytes:
    """The bytes of a statements file: :func:`dumps` as UTF-8, gzipped (reproducibly) when ``gz``."""
    data = dumps(stmts).encode("utf-8")
    return gzip.compress(data, compresslevel=6, mtime=0) if gz else data


def check_endpoint(endpoint: str) -> str:
    """``endpoint`` when it can be an LRS's xAPI endpoint (an ``http(s)://host/...`` URL), else
    a :class:`~wardtwin.errors.UsageError` (checked before anything is written or sent)."""
    from urllib.parse import urlsplit

    from wardtwin.errors import UsageError

    try:
        parts = urlsplit(endpoint)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in endpoint):
        raise UsageError(f"--lrs {endpoint!r}: not an LRS endpoint; an http:// or https:// URL expected, e.g. "
                         "https://lrs.example.org/xapi/")
    return endpoint


_SPEC_IGNORED = ("id", "stored", "authority", "timestamp", "version")


def _normal(x: object, default_type: str | None = None) -> object:
    """A statement part for comparison: dicts without the defaulted ``objectType``."""
    if isinstance(x, dict):
        return {k: _normal(v, "Activity" if k in ("object", "parent", "grouping", "category", "other") else
                           "Agent" if k in ("actor", "instructor") else None)
                for k, v in x.items() if not (k == "objectType" and v == default_type)}
    if isinstance(x, list):
        return [_normal(v, default_type) for v in x]
    return x


def equivalent(a: Statement, b: Statement) -> bool:
    """Whether two statements are the same by xAPI 1.0.3's statement comparison rules: every
    property but id, stored, authority, timestamp and version equal (``objectType`` defaults
    aside)."""
    keys = (set(a) | set(b)) - set(_SPEC_IGNORED)
    return all(_normal(a.get(k), "Agent" if k == "actor" else "Activity" if k == "object" else None)
               == _normal(b.get(k), "Agent" if k == "actor" else "Activity" if k == "object" else None) for k in keys)


def voiding(verdict: Statement, old_id: str) -> Statement:
    """The statement that voids ``old_id`` (a superseded verdict), by ``verdict``'s actor, in the
    same registration (so a query for the attempt finds it); its id and content depend on both
    only, so sending it again changes nothing."""
    return {"id": statement_id(old_id, "voided"), "actor": verdict["actor"],
            "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
            "object": {"objectType": "StatementRef", "id": old_id},
            "context": {"registration": verdict["context"]["registration"]},
            "timestamp": verdict["timestamp"], "version": XAPI_VERSION}


class _Lrs:
    """HTTP to one LRS's statements resource, with retries of network errors, 429 and 5xx."""

    def __init__(self, endpoint: str, auth: str | None, retries: int, backoff: float, timeout: float,
                 sleep: Callable[[float], object], counts: dict[str, int]) -> None:
        url = check_endpoint(endpoint).rstrip("/")
        self.url = url if url.endswith("/statements") else url + "/statements"
        self.headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
        if auth:
            self.headers["Authorization"] = "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")
        self.retries, self.backoff, self.timeout, self.sleep, self.counts = retries, backoff, timeout, sleep, counts

    def send(self, method: str, target: str, body: object = None) -> tuple[int, bytes]:
        """``(status, body)``; 404 (GET) and 409 are answers, other errors raise :class:`LrsError`."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(target, data=data, method=method, headers=self.headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    status: int = resp.status
                    return status, resp.read()
            except urllib.error.HTTPError as exc:
                with exc:
                    detail = exc.read()[:300]
                if exc.code == 409 or (exc.code == 404 and method == "GET"):
                    return exc.code, detail
                if exc.code not in (429, 500, 502, 503, 504) or attempt == self.retries:
                    raise LrsError(f"{self.url}: {method} answered {exc.code} {exc.reason} "
                                   f"({detail[:200].decode('utf-8', 'replace')}); "
                                   + ("check --lrs-auth" if exc.code in (401, 403) else
                                      "check the LRS URL and its log")) from None
            except (urllib.error.URLError, OSError) as exc:
                if attempt == self.retries:
                    raise LrsError(f"{self.url}: cannot reach the LRS after {self.retries + 1} tries ({exc}); "
                                   "statements are stable, so sending them again later makes no duplicates") from None
            self.counts["retries"] += 1
            self.sleep(self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _json(self, body: bytes, what: str) -> Any:
        try:
            return json.loads(body)
        except ValueError:
            raise LrsError(f"{self.url}: the LRS answered {what} with something that is not JSON") from None

    def get(self, statement_id: str) -> Statement | None:
        """The stored statement with that id, or None."""
        code, body = self.send("GET", f"{self.url}?statementId={quote(statement_id)}")
        if code == 404:
            return None
        doc = self._json(body, "a statement request")
        if isinstance(doc, dict) and isinstance(doc.get("statements"), list):  # a result page (some LRSs)
            doc = next((s for s in doc["statements"] if isinstance(s, dict) and s.get("id") == statement_id), None)
        return doc if isinstance(doc, dict) else None

    def query(self, **params: str) -> list[Statement]:
        """Every statement matching ``params`` (xAPI query parameters), following ``more``."""
        from urllib.parse import urlencode, urljoin

        out: list[Statement] = []
        target = f"{self.url}?{urlencode(params)}"
        for _ in range(1000):
            code, body = self.send("GET", target)
            doc = self._json(body, "a query") if code == 200 else {}
            out += [s for s in doc.get("statements", []) if isinstance(s, dict)]
            more = doc.get("more")
            if not more:
                break
            target = urljoin(self.url, more)
        return out

    def store_one(self, st: Statement) -> str:
        """``sent``, ``already`` (an equivalent statement is stored) or ``conflict``."""
        stored = self.get(st["id"])
        if stored is None:
            code, _ = self.send("PUT", f"{self.url}?statementId={quote(st['id'])}", st)
            if code != 409:
                return "sent"
            stored = self.get(st["id"])
        return "already" if stored is not None and equivalent(st, stored) else "conflict"

    def post(self, stmts: list[Statement], batch: int, conflicts: list[str]) -> None:
        """POST in batches; a batch answered 409 is settled statement by statement."""
        counts = self.counts
        for i in range(0, len(stmts), batch):
            chunk = stmts[i:i + batch]
            code, body = self.send("POST", self.url, chunk)
            if code == 204:  # ralph's answer when it held every statement already
                counts["already"] += len(chunk)
            elif code != 409:
                try:  # the ids stored: all of them (xAPI), or only the new ones (ralph)
                    stored = len(set(json.loads(body)) & {st["id"] for st in chunk})
                except (ValueError, TypeError):
                    stored = len(chunk)
                counts["sent"] += stored
                counts["already"] += len(chunk) - stored
            else:
                for st in chunk:
                    state = self.store_one(st)
                    counts[state if state != "conflict" else "conflicts"] += 1
                    if state == "conflict":
                        conflicts.append(st["id"])


def post_statements(stmts: list[Statement], endpoint: str, *, auth: str | None = None, batch: int = 50,
                    retries: int = 5, backoff: float = 0.5, timeout: float = 10.0,
                    sleep: Callable[[float], object] = time.sleep, void_superseded: bool = True) -> dict[str, int]:
    """Send statements to an LRS (see the module docstring): POST in batches; a batch answered
    409 is settled one by one (fetched and compared: equivalent = already stored; missing = PUT;
    different = a conflict). Then, with ``void_superseded``, every earlier verdict of the same
    attempts that is not the current one is voided. Network errors, 429 and 5xx are retried with
    exponential backoff. Returns counts (sent, already, conflicts, voided, retries); raises
    :class:`LrsConflictError` after sending everything else when there were conflicts."""
    counts = {"sent": 0, "already": 0, "conflicts": 0, "voided": 0, "retries": 0}
    lrs = _Lrs(endpoint, auth, retries, backoff, timeout, sleep, counts)
    conflicts: list[str] = []
    verdict_verbs = (VERBS["passed"], VERBS["failed"])

    def is_verdict(st: Statement) -> bool:
        return st["verb"]["id"] in verdict_verbs and EXT + "pass_mark" in st.get("result", {}).get("extensions", {})

    if void_superseded:  # a verdict voided earlier (its pass mark came back) is issued again under a new id
        stmts = [_live_verdict(lrs, st) if is_verdict(st) else st for st in stmts]
    lrs.post(stmts, batch, conflicts)
    if void_superseded:
        skip = set(conflicts)
        voids: list[Statement] = []
        for v in stmts:
            if not is_verdict(v) or v["id"] in skip:
                continue
            act = v["object"]["id"]
            # by registration alone, the rest compared here (ralph 5.1.0 answers no statement to activity=)
            for old in lrs.query(registration=v["context"]["registration"]):
                if (old.get("id") != v["id"] and old.get("verb", {}).get("id") in verdict_verbs
                        and old.get("object", {}).get("id") == act and isinstance(old.get("id"), str)):
                    voids.append(voiding(v, old["id"]))
        lrs.counts = {"sent": 0, "already": 0, "conflicts": 0, "retries": counts["retries"]}
        lrs.post(voids, batch, conflicts)  # voidings sent before count as neither sent nor voided
        counts["voided"], counts["retries"], counts["conflicts"] = (
            lrs.counts["sent"], lrs.counts["retries"], counts["conflicts"] + lrs.counts["conflicts"])
        lrs.counts = counts
    if conflicts:
        raise LrsConflictError(lrs.url, conflicts, counts)
    return counts


def _live_verdict(lrs: _Lrs, verdict: Statement) -> Statement:
    """``verdict``, or when the LRS holds our voiding of it (the same verdict was superseded
    before and is current again), the same verdict under the next id of its chain
    (``uuid5(id, "reissued-k")``) that is not voided. A statement once voided stays voided."""
    current = verdict
    for k in range(1, 1000):
        if lrs.get(statement_id(current["id"], "voided")) is None:
            return current
        current = dict(verdict, id=statement_id(verdict["id"], f"reissued-{k}"))
    raise LrsError(f"{lrs.url}: verdict {verdict['id']} was voided 1000 times")


def describe(counts: Mapping[str, int]) -> str:
    """LRS counts in words, for the command's last line."""
    text = f"{counts['sent']} sent, {counts['already']} already there"
    if counts.get("voided"):
        text += f", {counts['voided']} superseded verdict(s) voided"
    if counts.get("retries"):
        text += f" ({counts['retries']} retries)"
    return text
