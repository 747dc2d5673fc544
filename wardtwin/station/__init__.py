"""Stations: where a trainee walks through the twin.

:mod:`wardtwin.station.locomotion` (first-person walking against the walkable area),
:mod:`wardtwin.station.script` (scripted input) and :mod:`wardtwin.station.planner` (orbit
camera and item picking) are pure and run without Panda3D; :mod:`wardtwin.station.desktop`
is the Panda3D desktop app (window, or offscreen for tests and batch runs). Nothing is
imported eagerly here.
"""
