"""Stage 3: the 3D scene. ``mesh``, ``shapes`` and ``geometry`` are pure numpy (the glTF
export uses them too); only the ``panda`` modules import Panda3D, and only when imported."""
