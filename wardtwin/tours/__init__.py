"""Stage 5: tours and the task engine (pure: no clock, no keyboard, no Panda3D).

- ``events``: the event contract every later stage reads;
- ``schema`` / ``load``: tour files (``kind: tour``), checked like layout files;
- ``steps``: the registry of step types (schema, ward checks, runtime behaviour);
- ``validate``: a tour against its ward (references, reachability, steps that cannot succeed);
- ``engine``: :class:`~wardtwin.tours.engine.Session`, stepped with ``dt`` and a pose;
- ``autopilot``: guided rides under comfort settings, and the motion-exposure meter;
- ``sight``: view cone, line of sight, a memoizing navigator;
- ``recorder``: one JSON-lines file per session;
- ``simulate``: simulated trainees, headless, and their aggregate report.
"""
