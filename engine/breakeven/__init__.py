"""breakeven stage of the posbt engine."""
