"""The config fields the engine is shown to act on (config stage), as dotted field paths.

Derived from the effect table (``engine.config.effects``): a field is here exactly when a row
of the table shows a backtest changing with it. ``engine.strategy.from_config`` is where these
fields meet the engine; the parameter reference, the template and ``posbt validate`` (a warning
for a set parameter with no row) take the set from the table, so config never has to import
the strategy stage. A field gains a place here by a passing row in the table, not by hand.
"""

from __future__ import annotations

from engine.config.effects import ACTED_ON

__all__ = ["ACTED_ON"]
