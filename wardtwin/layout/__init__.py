"""Stage 1 of the flow: the layout files, loading and validation.

>>> from wardtwin.layout import check_ward
>>> layout, findings = check_ward("layouts/medsurg-28")

Nothing here imports Panda3D.
"""

from wardtwin.layout.findings import CODES, Finding, Severity, exit_code
from wardtwin.layout.load import load_ward, resolve_ward, shipped_wards
from wardtwin.layout.model import Door, EquipmentType, Item, Layout, Room, WardInfo
from wardtwin.layout.plan import Plan, plan_of
from wardtwin.layout.validate import check_ward, validate

__all__ = [
    "CODES", "Door", "EquipmentType", "Finding", "Item", "Layout", "Plan", "Room", "Severity", "WardInfo",
    "check_ward", "exit_code", "load_ward", "plan_of", "resolve_ward", "shipped_wards", "validate",
]
