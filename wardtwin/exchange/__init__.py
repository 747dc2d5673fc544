"""Exchange formats, one module per format (``gltf``), plus atomic file writing (``files``).
Pure: no Panda3D (the ``.bam`` export lives with the Panda3D scene)."""
