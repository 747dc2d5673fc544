"""Rule packs: the standards a ward is checked against, as data.

A pack (``assets/rules/us.yaml``, ``assets/rules/ihfg.yaml``, or a hospital's own file) gives
each rule its limit with units, the clause it comes from, and its severity; ``ward.yaml``
names its pack (``rules:``) and may override limits (``rule_overrides:``). The rule engine
(:mod:`wardtwin.rules.engine`) evaluates them on the compiled model; walking-distance rules
share one distance field per target kind (:mod:`wardtwin.rules.distance`).

This package's ``registry`` imports nothing heavy: the layout schema uses it.
"""
