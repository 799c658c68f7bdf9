"""Adjustment rules (strategy stage): rolls, reverse buying in parts, double-calendar conversion and
dynamic hedging, each a rule the simulation fires at the first bar where its trigger holds and its
constraints allow. See docs/adjustments.md for the precise definitions and a worked example.

Each type is one module that registers itself (``base.register``); importing this package
registers the built-in ones. ``docs/architecture.md`` says how to add a type.
"""

from engine.strategy.adjustments import (  # noqa: F401 - imported to register the built-in types
    double_calendar,
    dynamic_hedge,
    reverse_buy,
    roll_diagonal,
    roll_down,
    roll_up,
)
