"""risk stage of the posbt engine."""
