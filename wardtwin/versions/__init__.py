"""Versions of a ward: its identity, what changed between two versions, and a refresher tour
of the changes that matter to staff (no Panda3D).

- :mod:`~wardtwin.versions.identity`: the ward version id, a hash of normalised content;
- :mod:`~wardtwin.versions.gitsource`: a ward folder as it was at a git revision;
- :mod:`~wardtwin.versions.diff`: rooms, doors and items added, removed, moved, changed, renamed;
- :mod:`~wardtwin.versions.walks`: walking distances of moved items (entrance, nearest patient room);
- :mod:`~wardtwin.versions.refresher`: a short tour of the changes;
- :mod:`~wardtwin.versions.due`: who needs a refresher, from the session store's records.
"""

from wardtwin.versions.identity import normalised, ward_version

__all__ = ["normalised", "ward_version"]
