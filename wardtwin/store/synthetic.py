"""Realistic synthetic sessions for tests and benchmarks (seeded; no global random state).

Each trainee takes one tour of ``n_steps`` steps (find / ride / quiz) at a VR or desktop
station: an SSQ before and after, FMS ratings every few steps (the FMS >= 15 stop rule ends
the session), hints and reveals on hard steps, path lengths and SPL, and a few dropouts whose
last event is not ``session_ended`` (abandoned) or who quit.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import numpy as np

from wardtwin.events import Event, EventType, Outcome
from wardtwin.metrics.scores import FMS_STOP_DEFAULT, SSQ_ITEMS, soft_spl, spl, ssq_scores

if TYPE_CHECKING:
    from wardtwin.metrics.session import SessionSummary
    from wardtwin.store.db import Store

ROLES = ("nurse", "healthcare_assistant", "doctor", "allied_health", "porter")
ROLE_P = (0.5, 0.2, 0.15, 0.1, 0.05)
KINDS = ("find", "find", "find", "ride", "quiz")


def _ssq(rng: np.random.Generator, level: float) -> dict[str, int]:
    return {k: int(min(3, rng.poisson(level))) for k in SSQ_ITEMS}


def synthetic_session(rng: np.random.Generator, index: int, n_steps: int, *, ward: str = "medsurg-28",
                      start: datetime | None = None, prefix: str = "syn", attempt: int = 1) -> tuple[str, list[Event]]:
    """``(started_at, events)`` of trainee number ``index``; deterministic for a given generator state.
    ``attempt`` > 1: the trainee's repeat tour, ``attempt - 1`` weeks later (session id
    ``<prefix>-<index>-r<attempt>``), where find tasks are easier for them (they learned)."""
    start = start or datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)
    session = f"{prefix}-{index:07d}" + (f"-r{attempt}" if attempt > 1 else "")
    if attempt > 1:
        start += timedelta(weeks=attempt - 1)
    trainee = f"T{index:07d}"
    role = ROLES[int(rng.choice(len(ROLES), p=ROLE_P))]
    station = "vr" if rng.random() < 0.6 else "desktop"
    teleport = bool(rng.random() < 0.5)
    comfort = {"locomotion": "teleport" if teleport else "smooth", "snap_turn_deg": 45, "turn_speed_deg_s": 60,
               "walk_speed_m_s": 1.4, "vignette": True}
    started_at = (start + timedelta(minutes=7 * index + int(rng.integers(0, 5)))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    susceptibility = rng.gamma(1.2, 0.8) * (1.6 if station == "vr" else 0.6) * (0.6 if teleport else 1.0)
    evs: list[Event] = []
    seq = 0

    def add(type_: str, t: float, step: int | None = None, **data: Any) -> None:
        nonlocal seq
        evs.append(Event(session, seq, type_, round(float(t), 3), step, data))
        seq += 1

    add(EventType.SESSION_STARTED, 0.0, trainee=trainee, role=role, station=station, ward=ward,
        layout_hash="sha256:5f2c9e1b7a", tour="orientation", tour_version="3", mode="tour", comfort=comfort,
        steps=n_steps, started_at=started_at)
    pre = _ssq(rng, 0.05)
    add(EventType.QUESTIONNAIRE, 1.0, instrument="ssq", phase="pre", answers=pre, scores=ssq_scores(pre).as_dict())
    t = 60.0
    fms = 0
    path = moving = 0.0
    turns = teleports = 0
    dropout = rng.random()
    stop_at = int(rng.integers(1, max(2, n_steps))) if dropout < 0.05 else None
    outcome = Outcome.COMPLETED
    for k in range(n_steps):
        if stop_at is not None and k == stop_at:
            outcome = Outcome.ABANDONED if dropout < 0.03 else Outcome.QUIT
            break
        kind = KINDS[k % len(KINDS)]
        difficulty = 0.05 + 0.25 * ((k * 7919) % 13) / 12  # stable per step: some steps are hard
        if attempt > 1:
            difficulty *= 0.55 ** (attempt - 1)  # a repeat: the trainee remembers where things are
        add(EventType.STEP_STARTED, t, k, kind=kind, id=f"s{k:02d}", target=f"item-{k:02d}")
        hints = revealed = 0
        if kind == "find":
            hints = int(rng.random() < difficulty * 1.5) + int(rng.random() < difficulty)
            for h in range(hints):
                add(EventType.HINT_SHOWN, t + 10 + 5 * h, k, hint=f"look for the sign {h + 1}")
            success = bool(rng.random() > difficulty * 0.6)
            if not success and rng.random() < 0.5:
                revealed = 1
                add(EventType.ANSWER_REVEALED, t + 25, k)
            shortest = float(rng.uniform(5, 40))
            walked = shortest * float(1 + rng.gamma(1.0, 0.15 + difficulty))
            remaining = 0.0 if success else float(rng.uniform(0.5, shortest))
            dur = walked / 1.1 + float(rng.gamma(2.0, 4.0))
            d: dict[str, Any] = dict(
                success=success, hints=hints, revealed=revealed, walked_m=round(walked, 2),
                shortest_m=round(shortest, 2), spl=round(spl(success, shortest, walked), 4),
                soft_spl=round(soft_spl(shortest, walked, remaining), 4))
            path += walked
            moving += walked / 1.1
            teleports += int(teleport) * int(walked // 6 + 1)
            turns += int(rng.integers(0, 6))
        elif kind == "ride":
            success, dur = True, float(rng.uniform(20, 40))
            d = dict(success=True, hints=0, revealed=0)
            path += 25.0
            moving += dur
        else:
            success = bool(rng.random() > difficulty)
            dur = float(rng.gamma(3.0, 4.0))
            d = dict(success=success, hints=0, revealed=0, answer="b" if success else "c")
        t += dur
        if success:
            add(EventType.STEP_COMPLETED, t, k, duration_s=round(dur, 3), **d)
        else:
            add(EventType.STEP_FAILED, t, k, duration_s=round(dur, 3),
                reason="timeout" if kind == "find" else "wrong answer", **d)
        t += 2.0
        if k % 5 == 4:
            fms = min(20, max(0, fms + int(rng.poisson(susceptibility)) - int(rng.integers(0, 2))))
            add(EventType.COMFORT_RATING, t, k, fms=fms)
            t += 3.0
            if fms >= FMS_STOP_DEFAULT:
                outcome = Outcome.STOPPED_COMFORT
                break
    if outcome == Outcome.ABANDONED:
        return started_at, evs  # the station vanished: no post-SSQ, no session_ended
    post = _ssq(rng, 0.05 + 0.08 * susceptibility + 0.02 * fms)
    add(EventType.QUESTIONNAIRE, t + 5, None, instrument="ssq", phase="post", answers=post,
        scores=ssq_scores(post).as_dict())
    n_frames = int(t * (72 if station == "vr" else 60))
    over11 = int(n_frames * rng.beta(1, 60))
    add(EventType.SESSION_ENDED, t + 60, None, outcome=outcome.value, duration_s=round(t + 60, 3),
        motion={"time_in_motion_s": round(moving, 2), "path_m": round(path, 2), "peak_speed_m_s": 1.4,
                "mean_speed_m_s": round(path / moving, 3) if moving else 0.0, "peak_yaw_rate_deg_s": 60.0,
                "mean_yaw_rate_deg_s": round(float(rng.uniform(5, 20)), 2), "snap_turns": turns,
                "teleports": teleports},
        frames={"count": n_frames, "over_budget_11ms": over11, "over_budget_14ms": int(over11 * 0.3),
                "p95_ms": round(float(rng.uniform(8.0, 12.5)), 2)})
    return started_at, evs


def synthetic_sessions(seed: int, n_trainees: int, n_steps: int, *, repeats: float = 0.0,
                       **kw: Any) -> Iterator[tuple[str, list[Event]]]:
    """:func:`synthetic_session` for trainees 0..n-1 from ``numpy.random.default_rng(seed)``.
    ``repeats`` (0-1): the share of trainees who take the tour again (a second attempt; of those,
    the same share a third), for learning curves; 0 (the default) draws nothing more, so the
    sessions are those of earlier versions."""
    rng = np.random.default_rng(seed)
    for i in range(n_trainees):
        yield synthetic_session(rng, i, n_steps, **kw)
        attempt = 1
        while repeats > 0 and attempt < 3 and rng.random() < repeats:
            attempt += 1
            yield synthetic_session(rng, i, n_steps, attempt=attempt, **kw)


def bulk_load(store: Store, sessions: Iterable[tuple[str, list[Event]]], *, chunk: int = 500) -> tuple[int, int]:
    """Write many new ``(started_at, events)`` sessions fast (COPY on PostgreSQL, executemany
    on SQLite) with their typed results (:mod:`wardtwin.store.results`, folded from the events
    given), idempotently. Returns (sessions, events) newly stored."""
    import json

    from wardtwin.store import results
    from wardtwin.store.db import EVENT_COLUMNS, SESSION_COLUMNS, _json, session_row
    from wardtwin.store.journal import EventIds

    total = [0, 0]
    s_rows: list[tuple[Any, ...]] = []
    e_rows: list[tuple[Any, ...]] = []
    folded: list[SessionSummary] = []
    with_results = store.schema_version >= results.RESULTS_SCHEMA

    def flush() -> None:
        with store.transaction(), store.translated():
            a = store.dialect.bulk_insert(store, "sessions", SESSION_COLUMNS, s_rows)
            b = store.dialect.bulk_insert(store, "events", EVENT_COLUMNS, e_rows)
            if with_results:
                results.write(store, [], folded, bulk=True)
        total[0] += a
        total[1] += b
        s_rows.clear()
        e_rows.clear()
        folded.clear()

    for n, (started_at, evs) in enumerate(sessions, 1):
        row = session_row(evs[0], started_at)
        s_rows.append(row)
        ids = EventIds(evs[0].session)
        rows = [(ids(e.seq), e.session, e.seq, e.type, float(e.t), e.step, _json(dict(e.data))) for e in evs]
        e_rows.extend(rows)
        if with_results:  # the fold of the events as stored (their data read back from its JSON text)
            head = dict(zip(SESSION_COLUMNS, row))
            head["comfort"], head["data"] = json.loads(head["comfort"]), json.loads(head["data"])
            datas = json.loads("[" + ",".join(r[6] for r in rows) + "]")
            s = results.fold(head, [(r[2], r[3], r[4], r[5], d) for r, d in zip(rows, datas)])
            if s is not None:
                folded.append(s)
        if n % chunk == 0:
            flush()
    if s_rows:
        flush()
    return total[0], total[1]
