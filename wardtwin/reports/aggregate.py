"""Roster (per trainee), cohort and per-step tables from session summaries. Plain rows (dicts)
so that CSV, HTML and tests read the same numbers."""

from __future__ import annotations

from statistics import fmean, median

from wardtwin.reports.summary import SessionSummary


def _r(v, nd=3):
    return None if v is None else round(v, nd)


def _quantiles(values: list[float]) -> dict:
    """min, q1, median, q3, max, mean (None when empty)."""
    if not values:
        return {k: None for k in ("n", "min", "q1", "median", "q3", "max", "mean")} | {"n": 0}
    v = sorted(values)

    def q(p):
        x = p * (len(v) - 1)
        lo = int(x)
        hi = min(lo + 1, len(v) - 1)
        return v[lo] + (v[hi] - v[lo]) * (x - lo)

    return {"n": len(v), "min": _r(v[0], 2), "q1": _r(q(0.25), 2), "median": _r(q(0.5), 2), "q3": _r(q(0.75), 2),
            "max": _r(v[-1], 2), "mean": _r(fmean(v), 2)}


def best_attempts(sessions: list[SessionSummary]) -> dict[str, tuple[SessionSummary, int]]:
    """Trainee -> (the session that counts, number of attempts): the latest completed session,
    else the latest attempt."""
    by: dict[str, list[SessionSummary]] = {}
    for s in sessions:
        by.setdefault(s.trainee, []).append(s)
    out = {}
    for trainee, ss in by.items():
        ss.sort(key=lambda s: (s.started_at, s.session))
        done = [s for s in ss if s.completed]
        out[trainee] = ((done or ss)[-1], len(ss))
    return out


def roster(sessions: list[SessionSummary], pseudonym=None) -> list[dict]:
    """One row per trainee, sorted by trainee (or pseudonym)."""
    rows = []
    for trainee, (s, attempts) in best_attempts(sessions).items():
        rows.append({
            "trainee": pseudonym(trainee) if pseudonym else trainee, "role": s.role or "", "station": s.station,
            "ward": s.ward, "tour": s.tour, "completed": s.completed, "outcome": s.outcome,
            "started_at": s.started_at, "ended_at": s.ended_at, "duration_s": _r(s.duration_s, 1),
            "score": _r(s.score, 3), "steps_passed": s.count("passed"), "steps_total": s.steps_total,
            "steps_missed": " ".join(s.missed), "attempts": attempts,
            "ssq_post_total": s.ssq_post["total"] if s.ssq_post else None, "fms_max": s.fms_max,
            "session": s.session,
        })
    rows.sort(key=lambda r: r["trainee"])
    return rows


def session_rows(sessions: list[SessionSummary], pseudonym=None) -> list[dict]:
    """One row per session with every per-session measure (completion and tolerability)."""
    out = []
    for s in sessions:
        m, f = s.motion, s.frames
        pre, post = s.ssq_pre or {}, s.ssq_post or {}
        out.append({
            "session": s.session, "trainee": pseudonym(s.trainee) if pseudonym else s.trainee, "role": s.role or "",
            "station": s.station, "ward": s.ward, "layout_hash": s.layout_hash, "tour": s.tour,
            "tour_version": s.tour_version, "mode": s.mode,
            "locomotion": s.comfort.get("locomotion", ""), "started_at": s.started_at, "ended_at": s.ended_at,
            "outcome": s.outcome, "completed": s.completed, "duration_s": _r(s.duration_s, 3),
            "steps_total": s.steps_total, "steps_passed": s.count("passed"), "steps_failed": s.count("failed"),
            "steps_skipped": s.count("skipped"), "steps_not_reached": s.count("not_reached") + s.count("incomplete"),
            "score": _r(s.score), "hints": s.hints, "reveals": s.reveals, "walked_m": _r(s.walked_m, 2),
            "shortest_m": _r(s.shortest_m, 2), "spl_mean": _r(s.mean_spl), "soft_spl_mean": _r(s.mean_soft_spl),
            **{f"ssq_pre_{k[0]}": pre.get(k) for k in ("nausea", "oculomotor", "disorientation", "total")},
            **{f"ssq_post_{k[0]}": post.get(k) for k in ("nausea", "oculomotor", "disorientation", "total")},
            "any_symptom": s.any_symptom, "fms_ratings": " ".join(str(r) for _, r in s.fms), "fms_max": s.fms_max,
            "stop_rule": s.stop_rule, "time_in_motion_s": m.get("time_in_motion_s"), "path_m": m.get("path_m"),
            "peak_speed_m_s": m.get("peak_speed_m_s"), "mean_speed_m_s": m.get("mean_speed_m_s"),
            "peak_yaw_rate_deg_s": m.get("peak_yaw_rate_deg_s"), "mean_yaw_rate_deg_s": m.get("mean_yaw_rate_deg_s"),
            "snap_turns": m.get("snap_turns"), "teleports": m.get("teleports"), "frames": f.get("count"),
            "frames_over_11ms": f.get("over_budget_11ms"), "frames_over_14ms": f.get("over_budget_14ms"),
            "frame_p95_ms": f.get("p95_ms"),
        })
    return out


def step_result_rows(sessions: list[SessionSummary], pseudonym=None) -> list[dict]:
    """One row per session and step."""
    return [{"session": s.session, "trainee": pseudonym(s.trainee) if pseudonym else s.trainee, "tour": s.tour,
             "step": st.index, "step_id": st.step_id, "kind": st.kind or "", "target": st.target or "",
             "status": st.status, "duration_s": _r(st.duration_s), "hints": st.hints, "revealed": st.revealed,
             "walked_m": st.walked_m, "shortest_m": st.shortest_m, "spl": _r(st.spl, 4),
             "soft_spl": _r(st.soft_spl, 4), "answer": "" if st.answer is None else str(st.answer),
             "reason": st.reason or ""}
            for s in sessions for st in s.steps]


def cohort(sessions: list[SessionSummary]) -> list[dict]:
    """Completion and tolerability for everyone, by role and by station type."""
    groups: list[tuple[str, str, list[SessionSummary]]] = [("all", "all", sessions)]
    for dim, key in (("role", lambda s: s.role or "unknown"), ("station", lambda s: s.station)):
        by: dict[str, list] = {}
        for s in sessions:
            by.setdefault(key(s), []).append(s)
        groups += [(dim, k, by[k]) for k in sorted(by)]
    rows = []
    for dim, value, ss in groups:
        trainees = best_attempts(ss)
        n_tr = len(trainees)
        done = [s for s, _ in trainees.values() if s.completed]
        with_post = [s for s in ss if s.ssq_post is not None]
        pre = _quantiles([s.ssq_pre["total"] for s in ss if s.ssq_pre])
        post = _quantiles([s.ssq_post["total"] for s in with_post])
        rows.append({
            "group": dim, "value": value, "sessions": len(ss), "trainees": n_tr, "completed": len(done),
            "completion_rate": _r(len(done) / n_tr if n_tr else None),
            "median_duration_s": _r(median([s.duration_s for s in done]), 1) if done else None,
            "median_score": _r(median([s.score for s in ss]), 3) if ss else None,
            "any_symptom_share": _r(sum(bool(s.any_symptom) for s in with_post) / len(with_post)) if with_post else None,
            **{f"ssq_pre_{k}": v for k, v in pre.items() if k != "n"},
            **{f"ssq_post_{k}": v for k, v in post.items() if k != "n"},
            "fms_max_median": (median([s.fms_max for s in ss if s.fms_max is not None])
                               if any(s.fms_max is not None for s in ss) else None),
            "stopped_comfort": sum(s.outcome == "stopped_comfort" for s in ss),
            "abandoned": sum(s.outcome == "abandoned" for s in ss), "quit": sum(s.outcome == "quit" for s in ss),
            "dropouts": sum(s.outcome in ("abandoned", "quit") for s in ss),
        })
    return rows


def steps(sessions: list[SessionSummary]) -> list[dict]:
    """Per tour step: how often it was passed, how long it took, hints, SPL (reached steps only)."""
    by: dict[tuple, list] = {}
    for s in sessions:
        for st in s.steps:
            if st.status != "not_reached":
                by.setdefault((s.tour, st.index, st.step_id), []).append(st)
    rows = []
    for (tour, index, step_id), sts in sorted(by.items()):
        ended = [x for x in sts if x.status in ("passed", "failed", "skipped")]
        durs = [x.duration_s for x in ended if x.duration_s is not None]
        spls = [x.spl for x in ended if x.spl is not None]
        soft = [x.soft_spl for x in ended if x.soft_spl is not None]
        kinds = {x.kind for x in sts if x.kind}
        rows.append({
            "tour": tour, "step": index, "step_id": step_id, "kind": "/".join(sorted(kinds)),
            "target": next((x.target for x in sts if x.target), "") or "", "attempts": len(sts),
            "passed": sum(x.status == "passed" for x in sts), "failed": sum(x.status == "failed" for x in sts),
            "skipped": sum(x.status == "skipped" for x in sts),
            "success_rate": _r(sum(x.status == "passed" for x in sts) / len(sts)),
            "median_duration_s": _r(median(durs), 1) if durs else None,
            "hint_rate": _r(sum(x.hints > 0 for x in sts) / len(sts)), "mean_hints": _r(fmean([x.hints for x in sts])),
            "reveal_rate": _r(sum(x.revealed > 0 for x in sts) / len(sts)),
            "spl_mean": _r(fmean(spls)) if spls else None, "soft_spl_mean": _r(fmean(soft)) if soft else None,
        })
    return rows
