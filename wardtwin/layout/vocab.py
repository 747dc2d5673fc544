"""The fixed vocabularies of the layout language."""

ROOM_KINDS = (
    "patient_room", "isolation_room", "anteroom", "corridor", "nurse_station",
    "medication_room", "clean_utility", "soiled_utility", "equipment_storage", "staff_room",
    "toilet", "ensuite", "shower", "stair", "elevator_lobby", "office", "nourishment", "linen",
    "janitor", "treatment_room", "family_lounge", "reception", "other",
)
#: Rooms a patient bed is wheeled into: their entrances need bed passage width.
BED_ROOM_KINDS = ("patient_room", "isolation_room", "anteroom")
DOOR_TYPES = ("swing", "double", "sliding", "opening")
MOUNTS = ("floor", "wall", "ceiling")
CATEGORIES = (
    "resuscitation", "fire_safety", "medical_gas", "evacuation", "hazard", "infection_control",
    "medication", "patient_care", "monitoring", "communication", "storage", "furniture", "other",
)
SHAPES = (
    "box", "cylinder", "bed", "cart", "cabinet", "chair", "table", "counter", "panel", "pole",
    "sink", "toilet",
)
#: The reserved room id for "outside the ward" in a door's ``between``.
OUTSIDE = "outside"
#: File kinds and the fixed file name of each in a ward folder.
FILE_KINDS = {"ward": "ward.yaml", "floorplan": "floorplan.yaml", "equipment": "equipment.yaml",
              "catalog": "catalog.yaml"}
#: Versions of the layout language this wardtwin reads.
VERSIONS = (1, 2)
