"""Stage 3: the 3D scene. ``mesh``, ``shapes`` and ``geometry`` are numpy (the glTF export uses
them too); ``models`` reads equipment model files, importing Panda3D (and panda3d-gltf) only
when a ward's catalog names one; the ``panda`` and ``offscreen`` modules import Panda3D."""
