"""Adjustment rules (strategy stage): rolls, reverse buying in parts, double-calendar conversion and
dynamic hedging, each a rule the simulation fires at the first bar where its trigger holds and its
constraints allow. See docs/adjustments.md for the precise definitions and a worked example."""
