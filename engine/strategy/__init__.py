"""strategy stage of the posbt engine."""
