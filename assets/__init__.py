"""Shipped data, not code: the equipment catalog (``catalog.yaml``) and its models
(``models/*.glb``). Installed as the package ``wardtwin.assets`` so that
:func:`wardtwin.layout.load.assets_dir` finds it with ``importlib.resources`` in a wheel and in
a checkout alike."""
