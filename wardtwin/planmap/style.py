"""Colours and sizes of the 2D plan. Room fills are light so equipment and labels read on top."""

ROOM_FILL = {
    "patient_room": "#eaf2fb",
    "isolation_room": "#fde8e4",
    "anteroom": "#fbeee0",
    "corridor": "#f4f4f1",
    "nurse_station": "#e3f1e0",
    "medication_room": "#efe6f7",
    "clean_utility": "#e2f3f3",
    "soiled_utility": "#efe9dc",
    "equipment_storage": "#e9ecef",
    "staff_room": "#fff6d8",
    "toilet": "#e6eef2",
    "ensuite": "#e6eef2",
    "shower": "#e6eef2",
    "stair": "#dcdcdc",
    "elevator_lobby": "#e5e3f0",
    "office": "#f3efe6",
    "nourishment": "#f8f0de",
    "linen": "#eef0f7",
    "janitor": "#ece8e1",
    "treatment_room": "#e8f4ec",
    "family_lounge": "#fbf1e6",
    "reception": "#f2efe9",
    "other": "#f0f0f0",
    "lift": "#d9d6ea",
    "shaft": "#bdbdbd",
    "alcove": "#e3f1e0",
}
WINDOW = "#4a90c2"
AREA_TEXT = "#4a5560"

WALL = "#3b3f45"
DOOR = "#5b6168"
EXIT = "#1b8a3a"
ROUTE = "#d81b60"
TEXT = "#22262b"
SAFETY_OUTLINE = "#b00020"
DEFAULT_ITEM = "#9e9e9e"

#: Pixels per metre of the drawing (the SVG scales freely; this sets text-to-plan proportions).
PX_PER_M = 22.0
MARGIN = 40.0
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
