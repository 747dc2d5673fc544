"""HTTP to the LMS of a cmi5 launch, and the session sink a station adds when launched by one.

At launch (:meth:`Cmi5Session.start`), before the tour starts: one POST to the fetch URL for the
session's auth token (cmi5 8.2; a fetch URL works once, so a second launch with the same URL is
refused by the LMS and reported), the ``LMS.LaunchData`` state document (required: without its
context template no statement can be made), the ``cmi5LearnerPreferences`` agent profile (read as
cmi5 section 11 asks; wardtwin has no setting it changes); then the statements queued by earlier
sessions are sent, oldest first, and the registration's earlier completed/passed statements for
the AU are looked up, in the LRS and in the queue (so that a registration gets one of each).

During the tour each statement :class:`~wardtwin.lms.cmi5.AuTracker` makes is first appended to
the durable queue (:class:`~wardtwin.lms.outbox.Outbox`), then a sender thread sends it with
everything queued before it (the station's frame loop never waits for the network). A failed
send (unreachable LRS, 5xx, refused credentials) leaves the statements queued; the sender stops
trying for the rest of the session but the station tries once more when the session ends. What is still queued goes with the next cmi5
launch of a station using the same queue, or with ``wardtwin cmi5-send``: in order, once (ids are
stable, so a statement stored just before a crash is not stored twice).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

from wardtwin.lms.cmi5 import (
    AU_VERBS, LAUNCH_DATA, LEARNER_PREFERENCES, AuTracker, Cmi5Error, LaunchData, LaunchParams, parse_launch_data,
)
from wardtwin.lms.outbox import Outbox, Queued
from wardtwin.reports.xapi import XAPI_VERSION, LrsConflictError, LrsError, _Lrs
from wardtwin.safetext import escape

if TYPE_CHECKING:
    from wardtwin.events import Event

#: Seconds to wait for the LMS at launch, and for the LRS while a tour runs.
LAUNCH_TIMEOUT = 10.0
SEND_TIMEOUT = 5.0
#: Statements per POST.
BATCH = 50


def _call(method: str, url: str, *, auth: str | None = None, body: Any = None, timeout: float = LAUNCH_TIMEOUT,
          what: str) -> tuple[int, bytes]:
    """``(status, body)`` of one request; HTTP errors are answers, a network failure raises
    :class:`Cmi5Error` naming ``what``."""
    headers = {"X-Experience-API-Version": XAPI_VERSION}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    elif method == "POST":
        data = b""
    if auth:
        headers["Authorization"] = auth
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read(1 << 20)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read(1 << 16)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Cmi5Error(f"cannot reach the LMS for {what} ({escape(str(reason))})") from None


def _json(body: bytes, what: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise Cmi5Error(f"the LMS answered {what} with something that is not JSON") from None


def fetch_token(launch: LaunchParams, timeout: float = LAUNCH_TIMEOUT) -> str:
    """The session's auth token: one POST to the fetch URL (cmi5 8.2). An error answer (a fetch
    URL used before, an expired session) raises :class:`Cmi5Error` with the LMS's code and text."""
    code, body = _call("POST", launch.fetch, timeout=timeout, what="the auth token (fetch URL)")
    doc = _json(body, "the fetch URL") if code == 200 else None
    token = doc.get("auth-token") if isinstance(doc, dict) else None
    if isinstance(token, str) and token:
        return token
    if isinstance(doc, dict) and "error-code" in doc:
        meaning = {"1": "already used or expired", "2": "security error", "3": "LMS application error"}
        ec = str(doc.get("error-code"))
        raise Cmi5Error(f"the LMS's fetch URL answered error {escape(ec)} ({meaning.get(ec, 'unknown code')}: "
                        f"{escape(str(doc.get('error-text', ''))[:200])}); a fetch URL works once: launch the tour "
                        "again from the LMS")
    raise Cmi5Error(f"the LMS's fetch URL answered {code} without an auth-token")


def basic(token: str) -> str:
    """The Authorization header value of a cmi5 auth token (RFC 1945 Basic scheme)."""
    return "Basic " + token


def _endpoint(launch_or_url: LaunchParams | str) -> str:
    url = launch_or_url.endpoint if isinstance(launch_or_url, LaunchParams) else launch_or_url
    return url if url.endswith("/") else url + "/"


def _agent_query(launch: LaunchParams, **more: str) -> str:
    return urlencode({"agent": json.dumps(launch.actor, separators=(",", ":")), **more})


def launch_data(launch: LaunchParams, auth: str, timeout: float = LAUNCH_TIMEOUT) -> LaunchData:
    """The ``LMS.LaunchData`` state document of this launch (cmi5 section 10)."""
    url = (f"{_endpoint(launch)}activities/state?stateId={LAUNCH_DATA}&"
           + urlencode({"activityId": launch.activity_id, "registration": launch.registration}) + "&"
           + _agent_query(launch))
    code, body = _call("GET", url, auth=auth, timeout=timeout, what="LMS.LaunchData")
    if code != 200:
        raise Cmi5Error(f"the LMS answered {code} to the LMS.LaunchData state request"
                        + ("; its auth token was refused" if code in (401, 403) else ""))
    return parse_launch_data(_json(body, "LMS.LaunchData"))


def learner_preferences(launch: LaunchParams, auth: str, timeout: float = LAUNCH_TIMEOUT) -> dict[str, Any] | None:
    """The learner's ``cmi5LearnerPreferences`` agent profile (a JSON document, kept as read), or
    None (none, or unreadable)."""
    url = f"{_endpoint(launch)}agents/profile?" + _agent_query(launch, profileId=LEARNER_PREFERENCES)
    try:
        code, body = _call("GET", url, auth=auth, timeout=timeout, what="learner preferences")
        doc = json.loads(body) if code == 200 else None
    except (Cmi5Error, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def prior_verbs(launch: LaunchParams, auth: str, timeout: float = LAUNCH_TIMEOUT, pages: int = 20) -> set[str]:
    """The verbs among completed and passed that this registration already holds for the AU
    (an LRS that cannot answer is taken as holding none). Asked by registration alone and the
    rest compared here (some LRSs, ralph 5.1.0 among them, answer other filters wrongly); at most
    ``pages`` result pages are read."""
    from urllib.parse import urljoin

    wanted = {AU_VERBS["completed"]: "completed", AU_VERBS["passed"]: "passed"}
    found: set[str] = set()
    url = f"{_endpoint(launch)}statements?" + urlencode({"registration": launch.registration})
    for _ in range(pages):
        try:
            code, body = _call("GET", url, auth=auth, timeout=timeout, what="earlier statements")
            doc = json.loads(body) if code == 200 else {}
        except (Cmi5Error, ValueError):
            break
        if not isinstance(doc, dict):
            break
        for st in doc.get("statements", []):
            if (isinstance(st, dict) and isinstance(st.get("object"), dict) and isinstance(st.get("verb"), dict)
                    and st["object"].get("id") == launch.activity_id and st["verb"].get("id") in wanted):
                found.add(wanted[st["verb"]["id"]])
        more = doc.get("more")
        if not more or not isinstance(more, str):
            break
        url = urljoin(launch.endpoint, more)
    return found


def queued_verbs(outbox: Outbox, launch: LaunchParams) -> set[str]:
    """The verbs among completed and passed that statements still queued hold for this
    registration and AU (an earlier session's, made while the LRS could not be reached)."""
    wanted = {AU_VERBS["completed"]: "completed", AU_VERBS["passed"]: "passed"}
    found: set[str] = set()
    for q in outbox.pending():
        st = q.statement
        if (st.get("object", {}).get("id") == launch.activity_id and st.get("verb", {}).get("id") in wanted
                and st.get("context", {}).get("registration") == launch.registration):
            found.add(wanted[st["verb"]["id"]])
    return found


@dataclass
class SendReport:
    """What a send of the queue did: statements ``sent``, ``left`` queued, and ``errors`` (one
    line per endpoint and session that could not be sent); ``failed``: their (endpoint, auth)."""

    sent: int = 0
    left: int = 0
    errors: list[str] = field(default_factory=list)
    failed: set[tuple[str, str | None]] = field(default_factory=set)


def send_pending(outbox: Outbox, *, timeout: float = LAUNCH_TIMEOUT, retries: int = 0, auth: str | None = None,
                 skip: Collection[tuple[str, str | None]] = frozenset(),
                 sleep: Callable[[float], None] | None = None) -> SendReport:
    """Send the queued statements, oldest first, in batches; those of one endpoint and session
    (authorization) stop at their first failure, so they stay in order. ``auth``: an
    Authorization value used instead of the queued ones (``cmi5-send --lrs-auth``); ``skip``:
    (endpoint, auth) pairs not to try."""
    import time

    report = SendReport()
    groups: dict[tuple[str, str | None], list[Queued]] = {}
    for q in outbox.pending():
        groups.setdefault((q.endpoint, q.auth), []).append(q)
    for key, items in groups.items():
        if key in skip:
            report.left += len(items)
            report.failed.add(key)
            continue
        counts = {"sent": 0, "already": 0, "conflicts": 0, "retries": 0}
        lrs = _Lrs(key[0], None, retries, 0.5, timeout, sleep or time.sleep, counts)
        authorization = auth or key[1]
        if authorization:
            lrs.headers["Authorization"] = authorization
        for i in range(0, len(items), BATCH):
            chunk = items[i:i + BATCH]
            conflicts: list[str] = []
            try:
                lrs.post([q.statement for q in chunk], BATCH, conflicts)
            except LrsError as exc:
                report.errors.append(str(exc))
            else:
                if not conflicts:
                    outbox.mark_sent(q.n for q in chunk)
                    report.sent += len(chunk)
                    continue
                report.errors.append(str(LrsConflictError(lrs.url, conflicts, counts)))
            report.left += len(items) - i
            report.failed.add(key)
            break
    return report


@dataclass(frozen=True)
class Cmi5Summary:
    """A launched session's statements at its end: ``made`` (this session's), ``queued`` (still
    in the queue, every session's; -1 when the queue could not be read), ``queue`` (its path),
    ``endpoint``, ``errors`` (why statements are still queued: this session's, then earlier
    sessions'), ``verdict`` (passed, failed or None), ``session_id`` (the LMS's) and
    ``earlier_sent`` (statements of earlier sessions sent at launch)."""

    made: int
    queued: int
    queue: str
    endpoint: str
    errors: tuple[str, ...]
    verdict: str | None
    session_id: str
    earlier_sent: int

    def as_dict(self) -> dict[str, Any]:
        """The summary as ``wardtwin tour --format json`` shows it under ``cmi5``."""
        return {"made": self.made, "queued": self.queued, "queue": self.queue, "endpoint": self.endpoint,
                "errors": list(self.errors), "verdict": self.verdict, "session_id": self.session_id,
                "earlier_sent": self.earlier_sent}


class _Sink(Protocol):
    """A session's event sink (the store's recorder): each event, then ``close`` at the end."""

    def __call__(self, event: Event) -> None: ...

    def close(self) -> None: ...


class Cmi5Session:
    """The cmi5 side of one launched tour session: a sink for the session's events (after the
    store's, see :meth:`wrap`) that queues the AU's statements and has a sender thread send
    them, so the station's frames never wait for the network. Build it with :meth:`start`;
    :meth:`close` stops the sender, sends what is left once more and closes the queue."""

    def __init__(self, launch: LaunchParams, data: LaunchData, auth: str, outbox: Outbox, tracker: AuTracker,
                 timeout: float = SEND_TIMEOUT) -> None:
        self.launch, self.data, self.auth, self.outbox, self.tracker = launch, data, auth, outbox, tracker
        self.timeout = timeout
        self.key: tuple[str, str | None] = (launch.endpoint, auth)
        self.made = 0
        self.offline = False
        self.errors: list[str] = []
        self.earlier = SendReport()
        self.closed = False
        self._wake = threading.Condition()
        self._queued = self._handled = 0  # statements handed to the sender, and those it has tried
        self._stopping = False
        self._thread: threading.Thread | None = None

    @classmethod
    def start(cls, launch: LaunchParams, queue: str | os.PathLike[str], *, pass_mark: float | None = None,
              now: Callable[[], datetime] | None = None, timeout: float = LAUNCH_TIMEOUT) -> Cmi5Session:
        """Fetch the auth token, read LaunchData, learner preferences and the registration's
        earlier verdicts, open the queue at ``queue`` (a path), send what earlier sessions left
        there, and start the sender. Raises :class:`Cmi5Error` when the LMS's side of the launch
        fails."""
        token = fetch_token(launch, timeout)
        auth = basic(token)
        data = launch_data(launch, auth, timeout)
        learner_preferences(launch, auth, timeout)
        outbox = Outbox(queue)
        try:
            earlier = send_pending(outbox, timeout=timeout)
            # the registration's verdicts: in the LRS, or still queued here by an earlier session
            prior = prior_verbs(launch, auth, timeout) | queued_verbs(outbox, launch)
            tracker = (AuTracker(launch, data, pass_mark=pass_mark, prior=prior) if now is None
                       else AuTracker(launch, data, pass_mark=pass_mark, prior=prior, now=now))
            self = cls(launch, data, auth, outbox, tracker)
            self.earlier = earlier
        except BaseException:
            outbox.close()
            raise
        self._thread = threading.Thread(target=self._sender, name="cmi5-sender", daemon=True)
        self._thread.start()
        return self

    def wrap(self, inner: _Sink | None) -> _Tee:
        """A sink that gives each event to ``inner`` (the store's recorder, or None) first, then
        to this session; closing it closes both."""
        return _Tee(inner, self)

    def __call__(self, event: Event) -> None:
        """Queue the statements ``event`` makes (on disk before this returns) for the sender."""
        statements = self.tracker.on_event(event)
        if not statements:
            return
        self.outbox.add(statements, self.launch.endpoint, self.auth)
        self.made += len(statements)
        with self._wake:
            self._queued += 1
            self._wake.notify_all()

    def _sender(self) -> None:
        """The sender thread: sends the queue each time statements are added, until the LRS
        fails once (then the rest waits for :meth:`close`) or the session closes."""
        while True:
            with self._wake:
                while self._handled == self._queued and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                target = self._queued
            if not self.offline:
                try:
                    self._send()
                except Exception as exc:  # a damaged queue: said at the end, the tour goes on
                    self.offline = True
                    self.errors = [str(exc)]
            with self._wake:
                self._handled = target
                self._wake.notify_all()

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until the sender has tried everything queued so far (tests); True when it has."""
        with self._wake:
            return self._wake.wait_for(lambda: self._handled == self._queued or self._thread is None, timeout)

    def _send(self) -> None:
        r = send_pending(self.outbox, timeout=self.timeout, skip=self.earlier.failed)
        if self.key in r.failed:
            self.offline = True
            self.errors = r.errors

    def close(self) -> None:
        """Stop the sender (after the send it is in, if any), try once more to send what is
        queued (the LRS may be back), then close the queue."""
        if self.closed:
            return
        self.closed = True
        try:
            if self._thread is not None:
                with self._wake:
                    self._stopping = True
                    self._wake.notify_all()
                self._thread.join()
                self._thread = None
            self.offline = False
            self._send()
        finally:
            self.outbox.close()

    def summary(self) -> Cmi5Summary:
        """This session's statements and what is still queued (:class:`Cmi5Summary`)."""
        left = 0
        try:
            with Outbox(self.outbox.path) as ob:
                left = len(ob.pending())
        except Exception:  # the summary never hides the tour's own outcome
            left = -1
        return Cmi5Summary(made=self.made, queued=left, queue=str(self.outbox.path), endpoint=self.launch.endpoint,
                           errors=(*(self.errors if self.offline else []), *self.earlier.errors),
                           verdict=self.tracker.verdict, session_id=self.data.session_id,
                           earlier_sent=self.earlier.sent)


class _Tee:
    """Each event to the store's sink, then to the cmi5 session."""

    def __init__(self, inner: _Sink | None, cmi5: Cmi5Session) -> None:
        self.inner, self.cmi5 = inner, cmi5

    def __call__(self, event: Event) -> None:
        if self.inner is not None:
            self.inner(event)
        self.cmi5(event)

    def close(self) -> None:
        try:
            if self.inner is not None:
                self.inner.close()
        finally:
            self.cmi5.close()


def user_auth(user_password: str) -> str:
    """The Authorization value of ``USER:PASSWORD`` (``cmi5-send --lrs-auth``)."""
    return "Basic " + base64.b64encode(user_password.encode("utf-8")).decode("ascii")
