"""The fixed vocabularies of the layout language."""

ROOM_KINDS = (
    "patient_room", "isolation_room", "anteroom", "corridor", "nurse_station",
    "medication_room", "clean_utility", "soiled_utility", "equipment_storage", "staff_room",
    "toilet", "ensuite", "shower", "stair", "elevator_lobby", "office", "nourishment", "linen",
    "janitor", "treatment_room", "family_lounge", "reception", "other",
    # version 2: lifts (a car that opens to a lobby), shafts (risers, ducts: no door, no floor
    # to walk on) and alcoves (bays open to a parent room along an edge, with no wall there)
    "lift", "shaft", "alcove",
)
#: Room kinds brought by version 2 (a version-1 file using one is told to upgrade).
V2_ROOM_KINDS = ("lift", "shaft", "alcove")
#: Room kinds nobody walks in: no door needed, not part of the walkable floor.
UNWALKED_KINDS = ("shaft",)
#: What a lift car carries (a room's ``lift``).
LIFT_TYPES = ("bed", "passenger")
#: Rooms a patient bed is wheeled into: their entrances need bed passage width.
BED_ROOM_KINDS = ("patient_room", "isolation_room", "anteroom")
DOOR_TYPES = ("swing", "double", "sliding", "opening", "leaf_and_half")
#: Door types brought by version 2.
V2_DOOR_TYPES = ("leaf_and_half",)
#: Door types with hinged leaves (they take ``swing``); ``hinge`` is for those with one main leaf.
HINGED_TYPES = ("swing", "double", "leaf_and_half")
HINGE_TYPES = ("swing", "leaf_and_half")
HINGE_SIDES = ("left", "right")
SWING_WAYS = ("in", "out")
MOUNTS = ("floor", "wall", "ceiling")
CATEGORIES = (
    "resuscitation", "fire_safety", "medical_gas", "evacuation", "hazard", "infection_control",
    "medication", "patient_care", "monitoring", "communication", "storage", "furniture", "other",
)
SHAPES = (
    "box", "cylinder", "bed", "cart", "cabinet", "chair", "table", "counter", "panel", "pole",
    "sink", "toilet", "crash_cart", "extinguisher", "pull_station", "eyewash", "spill_kit", "dispenser",
    "ppe_station", "evac_chair", "valve_box", "monitor", "iv_pole", "overbed_table", "flowmeter", "suction",
    "call_button",
)
#: The reserved room id for "outside the ward" in a door's ``between``.
OUTSIDE = "outside"
#: File kinds and the fixed file name of each in a ward folder.
FILE_KINDS = {"ward": "ward.yaml", "floorplan": "floorplan.yaml", "equipment": "equipment.yaml",
              "catalog": "catalog.yaml"}
#: Versions of the layout language this wardtwin reads.
VERSIONS = (1, 2)
