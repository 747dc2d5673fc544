"""Stage 2 of the flow: the compiled ward model and navigation.

>>> from wardtwin.model import load_model
>>> model = load_model("layouts/medsurg-28")
>>> model.distance(model.place("412"), model.place("CC-1"))   # walking distance, m

Nothing here imports Panda3D.
"""

from wardtwin.model.compiled import (
    ACCESS_REACH, PERSON_RADIUS, PlacedItem, Route, WardModel, compile_ward, load_model,
)
from wardtwin.model.checks import check, navigation_findings
from wardtwin.model.navmesh import NavMesh, build_navmesh
from wardtwin.model.queries import Nearest, nearest, resolve_place, room_at, route, walking_distance

__all__ = [
    "ACCESS_REACH", "NavMesh", "check", "Nearest", "PERSON_RADIUS", "PlacedItem", "Route", "WardModel",
    "build_navmesh", "compile_ward", "load_model", "navigation_findings", "nearest", "resolve_place",
    "room_at", "route", "walking_distance",
]
