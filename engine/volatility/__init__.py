"""volatility stage of the posbt engine."""
