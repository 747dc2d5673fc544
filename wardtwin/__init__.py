"""wardtwin: a clinical ward's floor plan and inventory, compiled into a 3D digital twin.

The stages of the flow are sub-packages: :mod:`wardtwin.layout` (files and validation) and,
later, the compiled model, scene, stations, tours, store and reports. Nothing is imported
eagerly here, so ``import wardtwin`` is cheap and never touches Panda3D.
"""

__version__ = "0.1.0"
