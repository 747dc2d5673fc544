"""Shipped data, not code: the reference wards, one folder each. Installed as the package
``wardtwin.reference_wards`` so that :func:`wardtwin.layout.load.layouts_dir` finds them with
``importlib.resources`` in a wheel and in a checkout alike."""
