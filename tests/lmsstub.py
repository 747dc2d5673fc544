"""A small LMS for the cmi5 tests, following the cmi5 specification for the LMS's side of a
launch (no installable LMS does it here): it makes a launch URL (section 8.1), answers the fetch
URL once with ``{"auth-token": ...}`` and every later time with error code 1 (section 8.2),
serves the ``LMS.LaunchData`` state document (section 10) and the agent profile (404: no learner
preferences) to requests carrying the token, and records the LMS's own ``launched`` statement.

Statements go to a real LRS when ``upstream`` (ralph: its URL and USER:PASSWORD) is given, the
LMS passing them on with its own credentials as an LMS fronting its LRS does; else they are kept
in memory with the xAPI rules an LRS applies to ids (same id and content: nothing new; same id,
other content: 409 Conflict). ``down = True`` makes the endpoint drop every connection unanswered
(an LRS that cannot be reached; ``statements_down``: only the statements resource, so that a
launch still gets its LaunchData); ``fail_status`` makes it answer that status instead.

Runs a threading HTTP server on 127.0.0.1 (a free port) while used as a context manager.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

CMI5 = "https://w3id.org/xapi/cmi5/"
SESSION_EXT = CMI5 + "context/extensions/sessionid"


class LmsStub:
    def __init__(self, upstream: tuple[str, str] | None = None, *, launch_mode="Normal", mastery=0.8,
                 move_on="CompletedAndPassed", publisher_id="https://wardtwin.invalid/xapi/tours/tiny/tiny-station"):
        self.upstream = upstream
        self.launch_mode, self.mastery, self.move_on, self.publisher_id = launch_mode, mastery, move_on, publisher_id
        self.statements: list[dict] = []  # the in-memory LRS, in the order stored
        self.received: list[dict] = []  # every statement the AU posted or put, as it came (resends too)
        self.fetch_calls: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self.down = False
        self.statements_down = False
        self.hold = threading.Event()  # cleared: statement requests wait (answered when it is set again)
        self.hold.set()
        self.arrived = threading.Event()  # set when a statement request has come in
        self.fail_status: int | None = None
        self._tokens: dict[str, dict] = {}  # fetch key -> {"token", "fetched"}
        self._launches: dict[tuple, dict] = {}  # (activityId, registration, actor json) -> LaunchData
        self._lock = threading.Lock()
        self.server = None

    # -- running ----------------------------------------------------------------------------
    def __enter__(self):
        stub = self

        class Handler(_Handler):
            lms = stub

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    @property
    def endpoint(self) -> str:
        return self.base + "xapi/"

    # -- the LMS's side of a launch -----------------------------------------------------------
    def launch(self, au_url: str, name: str = "RN-0042", *, registration: str | None = None,
               activity_id: str = "https://lms.example.invalid/activities/au-1") -> dict:
        """Prepare a launch as an LMS does before launching the AU (LaunchData, the launched
        statement) and return ``{"url", "registration", "session", "actor", "activity_id", "token"}``."""
        actor = {"objectType": "Agent", "account": {"homePage": "https://lms.example.invalid", "name": name}}
        registration = registration or str(uuid.uuid4())
        session = str(uuid.uuid4())
        key, token = uuid.uuid4().hex, base64.b64encode(f"lms:{uuid.uuid4().hex}".encode()).decode("ascii")
        template = {"contextActivities": {"grouping": [{"objectType": "Activity", "id": self.publisher_id}]},
                    "extensions": {SESSION_EXT: session}}
        data = {"contextTemplate": template, "launchMode": self.launch_mode, "moveOn": self.move_on,
                "launchMethod": "OwnWindow"}
        if self.mastery is not None:
            data["masteryScore"] = self.mastery
        with self._lock:
            self._tokens[key] = {"token": token, "fetched": False}
            self._launches[(activity_id, registration, _agent_key(actor))] = data
        ext = {CMI5 + "context/extensions/launchmode": self.launch_mode, SESSION_EXT: session,
               CMI5 + "context/extensions/launchurl": au_url, CMI5 + "context/extensions/moveon": self.move_on}
        if self.mastery is not None:
            ext[CMI5 + "context/extensions/masteryscore"] = self.mastery
        launched = {"id": str(uuid.uuid4()), "actor": actor,
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/launched", "display": {"en-US": "launched"}},
                    "object": {"objectType": "Activity", "id": activity_id},
                    "context": {"registration": registration, "contextActivities": {
                        "grouping": template["contextActivities"]["grouping"],
                        "category": [{"objectType": "Activity", "id": CMI5 + "context/categories/cmi5"}]},
                        "extensions": ext},
                    "timestamp": _now(), "version": "1.0.3"}
        code, body = self.store("POST", "", [launched])
        assert code in (200, 204), (code, body)
        query = urlencode({"endpoint": self.endpoint, "fetch": f"{self.base}fetch/{key}",
                           "actor": json.dumps(actor), "registration": registration, "activityId": activity_id})
        return {"url": f"{au_url}?{query}", "registration": registration, "session": session, "actor": actor,
                "activity_id": activity_id, "token": token, "launched": launched["id"]}

    def valid_token(self, header: str | None) -> bool:
        with self._lock:
            return any(t["fetched"] and header == "Basic " + t["token"] for t in self._tokens.values())

    def fetch(self, key: str) -> dict:
        with self._lock:
            self.fetch_calls.append(key)
            t = self._tokens.get(key)
            if t is None:
                return {"error-code": "2", "error-text": "unknown fetch URL"}
            if t["fetched"]:
                return {"error-code": "1", "error-text": "The authorization token has already been returned."}
            t["fetched"] = True
            return {"auth-token": t["token"]}

    def launch_data(self, q: dict) -> dict | None:
        if q.get("stateId") != "LMS.LaunchData":
            return None
        try:
            agent = json.loads(q.get("agent", ""))
        except ValueError:
            return None
        return self._launches.get((q.get("activityId"), q.get("registration"), _agent_key(agent)))

    # -- the LRS behind it ----------------------------------------------------------------------
    def store(self, method: str, query: str, body) -> tuple[int, bytes]:
        """Store statements (POST: a list or one; PUT: one with ``statementId``)."""
        if self.upstream is not None:
            url, auth = self.upstream
            return _forward(method, url.rstrip("/") + "/statements" + (f"?{query}" if query else ""), auth, body)
        sts = body if isinstance(body, list) else [body]
        if method == "PUT":
            sid = parse_qs(query).get("statementId", [None])[0]
            sts = [dict(sts[0], id=sid)]
        with self._lock:
            held = {s["id"]: s for s in self.statements}
            for st in sts:
                old = held.get(st.get("id"))
                if old is not None and _comparable(old) != _comparable(st):
                    return 409, b'{"error": "conflict"}'
            ids = []
            for st in sts:
                st = dict(st, id=st.get("id") or str(uuid.uuid4()))
                if st["id"] not in held:
                    self.statements.append(st)
                    held[st["id"]] = st
                ids.append(st["id"])
        return (204, b"") if method == "PUT" else (200, json.dumps(ids).encode())

    def query(self, query: str) -> tuple[int, bytes]:
        if self.upstream is not None:
            url, auth = self.upstream
            return _forward("GET", url.rstrip("/") + "/statements?" + query, auth, None)
        q = {k: v[0] for k, v in parse_qs(query).items()}
        with self._lock:
            if "statementId" in q:
                hit = next((s for s in self.statements if s["id"] == q["statementId"]), None)
                return (200, json.dumps(hit).encode()) if hit else (404, b"{}")
            hits = [s for s in self.statements if ("registration" not in q or s.get("context", {}).get("registration")
                                                   == q["registration"])
                    and ("verb" not in q or s["verb"]["id"] == q["verb"])]
        return 200, json.dumps({"statements": hits, "more": ""}).encode()

    def lrs_statements(self, registration: str) -> list[dict]:
        """Every statement the LRS holds for a registration, in timestamp order (then stored order)."""
        code, body = self.query(urlencode({"registration": registration, "limit": 500}))
        assert code == 200, (code, body)
        sts = json.loads(body)["statements"]
        return sorted(sts, key=lambda s: s["timestamp"])


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def _agent_key(agent) -> str:
    return json.dumps(agent.get("account") if isinstance(agent, dict) else None, sort_keys=True)


def _comparable(st: dict) -> dict:
    return {k: v for k, v in st.items() if k not in ("stored", "authority", "timestamp", "version")}


def _forward(method: str, url: str, auth: str, body) -> tuple[int, bytes]:
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode("ascii")
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


class _Handler(BaseHTTPRequestHandler):
    lms: LmsStub
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _reply(self, code: int, body: bytes = b"", ctype="application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        return json.loads(raw) if raw.strip() else None

    def _handle(self, method: str) -> None:
        lms = self.lms
        parts = urlsplit(self.path)
        lms.requests.append((method, parts.path))
        if parts.path.startswith("/fetch/"):
            if method != "POST":  # cmi5 8.2: a GET is not allowed
                self._reply(405)
                return
            self._body()
            self._reply(200, json.dumps(lms.fetch(parts.path[len("/fetch/"):])).encode())
            return
        if not parts.path.startswith("/xapi/"):
            self._reply(404)
            return
        body = self._body()
        if lms.down or (lms.statements_down and parts.path == "/xapi/statements"):  # unreachable: dropped unanswered
            self.close_connection = True
            return
        if lms.fail_status:
            self._reply(lms.fail_status, b'{"error": "unavailable"}')
            return
        if not lms.valid_token(self.headers.get("Authorization")) or not self.headers.get("X-Experience-API-Version"):
            self._reply(401, b'{"error": "auth token and X-Experience-API-Version expected"}')
            return
        res = parts.path[len("/xapi/"):]
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if res == "activities/state" and method == "GET":
            doc = lms.launch_data(q)
            self._reply(200, json.dumps(doc).encode()) if doc is not None else self._reply(404, b"{}")
        elif res == "agents/profile" and method == "GET":
            self._reply(404, b"{}")
        elif res == "statements" and method in ("POST", "PUT"):
            lms.arrived.set()
            lms.hold.wait(30)
            for st in body if isinstance(body, list) else [body]:
                lms.received.append(st)
            code, out = lms.store(method, parts.query, body)
            self._reply(code, out)
        elif res == "statements" and method == "GET":
            code, out = lms.query(parts.query)
            self._reply(code, out)
        else:
            self._reply(404, b"{}")

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")
