"""Stage 5: tours and the task engine. ``events`` is the contract every later stage reads."""
