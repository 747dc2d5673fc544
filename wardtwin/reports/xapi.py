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
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from wardtwin.errors import WardtwinError
from wardtwin.reports.summary import SessionSummary
from wardtwin.store.journal import EventIds

XAPI_VERSION = "1.0.3"
STATEMENT_NAMESPACE = uuid.UUID("0c6f5e0a-8d0e-4b7e-9a55-1f3f1c1f7a10")
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {v: ADL + v for v in ("launched", "initialized", "completed", "passed", "failed", "terminated")}
VERBS["abandoned"] = "https://w3id.org/xapi/adl/verbs/abandoned"
DEFAULT_BASE = "https://wardtwin.invalid/xapi/"
DEFAULT_HOMEPAGE = "https://wardtwin.invalid/trainees"
_VERB_OBJECTS = {v: {"id": iri, "display": {"en-US": v}} for v, iri in VERBS.items()}
_ENCODER = json.JSONEncoder(separators=(",", ":"))


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


def _uuid5_text(prefix, name: str) -> str:
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


def _clock(started_at: str):
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

    def __init__(self, base: str):
        self.base = base
        self._cache: dict = {}

    def _activity(self, key: tuple, path: str, name: str, kind: str, full: bool) -> dict:
        """An activity (cached): its id alone, or with ``full`` its type and name too."""
        a = self._cache.get((*key, full))
        if a is None:
            a = {"id": f"{self.base}{path}"}
            if full:
                a["objectType"] = "Activity"
                a["definition"] = {"name": {"en-US": name}, "type": f"http://adlnet.gov/expapi/activities/{kind}"}
            self._cache[(*key, full)] = a
        return a

    def ward(self, ward: str, *, full: bool) -> dict:
        """The ward activity; ``full=False``: its id alone (objectType defaults to Activity)."""
        return self._activity(("ward", ward), f"wards/{quote(ward, safe='')}", f"Ward {ward}", "module", full)

    def tour(self, ward: str, tour: str, *, full: bool) -> dict:
        """The tour activity; ``full=False``: its id alone."""
        return self._activity(("tour", ward, tour), f"tours/{quote(ward, safe='')}/{quote(tour, safe='')}",
                              f"{tour} tour of {ward}", "course", full)

    def step(self, ward: str, tour: str, step_id: str, target: str | None, kind: str | None) -> dict:
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


def session_statements(s: SessionSummary, *, pseudonym=None, base: str = DEFAULT_BASE,
                       home_page: str = DEFAULT_HOMEPAGE, pass_mark: float = 0.8, _acts=None) -> list[dict]:
    """The statements of one session, in time order."""
    acts = _acts or _Activities(base)
    actor = {"objectType": "Agent", "account": {"homePage": home_page,
                                                 "name": pseudonym(s.trainee) if pseudonym else s.trainee}}
    tour = acts.tour(s.ward, s.tour, full=True)
    ext = base + "ext/"
    registration = _uuid5_text(_STATEMENT_PREFIX, s.session)
    platform = f"wardtwin {s.station}"
    context = {"registration": registration, "platform": platform, "language": "en-US",
               "contextActivities": {"grouping": [acts.ward(s.ward, full=True)]},
               "extensions": {ext + "session": s.session, ext + "station": s.station, ext + "role": s.role,
                              ext + "layout_hash": s.layout_hash, ext + "tour_version": s.tour_version,
                              ext + "mode": s.mode}}
    step_ctx = {"registration": registration,
                "contextActivities": {"parent": [acts.tour(s.ward, s.tour, full=False)],
                                      "grouping": [acts.ward(s.ward, full=False)]},
                "extensions": {ext + "session": s.session}}
    ids = EventIds(s.session)
    clock = _clock(s.started_at)
    out: list[dict] = []
    end_seq = s.last_event if s.last_event is not None else 0
    end_t = s.duration_s

    def add(verb, seq, t, obj, ctx, result=None):
        st = {"id": statement_id(ids(seq), verb), "actor": actor, "verb": _VERB_OBJECTS[verb], "object": obj,
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
        res = {"success": ok, "completion": True, "duration": iso_duration(st.duration_s or 0.0),
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
        add("passed" if s.score >= pass_mark else "failed", end_seq, end_t, tour, context,
            {"success": s.score >= pass_mark, "completion": True, "duration": iso_duration(end_t), "score": score})
    if s.ended and s.outcome != "abandoned":
        add("terminated", end_seq, end_t, tour, context,
            {"duration": iso_duration(end_t), "extensions": {ext + "outcome": s.outcome}})
    else:
        add("abandoned", end_seq, end_t, tour, context,
            {"duration": iso_duration(end_t), "extensions": {ext + "outcome": "abandoned"}})
    return out


def statements(sessions: list[SessionSummary], *, base: str = DEFAULT_BASE, **kw) -> list[dict]:
    """The statements of every session (activity objects shared between them)."""
    acts = _Activities(base)
    return [st for s in sessions for st in session_statements(s, base=base, _acts=acts, **kw)]


def dumps(stmts: list[dict]) -> str:
    """The statements as a JSON array, one compact statement per line."""
    if not stmts:
        return "[]\n"
    return "[\n" + ",\n".join(map(_ENCODER.encode, stmts)) + "\n]\n"


def encode_file(stmts: list[dict], gz: bool = False) -> bytes:
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


def post_statements(stmts: list[dict], endpoint: str, *, auth: str | None = None, batch: int = 50,
                    retries: int = 5, backoff: float = 0.5, timeout: float = 10.0, sleep=time.sleep) -> dict:
    """Send statements to an LRS: POST in batches; a batch answered 409 (some ids already
    stored) is re-sent one by one with PUT ?statementId= (204 stored, 409 already there).
    Network errors, 429 and 5xx are retried with exponential backoff. Returns counts."""
    url = check_endpoint(endpoint).rstrip("/")
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
