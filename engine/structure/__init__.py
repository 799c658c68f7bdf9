"""structure stage of the posbt engine."""
