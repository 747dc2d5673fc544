"""The VR station: a trainee walks the twin in a headset (OpenXR) or, for tests and batch
runs, with a scripted head-pose source and an offscreen stereo rig.

Pure modules (no Panda3D): :mod:`~wardtwin.station.vr.pose` (head-pose sources, poses,
recentring), :mod:`~wardtwin.station.vr.motion` (the play space in the world, teleport and
smooth locomotion, snap and smooth turns), :mod:`~wardtwin.station.vr.teleport` (the
teleport arc and its landing), :mod:`~wardtwin.station.vr.comfort` (the tunnelling
vignette), :mod:`~wardtwin.station.vr.panel` (where a panel stands and where the pointer
meets it; the panel's content is laid out by :mod:`wardtwin.station.panelui`) and
:mod:`~wardtwin.station.vr.xr` (OpenXR runtime detection and the OpenXR pose source; imports
pyopenxr only when asked). Panda3D is imported by :mod:`~wardtwin.station.vr.rig` (the stereo
rig) and :mod:`~wardtwin.station.vr.station` (:class:`VRStation`). Nothing is imported
eagerly here.
"""
